"""Note: text shown between questions; it has no answer and no export variable."""

from __future__ import annotations

from collections.abc import Mapping

from intake.questionnaire.conditions import ConditionError, Name, Reference
from intake.questionnaire.model import Question
from intake.questionnaire.types.base import HELP, ID, LABEL, RELEVANT, TYPE, QuestionType
from intake.questionnaire.values import Parsed, Posted, Problem


class NoteType(QuestionType):
    name = "note"
    summary = "text only, no answer"
    has_answer = False
    common_keys = (ID, TYPE, LABEL, HELP, RELEVANT)

    def parse(
        self, question: Question, posted: Posted, other_text: str | None = None
    ) -> dict[str, Parsed]:
        return {}

    def missing(self, question: Question, answers: Mapping[str, Parsed]) -> Problem | None:
        return None

    def value_reference(self, question: Question, name: Name) -> Reference:
        raise ConditionError(f"'{name.text}' is a note; it has no answer", name.column)
