"""The job page in a real browser: it follows a running job by itself (JavaScript polls
its JSON; without JavaScript the page refreshes), then shows the outcome; axe finds no
serious problem in either state, and screenshots show it on a desktop and a phone."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask

from intake.extensions import db
from intake.jobs import mail as mail_job
from intake.jobs import records
from intake.models import Contact
from intake.services import accounts
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import _serious
from tests.support import factory

ADMIN = ("beheer@vvsg.be", "wachtwoord-voor-test")
PAGE = "/admin/vragenlijsten/plan-samenleven-2025"


def _sign_in(page, live_server: str) -> None:  # noqa: ANN001
    page.goto(f"{live_server}/aanmelden")
    page.get_by_label("E-mailadres").fill(ADMIN[0])
    page.get_by_label("Wachtwoord").fill(ADMIN[1])
    page.get_by_role("button", name="Aanmelden").click()


def _running_job(app: Flask) -> records.Run:
    """A mail job that a worker has taken up, 123 of 3,557 respondents along."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        accounts.create_admin(*ADMIN)
        job, _ = records.create(mail_job.KIND, actor="admin:beheer@vvsg.be", questionnaire=q,
                                params={"kind": "invitation"},
                                lock_key=mail_job.lock_key(q))  # fmt: skip
        run = records.start(job.id, dt.timedelta(minutes=5))
        assert run is not None
        run.advance(123, 3557, mail_job.progress_message(123, 3557))
        return run


def _advance(app: Flask, run: records.Run, done: int) -> None:
    with app.app_context():
        run.advance(done, 3557, mail_job.progress_message(done, 3557))


def test_the_job_page_follows_the_job_then_shows_what_became_of_it(
    app: Flask,
    page,
    live_server,  # noqa: ANN001
) -> None:
    run = _running_job(app)
    _sign_in(page, live_server)
    page.goto(f"{live_server}/admin/taken/{run.job_id}")
    bar = page.locator("progress#job-progress")
    assert bar.get_attribute("value") == "123" and bar.get_attribute("max") == "3557"
    assert page.get_by_text("123 van 3.557 verstuurd").is_visible()
    assert _serious(page) == []
    screenshot(page, "job")

    _advance(app, run, 2000)  # the page moves on by itself, without a reload
    page.get_by_text("2.000 van 3.557 verstuurd").wait_for(timeout=10_000)
    assert page.evaluate("document.querySelector('#job-progress').value") == 2000
    with app.app_context():
        run.finish({"sent": 3557, "failed": 0, "skipped": 0, "summary": "3557 verstuurd"})
    page.get_by_role("heading", name="Klaar").wait_for(timeout=10_000)  # reloaded
    assert page.get_by_text("3557 verstuurd").first.is_visible()
    assert page.locator("progress").count() == 0


def test_without_javascript_the_page_refreshes_itself(
    app: Flask,
    browser,
    live_server,  # noqa: ANN001
) -> None:
    run = _running_job(app)
    context = browser.new_context(locale="nl-BE", java_script_enabled=False)
    try:
        page = context.new_page()
        _sign_in(page, live_server)
        page.goto(f"{live_server}/admin/taken/{run.job_id}")
        assert page.get_by_text("123 van 3.557 verstuurd").is_visible()
        _advance(app, run, 456)
        page.get_by_text("456 van 3.557 verstuurd").wait_for(timeout=10_000)
    finally:
        context.close()


def test_a_finished_mail_job_lists_every_address_not_reached(
    app: Flask,
    page,
    live_server,  # noqa: ANN001
) -> None:
    """Sent from the dashboard (inline here: these tests run jobs without a queue)."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        accounts.create_admin(*ADMIN)
        factory.respondent(q, "CS04", contact=("Ann Peeters", "ann@noordhaven.be"))
        factory.respondent(q, "G02", contact=("Bart Claes", "bart-at-lindeloo.be"))
        org = factory.respondent(q, "S05", contact=("Eva Jans", "eva@beekveld.be"))
        org.contacts.append(Contact(name="Tom Maes", email="tom@@beekveld.be", position=1))
        db.session.commit()
    _sign_in(page, live_server)
    page.goto(f"{live_server}{PAGE}")
    page.get_by_role("link", name=re.compile(r"Uitnodigingen versturen \(")).click()
    page.get_by_role("button", name="Versturen").click()
    page.get_by_role("heading", name="Klaar").wait_for()
    assert page.get_by_text("2 verstuurd, 1 mislukt, 1 adres overgeslagen").is_visible()
    failed = page.get_by_role("table", name=re.compile("Niet verstuurd"))
    assert "bart-at-lindeloo.be" in failed.inner_text()
    skipped = page.get_by_role("table", name=re.compile("Overgeslagen adressen"))
    assert "tom@@beekveld.be" in skipped.inner_text()
    assert _serious(page) == []
    screenshot(page, "job-outcome")
    page.goto(f"{live_server}{PAGE}")
    assert page.get_by_role("link", name="Uitnodigingen versturen", exact=True).is_visible()
