"""Database setup: SQLite pragmas on every connection, timestamps in UTC on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select, text

from intake.extensions import db
from intake.models import Questionnaire


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(app: Flask) -> None:
    with app.app_context():
        for _ in range(2):  # a fresh connection each time, not just the first one
            with db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            db.engine.dispose()


def test_timestamps_come_back_aware_in_utc(app: Flask) -> None:
    with app.app_context():
        moment = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
        db.session.add(Questionnaire(slug="x", title="X", created_at=moment))
        db.session.commit()
        db.session.expire_all()
        stored = db.session.scalar(select(Questionnaire.created_at))
        assert stored == moment
        assert stored.utcoffset() == dt.timedelta(0)


def test_naive_timestamps_are_refused(app: Flask) -> None:
    with app.app_context():
        db.session.add(Questionnaire(slug="y", title="Y", created_at=dt.datetime(2025, 1, 1)))
        with pytest.raises(Exception, match="naive datetime"):
            db.session.commit()
        db.session.rollback()
