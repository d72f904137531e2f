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
from tests.support import postgres


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


def _insert(url: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
    """Write (table, row) pairs into the schema the database has now, in one transaction."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.begin() as conn:
            for table, row in rows:
                conn.execute(insert(metadata.tables[table]), row)
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
    _insert(empty_database_url, AT_0003)
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


# --------------------------------------------------------------------------- 0009

OLD_KINDS = ("centrumstad", "stad", "gemeente", "igs")


def _at_0008(row: dict[str, Any]) -> dict[str, Any] | None:
    """A respondent of today's demo as revision 0008 stored it (province and members as
    columns), or None if 0008 could not hold it (a kind outside the four, no province)."""
    attributes = dict(row.pop("attributes") or {})
    province = attributes.pop("province", None)
    members = attributes.pop("members", [])
    if row["kind"] not in OLD_KINDS or not isinstance(province, str) or attributes:
        return None
    return {**row, "province": province, "members": members}


def _demo_at_0008(source_url: str, target_url: str) -> None:
    """Copy the demo database at ``source_url`` (today's schema) into the empty database at
    ``target_url`` (migrated to 0008), as 0008 would have stored it; rows 0008 cannot hold,
    and the rows that refer to them, are left out."""
    source, target = create_engine(source_url), create_engine(target_url)
    try:
        new, old = MetaData(), MetaData()
        new.reflect(source)
        old.reflect(target)
        kept: dict[str, set[Any]] = {}
        with source.connect() as read, target.begin() as write:
            for table in old.sorted_tables:
                if table.name == "alembic_version":
                    continue
                rows = []
                for found in read.execute(select(new.tables[table.name])):
                    row: dict[str, Any] | None = {
                        k: v for k, v in found._mapping.items() if k in table.columns
                    }
                    if table.name == "respondents":
                        row = _at_0008({**row, "attributes": found._mapping["attributes"]})
                    if row is None or any(
                        row.get(fk.parent.name) is not None
                        and row[fk.parent.name] not in kept.get(fk.column.table.name, set())
                        for fk in table.foreign_keys
                    ):
                        continue
                    rows.append(row)
                kept[table.name] = {r.get("id") for r in rows}
                if rows:
                    write.execute(insert(table), rows)
    finally:
        source.dispose()
        target.dispose()


def _sorted_rows(url: str, tables: list[str]) -> dict[str, list[dict[str, Any]]]:
    return {
        name: sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))
        for name, rows in _rows(url, tables).items()
    }


def test_0009_moves_province_and_members_of_the_demo_database_into_attributes(
    database_url: str, empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo database, as revision 0008 stored it, upgraded to today and back: every
    respondent's province and members land in ``attributes``, every other row stays as
    it was; downgrading gives back exactly what 0008 had, and refuses a person."""
    from intake.services import demo

    app = _app_on(empty_database_url, tmp_path, monkeypatch)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0008"]).exit_code == 0
    demo_app = _app_on(database_url, tmp_path, monkeypatch)
    with demo_app.app_context():
        db.create_all()
        try:
            demo.load()
            demo_rows = _rows(database_url, ["respondents"])["respondents"]
            _demo_at_0008(database_url, empty_database_url)
        finally:  # the PostgreSQL database of the other tests is shared: leave it empty
            db.session.remove()
            postgres.empty_tables(db.engine)
            db.engine.dispose()
    demo_attributes = {r["id"]: r["attributes"] for r in demo_rows}
    engine = create_engine(empty_database_url)
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    engine.dispose()
    before = _sorted_rows(empty_database_url, tables)
    # The Plan Samenleven demo as 0008 held it: 59 local governments, 5 of them an IGS
    # with 3 members each; and rows in the tables that refer to them.
    assert len(before["respondents"]) == 59
    assert sum(1 for r in before["respondents"] if r["members"]) == 5
    assert all(len(before[t]) > 0 for t in ("contacts", "respondent_items", "invitations",
                                            "mail_log", "responses", "answers"))  # fmt: skip

    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output

    after = _sorted_rows(empty_database_url, tables)
    for table in tables:
        if table == "respondents":
            continue
        # Later revisions may add columns; what 0008 had stays as it was.
        assert [
            {k: r[k] for k in old} for r, old in zip(after[table], before[table], strict=True)
        ] == before[table], table
    by_id = {r["id"]: r for r in after["respondents"]}
    assert set(by_id) == {r["id"] for r in before["respondents"]}
    for old in before["respondents"]:
        new = by_id[old["id"]]
        expected = {"province": old["province"], **({"members": old["members"]}
                                                    if old["members"] else {})}  # fmt: skip
        assert new["attributes"] == expected == demo_attributes[old["id"]]
        assert {k: new[k] for k in old if k not in ("province", "members")} == {
            k: v for k, v in old.items() if k not in ("province", "members")
        }
        assert "province" not in new and "members" not in new
    assert runner.invoke(args=["db", "check"]).exit_code == 0

    result = runner.invoke(args=["db", "downgrade", "0008"])
    assert result.exit_code == 0, result.output
    assert _sorted_rows(empty_database_url, tables) == before

    # A person cannot go back to 0008: the downgrade refuses, and says why.
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    engine = create_engine(empty_database_url)
    with engine.begin() as conn:
        person = 1 + max(r["id"] for r in before["respondents"])  # ids were copied as such
        conn.execute(
            text("INSERT INTO respondents (id, questionnaire_id, code, name, kind, attributes, "
                 "created_at, updated_at) VALUES (:id, :q, 'D0001', 'An Peeters', 'deelnemer', "
                 "'{\"regio\": \"west\"}', :now, :now)"),
            {"id": person, "q": before["respondents"][0]["questionnaire_id"], "now": NOW},
        )  # fmt: skip
    engine.dispose()
    refused = runner.invoke(args=["db", "downgrade", "0008"])
    assert refused.exit_code != 0
    message = str(refused.exception) + refused.output
    assert (f"respondent {person} (kind 'deelnemer', province None) cannot be kept by "
            "revision 0008") in message  # fmt: skip
    assert "remove such respondents first" in message
    engine = create_engine(empty_database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() != "0008"
        assert (
            conn.execute(
                text("SELECT kind FROM respondents WHERE id = :id"), {"id": person}
            ).scalar()
            == "deelnemer"
        )
    engine.dispose()
    with app.app_context():
        db.engine.dispose()


def test_0011_notes_each_page_the_audit_log_shows_saved_once(
    empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Upgrading from 0010 fills ``saved_pages`` from the audit log: one row per page of
    each respondent, at its first save; other events, and saves of a deleted respondent,
    give none. Downgrading drops it, and the log still holds every save."""
    app = _app_on(empty_database_url, tmp_path, monkeypatch)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0010"]).exit_code == 0
    later = NOW + dt.timedelta(days=2)
    rows: list[tuple[str, dict[str, Any]]] = [
        *AT_0003[:2],
        *(("respondents", {"id": n, "questionnaire_id": 1, "code": f"CS0{n}", "name": f"Stad {n}",
                           "kind": "centrumstad", "attributes": {}, "created_at": NOW,
                           "updated_at": NOW, "is_test": False}) for n in (7, 8)),
    ]  # fmt: skip
    events = [  # (respondent, action, at, detail)
        (7, "save", later, {"section": "organisatie", "item": None, "answers": 7}),
        (7, "save", NOW, {"section": "organisatie", "item": None, "answers": 7}),
        (7, "save", later, {"section": "actie", "item": "5", "answers": 3}),
        (7, "save", NOW, {"section": "actie", "item": "13", "answers": 0}),
        (7, "submit", NOW, {}),
        (8, "save", later, {"section": "actie", "item": "5", "answers": 1}),
        (None, "save", NOW, {"section": "organisatie", "item": None, "answers": 2}),
        (None, "export", NOW, {"rows": 2}),
    ]
    rows += [("audit_events", {"id": 100 + n, "at": at, "actor": "coordinator:1", "action": action,
                               "questionnaire_id": 1, "respondent_id": who, "detail": detail})
             for n, (who, action, at, detail) in enumerate(events)]  # fmt: skip
    _insert(empty_database_url, rows)
    log_before = _rows(empty_database_url, ["audit_events"])

    result = runner.invoke(args=["db", "upgrade", "0011"])
    assert result.exit_code == 0, result.output
    saved = _rows(empty_database_url, ["saved_pages"])["saved_pages"]
    assert sorted(
        (r["respondent_id"], r["section"], r["item"], r["first_saved_at"].replace(tzinfo=dt.UTC))
        for r in saved
    ) == [(7, "actie", "13", NOW), (7, "actie", "5", later), (7, "organisatie", "", NOW),
          (8, "actie", "5", later)]  # fmt: skip
    assert runner.invoke(args=["db", "check"]).exit_code == 0

    result = runner.invoke(args=["db", "downgrade", "0010"])
    assert result.exit_code == 0, result.output
    engine = create_engine(empty_database_url)
    assert "saved_pages" not in inspect(engine).get_table_names()
    engine.dispose()
    assert _rows(empty_database_url, ["audit_events"]) == log_before
    with app.app_context():
        db.engine.dispose()
