"""`intake demo`: realistic demo data, and safe to run again (the README's start command)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Respondent, Response
from intake.services import questionnaires, tracking


def test_demo_loads_twice_with_the_same_figures(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    outbox = tmp_path / "instance" / "outbox"
    app.config["MAIL_OUTBOX"] = str(outbox)
    for _ in range(2):
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert "59 respondents, 42 submitted, 7 in progress" in result.output
        assert "admin@vvsg.be / demo-wachtwoord" in result.output
        assert result.output.count("/t/") == 6
        assert outbox.is_dir() and f"Mails are written to {outbox}" in result.output
    with app.app_context():
        q = questionnaires.get_by_slug("plan-samenleven-2025")
        assert str(tracking.overview(q).rate) == "42/57 (74%)"  # two were never invited
        kinds = {g.key: g.rate.invited + g.not_invited for g in tracking.by_column(q, "kind")}
        assert kinds == {"centrumstad": 13, "stad": 16, "gemeente": 25, "igs": 5}
        provinces = {g.key for g in tracking.by_column(q, "province")}
        assert len(provinces) == 5
        # Plan Samenleven's registry (the inspiration day's anonymous answers: test_open_link)
        plan = Respondent.questionnaire_id == q.id
        assert db.session.scalar(select(func.count()).select_from(Respondent).where(plan)) == 59
        assert (
            db.session.scalar(
                select(func.count()).select_from(Response).join(Respondent).where(plan)
            )
            == 49
        )
        assert questionnaires.get_by_slug("inspiratiedag-2022") is not None
        # A link for every state, fresh ones first, each printed with its state.
        status = {r.name: r.status for r in tracking.respondent_rows(q)}
        printed = re.findall(r"^  (.+) \((.+)\): http\S+/t/\S+$", result.output, re.M)
        assert [(status[name], state) for name, state in printed] == [
            ("invited", "nieuw: uitgenodigd, nog niet geopend"),
            ("invited", "nieuw: uitgenodigd, nog niet geopend"),
            ("not_invited", "nieuw: nog niet uitgenodigd"),
            ("opened", "link geopend, nog niets ingevuld"),
            ("in_progress", "bezig"),
            ("submitted", "ingediend"),
        ]
