"""The question types: one class per type, found by name in ``QUESTION_TYPES``.

As pyxform's ``QUESTION_CLASSES`` maps a type name to its class, this table is
the only place that lists the types; everything that depends on the kind of a
question asks ``type_of(question)``. The functions below are the entry points
the portal, imports and exports use for answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake.questionnaire.model import Question
from intake.questionnaire.types.base import QuestionType
from intake.questionnaire.types.choice import (
    MultipleChoiceType,
    ScaleType,
    SingleChoiceType,
)
from intake.questionnaire.types.date import DateType
from intake.questionnaire.types.matrix import MatrixType
from intake.questionnaire.types.note import NoteType
from intake.questionnaire.types.number import NumberType
from intake.questionnaire.types.ranking import RankingType
from intake.questionnaire.types.text import EmailType, TextareaType, TextType
from intake.questionnaire.values import Parsed, Posted, Problem

QUESTION_TYPES: dict[str, QuestionType] = {
    t.name: t
    for t in (
        SingleChoiceType(),
        MultipleChoiceType(),
        ScaleType(),
        TextType(),
        TextareaType(),
        NumberType(),
        DateType(),
        EmailType(),
        MatrixType(),
        NoteType(),
        RankingType(),
    )
}


def type_of(question: Question) -> QuestionType:
    """The type class of a (checked) question."""
    return QUESTION_TYPES[question.type]


def answer_keys(question: Question) -> tuple[str, ...]:
    """The keys a question's answers are stored under: its id, then e.g. the
    specify-text of "other"."""
    return type_of(question).answer_keys(question)


def parse(question: Question, posted: Posted, other_text: str | None = None) -> dict[str, Parsed]:
    """Parse one question's posted input into answers keyed by answer key.

    Required-ness is not checked here (see ``missing``): a draft may be incomplete.
    """
    return type_of(question).parse(question, posted, other_text)


def missing(question: Question, answers: Mapping[str, Parsed]) -> Problem | None:
    """What is still missing for a question to be complete, else None."""
    return type_of(question).missing(question, answers)


def to_form(question: Question, value: Any) -> Posted:
    """A stored value back into what the form shows (the inverse of ``parse``)."""
    return type_of(question).to_form(question, value)


def describe(question: Question, value: Any, language: str | None = None) -> str:
    """A stored value as a reader sees it: choice labels, 2,5, 23/11/2026."""
    return type_of(question).describe(question, value, language)
