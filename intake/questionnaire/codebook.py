"""The codebook: every export variable of a questionnaire, in order.

Names are stable and derived from ids: ``<section>.<question>``; in a repeated
section ``<section>[<item code>].<question>``; a multiple-choice option
``<variable>.<value>`` (0/1); the specify-text of "other" ``<variable>.other_text``;
a matrix row ``<variable>.<row>``. The form builder and the export both read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.questionnaire.loader import OTHER_TEXT, OTHER_VALUE
from intake.questionnaire.model import Question, Questionnaire, Section, Text

CHOSEN = ((0, "niet gekozen"), (1, "gekozen"))


@dataclass(frozen=True)
class Variable:
    """One column of the wide export."""

    name: str
    label: Text
    type: str  # a question type, or "option" (0/1), "other_text", "matrix_row"
    value_labels: tuple[tuple[str | int, str], ...]
    section: str
    item: str | None
    question: str
    option: str | int | None = None
    row: str | None = None
    identifying: bool = False
    option_label: str | None = None  # for an option (0/1): the option's own label


def repeat_items(questionnaire: Questionnaire, section: Section) -> list[tuple[str, Text]]:
    """Every item a repeated section can be asked for, as (code, title).

    Entries of a catalogue marked ``surveyed: false`` are never repeated.
    """
    source = section.repeat_for
    if source is None:
        return []
    if source.catalogue is not None:
        return [(i.code, i.title) for i in questionnaire.catalogues[source.catalogue].surveyed]
    assert source.question is not None
    question = questionnaire.question(*source.question)
    assert question is not None
    skip: set[str] = set()
    if question.choices_source in questionnaire.catalogues:
        catalogue = questionnaire.catalogues[question.choices_source]
        skip = {i.code for i in catalogue.items if not i.surveyed}
    return [(str(c.value), c.label) for c in question.choices if str(c.value) not in skip]


def variable_name(section: Section, item: str | None, question: Question) -> str:
    """The base variable name of a question, for one item of a repeated section."""
    if item is None:
        return f"{section.id}.{question.id}"
    return f"{section.id}[{item}].{question.id}"


def question_variables(
    section: Section, item: str | None, item_title: Text | None, question: Question
) -> list[Variable]:
    """The variables one question contributes, for one item (or None)."""
    if question.type == "note":
        return []
    base = variable_name(section, item, question)
    label = question.label
    if item is not None and item_title is not None:
        label = label.format_item(item, item_title.get())
    common = {
        "section": section.id,
        "item": item,
        "question": question.id,
        "identifying": question.identifying,
    }
    choice_labels = tuple((c.value, c.label.get()) for c in question.choices)
    other = question.other

    if question.type == "multiple_choice":
        variables = [
            Variable(
                f"{base}.{c.value}",
                _join(label, c.label),
                "option",
                CHOSEN,
                option=c.value,
                option_label=c.label.get(),
                **common,
            )
            for c in question.choices
        ]
        if other is not None:
            variables.append(
                Variable(
                    f"{base}.{OTHER_VALUE}",
                    _join(label, other),
                    "option",
                    CHOSEN,
                    option=OTHER_VALUE,
                    option_label=other.get(),
                    **common,
                )
            )
            variables.append(
                Variable(f"{base}.{OTHER_TEXT}", _join(label, other), "other_text", (), **common)
            )
        return variables
    if question.type == "matrix":
        return [
            Variable(
                f"{base}.{row.id}",
                _join(label, row.label),
                "matrix_row",
                choice_labels,
                row=row.id,
                **common,
            )
            for row in question.rows
        ]
    if question.type == "single_choice" and other is not None:
        labels = (*choice_labels, (OTHER_VALUE, other.get()))
        return [
            Variable(base, label, question.type, labels, **common),
            Variable(f"{base}.{OTHER_TEXT}", _join(label, other), "other_text", (), **common),
        ]
    return [Variable(base, label, question.type, choice_labels, **common)]


def codebook(questionnaire: Questionnaire) -> list[Variable]:
    """All export variables, in questionnaire order (repeated sections item by item)."""
    variables: list[Variable] = []
    for section in questionnaire.sections:
        if section.repeat_for is None:
            for question in section.questions:
                variables.extend(question_variables(section, None, None, question))
            continue
        for code, title in repeat_items(questionnaire, section):
            for question in section.questions:
                variables.extend(question_variables(section, code, title, question))
    return variables


def _join(label: Text, suffix: Text) -> Text:
    return Text(
        {lang: f"{text}: {suffix.get(lang)}" for lang, text in label.values.items()},
        label.default,
    )
