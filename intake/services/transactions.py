"""Telling a lost race from a database that refuses writes.

A write can fail because another transaction got there first: a revision check
(StaleDataError), a unique key (IntegrityError), a busy SQLite (SQLITE_BUSY,
SQLITE_LOCKED), or on PostgreSQL a serialization failure, a deadlock or a lock
timeout. Doing the read-check-write again from the start then succeeds.

Or the database refuses writes: read-only, disk full, connection gone. Trying again
at once only makes the user wait; the caller says so and keeps what was typed.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

SQLITE_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED (primary code: low byte)
# serialization_failure, deadlock_detected, lock_not_available (lock_timeout)
POSTGRES_RACE_STATES = frozenset({"40001", "40P01", "55P03"})


class WriteRefused(Exception):
    """The database refused the write or could not be reached; nothing of it was kept.

    The original error is the ``__cause__``. Trying again later may work.
    """


def lost_race(error: BaseException) -> bool:
    """Whether ``error`` means another transaction won a race, so a retry will succeed."""
    if isinstance(error, StaleDataError | IntegrityError):
        return True
    if not isinstance(error, DBAPIError) or error.connection_invalidated:
        return False
    original = error.orig
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in SQLITE_BUSY_CODES
    return getattr(original, "sqlstate", None) in POSTGRES_RACE_STATES
