"""Build a WTForms form for one portal page from the questionnaire model.

No form is written by hand per questionnaire: each question type maps to a
field class (``FIELD_BUILDERS``, as pyxform maps types to classes). Validation
is the engine's (``intake.questionnaire.values``), so a draft keeps everything
typed; the form renders inputs and collects what was posted. CSRF is checked by
the view itself, so an expired token never swallows a page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import Form, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from intake.questionnaire.model import Question
from intake.questionnaire.types import to_form
from intake.questionnaire.types.choice import OTHER_TEXT, OTHER_VALUE
from intake.questionnaire.values import Posted
from intake.services.responses import Page, PostedPage, Stored

OTHER_SUFFIX = "__other_text"
ROW_SEPARATOR = "__"


class CheckboxesField(SelectMultipleField):
    """Checkboxes for a multiple-choice question."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(question: Question, page: Page, language: str | None) -> list[SelectChoice]:
    choices = [SelectChoice(str(c.value), page.text(c.label, language)) for c in question.choices]
    if question.other is not None:
        choices.append(SelectChoice(OTHER_VALUE, page.text(question.other, language)))
    return choices


def _radio(question: Question, page: Page, language: str | None) -> Field:
    return RadioField(choices=_choices(question, page, language), validate_choice=False)


def _checkboxes(question: Question, page: Page, language: str | None) -> Field:
    return CheckboxesField(choices=_choices(question, page, language), validate_choice=False)


def _text(question: Question, page: Page, language: str | None) -> Field:
    return StringField()


def _textarea(question: Question, page: Page, language: str | None) -> Field:
    return TextAreaField(render_kw={"rows": 5})


def _number(question: Question, page: Page, language: str | None) -> Field:
    # A text input: type=number makes browsers silently drop input like "2,5".
    mode = "numeric" if question.integer else "decimal"
    return StringField(render_kw={"inputmode": mode, "autocomplete": "off"})


def _date(question: Question, page: Page, language: str | None) -> Field:
    return StringField(render_kw={"type": "date", "placeholder": "dd/mm/jjjj"})


def _email(question: Question, page: Page, language: str | None) -> Field:
    return StringField(render_kw={"type": "email", "autocomplete": "email"})


FIELD_BUILDERS: dict[str, Callable[[Question, Page, str | None], Field]] = {
    "single_choice": _radio,
    "scale": _radio,
    "multiple_choice": _checkboxes,
    "text": _text,
    "textarea": _textarea,
    "number": _number,
    "date": _date,
    "email": _email,
}


def field_names(question: Question) -> list[str]:
    """The form field names of a question, in order."""
    if question.type == "note":
        return []
    if question.type == "matrix":
        return [f"{question.id}{ROW_SEPARATOR}{row.id}" for row in question.rows]
    names = [question.id]
    if question.other is not None:
        names.append(f"{question.id}{OTHER_SUFFIX}")
    return names


def build_form_class(page: Page, language: str | None) -> type[Form]:
    """A Form subclass with a field per input of every question on the page."""
    attrs: dict[str, Any] = {}
    for question in page.section.questions:
        if question.type == "note":
            continue
        if question.type == "matrix":
            for row in question.rows:
                attrs[f"{question.id}{ROW_SEPARATOR}{row.id}"] = _radio(question, page, language)
            continue
        attrs[question.id] = FIELD_BUILDERS[question.type](question, page, language)
        if question.other is not None:
            attrs[f"{question.id}{OTHER_SUFFIX}"] = StringField()
    return type("PageForm", (Form,), attrs)


def form_from_stored(page: Page, stored: Mapping[str, Stored], language: str | None) -> Form:
    """The page form filled with stored answers (invalid ones as typed)."""
    data: MultiDict[str, str] = MultiDict()
    for question in page.section.questions:
        answer = stored.get(question.id)
        if answer is not None:
            shown: Posted = (
                answer.raw if not answer.is_valid and answer.raw is not None
                else to_form(question, answer.value)
            )  # fmt: skip
            if question.type == "matrix" and isinstance(shown, Mapping):
                for row, value in shown.items():
                    data.add(f"{question.id}{ROW_SEPARATOR}{row}", value)
            elif isinstance(shown, list):
                for value in shown:
                    data.add(question.id, value)
            elif shown is not None:
                data.add(question.id, shown)
        other = stored.get(f"{question.id}.{OTHER_TEXT}")
        if other is not None:
            text = other.raw if other.raw is not None else other.value
            if text is not None:
                data.add(f"{question.id}{OTHER_SUFFIX}", str(text))
    return build_form_class(page, language)(formdata=data)


def form_from_post(page: Page, formdata: MultiDict[str, str], language: str | None) -> Form:
    return build_form_class(page, language)(formdata=formdata)


SHOWN = "shown"  # hidden inputs naming the questions a rendered form showed


def posted_answers(page: Page, form: Form, shown: list[str]) -> PostedPage:
    """What the form holds, per question it showed: (main input, other specify-text).

    Only questions listed in ``shown`` count: an empty checkbox group posts
    nothing, so without that list "cleared" and "not on the form" look the same.
    """
    posted: dict[str, tuple[Posted, str | None]] = {}
    for question in page.section.questions:
        if question.type == "note" or question.id not in shown:
            continue
        if question.type == "matrix":
            rows = {
                row.id: form[f"{question.id}{ROW_SEPARATOR}{row.id}"].data or ""
                for row in question.rows
            }
            posted[question.id] = (rows, None)
            continue
        main = form[question.id].data
        other = form[f"{question.id}{OTHER_SUFFIX}"].data if question.other is not None else None
        posted[question.id] = (main, other)
    return posted
