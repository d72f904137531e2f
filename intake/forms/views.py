"""What the portal's templates show of each question, built once per (questionnaire
version, section, item, language).

Labels, help and options in the page's language, and the static HTML of every input
(ids, names, types, option labels), as WTForms writes it: attributes sorted by name,
values escaped. Per request the templates add only what changes: the values shown,
which options are checked, the problems and ``disabled``. Rendering a page through
WTForms' widgets and per-question macros took most of a page view; here the templates
write the inputs themselves (``templates/portal/questions/``), and WTForms parses and
validates what is posted (``intake.forms.page``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask_babel import gettext as _
from markupsafe import Markup, escape

from intake.forms.cache import PageCache
from intake.forms.types import web_type
from intake.forms.widgets import Attributes, Option, Rank, Row, SelectOption
from intake.questionnaire.model import Question
from intake.questionnaire.types import answer_keys
from intake.services.response_state import Page


@dataclass(frozen=True, slots=True)
class QuestionView:
    """A question as its partial (``template``) renders it; the parts its type uses are set."""

    id: str
    type: str
    template: str
    label: str
    help: str
    mark: Markup  # "required", for sighted and screen-reader users alike; else empty
    hint: Markup  # the help, with the id aria-describedby names; else empty
    answers: bool  # whether it has answers (the form lists it in ``shown``)
    described: str  # aria-describedby without a problem (the help), and with one
    described_error: str
    names: tuple[str, ...]  # its form field names
    # input, textarea: the input; choices: the specify-text of "other"
    input: Attributes | None = None
    textarea: bool = False
    # choices
    options: tuple[Option, ...] = ()
    multiple: bool = False
    layout: str = ""
    other_label: Markup = Markup("")
    other_name: str = ""
    # matrix
    rows: tuple[Row, ...] = ()
    # ranking
    ranks: tuple[Rank, ...] = ()
    rank_options: tuple[SelectOption, ...] = ()


class PageView(NamedTuple):
    """The views of a page's questions by id, and every form field name of the page."""

    questions: Mapping[str, QuestionView]
    names: tuple[str, ...]

    def values(self, formdata: Any) -> dict[str, list[str]]:
        """The values each field of the page shows, from form data (posted, or built
        from stored answers): as WTForms reads them, every value of a field name."""
        return {name: formdata.getlist(name) for name in self.names}


def required_mark(question: Question) -> Markup:
    if not question.required:
        return Markup("")
    verplicht = escape(_("verplicht"))
    return Markup(
        '<span class="required" aria-hidden="true">*</span>'
        f'<span class="visually-hidden"> ({verplicht})</span>'
    )


def hint(question: Question, page: Page, language: str | None) -> Markup:
    if not question.help:
        return Markup("")
    text = escape(page.text(question.help, language))
    return Markup(f'<p class="hint" id="help-{escape(question.id)}">{text}</p>')


def question_view(question: Question, page: Page, language: str | None) -> QuestionView:
    web = web_type(question)
    help_id = f"help-{question.id}" if question.help else ""
    error_id = f"error-{question.id}"
    return QuestionView(
        id=question.id,
        type=question.type,
        template=web.template,
        label=page.text(question.label, language),
        help=page.text(question.help, language) if question.help else "",
        mark=required_mark(question),
        hint=hint(question, page, language),
        answers=bool(answer_keys(question)),
        described=help_id,
        described_error=f"{help_id} {error_id}" if help_id else error_id,
        names=tuple(web.field_names(question)),
        **web.view(question, page, language),
    )


_VIEWS: PageCache[PageView] = PageCache()


def page_views(page: Page, language: str | None) -> PageView:
    """The views of every question of the page (built once per version, section, item
    and language)."""

    def build() -> PageView:
        views = {q.id: question_view(q, page, language) for q in page.section.questions}
        names = tuple(name for view in views.values() for name in view.names)
        return PageView(views, names)

    return _VIEWS.get(page.section, page.item, language, build)
