"""Matrix: sub-questions (rows) that share one choice list, one answer per row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from intake.questionnaire.conditions import ConditionError, Name, Reference
from intake.questionnaire.model import MatrixRow, Question, Text, Variable
from intake.questionnaire.schema import (
    INVALID,
    Check,
    Context,
    IdCheck,
    JsonSchema,
    Key,
    Keys,
    TextCheck,
    Where,
    read,
)
from intake.questionnaire.source import line_of
from intake.questionnaire.types.base import Samples, cell_text
from intake.questionnaire.types.choice import (
    ChoiceType,
    choice_labels,
    choice_reference,
    choice_value,
    choices_key,
    value_labels,
)
from intake.questionnaire.values import N_, Parsed, Posted, Problem

REQUIRED_ROWS = N_("Beantwoord elke rij.")
ROW_KEYS = Keys(
    Key("id", IdCheck(), "unique within the matrix", required=True),
    Key("label", TextCheck(), "the sub-question", required=True),
)
ROWS_MISSING = "a matrix needs 'rows', a list of sub-questions with id and label"


class RowsCheck(Check):
    """``rows``: a non-empty list of sub-questions, each with a unique id and a label."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if not isinstance(value, list) or not value:
            ctx.error("E-STRUCTURE", at.line, f"{at.what}: {ROWS_MISSING}")
            return INVALID
        rows: list[MatrixRow] = []
        seen: set[str] = set()
        for index, entry in enumerate(value):
            row = read(ctx, entry, ROW_KEYS, f"{at.what}, row {index + 1}",
                       line=line_of(value, index),
                       named=at.what + ", row '{}'")  # fmt: skip
            if row is None or "id" not in row.values:
                continue
            rid = row.values["id"]
            if rid in seen:
                ctx.error(
                    "E-DUPLICATE-ID", row.line("id"), f"{at.what}: row id '{rid}' appears twice"
                )
                continue
            seen.add(rid)
            if "label" in row.values:
                rows.append(MatrixRow(rid, row.values["label"]))
        return tuple(rows)

    def schema(self) -> JsonSchema:
        return {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    key.name: {**key.check.schema(), "description": key.doc} for key in ROW_KEYS
                },
                "required": ["id", "label"],
                "additionalProperties": False,
            },
        }


class MatrixType(ChoiceType):
    """The answer is a mapping of row id to the chosen value; a required matrix needs
    every row. A condition names one row: ``q.<section>.<matrix>.<row>``."""

    name = "matrix"
    counted_measure = "ordinal"  # rows share a scale
    summary = "sub-questions (rows) that share one choice list"
    keys = (
        choices_key(name),
        Key("rows", RowsCheck(), "the sub-questions: a list of id and label", required=True,
            missing=ROWS_MISSING),
    )  # fmt: skip

    def parse_value(self, question: Question, posted: Posted) -> Parsed:
        rows = posted if isinstance(posted, Mapping) else {}
        value: dict[str, Any] = {}
        for row in question.rows:
            text = str(rows.get(row.id, "") or "").strip()
            if not text:
                continue
            chosen = choice_value(question, text)
            if chosen is None:
                return Parsed(problem=Problem("invalid_choice"))
            value[row.id] = chosen
        return Parsed(value) if value else Parsed()

    def missing(self, question: Question, answers: Mapping[str, Parsed]) -> Problem | None:
        problem = super().missing(question, answers)
        if problem is not None or not question.required:
            return problem
        main = answers.get(question.id) or Parsed()
        if main.is_valid and any(main.value.get(row.id) is None for row in question.rows):
            return Problem("required_rows", template=REQUIRED_ROWS)
        return None

    def to_form(self, question: Question, value: Any) -> Posted:
        if value is None:
            return None
        return {row: str(v) for row, v in value.items() if v is not None}

    def describe(self, question: Question, value: Any, language: str | None = None) -> str:
        if value is None:
            return ""
        labels = choice_labels(question, language)
        rows = {r.id: r.label.get(language) for r in question.rows}
        return "; ".join(f"{rows.get(r, r)}: {labels.get(v, v)}" for r, v in value.items())

    def reference(self, question: Question, name: Name) -> Reference:
        if len(name.parts) != 4:
            rows = ", ".join(r.id for r in question.rows)
            raise ConditionError(
                f"'{name.text}' is a matrix; name one of its rows ({rows}) as {name.text}.<row>",
                name.column,
            )
        if not any(r.id == name.parts[3] for r in question.rows):
            raise ConditionError(
                f"'{name.text}': the matrix has no row '{name.parts[3]}'", name.column
            )
        return choice_reference(question)

    def variables(
        self, question: Question, base: str, label: Text, common: Mapping[str, Any]
    ) -> list[Variable]:
        labels = value_labels(question)
        return [
            Variable(f"{base}.{row.id}", label.joined(row.label), "matrix_row", labels,
                     row=row.id, **common)
            for row in question.rows
        ]  # fmt: skip

    def cell(self, variable: Variable, answers: Mapping[str, Any]) -> Any:
        rows = answers.get(variable.question)
        return rows.get(variable.row) if isinstance(rows, dict) else None

    def from_cells(
        self, question: Question, variables: Sequence[Variable], cells: Mapping[str, Any]
    ) -> tuple[Posted, str | None]:
        rows = {
            v.row: cell_text(cells[v.name])
            for v in variables
            if v.row is not None and cells[v.name] not in (None, "")
        }
        return rows, None

    def sample_answer(self, question: Question, samples: Samples) -> tuple[Posted, str | None]:
        values = [str(c.value) for c in question.choices]
        return {row.id: samples.rng.choice(values) for row in question.rows}, None
