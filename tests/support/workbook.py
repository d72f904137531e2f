"""Reading the export's workbook back as an analyst reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Frequenties: a caption row per table (its question and n), then per line these columns.
FREQUENCY_COLUMNS = ("antwoord", "aantal", "percentage", "n", "van", "variabele", "waarde")


@dataclass
class FrequencyTable:
    title: str
    first_row: int  # the row of its caption (1-based)
    lines: list[tuple[Any, ...]]  # (waarde, antwoord, aantal, percentage, n, van)


def rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def frequency_tables(sheet: Any) -> dict[str, FrequencyTable]:
    """The tables of the Frequenties sheet by variable (a pooled one: its name with '*')."""
    assert rows(sheet)[0][: len(FREQUENCY_COLUMNS)] == FREQUENCY_COLUMNS
    tables: dict[str, FrequencyTable] = {}
    caption: tuple[str, int] | None = None
    for number, row in enumerate(rows(sheet)[1:], start=2):
        if row[0] is not None and all(v is None for v in row[1:]):
            caption = (row[0], number)
            continue
        if row[5] is None:
            continue
        assert caption is not None, f"row {number} has no caption above it"
        table = tables.setdefault(row[5], FrequencyTable(caption[0], caption[1], []))
        antwoord, aantal, percentage, n, van, _, waarde = row[:7]
        table.lines.append((waarde, antwoord, aantal, percentage, n, van))
    return tables
