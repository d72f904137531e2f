"""The codebook: every export variable of a questionnaire, in order.

Names are stable and derived from ids: ``<section>.<question>``; in a repeated
section ``<section>[<item code>].<question>``; a multiple-choice option
``<variable>.<value>`` (0/1); the specify-text of "other" ``<variable>.other_text``;
a matrix row ``<variable>.<row>``. Each question type names its own variables
(``QuestionType.variables``). The form builder and the export both read it.

Besides the answers, the export carries the registry's attributes that do not
identify anyone (``attribute_variables``): one variable per attribute, named by its
id, in section ``REGISTER``, so an analyst pivots answers by region or year without
a join. An attribute id holds no '.', so it never equals a question's variable.
"""

from __future__ import annotations

from typing import Any

from intake.questionnaire.model import (
    Population,
    Question,
    Questionnaire,
    Section,
    Text,
    Variable,
)
from intake.questionnaire.types import type_of

__all__ = [
    "REGISTER",
    "Variable",
    "attribute_cell",
    "attribute_variables",
    "codebook",
    "question_variables",
    "repeat_items",
    "variable_name",
]

REGISTER = "register"  # the section of an attribute's variable in the codebook
# The SPSS measure of an attribute's variable, by the attribute's type.
ATTRIBUTE_MEASURES = {"choice": "nominal", "integer": "scale", "number": "scale"}


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
    qtype = type_of(question)
    if not qtype.has_answer:
        return []
    label = question.label
    if item is not None and item_title is not None:
        if "{item." in label.get():
            label = label.format_item(item, item_title.get())
        else:  # "this action": the variable names its item after the label, as its page does
            page = section.title.format_item(item, item_title.get())
            named = {lang: f"{text} – {page.get(lang)}" for lang, text in label.values.items()}
            label = Text(named, label.default)
    common = {
        "section": section.id,
        "item": item,
        "question": question.id,
        "question_type": question.type,
        "identifying": question.identifying,
    }
    return qtype.variables(question, variable_name(section, item, question), label, common)


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


def attribute_variables(population: Population) -> list[Variable]:
    """One variable per attribute the export may show (not identifying), as declared:
    choices with their value labels."""
    return [
        Variable(
            name=attribute.id,
            label=attribute.label,
            type=attribute.type,
            value_labels=tuple((c.value, c.label.get()) for c in attribute.choices),
            section=REGISTER,
            item=None,
            question=attribute.id,
        )
        for attribute in population.exported
    ]


def attribute_cell(value: Any) -> Any:
    """An attribute's stored value as an export cell: a list joined with '; ', else as
    stored (a choice's value, a whole number, a number, text)."""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value
