"""The web side of each question type: its WTForms fields and the template that shows it.

``WEB_TYPES`` maps every engine type name (``intake.questionnaire.types``) to a
``WebType``, as Flask-Admin converts a column per type: the fields a question
needs on a page (several for the rows of a matrix, or for "other" with its
specify-text), how stored answers fill them, how posted fields become the
engine's input, the partial under ``templates/portal/questions/`` that renders
them, and what that partial shows of the question (``view``: labels and the static
HTML of its inputs, built once per page and language by ``intake.forms.views``).
Page forms (``intake.forms.page``) and templates only ask this table; they never
compare type names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import gettext as _
from markupsafe import Markup
from wtforms import Form, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields import Field

from intake.forms.widgets import Rank, Row, attributes, html_params, options, select_options
from intake.questionnaire.model import Question
from intake.questionnaire.types import to_form
from intake.questionnaire.types.choice import OTHER_VALUE, other_key
from intake.questionnaire.values import Posted

if TYPE_CHECKING:
    from intake.services.response_state import Page, Stored

SEPARATOR = "__"  # between a question id and a row (or other part) in a field name
OTHER_SUFFIX = f"{SEPARATOR}other_text"


def choice_options(question: Question, page: Page, language: str | None) -> list[tuple[str, str]]:
    """The options of a choice question as (value, label), with "other" last."""
    found = [(str(c.value), page.choice_label(question, c, language)) for c in question.choices]
    if question.other is not None:
        found.append((OTHER_VALUE, page.text(question.other, language)))
    return found


def shown_value(answer: Stored | None, question: Question) -> Posted:
    """What a stored answer shows in the form: what was typed when it did not validate."""
    if answer is None:
        return None
    if not answer.is_valid and answer.raw is not None:
        return answer.raw
    return to_form(question, answer.value)


class WebType:
    """One input named after the question; subclasses add or replace fields.

    Fields only parse what is posted (the engine validates it), so choice fields need
    no options: the templates render them from ``view``."""

    template: ClassVar[str] = "portal/questions/input.html"

    def fields(self, question: Question) -> dict[str, Field]:
        """Unbound fields by form field name."""
        return {question.id: StringField()}

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

    def view(self, question: Question, page: Page, language: str | None) -> dict[str, Any]:
        """What the partial shows besides label and help (``QuestionView``'s fields)."""
        return {"input": attributes(id=question.id, name=question.id, type="text")}


class InputWeb(WebType):
    """A single text input; ``attrs`` gives its attributes besides id and name."""

    def __init__(self, attrs: Callable[[Question], dict[str, Any]]) -> None:
        self.attrs = attrs

    def view(self, question: Question, page: Page, language: str | None) -> dict[str, Any]:
        return {
            "input": attributes(
                id=question.id, name=question.id, **{"type": "text", **self.attrs(question)}
            )
        }


class TextareaWeb(WebType):
    def view(self, question: Question, page: Page, language: str | None) -> dict[str, Any]:
        # portal.js counts down the characters left.
        counter = {"data-max-length": question.max_length} if question.max_length else {}
        attrs = attributes(id=question.id, name=question.id, rows=5, **counter)
        return {"input": attrs, "textarea": True}


class ChoicesWeb(WebType):
    """Radio buttons or checkboxes in a fieldset, and the specify-text of "other"."""

    template = "portal/questions/choices.html"

    def __init__(self, multiple: bool = False, layout: str = "") -> None:
        self.multiple = multiple  # checkboxes, else radio buttons
        self.layout = layout  # a class on the options, e.g. "scale" for a Likert row

    def fields(self, question: Question) -> dict[str, Field]:
        field_class = SelectMultipleField if self.multiple else RadioField
        fields: dict[str, Field] = {question.id: field_class(validate_choice=False)}
        if question.other is not None:
            fields[self.other_name(question)] = StringField()
        return fields

    def view(self, question: Question, page: Page, language: str | None) -> dict[str, Any]:
        input_type = "checkbox" if self.multiple else "radio"
        found: dict[str, Any] = {
            "options": tuple(
                options(question.id, input_type, choice_options(question, page, language))
            ),
            "multiple": self.multiple,
            "layout": self.layout,
        }
        if question.other is not None:
            name = self.other_name(question)
            label = page.text(question.other, language)
            # As the template's _() wrote it: the translation trusted, the label escaped.
            found["other_label"] = Markup(_("Omschrijf '%(label)s'")) % {"label": label}
            found["other_name"] = name
            found["input"] = attributes(id=name, name=name, type="text")
        return found

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

    def fields(self, question: Question) -> dict[str, Field]:
        return {
            self.row_name(question, row.id): RadioField(validate_choice=False)
            for row in question.rows
        }

    def view(self, question: Question, page: Page, language: str | None) -> dict[str, Any]:
        choices = choice_options(question, page, language)
        rows = []
        for row in question.rows:
            name = self.row_name(question, row.id)
            rows.append(Row(page.text(row.label, language), name, options(name, "radio", choices)))
        return {"rows": tuple(rows)}

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

    def fields(self, question: Question) -> dict[str, Field]:
        return {
            self.rank_name(question, c.value): SelectField(validate_choice=False)
            for c in question.choices
        }

    def view(self, question: Question, page: Page, language: str | None) -> dict[str, Any]:
        numbers = [str(rank) for rank in range(1, len(question.choices) + 1)]
        ranks = []
        for choice in question.choices:
            name = self.rank_name(question, choice.value)
            attrs = html_params(id=name, name=name)
            ranks.append(Rank(page.text(choice.label, language), name, attrs))
        choices = [("", _("geen rang")), *((n, n) for n in numbers)]
        return {"ranks": tuple(ranks), "rank_options": tuple(select_options(choices))}

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

    def fields(self, question: Question) -> dict[str, Field]:
        return {}

    def view(self, question: Question, page: Page, language: str | None) -> dict[str, Any]:
        return {}

    def field_names(self, question: Question) -> list[str]:
        return []

    def formdata(
        self, question: Question, stored: Mapping[str, Stored]
    ) -> Iterator[tuple[str, str]]:
        return iter(())


def _number(question: Question) -> dict[str, Any]:
    # A text input: type=number makes browsers silently drop input like "2,5".
    mode = "numeric" if question.integer else "decimal"
    return {"inputmode": mode, "autocomplete": "off"}


WEB_TYPES: dict[str, WebType] = {
    "single_choice": ChoicesWeb(),
    "multiple_choice": ChoicesWeb(multiple=True),
    "scale": ChoicesWeb(layout="scale"),
    "text": InputWeb(lambda question: {}),
    "textarea": TextareaWeb(),
    "number": InputWeb(_number),
    "date": InputWeb(lambda question: {"type": "date", "placeholder": "dd/mm/jjjj"}),
    "email": InputWeb(lambda question: {"type": "email", "autocomplete": "email"}),
    "matrix": MatrixWeb(),
    "note": NoteWeb(),
    "ranking": RankingWeb(),
}


def web_type(question: Question) -> WebType:
    """The web side of a question's type."""
    return WEB_TYPES[question.type]
