"""Migrations: upgrade an empty database, and models and migrations agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

import config as app_config
from intake import create_app
from intake.extensions import db


def _app_on(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN202
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path / "instance"))
    config = app_config.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config)


def test_upgrade_on_empty_database_then_check_agrees(
    empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app_on(empty_database_url, tmp_path, monkeypatch)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output

    engine = create_engine(empty_database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables

    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output
    with app.app_context():
        db.engine.dispose()


def test_check_reports_a_schema_that_drifted_from_the_models(
    empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app_on(empty_database_url, tmp_path, monkeypatch)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE mail_log"))
        db.engine.dispose()

    check = runner.invoke(args=["db", "check"])
    assert check.exit_code != 0
    assert "mail_log" in str(check.exception) + check.output
    with app.app_context():
        db.engine.dispose()
