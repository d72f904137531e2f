"""CSV that no spreadsheet turns into formulas, whichever separator it assumes.

Every CSV Intake writes goes through this module. ``writer`` (the audit log) and
``excel_writer`` (the export's default dialect) neutralise formulas;
``plain_writer`` writes exact values for R and SPSS, and says so (see below).

A spreadsheet evaluates a field that starts with a trigger (``= + - @``, tab,
carriage return, or their full-width forms); which part of a value becomes a
field depends on the separator the reader assumes (',' here, ';' in Belgian
Excel, tab, '|'), and a quoted field does not help once a reader's quotes fall
out of step with the writer's.
So every place in a text where a field could start (the beginning, after any of
those separators or a line break, past spaces and quotes) gets an apostrophe
before a trigger: ``geen;=cmd`` is written as ``geen;'=cmd``. Numbers stay
numbers, dates ISO text; the apostrophes are the only change.

Two dialects for the export:

- ``excel_writer``: for Excel in Belgium, opened with a double click: ';' between
  fields, a decimal comma, dates as ``2025-05-01 14:30:00`` (the stream should be
  opened as ``utf-8-sig``, so the BOM tells Excel it is UTF-8), formulas
  neutralised as above; a number Excel would round (more than 15 digits) is
  written as text behind an apostrophe, as it is in the workbook;
- ``plain_writer``: RFC 4180 for R, SPSS and other tools: ',' between fields, a
  decimal point, ISO dates, UTF-8 without BOM, every value exactly as stored. No
  apostrophe is added, so a text that starts with '=' is written as typed: a
  spreadsheet that opens this file may take it for a formula. Open it with a
  data tool, not a spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable
from typing import IO, Any

from intake.services.spreadsheet.cells import TRIGGERS, fit

# Where a field can start: ',' ';' tab '|' and line breaks (a record starts a field too).
SEPARATORS = ",;\t|\r\n"

_FIELD_START = re.compile(
    "(?:^|(?<=[" + re.escape(SEPARATORS) + "]))"  # the value's start or just past a separator
    '[ "\x0b\x0c]*'  # spaces and quotes a reader drops
    "(?=[" + re.escape("".join(TRIGGERS)) + "])"  # followed by a trigger
)


def neutralise(text: str) -> str:
    """``text`` with an apostrophe before every trigger where a field could start."""
    return _FIELD_START.sub(r"\g<0>'", text)


def value(item: Any) -> Any:
    """One CSV value: None empty, dates ISO, text neutralised, numbers unchanged."""
    if item is None:
        return ""
    if isinstance(item, str):
        return neutralise(item)
    if isinstance(item, dt.date | dt.datetime):
        return item.isoformat()
    if isinstance(item, bool | int | float):
        return item
    return neutralise(str(item))


class Writer:
    """A ``csv.writer`` whose every value passes through ``value`` first."""

    def __init__(self, stream: IO[str], dialect: str | type[csv.Dialect] = "excel",
                 **fmtparams: Any) -> None:  # fmt: skip
        self._writer = csv.writer(stream, dialect, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([value(item) for item in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: IO[str], dialect: str | type[csv.Dialect] = "excel", **fmtparams: Any) -> Writer:
    """A safe CSV writer on ``stream`` (a text stream opened with ``newline=''``)."""
    return Writer(stream, dialect, **fmtparams)


def excel_value(item: Any) -> Any:
    """One value for Excel in Belgium (``excel_writer``)."""
    if item is None:
        return ""
    kind = item.__class__
    if kind is str:
        return neutralise(item)
    if kind is bool:
        return int(item)
    if kind is int or kind is float:
        fitted, reason = fit(item)
        if reason is not None:  # more digits than Excel keeps: text, as in the workbook
            return f"'{fitted}"
        return str(item) if kind is int else repr(item).replace(".", ",")
    if kind is dt.datetime:
        return item.isoformat(sep=" ")
    if kind is dt.date:
        return item.isoformat()
    return neutralise(str(item))


def plain_value(item: Any) -> Any:
    """One value exactly as stored (``plain_writer``)."""
    if item is None:
        return ""
    if isinstance(item, dt.date | dt.datetime):
        return item.isoformat()
    if isinstance(item, bool):
        return int(item)
    if isinstance(item, int | float):
        return repr(item)
    return str(item)


class DialectWriter:
    """A ``csv.writer`` whose every value passes through ``convert`` first."""

    def __init__(self, stream: IO[str], convert: Any, delimiter: str) -> None:
        self._writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
        self._convert = convert

    def writerow(self, row: Iterable[Any]) -> None:
        convert = self._convert
        self._writer.writerow([convert(item) for item in row])


def excel_writer(stream: IO[str]) -> DialectWriter:
    """CSV for Excel in Belgium: ';', decimal comma, formulas neutralised. Open the
    stream with ``encoding="utf-8-sig", newline=""``."""
    return DialectWriter(stream, excel_value, ";")


def plain_writer(stream: IO[str]) -> DialectWriter:
    """RFC 4180 CSV with exact values, for R and SPSS (not neutralised: see above).
    Open the stream with ``encoding="utf-8", newline=""``."""
    return DialectWriter(stream, plain_value, ",")
