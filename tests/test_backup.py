"""`intake backup` writes a consistent copy while the app keeps writing; restoring it works."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, func, select, text

import config as app_config
from intake import create_app
from intake.extensions import db
from intake.models import Answer, Respondent, Response
from intake.services import response_state, responses
from tests.support import factory


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_backup_while_writing_then_restore(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        respondents = [
            factory.respondent(q, f"G{i}", items={"actions": ["5"]}).id for i in range(5)
        ]
    stop = threading.Event()
    started = threading.Event()

    def keep_saving() -> None:
        with app.app_context():
            i = 0
            while not stop.is_set():
                respondent = db.session.get(Respondent, respondents[i % 5])
                state = response_state.load_state(respondent)
                posted = {"opmerkingen": (f"tekst {i}", None)}
                responses.save_page(respondent, "afsluiting", None, posted, state.revision, "t")
                i += 1
                if i == 10:
                    started.set()
            db.session.remove()

    writer = threading.Thread(target=keep_saving)
    writer.start()
    assert started.wait(timeout=30)
    try:
        target = tmp_path / "backup.sqlite"
        result = runner.invoke(args=["backup", "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert "wrote" in result.output
    finally:
        stop.set()
        writer.join(timeout=30)

    # The copy is a consistent database: every answer belongs to a stored response.
    copy = create_engine(f"sqlite:///{target}")
    with copy.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        orphans = conn.execute(text(
            "SELECT count(*) FROM answers WHERE response_id NOT IN (SELECT id FROM responses)"
        )).scalar()  # fmt: skip
        assert orphans == 0
    copy.dispose()

    # Restore: the app runs on the copy and finds the same registry.
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path / "restored"))
    settings = app_config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{target}"
    restored = create_app(settings)
    with restored.app_context():
        codes = sorted(db.session.scalars(select(Respondent.code)))
        assert codes == [f"G{i}" for i in range(5)]
        assert db.session.scalar(select(func.count()).select_from(Response)) >= 1
        texts = db.session.scalars(select(Answer.value).where(Answer.question == "opmerkingen"))
        assert all(str(t).startswith("tekst ") for t in texts)
        db.engine.dispose()


def test_backup_refuses_to_overwrite_and_postgres(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, backend: str
) -> None:
    target = tmp_path / "exists.sqlite"
    target.write_text("x")
    result = runner.invoke(args=["backup", "-o", str(target)])
    assert result.exit_code != 0
    if backend == "sqlite":
        assert "already exists" in result.output
    else:
        assert "use pg_dump" in result.output
