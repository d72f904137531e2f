"""CSV that no spreadsheet turns into formulas, whichever separator it assumes.

Every CSV Intake writes goes through ``writer``. A spreadsheet evaluates a field
that starts with a trigger (``= + - @``, tab, carriage return, or their
full-width forms); which part of a value becomes a field depends on the separator
the reader assumes (',' here, ';' in Belgian Excel, tab, '|'), and a quoted
field does not help once a reader's quotes fall out of step with the writer's.
So every place in a text where a field could start (the beginning, after any of
those separators or a line break, past spaces and quotes) gets an apostrophe
before a trigger: ``geen;=cmd`` is written as ``geen;'=cmd``. Numbers stay
numbers, dates ISO text; the apostrophes are the only change.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable
from typing import IO, Any

# Characters that make a spreadsheet read a field as a formula (or that spreadsheets
# are known to skip before one), with their full-width forms (East Asian Excel).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
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
