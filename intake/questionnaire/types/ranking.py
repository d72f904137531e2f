"""Ranking: put the choices in order of importance, each a rank of 1 (first) to N.

The answer is a mapping of each ranked choice's value (as text) to its rank, e.g.
``{"wonen": 1, "werk": 2}``. Every rank is used at most once and without gaps;
an optional ranking may stop early (only the first few ranked), a required one
ranks every choice. Input that breaks these rules is kept as typed and flagged.
Each choice is one export variable ``<variable>.<choice>`` holding its rank; in a
condition, ``q.<section>.<ranking>.<choice>`` is that rank (a number).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from intake.questionnaire.conditions import ConditionError, Name, Reference
from intake.questionnaire.model import Question, Text, Variable
from intake.questionnaire.types.base import (
    CellError,
    Figure,
    FrequencyTable,
    Samples,
    cell_text,
    mean_of,
)
from intake.questionnaire.types.choice import SURVEYED_ONLY, ChoiceType, choices_key
from intake.questionnaire.values import N_, Parsed, Posted, Problem

MESSAGES = {
    "rank_twice": N_("Geef elke rang maar één keer."),
    "rank_gap": N_("Sla geen rang over: nummer 1, 2, 3 … zonder gaten."),
    "rank_all": N_("Geef elke keuze een rang."),
}


def _problem(code: str) -> Problem:
    return Problem(code, {}, MESSAGES[code])


def rank_labels(count: int) -> tuple[tuple[int, str], ...]:
    return tuple((rank, f"rang {rank}") for rank in range(1, count + 1))


class RankingType(ChoiceType):
    name = "ranking"
    counted_measure = "ordinal"
    summary = "the choices put in order, each a rank from 1 (first) to the number of choices"
    keys = (choices_key(name), SURVEYED_ONLY)
    min_choices = 2

    # ----------------------------------------------------------------- answers

    def parse_value(self, question: Question, posted: Posted) -> Parsed:
        ranks = posted if isinstance(posted, Mapping) else {}
        count = len(question.choices)
        value: dict[str, int] = {}
        for choice in question.choices:
            text = str(ranks.get(str(choice.value), "") or "").strip()
            if not text:
                continue
            if not text.isdecimal() or not 1 <= int(text) <= count:
                # Ranks are picked from a list: one outside it is not kept.
                return Parsed(problem=Problem("invalid_choice"))
            value[str(choice.value)] = int(text)
        if not value:
            return Parsed()
        used = sorted(value.values())
        if len(set(used)) < len(used):
            return Parsed(value, problem=_problem("rank_twice"))
        if used != list(range(1, len(used) + 1)):
            return Parsed(value, problem=_problem("rank_gap"))
        return Parsed(value)

    def missing(self, question: Question, answers: Mapping[str, Parsed]) -> Problem | None:
        problem = super().missing(question, answers)
        if problem is not None or not question.required:
            return problem
        main = answers.get(question.id) or Parsed()
        if main.is_valid and len(main.value) < len(question.choices):
            return _problem("rank_all")
        return None

    def to_form(self, question: Question, value: Any) -> Posted:
        return None if value is None else {choice: str(rank) for choice, rank in value.items()}

    def describe(self, question: Question, value: Any, language: str | None = None) -> str:
        """The ranked choices in order: "1. Wonen; 2. Werk"."""
        if value is None:
            return ""
        labels = {str(c.value): c.label.get(language) for c in question.choices}
        ranked = sorted(value.items(), key=lambda item: item[1])
        return "; ".join(f"{rank}. {labels.get(choice, choice)}" for choice, rank in ranked)

    # ----------------------------------------------------------------- conditions

    def reference(self, question: Question, name: Name) -> Reference:
        """A condition names one choice, ``q.<section>.<ranking>.<choice>``: its rank."""
        values = [str(c.value) for c in question.choices]
        if len(name.parts) != 4:
            raise ConditionError(
                f"'{name.text}' is a ranking; name one of its choices ({', '.join(values)}) "
                f"as {name.text}.<choice>, which holds the rank it was given",
                name.column,
            )
        if name.parts[3] not in values:
            raise ConditionError(
                f"'{name.text}': the ranking has no choice '{name.parts[3]}'", name.column
            )
        return Reference("number", frozenset(range(1, len(values) + 1)), ordered=True)

    # ----------------------------------------------------------------- export

    def variables(
        self, question: Question, base: str, label: Text, common: Mapping[str, Any]
    ) -> list[Variable]:
        labels = rank_labels(len(question.choices))
        return [
            Variable(f"{base}.{c.value}", label.joined(c.label), "rank", labels,
                     option=c.value, option_label=c.label.get(), **common)
            for c in question.choices
        ]  # fmt: skip

    def cell(self, variable: Variable, answers: Mapping[str, Any]) -> Any:
        ranks = answers.get(variable.question)
        return ranks.get(str(variable.option)) if isinstance(ranks, dict) else None

    def frequency_tables(
        self, variables: Sequence[Variable], counts: Mapping[str, Counter[Any]]
    ) -> list[FrequencyTable]:
        """Per choice: how often it got each rank, and its mean rank."""
        tables = []
        for variable in variables:
            counted = counts.get(variable.name, Counter())
            lines = [(rank, text, counted.get(rank, 0)) for rank, text in variable.value_labels]
            n = sum(counted.values())
            summary: list[tuple[str, float | int, float | None]] = []
            mean = mean_of(lines)
            if mean is not None:
                summary.append(("gemiddelde rang", round(mean, 2), None))
            tables.append(FrequencyTable(variable.name, variable.label.get(), lines, n, summary))
        return tables

    def figures(self, table: FrequencyTable) -> list[Figure]:
        """Its mean rank (1 is first)."""
        mean = mean_of(table.lines)
        return [] if mean is None else [Figure("gemiddelde rang", mean, "mean")]

    # ----------------------------------------------------------------- import, demo

    def from_cells(
        self, question: Question, variables: Sequence[Variable], cells: Mapping[str, Any]
    ) -> tuple[Posted, str | None]:
        count = len(question.choices)
        ranks: dict[str, str] = {}
        for variable in variables:
            cell = cells[variable.name]
            if cell in (None, ""):
                continue
            text = cell_text(cell)
            if not text.isdecimal() or not 1 <= int(text) <= count:
                raise CellError(variable.name, f"gebruik een rang van 1 tot en met {count}")
            ranks[str(variable.option)] = text
        return ranks, None

    def sample_answer(self, question: Question, samples: Samples) -> tuple[Posted, str | None]:
        ranks = list(range(1, len(question.choices) + 1))
        samples.rng.shuffle(ranks)
        return {
            str(c.value): str(rank) for c, rank in zip(question.choices, ranks, strict=True)
        }, None
