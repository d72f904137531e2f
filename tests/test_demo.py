"""`intake demo`: realistic demo data, and safe to run again (the README's start command)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Respondent, Response
from intake.services import questionnaires, tracking


def test_demo_loads_twice_with_the_same_figures(app: Flask, runner: FlaskCliRunner) -> None:
    for _ in range(2):
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert "59 respondents, 42 submitted, 7 in progress" in result.output
        assert "admin@vvsg.be / demo-wachtwoord" in result.output
        assert result.output.count("/t/") == 4
    with app.app_context():
        q = questionnaires.get_by_slug("plan-samenleven-2025")
        assert str(tracking.overview(q).rate) == "42/57 (74%)"  # two were never invited
        kinds = {g.key: g.rate.invited + g.not_invited for g in tracking.by_column(q, "kind")}
        assert kinds == {"centrumstad": 13, "stad": 16, "gemeente": 25, "igs": 5}
        provinces = {g.key for g in tracking.by_column(q, "province")}
        assert len(provinces) == 5
        assert db.session.scalar(select(func.count()).select_from(Respondent)) == 59
        assert db.session.scalar(select(func.count()).select_from(Response)) == 49
        assert questionnaires.get_by_slug("inspiratiedag-2022") is not None
