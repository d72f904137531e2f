"""What the analysis workbook and those who read it back agree on: sheet names, and
times as Brussels wall-clock time (Excel has no time zones)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

ANSWERS = "Antwoorden"  # one row per response; the responses import reads it back
BRUSSELS = ZoneInfo("Europe/Brussels")


def local_time(moment: dt.datetime | None) -> dt.datetime | None:
    """A timestamp as Brussels wall-clock time without zone (Excel has no time zones)."""
    if moment is None:
        return None
    return moment.astimezone(BRUSSELS).replace(tzinfo=None, microsecond=0)
