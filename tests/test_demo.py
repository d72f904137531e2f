"""`intake demo`: realistic demo data, and safe to run again (the README's start command)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Respondent, Response
from intake.services import questionnaires, tracking
from tests.support.html import document

TITLES = {
    "plan-samenleven-2025": "Bevraging Plan Samenleven – projectjaar 3",
    "inspiratiedag-2022": "Evaluatie inspiratiedag Samenleven: iedereen inbegrepen",
    "agii-vormingen": "Tevredenheid over het vormingsaanbod van het AgII",
}


def _count(model: type[Respondent] | type[Response], slug: str) -> int:
    q = questionnaires.get_by_slug(slug)
    query = select(func.count()).select_from(Respondent).where(Respondent.questionnaire_id == q.id)
    if model is Response:
        query = query.join(Response, Response.respondent_id == Respondent.id)
    return db.session.scalar(query)


def test_demo_loads_twice_with_the_same_figures(
    app: Flask, runner: FlaskCliRunner, admin_client: FlaskClient, tmp_path: Path
) -> None:
    outbox = tmp_path / "instance" / "outbox"
    app.config["MAIL_OUTBOX"] = str(outbox)
    for _ in range(2):
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert "59 respondents, 42 submitted, 7 in progress" in result.output
        assert (
            "AgII training survey (agii-vormingen): 3557 participants, 871 of 3557 invited "
            "submitted." in result.output
        )
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
        assert _count(Respondent, "plan-samenleven-2025") == 59
        assert _count(Response, "plan-samenleven-2025") == 49
        assert questionnaires.get_by_slug("inspiratiedag-2022") is not None
        # AgII: 3,557 participants, every one mailed, 871 submitted (seed 004).
        agii = questionnaires.get_by_slug("agii-vormingen")
        assert str(tracking.overview(agii).rate) == "871/3557 (24%)"
        assert _count(Respondent, "agii-vormingen") == 3557
        assert _count(Response, "agii-vormingen") == 871
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

    # The admin's overview lists the three questionnaires, each with its own figures.
    page = document(admin_client.get("/admin/").get_data(as_text=True))
    rows = {
        " ".join(row.xpath("string(th)").split()): " ".join(row.xpath("string(td[2])").split())
        for row in page.xpath('//table[contains(@class, "questionnaire-table")]/tbody/tr')
    }
    assert set(rows) == set(TITLES.values())
    assert rows[TITLES["plan-samenleven-2025"]].startswith("42 van 57 ")
    assert rows[TITLES["agii-vormingen"]].startswith("871 van 3557 ")
