"""The admin's mail buttons in a real browser: the count on the button, the confirmation
page with exactly the recipients and a preview, and then exactly those mails through a
real SMTP server; invite twice sends nothing; remind right after invite sends nothing."""

from __future__ import annotations

import re

from flask import Flask

from intake.extensions import db
from intake.services import accounts
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import _serious
from tests.support import factory
from tests.support.smtp import SMTPServer

ADMIN = ("beheer@vvsg.be", "wachtwoord-voor-test")
PAGE = "/admin/vragenlijsten/plan-samenleven-2025"


def test_the_admin_confirms_exactly_who_gets_the_mail(
    app: Flask,
    page,
    live_server: str,  # noqa: ANN001
) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        accounts.create_admin(*ADMIN)
        factory.respondent(q, "CS04", name="Stad Noordhaven aan de Schelde en de Rupel",
                           contact=("Ann Peeters", "ann@noordhaven.be"))  # fmt: skip
        factory.respondent(q, "G02", name="Gemeente Lindeloo",
                           contact=("Bart Claes", "bart@lindeloo.be"))  # fmt: skip
        started = factory.respondent(q, "S05", contact=("Eva Jans", "eva@beekveld.be"))
        link = factory.link(started)
        respondent_id = started.id - 2
        db.session.commit()
    page.goto(f"{live_server}{link}")  # an admin's link, opened by S05: no invitation for it
    page.context.clear_cookies()
    with SMTPServer() as smtp:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_OUTBOX=None)
        page.goto(f"{live_server}/aanmelden")
        page.get_by_label("E-mailadres").fill(ADMIN[0])
        page.get_by_label("Wachtwoord").fill(ADMIN[1])
        page.get_by_role("button", name="Aanmelden").click()
        page.goto(f"{live_server}{PAGE}")
        assert page.get_by_role("link", name="Herinneringen versturen (0)").is_visible()
        page.get_by_role("link", name="Uitnodigingen versturen (2)").click()

        page.get_by_role("heading", name="2 besturen krijgen deze mail").wait_for()
        table = page.get_by_role("table", name="Ontvangers (2)")
        rows = [row.inner_text().split("\t") for row in table.locator("tbody tr").all()]
        assert [r[0].strip() for r in rows] == ["CS04", "G02"]
        preview = page.locator("pre.mail-preview").inner_text()
        assert "Beste Ann Peeters," in preview and "Plan Samenleven" in preview
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        assert _serious(page) == []
        screenshot(page, "mail-confirmation")
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.set_viewport_size({"width": 1280, "height": 900})

        page.get_by_role("button", name="Versturen").click()
        page.get_by_role("heading", name="Klaar").wait_for()
        assert page.get_by_text("2 verstuurd").first.is_visible()
        assert sorted(r for m in smtp.received for r in m.recipients) == [
            "ann@noordhaven.be", "bart@lindeloo.be"]  # fmt: skip

        # Invite twice: nothing the second time; remind right after: nothing either.
        page.goto(f"{live_server}{PAGE}")
        page.get_by_role("link", name="Uitnodigingen versturen (0)").click()
        assert page.get_by_text("Er is nu niemand die een uitnodiging krijgt.").is_visible()
        assert page.get_by_role("button", name="Versturen").count() == 0
        page.goto(f"{live_server}{PAGE}")
        page.get_by_role("link", name=re.compile(r"Herinneringen versturen \(0\)")).click()
        assert page.get_by_text("Er is nu niemand die een herinnering krijgt.").is_visible()
        assert len(smtp.received) == 2

        page.goto(f"{live_server}/admin/respondenten/{respondent_id}")
        history = page.get_by_role("table", name=re.compile("Uitnodiging en herinneringen"))
        assert "Uitnodiging" in history.inner_text() and "verstuurd" in history.inner_text()
        assert _serious(page) == []
        screenshot(page, "respondent-mail-history")
