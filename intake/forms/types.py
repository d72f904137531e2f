"""The web side of each question type: its WTForms fields and the template that shows it.

``WEB_TYPES`` maps every engine type name (``intake.questionnaire.types``) to a
``WebType``, as Flask-Admin converts a column per type: the fields a question
needs on a page (several for the rows of a matrix, or for "other" with its
specify-text), how stored answers fill them, how posted fields become the
engine's input, and the partial under ``templates/portal/questions/`` that
renders them. Page forms (``intake.forms.page``) and templates only ask this
table; they never compare type names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields import Field
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; its stubs are of 3.2

from intake.forms.widgets import CheckboxesField, RadiosField, TextField
from intake.questionnaire.model import Question
from intake.questionnaire.types import to_form
from intake.questionnaire.types.choice import OTHER_VALUE, other_key
from intake.questionnaire.values import Posted

if TYPE_CHECKING:
    from intake.services.response_state import Page, Stored

SEPARATOR = "__"  # between a question id and a row (or other part) in a field name
OTHER_SUFFIX = f"{SEPARATOR}other_text"


def choice_options(question: Question, page: Page, language: str | None) -> list[SelectChoice]:
    """The options of a choice question, with "other" last."""
    options = [
        SelectChoice(str(c.value), page.choice_label(question, c, language))
        for c in question.choices
    ]
    if question.other is not None:
        options.append(SelectChoice(OTHER_VALUE, page.text(question.other, language)))
    return options


def shown_value(answer: Stored | None, question: Question) -> Posted:
    """What a stored answer shows in the form: what was typed when it did not validate."""
    if answer is None:
        return None
    if not answer.is_valid and answer.raw is not None:
        return answer.raw
    return to_form(question, answer.value)


class WebType:
    """One input named after the question; subclasses add or replace fields."""

    template: ClassVar[str] = "portal/questions/input.html"

    def fields(self, question: Question, page: Page, language: str | None) -> dict[str, Field]:
        """Unbound fields by form field name."""
        return {question.id: self.field(question, page, language)}

    def field(self, question: Question, page: Page, language: str | None) -> Field:
        return TextField()

    def field_names(self, question: Question) -> list[str]:
        return [question.id]

    def formdata(
        self, question: Question, stored: Mapping[str, Stored]
    ) -> Iterator[tuple[str, str]]:
        """Form inputs (name, value) showing the stored answers of the question."""
        shown = shown_value(stored.get(question.id), question)
        if isinstance(shown, list):
            for value in shown:
                yield question.id, value
        elif shown is not None:
            yield question.id, str(shown)

    def posted(self, question: Question, form: Form) -> tuple[Posted, str | None]:
        """The engine's input (main input, other specify-text) from a posted form."""
        return form[question.id].data, None

    def input_attrs(self, question: Question) -> dict[str, Any]:
        """Extra attributes of the input, for the template."""
        return {}


class InputWeb(WebType):
    """A single text input; ``build`` makes its field."""

    def __init__(self, build: Callable[[Question], Field]) -> None:
        self.build = build

    def field(self, question: Question, page: Page, language: str | None) -> Field:
        return self.build(question)


class TextareaWeb(WebType):
    def field(self, question: Question, page: Page, language: str | None) -> Field:
        return TextAreaField(render_kw={"rows": 5})

    def input_attrs(self, question: Question) -> dict[str, Any]:
        # portal.js counts down the characters left.
        return {"data-max-length": question.max_length} if question.max_length else {}


class ChoicesWeb(WebType):
    """Radio buttons or checkboxes in a fieldset, and the specify-text of "other"."""

    template = "portal/questions/choices.html"

    def __init__(
        self, field_class: type[RadiosField | SelectMultipleField], layout: str = ""
    ) -> None:
        self.field_class = field_class
        self.layout = layout  # a class on the options, e.g. "scale" for a Likert row

    def fields(self, question: Question, page: Page, language: str | None) -> dict[str, Field]:
        options = choice_options(question, page, language)
        fields: dict[str, Field] = {
            question.id: self.field_class(choices=options, validate_choice=False)
        }
        if question.other is not None:
            fields[self.other_name(question)] = TextField()
        return fields

    def other_name(self, question: Question) -> str:
        return f"{question.id}{OTHER_SUFFIX}"

    def field_names(self, question: Question) -> list[str]:
        names = [question.id]
        if question.other is not None:
            names.append(self.other_name(question))
        return names

    def formdata(
        self, question: Question, stored: Mapping[str, Stored]
    ) -> Iterator[tuple[str, str]]:
        yield from super().formdata(question, stored)
        other = stored.get(other_key(question)) if question.other is not None else None
        if other is not None:
            text = other.raw if other.raw is not None else other.value
            if text is not None:
                yield self.other_name(question), str(text)

    def posted(self, question: Question, form: Form) -> tuple[Posted, str | None]:
        other = form[self.other_name(question)].data if question.other is not None else None
        return form[question.id].data, other


class MatrixWeb(WebType):
    """A fieldset per row, each with the radio buttons of the shared choices."""

    template = "portal/questions/matrix.html"

    def row_name(self, question: Question, row_id: str) -> str:
        return f"{question.id}{SEPARATOR}{row_id}"

    def fields(self, question: Question, page: Page, language: str | None) -> dict[str, Field]:
        options = choice_options(question, page, language)
        return {
            self.row_name(question, row.id): RadiosField(choices=options, validate_choice=False)
            for row in question.rows
        }

    def field_names(self, question: Question) -> list[str]:
        return [self.row_name(question, row.id) for row in question.rows]

    def formdata(
        self, question: Question, stored: Mapping[str, Stored]
    ) -> Iterator[tuple[str, str]]:
        shown = shown_value(stored.get(question.id), question)
        if isinstance(shown, Mapping):
            for row, value in shown.items():
                yield self.row_name(question, row), value

    def posted(self, question: Question, form: Form) -> tuple[Posted, str | None]:
        rows = {row.id: form[self.row_name(question, row.id)].data or "" for row in question.rows}
        return rows, None


class RankingWeb(WebType):
    """Per choice a list of ranks (1 = first): keyboard-friendly, no JavaScript needed."""

    template = "portal/questions/ranking.html"

    def rank_name(self, question: Question, value: str | int) -> str:
        return f"{question.id}{SEPARATOR}{value}"

    def fields(self, question: Question, page: Page, language: str | None) -> dict[str, Field]:
        ranks = [SelectChoice("", _l("geen rang"))] + [
            SelectChoice(str(rank), str(rank)) for rank in range(1, len(question.choices) + 1)
        ]
        return {
            self.rank_name(question, c.value): SelectField(choices=ranks, validate_choice=False)
            for c in question.choices
        }

    def field_names(self, question: Question) -> list[str]:
        return [self.rank_name(question, c.value) for c in question.choices]

    def formdata(
        self, question: Question, stored: Mapping[str, Stored]
    ) -> Iterator[tuple[str, str]]:
        shown = shown_value(stored.get(question.id), question)
        if isinstance(shown, Mapping):
            for value, rank in shown.items():
                yield self.rank_name(question, value), rank

    def posted(self, question: Question, form: Form) -> tuple[Posted, str | None]:
        ranks = {
            str(c.value): form[self.rank_name(question, c.value)].data or ""
            for c in question.choices
        }
        return ranks, None


class NoteWeb(WebType):
    """Text only: no fields."""

    template = "portal/questions/note.html"

    def fields(self, question: Question, page: Page, language: str | None) -> dict[str, Field]:
        return {}

    def field_names(self, question: Question) -> list[str]:
        return []

    def formdata(
        self, question: Question, stored: Mapping[str, Stored]
    ) -> Iterator[tuple[str, str]]:
        return iter(())


def _number(question: Question) -> Field:
    # A text input: type=number makes browsers silently drop input like "2,5".
    mode = "numeric" if question.integer else "decimal"
    return TextField(render_kw={"inputmode": mode, "autocomplete": "off"})


WEB_TYPES: dict[str, WebType] = {
    "single_choice": ChoicesWeb(RadiosField),
    "multiple_choice": ChoicesWeb(CheckboxesField),
    "scale": ChoicesWeb(RadiosField, layout="scale"),
    "text": InputWeb(lambda question: TextField()),
    "textarea": TextareaWeb(),
    "number": InputWeb(_number),
    "date": InputWeb(
        lambda question: TextField(render_kw={"type": "date", "placeholder": "dd/mm/jjjj"})
    ),
    "email": InputWeb(
        lambda question: TextField(render_kw={"type": "email", "autocomplete": "email"})
    ),
    "matrix": MatrixWeb(),
    "note": NoteWeb(),
    "ranking": RankingWeb(),
}


def web_type(question: Question) -> WebType:
    """The web side of a question's type."""
    return WEB_TYPES[question.type]
