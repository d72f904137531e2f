"""Migrations: upgrade an empty database, models and migrations agree, and data survives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, insert, inspect, select, text

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


def _schema(url: str) -> dict[str, dict[str, Any]]:
    """Everything the database says about its tables (names of columns, keys, constraints,
    indexes, with what they cover) and, on PostgreSQL, its sequences."""
    engine = create_engine(url)
    try:
        found = inspect(engine)
        schema: dict[str, dict[str, Any]] = {}
        for table in found.get_table_names():
            if table == "alembic_version":
                continue
            pk = found.get_pk_constraint(table)
            schema[table] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"])
                            for c in found.get_columns(table)],
                "primary": (pk["name"], pk["constrained_columns"]),
                "unique": sorted((u["name"], u["column_names"])
                                 for u in found.get_unique_constraints(table)),
                "check": sorted((c["name"], " ".join(c["sqltext"].split()))
                                for c in found.get_check_constraints(table)),
                "foreign": sorted((f["name"], f["constrained_columns"], f["referred_table"],
                                   f["referred_columns"], f["options"].get("ondelete"))
                                  for f in found.get_foreign_keys(table)),
                "indexes": sorted((i["name"], i["column_names"], bool(i["unique"]))
                                  for i in found.get_indexes(table)),
            }  # fmt: skip
        if engine.dialect.name == "postgresql":
            schema["(sequences)"] = {"names": sorted(found.get_sequence_names())}
        return schema
    finally:
        engine.dispose()


def test_migrations_build_exactly_the_schema_of_the_models(
    database_url: str, empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stricter than ``db check``, which ignores the names of constraints and sequences and
    every CHECK: a later migration must find the names the models give."""
    app = _app_on(database_url, tmp_path, monkeypatch)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    migrated = _app_on(empty_database_url, tmp_path, monkeypatch)
    assert migrated.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with migrated.app_context():
        db.engine.dispose()

    assert _schema(empty_database_url) == _schema(database_url)


NOW = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
# One row in every table that refers to an organisation (and a coordinator account), as
# revision 0003 stores them.
AT_0003: list[tuple[str, dict[str, Any]]] = [
    ("questionnaires", {"id": 1, "slug": "plan", "title": "Plan", "is_open": True,
                        "created_at": NOW}),
    ("questionnaire_versions", {"id": 1, "questionnaire_id": 1, "version": 1, "source": "id: plan",
                                "definition": {"id": "plan"}, "content_hash": "a" * 64,
                                "loaded_at": NOW}),
    ("organisations", {"id": 7, "questionnaire_id": 1, "code": "CS04", "name": "Stad Noordhaven",
                       "kind": "centrumstad", "province": "Antwerpen", "members": ["A", "B"],
                       "pseudonym": "CS01", "created_at": NOW, "updated_at": NOW}),
    ("contacts", {"id": 3, "organisation_id": 7, "position": 0, "name": "Ann Peeters",
                  "email": "ann@noordhaven.be"}),
    ("organisation_items", {"id": 4, "organisation_id": 7, "catalogue": "actions", "code": "5"}),
    ("invitations", {"id": 5, "organisation_id": 7, "token_hash": "b" * 64, "created_at": NOW}),
    ("users", {"id": 2, "email": "beheer@vvsg.be", "name": "Beheer", "role": "admin",
               "is_active": True, "created_at": NOW}),
    ("users", {"id": 3, "email": "coordinator@noordhaven.be", "name": "", "role": "coordinator",
               "organisation_id": 7, "is_active": True, "created_at": NOW}),
    ("sign_ins", {"id": 6, "token_hash": "c" * 64, "invitation_id": 5, "created_at": NOW,
                  "last_seen_at": NOW}),
    ("mail_log", {"id": 8, "organisation_id": 7, "kind": "invitation", "recipient": "ann@x.be",
                  "subject": "Uitnodiging", "sent_at": NOW, "ok": True}),
    ("responses", {"id": 9, "organisation_id": 7, "questionnaire_version_id": 1,
                   "status": "submitted", "revision": 3, "started_at": NOW, "updated_at": NOW,
                   "submitted_at": NOW}),
    ("answers", {"id": 10, "response_id": 9, "section": "actie", "item": "5", "question": "succes",
                 "value": 4, "is_valid": True, "revision": 3, "updated_at": NOW}),
    ("audit_events", {"id": 11, "at": NOW, "actor": "cli", "action": "submit",
                      "questionnaire_id": 1, "organisation_id": 7, "detail": {"n": 1}}),
]  # fmt: skip
RENAMED_TABLES = {"organisations": "respondents", "organisation_items": "respondent_items"}


def _rows(url: str, tables: list[str]) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine, only=tables)
        with engine.connect() as conn:
            return {
                name: [dict(row._mapping) for row in conn.execute(select(metadata.tables[name]))]
                for name in tables
            }
    finally:
        engine.dispose()


def _renamed(row: dict[str, Any]) -> dict[str, Any]:
    return {("respondent_id" if k == "organisation_id" else k): v for k, v in row.items()}


def test_0004_and_0005_keep_every_row_of_a_database_filled_at_0003(
    empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app_on(empty_database_url, tmp_path, monkeypatch)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0003"]).exit_code == 0
    engine = create_engine(empty_database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as conn:
        for table, row in AT_0003:
            conn.execute(insert(metadata.tables[table]), row)
    engine.dispose()
    before = _rows(empty_database_url, [t for t, _ in AT_0003])

    result = runner.invoke(args=["db", "upgrade", "0004"])
    assert result.exit_code == 0, result.output

    after = _rows(empty_database_url, [RENAMED_TABLES.get(t, t) for t, _ in AT_0003])
    for table, rows in before.items():
        assert after[RENAMED_TABLES.get(table, table)] == [_renamed(r) for r in rows], table
    with app.app_context():
        if db.engine.dialect.name == "sqlite":  # migrating turned enforcement off, then on
            with db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        with db.engine.begin() as conn:
            # New rows get an id of their own, and the foreign keys still cascade.
            new_id = conn.execute(
                text("INSERT INTO respondents (questionnaire_id, code, name, kind, province, "
                     "members, created_at, updated_at) VALUES (1, 'G01', 'Gemeente', 'gemeente', "
                     "'Limburg', '[]', :now, :now) RETURNING id"), {"now": NOW},
            ).scalar()  # fmt: skip
            assert new_id is not None and new_id != 7
            if conn.dialect.name == "postgresql":
                sequence = text("SELECT pg_get_serial_sequence('respondents', 'id')")
                assert conn.execute(sequence).scalar() == "public.respondents_id_seq"
            conn.execute(text("DELETE FROM respondents WHERE id = 7"))
            for table in ("contacts", "respondent_items", "invitations", "sign_ins", "mail_log",
                          "responses", "answers"):  # fmt: skip
                assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
            assert conn.execute(text("SELECT respondent_id FROM audit_events")).scalar() is None
            conn.rollback()
        db.engine.dispose()

    result = runner.invoke(args=["db", "downgrade", "0003"])
    assert result.exit_code == 0, result.output
    assert _rows(empty_database_url, [t for t, _ in AT_0003]) == before

    # 0005: the coordinator account (which could never sign in) goes, the admin stays.
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    (admin,) = _rows(empty_database_url, ["users"])["users"]
    assert admin == {k: v for k, v in before["users"][0].items()
                     if k not in {"role", "organisation_id"}}  # fmt: skip
    assert runner.invoke(args=["db", "check"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()
