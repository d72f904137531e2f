"""The "Antwoorden" table as an SPSS .sav file, with variable and value labels.

Written through pyreadstat from a (pandas) data frame, so the table is held in
memory while it is written (about 8 bytes per numeric cell). Variables keep their
types: numbers and 0/1 options are numeric, texts are strings, dates and
timestamps SPSS dates; a column that mixes numbers and text (a numeric choice
list with "other") is a string. Every variable gets its label, choices and
options their value labels, scales and ranks the ordinal measure.

SPSS names must start with a letter, hold only letters, digits, '_' and '.', not
end with '.' and be at most 64 bytes. ``spss_names`` maps every variable name the
same way on every export: ``actie[5].succes`` → ``actie_5.succes``; a name that
is still too long is cut and ends in ``_`` and six characters of its hash, as does
a name that would otherwise equal another (SPSS ignores case). The Codeboek lists
the mapping.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from typing import IO, Any

from intake.questionnaire import Variable
from intake.questionnaire.codebook import ATTRIBUTE_MEASURES
from intake.questionnaire.types import QUESTION_TYPES

MAX_BYTES = 64
RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}


def spss_name(name: str) -> str:
    """The SPSS form of one variable name (see the module's docstring)."""
    text = name.replace("[", "_").replace("]", "")
    text = re.sub(r"[^A-Za-z0-9_.]", "_", text).strip("._")
    if not text or not text[0].isalpha():
        text = f"v_{text}".rstrip("._")
    if text.upper() in RESERVED:
        text = f"v_{text}"
    if len(text.encode()) > MAX_BYTES:
        text = _hashed(text, name)
    return text


def spss_names(names: Iterable[str]) -> dict[str, str]:
    """Every name's SPSS name, unique regardless of case."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        mapped = spss_name(name)
        if mapped.upper() in taken:
            mapped = _hashed(mapped, name)
        taken.add(mapped.upper())
        result[name] = mapped
    return result


def _hashed(text: str, original: str) -> str:
    digest = hashlib.sha256(original.encode()).hexdigest()[:6]
    return f"{text[: MAX_BYTES - 7].rstrip('._')}_{digest}"


class SavTable:
    """The columns of the table, filled row by row, then written as one .sav file."""

    def __init__(
        self, lead: Sequence[tuple[str, str] | Variable], variables: Sequence[Variable]
    ) -> None:
        # The columns before the answers: (name, label), or a registry attribute's variable.
        self.described = [
            (c.name, c.label.get(), c) if isinstance(c, Variable) else (c[0], c[1], None)
            for c in [*lead, *variables]
        ]
        self.names = [name for name, _, _ in self.described]
        self.columns: list[list[Any]] = [[] for _ in self.names]

    def append(self, row: Sequence[Any]) -> None:
        for column, value in zip(self.columns, row, strict=True):
            column.append(value)

    def write(self, target: IO[bytes], title: str) -> None:
        import narwhals as nw  # pyreadstat's own table layer, over pandas
        import pyreadstat

        mapping = spss_names(self.names)
        data: dict[str, Any] = {}
        labels: dict[str, str | None] = {}
        value_labels: dict[str, dict[Any, str]] = {}
        measures: dict[str, str] = {}
        for (name, label, variable), values in zip(self.described, self.columns, strict=True):
            spss = mapping[name]
            column, numeric = _column(values)
            data[spss] = column
            labels[spss] = label[:255]
            if variable is None:
                continue
            if variable.value_labels:
                value_labels[spss] = {
                    (value if numeric else str(value)): text[:120]
                    for value, text in variable.value_labels
                    if not numeric or _is_number(value)
                }
            qtype = QUESTION_TYPES.get(variable.question_type)
            measure = qtype.measure(variable) if qtype else ATTRIBUTE_MEASURES.get(variable.type)
            if measure is not None:
                measures[spss] = measure
        frame = nw.from_dict(data, backend="pandas")
        handle, path = tempfile.mkstemp(suffix=".sav")
        os.close(handle)
        try:
            pyreadstat.write_sav(
                frame, path, file_label=title[:64], column_labels=labels,
                variable_value_labels=value_labels, variable_measure=measures,
            )  # fmt: skip
            with open(path, "rb") as written:
                while chunk := written.read(1024 * 1024):
                    target.write(chunk)
        finally:
            os.remove(path)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _column(values: list[Any]) -> tuple[list[Any], bool]:
    """A column as SPSS takes it, and whether it is numeric: numbers (a float holds them
    exactly), dates, timestamps, or else text (with '' for empty)."""
    present = [v for v in values if v is not None]
    if all(_is_number(v) and float(v) == v for v in present):  # an empty column too
        return [float("nan") if v is None else v for v in values], True
    if all(isinstance(v, dt.datetime) for v in present):
        return values, False
    if all(isinstance(v, dt.date) for v in present):
        return values, False
    return ["" if v is None else str(v) for v in values], False
