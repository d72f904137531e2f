"""Dates as a questionnaire writes them ('YYYY-MM-DD') and as a Flemish reader reads them."""

from __future__ import annotations

import datetime as dt


def is_iso_date(value: str) -> bool:
    """Whether ``value`` is a real calendar date written as YYYY-MM-DD."""
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def nl_date(iso: object) -> str:
    """An ISO date as dd/mm/yyyy."""
    return dt.date.fromisoformat(str(iso)).strftime("%d/%m/%Y")


MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")  # fmt: skip


def nl_long_date(day: dt.date) -> str:
    """A date as a Dutch sentence writes it: 30 juni 2025."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
