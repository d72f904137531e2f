"""Real database failures, switched on while the app runs: no mocks.

- ``writes_refused``: every connection the app checks out from then on is read-only
  (SQLite ``PRAGMA query_only``, PostgreSQL ``default_transaction_read_only``), as
  when a disk is remounted read-only or a server fails over to a standby.
- ``disk_full``: SQLite may not grow the file any more (``PRAGMA max_page_count``),
  so a write that needs a page fails with SQLITE_FULL, "database or disk is full".
- ``database_gone``: no connection can be made at all (the SQLite file is replaced
  by a directory; PostgreSQL refuses connections to the database and drops the
  app's), as when the database server is down.
- ``on_checkout``: runs statements on every connection the app checks out.
- ``write_attempts``: counts the INSERT/UPDATE/DELETE statements the app sends.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from intake.extensions import db


def _engine(app: Flask) -> Engine:
    with app.app_context():
        return db.engine


@contextmanager
def on_checkout(app: Flask, statements: list[str]) -> Iterator[None]:
    """Run ``statements`` on every connection the app checks out, until the block ends."""
    engine = _engine(app)
    postgres = engine.dialect.name == "postgresql"

    def run(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        for statement in statements:
            cursor.execute(statement)
        cursor.close()
        if postgres:
            dbapi_connection.commit()  # a SET inside a rolled-back transaction is undone

    event.listen(engine, "checkout", run)
    try:
        yield
    finally:
        event.remove(engine, "checkout", run)
        engine.dispose()  # the next connections start without the setting


@contextmanager
def writes_refused(app: Flask) -> Iterator[None]:
    engine = _engine(app)
    if engine.dialect.name == "sqlite":
        statements = ["PRAGMA query_only = ON"]
    else:
        statements = ["SET default_transaction_read_only = on"]
    with on_checkout(app, statements):
        yield


@contextmanager
def disk_full(app: Flask) -> Iterator[None]:
    engine = _engine(app)
    assert engine.dialect.name == "sqlite", "disk_full is simulated on SQLite only"
    # max_page_count never goes below the current size: 1 means "no page more".
    with on_checkout(app, ["PRAGMA max_page_count = 1"]):
        yield


@contextmanager
def database_gone(app: Flask, pg_server: Any = None) -> Iterator[None]:
    engine = _engine(app)
    url = make_url(str(engine.url))
    if engine.dialect.name == "sqlite":
        path = Path(url.database or "")
        engine.dispose()
        files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        for file in files:
            os.replace(file, file.with_name(file.name + ".aside"))
        path.mkdir()  # a directory where the file was: SQLite cannot open it
        try:
            yield
        finally:
            engine.dispose()
            shutil.rmtree(path)
            for file in files:
                os.replace(file.with_name(file.name + ".aside"), file)
        return
    name = url.database
    with pg_server.admin_connection() as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
    try:
        yield
    finally:
        with pg_server.admin_connection() as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        engine.dispose()


@contextmanager
def write_attempts(app: Flask) -> Iterator[list[str]]:
    """The INSERT, UPDATE and DELETE statements the app sends while the block runs."""
    engine = _engine(app)
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def restart(app: Flask, pg_server: Any) -> None:
    """End every server connection to the app's PostgreSQL database, as a restart of the
    server does: the pool's connections are closed by the server while idle."""
    engine = _engine(app)
    assert engine.dialect.name == "postgresql", "a restart needs a database server"
    others = "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
    name = make_url(str(engine.url)).database
    with pg_server.admin_connection() as admin:
        ended = admin.execute(f"SELECT count(pg_terminate_backend(pid)) {others}", (name,))
        assert (ended.fetchone() or (0,))[0] > 0, "no pooled connection to end"
        # A server is back after a restart once its old processes are gone.
        deadline = time.monotonic() + 10
        while admin.execute(f"SELECT count(*) {others}", (name,)).fetchone() != (0,):
            assert time.monotonic() < deadline, "the backends did not end"
            time.sleep(0.01)
