"""Dashboard figures against a hand-counted fixture, in the terminal and on the page."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from intake.extensions import db
from intake.models import Invitation, MailLog, Questionnaire, Response, utcnow
from intake.services import questionnaires, tracking
from tests.support import factory

FIXTURE = [
    # code, kind, province, actions, status
    ("A1", "centrumstad", "Antwerpen", ["2", "5"], "submitted"),
    ("A2", "centrumstad", "Limburg", ["5"], "submitted"),
    ("A3", "stad", "Antwerpen", ["5", "13"], "in_progress"),
    ("A4", "stad", "Limburg", ["13"], "opened"),
    ("A5", "gemeente", "Antwerpen", ["2"], "invited"),
    ("A6", "gemeente", "West-Vlaanderen", ["5"], "submitted"),
    ("A7", "gemeente", "West-Vlaanderen", ["24"], "not_invited"),
    ("A8", "igs", "Limburg", ["5", "24"], "submitted"),
    ("A9", "igs", "Antwerpen", ["2"], "invited"),
    ("A10", "stad", "Oost-Vlaanderen", ["5"], "in_progress"),
]


@pytest.fixture
def fixture_questionnaire(app: Flask) -> int:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        version = questionnaires.live_version(q)
        for code, kind, province, actions, status in FIXTURE:
            respondent = factory.respondent(
                q, code, kind=kind, province=province, items={"actions": actions}
            )
            if status != "not_invited":
                db.session.add(
                    MailLog(
                        respondent_id=respondent.id,
                        kind="invitation",
                        recipient="x@y.be",
                        subject="Uitnodiging",
                    )
                )
            if status in {"opened", "in_progress", "submitted"}:
                db.session.add(
                    Invitation(
                        respondent_id=respondent.id,
                        token_hash=f"{code:0>64}",
                        first_opened_at=utcnow(),
                        last_opened_at=utcnow(),
                    )
                )
            if status in {"in_progress", "submitted"}:
                db.session.add(
                    Response(
                        respondent_id=respondent.id,
                        questionnaire_version=version,
                        status="draft" if status == "in_progress" else status,
                    )
                )
            if code == "A9":
                db.session.add(
                    MailLog(
                        respondent_id=respondent.id,
                        kind="reminder",
                        recipient="x@y.be",
                        subject="Herinnering",
                    )
                )
        # A failed reminder does not count.
        db.session.add(
            MailLog(
                respondent_id=respondent.id,
                kind="reminder",
                recipient="x@y.be",
                subject="Herinnering",
                ok=False,
                error="refused",
            )
        )
        db.session.commit()
        return q.id


def _q(app: Flask) -> Questionnaire:
    return db.session.scalar(select(Questionnaire))


def test_overview_by_kind_province_and_item(app: Flask, fixture_questionnaire: int) -> None:
    with app.app_context():
        q = _q(app)
        overview = tracking.overview(q)
        assert overview.counts == {
            "not_invited": 1,
            "invited": 2,
            "opened": 1,
            "in_progress": 2,
            "submitted": 4,
        }
        # A7 was never invited: it is not in the denominator of any rate.
        assert str(overview.rate) == "4/9 (44%)"
        assert (overview.total, overview.invited, overview.not_submitted) == (10, 9, 6)
        kinds = {g.key: (str(g.rate), g.not_invited) for g in tracking.by_column(q, "kind")}
        assert kinds == {
            "centrumstad": ("2/2 (100%)", 0),
            "gemeente": ("1/2 (50%)", 1),
            "igs": ("1/2 (50%)", 0),
            "stad": ("0/3 (0%)", 0),
        }
        provinces = {g.key: str(g.rate) for g in tracking.by_column(q, "province")}
        assert provinces == {
            "Antwerpen": "1/4 (25%)",
            "Limburg": "2/3 (67%)",
            "Oost-Vlaanderen": "0/1 (0%)",
            "West-Vlaanderen": "1/1 (100%)",
        }
        items = {
            r.code: (r.invited, r.submitted, r.not_invited) for r in tracking.by_item(q)["actions"]
        }
        assert items["2"] == (3, 1, 0) and items["5"] == (6, 4, 0)
        assert items["13"] == (2, 0, 0) and items["24"] == (1, 1, 1)
        assert items["7"] == (0, 0, 0) and "4" not in items  # unsurveyed and unused: left out


def test_respondent_list_filters(app: Flask, fixture_questionnaire: int) -> None:
    with app.app_context():
        q = _q(app)
        rows = tracking.respondent_rows(q)
        assert len(rows) == 10
        by_code = {r.code: r for r in rows}
        assert by_code["A9"].reminders == 1 and by_code["A1"].reminders == 0
        assert by_code["A7"].status == "not_invited" and by_code["A7"].last_activity is None
        assert by_code["A3"].last_activity is not None
        codes = lambda **f: sorted(r.code for r in tracking.respondent_rows(q, **f))  # noqa: E731
        assert codes(status="submitted") == ["A1", "A2", "A6", "A8"]
        assert codes(kind="igs", province="Limburg") == ["A8"]
        assert codes(item="24") == ["A7", "A8"]
        assert codes(search="a1") == ["A1", "A10"]


def test_status_command_first_line(
    app: Flask, runner: FlaskCliRunner, fixture_questionnaire: int
) -> None:
    result = runner.invoke(args=["status", "-q", "plan-samenleven-2025"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "4/9 (44%)"
    assert any("Centrumstad" in line and "2/2 (100%)" in line for line in lines)
    assert any("Limburg" in line and "2/3 (67%)" in line for line in lines)


def test_dashboard_page_shows_the_figures(
    app: Flask, fixture_questionnaire: int, admin_client: FlaskClient
) -> None:

    admin = admin_client
    page = admin.get("/admin/vragenlijsten/plan-samenleven-2025").get_data(as_text=True)
    assert "44%" in page and "4 van 9 uitgenodigde besturen hebben ingediend" in page
    assert (
        "<svg" in page
        and '<th scope="row">Centrumstad</th><td>2</td><td>2</td><td>100%</td>' in page
    )
    assert "<td>5</td><td>Oefenkansen Nederlands organiseren</td><td>6</td><td>4</td>" in page
    listing = admin.get(
        "/admin/vragenlijsten/plan-samenleven-2025/respondenten?status=in_progress"
    ).get_data(as_text=True)
    assert "Bestuur A3" in listing and "Bestuur A10" in listing and "Bestuur A1<" not in listing


def test_closed_questionnaire_refuses_edits_with_a_clear_message(
    app: Flask, fixture_questionnaire: int
) -> None:
    with app.app_context():
        q = _q(app)
        respondent = factory.by_code(q, "A3")
        link = factory.link(respondent)
        questionnaires.set_open(q, False)
    client = app.test_client()
    client.get(link)
    from tests.support.portal import post_page

    result = post_page(client, "/v/plan-samenleven-2025/p/planlast", {"stelling": "4"})
    assert result.status_code == 200
    assert "De bevraging is afgesloten" in result.get_data(as_text=True)
    assert "De bevraging is afgesloten." in client.get("/v/plan-samenleven-2025/").get_data(
        as_text=True
    )
