"""What a question type declares: one subclass of ``QuestionType`` per type.

Every decision that depends on the kind of question lives on its type class, as
pyxform keeps a class per question type and formpack a class per field type:
the YAML keys it accepts (``keys``: a table of ``schema.Key``, from which both
the checker and the JSON Schema come), how a posted value is parsed, validated,
shown back and described; what a condition may do with the answer; which
registry fields may prefill it; and the export variables it contributes. The
rest of Intake asks the type (``intake.questionnaire.types.type_of``) instead of
comparing type names.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from intake.questionnaire.conditions import ConditionError, Name, Reference
from intake.questionnaire.model import Question, Text, Variable
from intake.questionnaire.schema import (
    Checked,
    ConditionCheck,
    FlagCheck,
    IdCheck,
    Key,
    Keys,
    NameCheck,
    PrefillCheck,
    TextCheck,
)
from intake.questionnaire.values import Parsed, Posted, Problem
from intake.questionnaire.vocabulary import ITEMS_PREFILL

if TYPE_CHECKING:
    from intake.questionnaire.references import References

ID = Key(
    "id",
    IdCheck(),
    "unique within its section: lowercase letters, digits and '_'",
    required=True,
    store=False,
)
TYPE = Key("type", NameCheck(), "the question type", required=True, store=False)
LABEL = Key("label", TextCheck(), "the question as the respondent reads it", required=True)
HELP = Key("help", TextCheck(), "an explanation shown under the question")
RELEVANT = Key(
    "relevant",
    ConditionCheck(),
    "a condition; the question is asked only when it holds, e.g. q.organisatie.via_igs == 'ja'",
    store=False,
)
REQUIRED = Key("required", FlagCheck(), "true when the question must be answered")
PREFILL = Key(
    "prefill", PrefillCheck(), "fill in from the registry when a response starts", store=False
)
IDENTIFYING = Key(
    "identifying",
    FlagCheck(),
    "true when the answer identifies the respondent (exported only with identities)",
)
COMMON_KEYS = (ID, TYPE, LABEL, HELP, REQUIRED, RELEVANT, PREFILL, IDENTIFYING)  # fmt: skip


class QuestionType:
    """The behaviour shared by most types; subclasses override what differs."""

    name: ClassVar[str]
    # False for a type that only shows text (a note): no answer, no variable.
    has_answer: ClassVar[bool] = True
    # Answers identify the respondent unless the question says identifying: false.
    identifying: ClassVar[bool] = False
    # Free text the respondent writes (quoted in the export): in a section that asks who
    # the respondent is, the checker wants such a question marked identifying either way.
    free_text: ClassVar[bool] = False
    # Whether a report may list its choices by how often they were chosen (largest
    # first, "other" last); false where the order of the choices means something.
    sortable: ClassVar[bool] = False
    # How SPSS treats its counted variables: "nominal", or "ordinal" where the order
    # of the values means something (a scale, a rank).
    counted_measure: ClassVar[str] = "nominal"
    # Registry fields (respondent.name, ...) that may prefill a question of this type.
    prefill_sources: ClassVar[frozenset[str]] = frozenset()
    # Whether respondent.items.<catalogue> may prefill it (choices from that catalogue).
    items_prefill: ClassVar[bool] = False
    # Whether a repeated section may repeat over this question's selected choices.
    repeatable: ClassVar[bool] = False
    # What the type shows, in one line (JSON Schema, docs).
    summary: ClassVar[str] = ""
    # The YAML keys every question accepts, and this type's own.
    common_keys: ClassVar[tuple[Key, ...]] = COMMON_KEYS
    keys: ClassVar[tuple[Key, ...]] = ()

    # ----------------------------------------------------------------- loading

    @cached_property
    def all_keys(self) -> Keys:
        return Keys(*self.common_keys, *self.keys)

    @cached_property
    def stored_keys(self) -> frozenset[str]:
        return frozenset(key.name for key in self.all_keys if key.store)

    def fields(self, node: Checked, refs: References) -> dict[str, Any]:
        """The model fields of a question whose keys passed the schema: the checked
        values, what ``resolve`` finds elsewhere in the file, then ``check_fields``."""
        stored = self.stored_keys
        fields = {name: value for name, value in node.values.items() if name in stored}
        fields.update(self.resolve(node, refs))
        self.check_fields(node, fields, refs)
        return fields

    def resolve(self, node: Checked, refs: References) -> dict[str, Any]:
        """Fields that refer to the rest of the file (a choice list, a catalogue)."""
        return {}

    def check_fields(self, node: Checked, fields: Mapping[str, Any], refs: References) -> None:
        """Checks across keys; by default that ``min`` is not larger than ``max``."""
        low, high = fields.get("min"), fields.get("max")
        if low is not None and high is not None and low > high:
            refs.error("E-RANGE", node.line("min"), f"{node.what}: 'min' is larger than 'max'")

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

    def fits_prefill(self, source: str, choices_source: str | None = None) -> bool:
        """Whether registry field ``source`` may prefill a question of this type whose
        choices come from ``choices_source``: ``respondent.items.<catalogue>`` are the
        respondent's entries of that catalogue, for the coordinator to confirm or correct."""
        if source.startswith(ITEMS_PREFILL):
            catalogue = source.removeprefix(ITEMS_PREFILL)
            return self.items_prefill and choices_source == catalogue
        return source in self.prefill_sources

    # ----------------------------------------------------------------- export

    def variables(
        self, question: Question, base: str, label: Text, common: Mapping[str, Any]
    ) -> list[Variable]:
        """The export variables of one question (for one item of a repeated section)."""
        if not self.has_answer:
            return []
        return [Variable(base, label, self.name, (), **common)]

    def cell(self, variable: Variable, answers: Mapping[str, Any]) -> Any:
        """The value of one of its variables in a response's export row (None: empty);
        ``answers`` holds the valid stored values by answer key."""
        return answers.get(variable.question)

    def quotable(self, variable: Variable) -> bool:
        """Whether the variable's values are open answers, listed ready to quote."""
        return False

    def counted(self, variable: Variable) -> bool:
        """Whether the variable gets a frequency table."""
        return False

    def frequency_tables(
        self, variables: Sequence[Variable], counts: Mapping[str, Counter[Any]]
    ) -> list[FrequencyTable]:
        """Frequency tables of counted variables of one question (for one item), given
        how often each value occurred per variable."""
        return []

    def measure(self, variable: Variable) -> str | None:
        """The SPSS measure of a variable ("nominal", "ordinal", "scale"), if it has one."""
        return self.counted_measure if self.counted(variable) else None

    def figures(self, table: FrequencyTable) -> list[Figure]:
        """The figures a report quotes from one of its frequency tables: by default the
        share of those who answered, per line."""
        n = table.n
        return [Figure(text, count / n if n else None) for _, text, count in table.lines]

    # ----------------------------------------------------------------- import

    def from_cells(
        self, question: Question, variables: Sequence[Variable], cells: Mapping[str, Any]
    ) -> tuple[Posted, str | None]:
        """What a row of the "Antwoorden" sheet posts for the question, as the form
        would: (main input, other specify-text). Raises CellError for a bad cell."""
        cell = cells[variables[0].name]
        return (None if cell is None or cell == "" else cell_text(cell)), None

    def problem_column(self, key: str, variables: Sequence[Variable]) -> str:
        """The column to blame for a problem with answer ``key``."""
        return variables[0].name

    # ----------------------------------------------------------------- demo

    def sample_answer(self, question: Question, samples: Samples) -> tuple[Posted, str | None]:
        """A plausible, valid input for the demo: (main input, other specify-text)."""
        raise NotImplementedError(f"{self.name} questions have no demo answer")


@dataclass(frozen=True)
class FrequencyTable:
    """One table of the Frequenties sheet: a line per possible value, then summary
    lines such as the top 2 of a scale (text, number, share of n)."""

    name: str
    label: str
    lines: list[tuple[Any, str, int]]  # (value, its label, count)
    n: int  # how many answered
    summary: list[tuple[str, float | int, float | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Figure:
    """One figure of a question a report opens with: a share of those who answered
    (a fraction, shown as a percentage) or a mean."""

    label: str
    value: float | None  # None when nobody answered
    kind: str = "share"  # "share" or "mean"


def mean_of(lines: Sequence[tuple[Any, str, int]]) -> float | None:
    """The mean value of a frequency table whose values are numbers, else None."""
    n = sum(count for _, _, count in lines)
    if not n or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v, _, _ in lines
    ):
        return None
    total: float = sum(value * count for value, _, count in lines)
    return total / n


class CellError(Exception):
    """A cell of an imported sheet that cannot be read as an answer."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def cell_text(cell: Any) -> str:
    """A spreadsheet cell as the text a form would post (12.0 → "12")."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, float):
        return repr(cell)
    return str(cell)


@dataclass(frozen=True)
class Samples:
    """What demo answers are drawn from (``QuestionType.sample_answer``)."""

    rng: random.Random
    lines: Sequence[str] = ("Expert",)
    paragraphs: Sequence[str] = ("Een voorbeeld van een antwoord.",)
    email: str = "info@voorbeeld.be"
    other_text: str = "Een eigen initiatief"
