"""A request that only read keeps PostgreSQL's prepared statements; one that wrote
without committing, or failed, still has its writes rolled back."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select, text

from intake.extensions import db
from intake.models import AuditEvent
from tests.support import factory

PAGE = "/v/plan-samenleven-2025/p/organisatie"


def _prepared(app: Flask) -> int:
    """Prepared statements on the pooled connection the requests used (the pool holds one)."""
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return int(cursor.fetchone()[0])
        finally:
            connection.close()


def _log_size(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_page_views_keep_their_prepared_statements(
    app: Flask, client: FlaskClient, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite prepares nothing on a server")
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        link = factory.link(factory.respondent(q, "CS01", items={"actions": ["5"]}))
        db.engine.dispose()  # from here on, the requests' one pooled connection
    client.get(link)
    for _ in range(12):  # psycopg prepares a query from its fifth run on a connection
        assert client.get(PAGE).status_code == 200
    assert _prepared(app) >= 3  # the user loader's, the profile's, the answers'


def test_a_request_that_wrote_without_committing_or_failed_leaves_nothing(
    app: Flask, client: FlaskClient
) -> None:
    def wrote_and_returned() -> str:
        db.session.execute(insert(AuditEvent).values(actor="t", action="save", detail={}))
        db.session.scalar(text("SELECT 1"))  # a read after the write does not hide it
        return "ok"

    def added_and_returned() -> str:
        db.session.add(AuditEvent(actor="t", action="save", detail={}))
        return "ok"

    def wrote_and_failed() -> str:
        db.session.execute(insert(AuditEvent).values(actor="t", action="save", detail={}))
        raise RuntimeError("failed after writing")

    app.add_url_rule("/t/wrote", view_func=wrote_and_returned)
    app.add_url_rule("/t/added", view_func=added_and_returned)
    app.add_url_rule("/t/failed", view_func=wrote_and_failed)
    for path in ("/t/wrote", "/t/added"):
        assert client.get(path).status_code == 200
        assert _log_size(app) == 0, path
    with pytest.raises(RuntimeError):  # testing: the error reaches the test
        client.get("/t/failed")
    assert _log_size(app) == 0


def test_a_failing_commit_of_reads_still_lets_the_session_end(
    app: Flask, client: FlaskClient, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever goes wrong ending a read-only transaction, the page is served and
    Flask-SQLAlchemy still closes the session after it (a teardown that raised would skip
    that, and the next request in a reused context would fail too)."""
    if backend != "postgresql":
        pytest.skip("SQLite ends no read-only transaction")
    from intake import read_only_commit

    attempts: list[bool] = []

    def broken() -> None:
        attempts.append(True)
        raise RuntimeError("the connection was lost")

    monkeypatch.setattr(read_only_commit, "_commit_if_read_only", broken)
    removed: list[bool] = []
    original_remove = db.session.remove

    def remove() -> None:
        removed.append(True)
        original_remove()

    monkeypatch.setattr(db.session, "remove", remove)
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        link = factory.link(factory.respondent(q, "CS01", items={"actions": ["5"]}))
    client.get(link)
    removed.clear()
    attempts.clear()
    assert client.get(PAGE).status_code == 200
    assert attempts == [True] and removed == [True]
