"""A problem in an uploaded file, with where it is: what every import reports.

The registry import and the responses import report each problem by row and column,
in Dutch, for VVSG staff; the CLI and the admin pages print them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowProblem:
    row: int | None  # 1-based row number as Excel shows it; None for the whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"rij {self.row}")
        if self.column is not None:
            where.append(f"kolom '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message
