"""What an Excel cell holds exactly, and the text to write where it cannot.

Excel keeps 15 significant digits of a number, knows no date before 1900 and
holds at most 32,767 characters in a cell; openpyxl cannot store most control
characters at all. ``fit`` returns a value unchanged when Excel keeps it as it
is, and otherwise the text to write instead with the reason, so the export can
say in its codebook which variables carry values written as text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from intake.questionnaire.values import MAX_TEXT

__all__ = ["CUT", "DIGITS", "FIRST_DAY", "MAX_TEXT", "REASONS", "TRIGGERS", "fit"]

# Characters that make a spreadsheet read a field as a formula (or that spreadsheets
# are known to skip before one), with their full-width forms (East Asian Excel).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
DIGITS = 15  # significant digits Excel keeps of a number
FIRST_DAY = dt.date(1900, 1, 1)  # Excel's first date; earlier ones become negative serials
CUT = " … [ingekort]"  # ends a text longer than a cell (only answers stored before the limit)

# Why a value was written as text, for the codebook.
REASONS = {
    "number": "getallen met meer dan 15 cijfers, die Excel zou afronden",
    "date": "datums vóór 1900, die Excel niet kent",
    "long": f"teksten langer dan {MAX_TEXT:_} tekens (wat een Excel-cel bevat), ingekort; "
    "de CSV- en SPSS-export bevatten ze volledig".replace("_", "."),
}


def fit(value: Any, exact: bool = True) -> tuple[Any, str | None]:
    """(what to write, why it is text or None). With ``exact`` false (computed figures
    such as percentages) numbers and dates are left as they are."""
    kind = value.__class__
    if kind is str:
        text = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters openpyxl refuses
        if len(text) > MAX_TEXT:
            return text[: MAX_TEXT - len(CUT)] + CUT, "long"
        return text, None
    if not exact:
        return value, None
    if kind is int and not _exact_int(value):
        return str(value), "number"
    if kind is float and not _exact_float(value):
        return repr(value), "number"
    if kind is dt.date and value < FIRST_DAY or kind is dt.datetime and value.date() < FIRST_DAY:
        return value.isoformat(), "date"
    return value, None


def _digits(text: str) -> int:
    """Significant digits of a plain number's text (no sign, no exponent)."""
    return len(text.replace(".", "").strip("0"))


def _exact_int(value: int) -> bool:
    if -(10**DIGITS) < value < 10**DIGITS:
        return True
    return abs(value) < 1e308 and _digits(str(abs(value))) <= DIGITS and float(value) == value


def _exact_float(value: float) -> bool:
    mantissa = repr(abs(value)).partition("e")[0]
    return _digits(mantissa) <= DIGITS and (value == 0 or 1e-307 < abs(value) < 1e308)
