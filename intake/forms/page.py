"""Build a WTForms form for one portal page from the questionnaire model.

No form is written by hand per questionnaire: each question type's web side
(``intake.forms.types.WEB_TYPES``) gives its fields, as pyxform maps types to
classes. Validation is the engine's (``intake.questionnaire.types``), so a draft
keeps everything typed; the form collects what was posted. The templates render the
inputs (``intake.forms.views``) from form data: posted, or ``stored_formdata``.
CSRF is checked by the view itself, so an expired token never swallows a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import Form

from intake.forms.cache import PageCache
from intake.forms.types import web_type
from intake.questionnaire.model import Question
from intake.questionnaire.types import answer_keys
from intake.questionnaire.values import Posted
from intake.services.response_state import Page, Stored
from intake.services.responses import PostedPage


def field_names(question: Question) -> list[str]:
    """The form field names of a question, in order."""
    return web_type(question).field_names(question)


_FORM_CLASSES: PageCache[type[Form]] = PageCache()


def build_form_class(page: Page) -> type[Form]:
    """A Form subclass with a field per input of every question on the page (built once
    per version and section: its fields parse, they have no labels or options)."""

    def build() -> type[Form]:
        attrs: dict[str, Any] = {}
        for question in page.section.questions:
            attrs.update(web_type(question).fields(question))
        return type("PageForm", (Form,), attrs)

    return _FORM_CLASSES.get(page.section, None, None, build)


def stored_formdata(page: Page, stored: Mapping[str, Stored]) -> MultiDict[str, str]:
    """Form data showing the stored answers of the page (invalid ones as typed)."""
    data: MultiDict[str, str] = MultiDict()
    for question in page.section.questions:
        for name, value in web_type(question).formdata(question, stored):
            data.add(name, value)
    return data


def form_from_post(page: Page, formdata: MultiDict[str, str]) -> Form:
    return build_form_class(page)(formdata=formdata)


SHOWN = "shown"  # hidden inputs naming the questions a rendered form showed
# Fields of the page form that are not answers.
FORM_MACHINERY = frozenset({"csrf_token", "revision", SHOWN, "action", "access_link"})


def posted_answers(page: Page, form: Form, shown: list[str]) -> PostedPage:
    """What the form holds, per question it showed: (main input, other specify-text).

    Only questions listed in ``shown`` count: an empty checkbox group posts
    nothing, so without that list "cleared" and "not on the form" look the same.
    """
    posted: dict[str, tuple[Posted, str | None]] = {}
    for question in page.section.questions:
        if question.id in shown and answer_keys(question):
            posted[question.id] = web_type(question).posted(question, form)
    return posted
