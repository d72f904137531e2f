"""Consistent backups while the app runs.

SQLite: the online backup API copies a consistent snapshot page by page, while
other connections keep reading and writing (WAL). PostgreSQL: use pg_dump, which
takes a consistent snapshot too (see README); this module refuses it explicitly.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine


class BackupError(Exception):
    pass


def backup(engine: Engine, target: str | Path) -> int:
    """Write a consistent copy of the database to ``target``; returns its size in bytes."""
    if engine.dialect.name != "sqlite":
        raise BackupError(
            "use pg_dump for PostgreSQL, e.g. pg_dump --format=custom --file=intake.dump "
            '"$DATABASE_URL" (restore with pg_restore --clean --dbname=...)'
        )
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name")
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        with sqlite3.connect(target) as copy:
            source.backup(copy, pages=1024)
        with sqlite3.connect(target) as check:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise BackupError(f"the copy failed its integrity check: {result}")
    finally:
        raw.close()
    return target.stat().st_size
