"""What a question type declares: one subclass of ``QuestionType`` per type.

Every decision that depends on the kind of question lives on its type class, as
pyxform keeps a class per question type and formpack a class per field type:
how a posted value is parsed, validated, shown back and described; what a
condition may do with the answer; which registry fields may prefill it; and the
export variables it contributes. The rest of Intake asks the type
(``intake.questionnaire.types.type_of``) instead of comparing type names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from intake.questionnaire.conditions import ConditionError, Name, Reference
from intake.questionnaire.model import Question, Text, Variable
from intake.questionnaire.values import Parsed, Posted, Problem

ITEMS_PREFILL = "respondent.items."


class QuestionType:
    """The behaviour shared by most types; subclasses override what differs."""

    name: ClassVar[str]
    # False for a type that only shows text (a note): no answer, no variable.
    has_answer: ClassVar[bool] = True
    # Answers identify the respondent unless the question says identifying: false.
    identifying: ClassVar[bool] = False
    # Registry fields (respondent.name, ...) that may prefill a question of this type.
    prefill_sources: ClassVar[frozenset[str]] = frozenset()
    # Whether respondent.items.<catalogue> may prefill it (choices from that catalogue).
    items_prefill: ClassVar[bool] = False
    # Whether a repeated section may repeat over this question's selected choices.
    repeatable: ClassVar[bool] = False

    # ----------------------------------------------------------------- answers

    def answer_keys(self, question: Question) -> tuple[str, ...]:
        """The keys its answers are stored under: the question id first."""
        return (question.id,) if self.has_answer else ()

    def parse(
        self, question: Question, posted: Posted, other_text: str | None = None
    ) -> dict[str, Parsed]:
        """Posted input into answers by answer key. Required-ness is ``missing``'s job:
        a draft may be incomplete."""
        return {question.id: self.parse_value(question, posted)}

    def parse_value(self, question: Question, posted: Posted) -> Parsed:
        """The main answer from what was posted."""
        raise NotImplementedError

    def missing(self, question: Question, answers: Mapping[str, Parsed]) -> Problem | None:
        """What is still missing for the question to be complete, else None."""
        if not question.required:
            return None
        main = answers.get(question.id) or Parsed()
        return Problem("required") if main.is_empty else None

    def to_form(self, question: Question, value: Any) -> Posted:
        """A stored value back into what the form shows (the inverse of ``parse``)."""
        return None if value is None else str(value)

    def describe(self, question: Question, value: Any, language: str | None = None) -> str:
        """A stored value as a reader sees it."""
        return "" if value is None else str(value)

    # ----------------------------------------------------------------- conditions

    def reference(self, question: Question, name: Name) -> Reference:
        """What ``q.<section>.<question>`` (and any further part) means in a condition;
        raises ConditionError when the name cannot be used."""
        if len(name.parts) > 3:
            raise ConditionError(
                f"'{name.text}': a {self.name} question has no parts; "
                f"write {'.'.join(name.parts[:3])}",
                name.column,
            )
        return self.value_reference(question, name)

    def value_reference(self, question: Question, name: Name) -> Reference:
        return Reference("text", None)

    def fits_prefill(self, source: str, question: Question) -> bool:
        """Whether registry field ``source`` may prefill ``question``:
        ``respondent.items.<catalogue>`` are the organisation's entries of the catalogue
        its choices come from, for the coordinator to confirm or correct."""
        if source.startswith(ITEMS_PREFILL):
            catalogue = source.removeprefix(ITEMS_PREFILL)
            return self.items_prefill and question.choices_source == catalogue
        return source in self.prefill_sources

    # ----------------------------------------------------------------- export

    def variables(
        self, question: Question, base: str, label: Text, common: Mapping[str, Any]
    ) -> list[Variable]:
        """The export variables of one question (for one item of a repeated section)."""
        if not self.has_answer:
            return []
        return [Variable(base, label, self.name, (), **common)]
