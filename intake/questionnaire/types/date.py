"""Date: typed as dd/mm/jjjj (or picked), stored as YYYY-MM-DD."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from intake.questionnaire.conditions import Name, Reference
from intake.questionnaire.dates import nl_date
from intake.questionnaire.model import Question, Variable
from intake.questionnaire.schema import DateCheck, Key
from intake.questionnaire.types.base import QuestionType, Samples
from intake.questionnaire.values import N_, Parsed, Posted, Problem, clean_text, one

MESSAGES = {
    "bad_date": N_("Vul een datum in als dd/mm/jjjj, bijvoorbeeld 23/11/2026."),
    "date_before": N_("Vul een datum in vanaf %(min)s."),
    "date_after": N_("Vul een datum in tot en met %(max)s."),
}
FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def _problem(text: str, code: str, **params: Any) -> Parsed:
    return Parsed(raw=text, problem=Problem(code, params, MESSAGES[code]))


class DateType(QuestionType):
    """``min`` and ``max`` ('YYYY-MM-DD') bound the date; conditions may order dates."""

    name = "date"
    summary = "a date"
    keys = (
        Key("min", DateCheck(), "the earliest date allowed, as 'YYYY-MM-DD'"),
        Key("max", DateCheck(), "the latest date allowed, as 'YYYY-MM-DD'"),
    )

    def parse_value(self, question: Question, posted: Posted) -> Parsed:
        text = clean_text(one(posted))
        if not text:
            return Parsed()
        parsed: dt.date | None = None
        for fmt in FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if parsed is None:
            return _problem(text, "bad_date")
        iso = parsed.isoformat()
        if question.min is not None and iso < str(question.min):
            return _problem(text, "date_before", min=nl_date(question.min))
        if question.max is not None and iso > str(question.max):
            return _problem(text, "date_after", max=nl_date(question.max))
        return Parsed(iso)

    def describe(self, question: Question, value: Any, language: str | None = None) -> str:
        return "" if value is None else nl_date(value)

    def value_reference(self, question: Question, name: Name) -> Reference:
        return Reference("date", None, ordered=True)

    def cell(self, variable: Variable, answers: Mapping[str, Any]) -> Any:
        value = answers.get(variable.question)
        return None if value is None else dt.date.fromisoformat(value)  # a real date in Excel

    def from_cells(
        self, question: Question, variables: Sequence[Variable], cells: Mapping[str, Any]
    ) -> tuple[Posted, str | None]:
        cell = cells[variables[0].name]
        if isinstance(cell, dt.datetime | dt.date):
            return cell.strftime("%Y-%m-%d"), None
        return super().from_cells(question, variables, cells)

    def sample_answer(self, question: Question, samples: Samples) -> tuple[Posted, str | None]:
        return "2025-03-14", None
