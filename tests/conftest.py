"""Shared fixtures: the app on each database backend, its client and CLI runner.

Every test that uses ``app`` runs twice: on SQLite (a fresh file) and on a real
PostgreSQL server that this test run starts itself. Without PostgreSQL binaries
those runs skip with one loud line, except under CI=true where they fail. The job
queue's Redis store is tested on a real redis-server the run starts too, likewise.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

import config as app_config
from intake import create_app
from intake.extensions import db
from tests.support import postgres
from tests.support import redis as redis_support
from tests.support.accounts import AuthActions

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_BINDIR = postgres.find_bindir()
REDIS_SERVER = redis_support.find_server()


def pytest_report_header(config: pytest.Config) -> list[str]:
    from tests.browser.conftest import CHROMIUM

    lines = [
        f"PostgreSQL: {PG_BINDIR} (database tests run on sqlite and postgresql)"
        if PG_BINDIR
        else "!!! PostgreSQL NOT FOUND: every postgresql test is SKIPPED "
        "(install Debian's postgresql package; under CI=true this fails) !!!",
        f"chromium: {CHROMIUM} (browser tests run)"
        if CHROMIUM
        else "!!! chromium NOT FOUND: browser tests are SKIPPED (apt-get install chromium; "
        "under CI=true this fails) !!!",
        f"redis-server: {REDIS_SERVER} (job tests run on the SQLite and the Redis queue)"
        if REDIS_SERVER
        else "!!! redis-server NOT FOUND: every job test on the Redis queue is SKIPPED "
        "(install Debian's redis-server package; under CI=true this fails) !!!",
    ]
    return lines


@pytest.fixture(scope="session")
def pg_server() -> Iterator[postgres.PostgresServer]:
    if PG_BINDIR is None:
        if IN_CI:
            pytest.fail("CI=true but no PostgreSQL server binaries are installed")
        pytest.skip("PostgreSQL binaries not installed")
    server = postgres.start(PG_BINDIR)
    try:
        yield server
    finally:
        postgres.stop(server)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[redis_support.RedisServer]:
    if REDIS_SERVER is None:
        if IN_CI:
            pytest.fail("CI=true but redis-server is not installed")
        pytest.skip("redis-server not installed")
    server = redis_support.start(REDIS_SERVER)
    try:
        yield server
    finally:
        redis_support.stop(server)


@pytest.fixture(scope="session")
def pg_schema_url(pg_server: postgres.PostgresServer) -> str:
    """One PostgreSQL database with the model schema, shared and truncated between tests."""
    url = pg_server.create_database("intake_test")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INTAKE_INSTANCE_PATH", tempfile.mkdtemp(prefix="intake-instance-"))
        app = _make_app(url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with the schema created from the models, empty of rows."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def empty_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A database without any table, for migration tests."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    server: postgres.PostgresServer = request.getfixturevalue("pg_server")
    name = f"empty_{uuid.uuid4().hex[:12]}"
    yield server.create_database(name)
    server.drop_database(name)


def _make_app(url: str) -> Flask:
    config = app_config.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config)


@pytest.fixture
def app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path / "instance"))
    app = _make_app(database_url)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        postgres.empty_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def auth(app: Flask, client: FlaskClient) -> AuthActions:
    """Sign ``client`` in and out through the real forms; the admin account exists."""
    actions = AuthActions(app, client)
    actions.create_admin()
    return actions


@pytest.fixture
def admin_client(auth: AuthActions, client: FlaskClient) -> FlaskClient:
    """``client``, signed in as a VVSG admin through the sign-in form."""
    response = auth.login()
    assert response.status_code == 302, "admin sign-in failed"
    return client
