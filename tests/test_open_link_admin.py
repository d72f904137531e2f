"""The admin's side of the public link: make, share, set and revoke it on the questionnaire
page (CSRF, audit log) or on the command line; the dashboard's open-link rate; the demo."""

from __future__ import annotations

import io
import random
import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from intake.extensions import db
from intake.models import OpenLink
from intake.services import demo, open_links, questionnaires
from tests.support import factory, jobs
from tests.support.html import csrf_token, document

PAGE = "/admin/vragenlijsten/inspiratiedag-2022"


def _link(app: Flask) -> OpenLink | None:
    with app.app_context():
        return db.session.scalars(select(OpenLink)).one_or_none()


def _text(page: str) -> str:
    return " ".join(document(page).text_content().split())


def test_admin_makes_sets_and_revokes_the_open_link(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        factory.load_questionnaire(factory.INSPIRATIE)
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert "Open link maken" in page
    # Without the CSRF token nothing is made.
    assert admin_client.post(f"{PAGE}/open-link").status_code == 400
    assert _link(app) is None

    token = csrf_token(admin_client, PAGE)
    made = admin_client.post(
        f"{PAGE}/open-link", data={"csrf_token": token, "max_responses": "300"}
    )
    assert made.status_code == 302
    link = _link(app)
    assert (
        link is not None and link.max_responses == 300 and re.fullmatch(r"[a-z2-9]{12}", link.slug)
    )
    page = admin_client.get(PAGE).get_data(as_text=True)
    (shown,) = document(page).xpath('//input[@id="open-link-url"]/@value')
    assert shown == f"http://localhost/o/{link.slug}"
    assert "De link staat open voor nieuwe antwoorden." in _text(page)

    # Closing time in Belgian time (summer: UTC+2), and no cap any more.
    admin_client.post(f"{PAGE}/open-link/instellingen", data={
        "csrf_token": token, "closes_at": "2031-06-30T17:00", "max_responses": ""})  # fmt: skip
    link = _link(app)
    assert link.closes_at.isoformat() == "2031-06-30T15:00:00+00:00" and link.max_responses is None
    bad = admin_client.post(f"{PAGE}/open-link/instellingen", data={
        "csrf_token": token, "opens_at": "2031-07-01T09:00", "closes_at": "2031-06-30T17:00"},
        follow_redirects=True)  # fmt: skip
    assert "De sluiting moet na de opening liggen." in bad.get_data(as_text=True)

    admin_client.post(f"{PAGE}/open-link/intrekken", data={"csrf_token": token})
    assert _link(app).revoked_at is not None
    assert app.test_client().get(f"/o/{link.slug}").status_code == 410
    assert "Open link maken" in admin_client.get(PAGE).get_data(as_text=True)

    log = _text(admin_client.get("/admin/logboek").get_data(as_text=True))
    sentences = ["maakte de open link", "trok de open link",
                 "wijzigde de opening, sluiting of het maximum van de open link"]  # fmt: skip
    for sentence in sentences:
        assert f"beheer@vvsg.be {sentence} /o/{link.slug}" in log


def test_a_questionnaire_without_open_link_shows_none(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        factory.load_questionnaire()
    page = admin_client.get("/admin/vragenlijsten/plan-samenleven-2025").get_data(as_text=True)
    assert 'id="open-link"' not in page and "verwachte deelnemers" not in page
    assert "uitgenodigde besturen hebben ingediend" in _text(page)
    token = csrf_token(admin_client, "/admin/vragenlijsten/plan-samenleven-2025")
    refused = admin_client.post("/admin/vragenlijsten/plan-samenleven-2025/open-link",
                                data={"csrf_token": token}, follow_redirects=True)  # fmt: skip
    assert "biedt geen open link aan" in refused.get_data(as_text=True)
    assert _link(app) is None


def test_the_dashboard_shows_the_demo_open_link_rate(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.INSPIRATIE)
        title, path, held = demo.load_open_link(q, random.Random(7))
        assert held == "117 ingediend, 6 bezig"
        assert path == f"/o/{open_links.current(q).slug}"
    text = _text(admin_client.get(PAGE).get_data(as_text=True))
    assert "Respons via de open link 37% 117 van 315 verwachte deelnemers hebben ingediend" in text
    assert "Nog 6 antwoorden zijn begonnen en niet ingediend." in text
    assert "uitgenodigde besturen" not in text  # open link only: no registry figure
    # Nor the registry's blocks: no per-workshop "invited" zeros, no mail buttons, no upload.
    for registry_only in ("Respons per workshop", "Uitnodigen en herinneren", "Register"):
        assert registry_only not in text, registry_only
    # The demo's link works: a visitor may start.
    assert app.test_client().get(path).status_code == 200
    # The export's overview counts the answers against the expected population too.
    _, download = jobs.export_file(admin_client, PAGE)
    overview = [
        tuple(row[:4])
        for row in load_workbook(io.BytesIO(download.data))["Overzicht"].iter_rows(values_only=True)
    ]
    assert ("Via de open link", "Ingediend", "Verwacht", "Responsgraad") in overview
    assert ("Totaal", 117, 315, 117 / 315) in overview
    assert not any(row[0] == "Per soort" for row in overview)  # no registry response


def test_the_command_line_makes_and_revokes_the_link(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        factory.load_questionnaire(factory.INSPIRATIE)
    made = runner.invoke(args=["open-link", "create", "-q", "inspiratiedag-2022", "--max", "5"])
    assert made.exit_code == 0, made.output
    link = _link(app)
    assert f"/o/{link.slug}\n  at most: 5\n  new responses: accepted" in made.output
    again = runner.invoke(args=["open-link", "create", "-q", "inspiratiedag-2022"])
    assert f"/o/{link.slug}" in again.output  # the current link, not a second one
    revoked = runner.invoke(args=["open-link", "revoke", "-q", "inspiratiedag-2022"])
    assert revoked.exit_code == 0 and _link(app).revoked_at is not None
    with app.app_context():
        factory.load_questionnaire()
        assert questionnaires.get_by_slug("plan-samenleven-2025") is not None
    refused = runner.invoke(args=["open-link", "create", "-q", "plan-samenleven-2025"])
    assert refused.exit_code != 0 and "biedt geen open link aan" in refused.output
