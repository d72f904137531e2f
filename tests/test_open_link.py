"""The public link, through the portal: independent browsers start, save, resume with their
code in another browser and submit; the cap, the closing time, the honeypot and the
minimum fill time refuse; the resume link is mailed through a real SMTP server and the
address is gone afterwards; the figures count anonymous answers apart."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update

from intake.extensions import db
from intake.jobs import queue
from intake.models import Job, MailLog, OpenLink, Respondent, Response, utcnow
from intake.services import open_links, pseudonyms, questionnaires, tracking
from tests.support import factory, jobs
from tests.support.html import csrf_token, document, shown
from tests.support.portal import post_page
from tests.support.smtp import SMTPServer, free_port

SLUG = "inspiratiedag-2022"
PORTAL = f"/v/{SLUG}"
HONEYPOT = "website"


@pytest.fixture
def link(app: Flask) -> str:
    """The inspiration day's public link (a cap of 3), its slug; no minimum fill time."""
    app.config["OPEN_LINK_MIN_SECONDS"] = 0
    with app.app_context():
        questionnaire = factory.load_questionnaire(factory.INSPIRATIE)
        return open_links.create(questionnaire, "admin:test", max_responses=3).slug


def _csrf(page: str) -> str:
    return document(page).xpath('//input[@name="csrf_token"]/@value')[0]


def start(client: FlaskClient, slug: str) -> str:
    """Press start on the public link; returns the resume code the portal shows."""
    page = client.get(f"/o/{slug}").get_data(as_text=True)
    started = client.post(f"/o/{slug}/beginnen", data={"csrf_token": _csrf(page), HONEYPOT: ""})
    assert started.status_code == 302 and started.headers["Location"] == f"{PORTAL}/"
    portal = client.get(f"{PORTAL}/").get_data(as_text=True)
    (code,) = document(portal).xpath('//strong[@class="resume-code"]/text()')
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", code), code
    return code


def resume(app: Flask, slug: str, code: str) -> FlaskClient:
    """A fresh browser (its own cookie jar) that goes on with the code."""
    client = app.test_client()
    page = client.get(f"/o/{slug}").get_data(as_text=True)
    resumed = client.post(f"/o/{slug}/verder", data={"csrf_token": _csrf(page), "code": code})
    assert resumed.status_code == 302 and resumed.headers["Location"] == f"{PORTAL}/"
    return client


def first_page(client: FlaskClient, dienst: str) -> None:
    answers = {"dienst": dienst, "workshops": ["w1"], "collegas": "2"}
    assert post_page(client, f"{PORTAL}/p/deelname", answers).status_code == 302


# The pages after the first, answered as a participant of workshop w1 would.
REST = {
    "algemeen": {"tevredenheid": "5", "online_storend": "nee"},
    "workshop/w1": {"tevredenheid": "4", "nut": "3"},
    "afsluiting": {"verslag": "nee"},
}


def finish(client: FlaskClient, theme: str) -> None:
    """Answer the remaining pages and submit (confirmation included)."""
    pages = {**REST, "afsluiting": {"suggesties": theme, "verslag": "nee"}}
    for path, answers in pages.items():
        assert post_page(client, f"{PORTAL}/p/{path}", answers).status_code == 302
    assert _submit(client).headers["Location"] == f"{PORTAL}/ingediend"


def _submit(client: FlaskClient, **extra: str):  # noqa: ANN202
    summary = client.get(f"{PORTAL}/overzicht").get_data(as_text=True)
    token = _csrf(summary)
    confirm = client.post(f"{PORTAL}/indienen", data={"csrf_token": token, **extra})
    if confirm.status_code != 200 or "definitief indienen" not in confirm.get_data(as_text=True):
        return confirm
    return client.post(f"{PORTAL}/indienen", data={"csrf_token": token, "confirm": "ja", **extra})


def _anonymous(app: Flask) -> list[Respondent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Respondent)
                .where(Respondent.open_link_id.is_not(None))
                .order_by(Respondent.id)
            )
        )


def test_three_browsers_answer_apart_and_the_cap_refuses_a_fourth(app: Flask, link: str) -> None:
    themes = {"communicatie": "Thema van browser A", "jeugd": "Thema van browser B",
              "cultuur": "Thema van browser C"}  # fmt: skip
    browsers = {dienst: app.test_client() for dienst in themes}
    codes = {dienst: start(client, link) for dienst, client in browsers.items()}
    assert len(set(codes.values())) == 3
    for dienst, client in browsers.items():
        first_page(client, dienst)

    # Each goes on in a fresh browser with its code: its own answers, nobody else's.
    for dienst, code in codes.items():
        again = resume(app, link, code)
        page = again.get(f"{PORTAL}/p/deelname").get_data(as_text=True)
        checked = document(page).xpath('//input[@name="dienst"][@checked]/@value')
        assert checked == [dienst]
        finish(again, themes[dienst])
        receipt = again.get(f"{PORTAL}/ingediend").get_data(as_text=True)
        assert themes[dienst] in receipt
        assert not any(theme in receipt for other, theme in themes.items() if other != dienst)

    # The first browsers see their own submitted response, and nothing of the others.
    for dienst, client in browsers.items():
        summary = client.get(f"{PORTAL}/overzicht").get_data(as_text=True)
        assert "Ingediend op" in summary and themes[dienst] in summary
        assert sum(theme in summary for theme in themes.values()) == 1

    with app.app_context():
        rows = db.session.execute(
            select(Respondent.name, Respondent.kind, Response.status, Respondent.resume_code_hash)
            .join(Response).where(Respondent.open_link_id.is_not(None))
        ).all()  # fmt: skip
        assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
            ("Anonieme deelnemer", "deelnemer", "submitted", None)
        ] * 3

    # A fourth browser: the cap of 3 submitted responses is reached.
    fourth = app.test_client()
    page = fourth.get(f"/o/{link}")
    assert page.status_code == 403
    assert "het maximum aantal antwoorden bereikt" in page.get_data(as_text=True)
    refused = fourth.post(
        f"/o/{link}/beginnen", data={"csrf_token": _csrf(page.get_data(as_text=True))}
    )
    assert refused.status_code == 403 and len(_anonymous(app)) == 3
    # A used code no longer opens anything once its response was submitted.
    gone = app.test_client()
    form = gone.get(f"/o/{link}").get_data(as_text=True)
    answer = gone.post(
        f"/o/{link}/verder", data={"csrf_token": _csrf(form), "code": codes["jeugd"]}
    )
    assert answer.headers["Location"].endswith(f"/o/{link}#verder")


def test_a_started_response_may_still_be_submitted_once_the_cap_is_reached(
    app: Flask, link: str
) -> None:
    with app.app_context():
        db.session.execute(update(OpenLink).values(max_responses=1))
        db.session.commit()
    first, second = app.test_client(), app.test_client()
    start(first, link)
    start(second, link)
    first_page(first, "jeugd")
    first_page(second, "cultuur")
    finish(first, "A")
    assert app.test_client().get(f"/o/{link}").status_code == 403
    finish(second, "B")  # started before the cap was reached
    # Its own browser still finds its way back through the public link.
    back = second.get(f"/o/{link}")
    assert back.status_code == 403  # no new response for it either


def test_the_closing_time_refuses_new_and_stops_started_responses(app: Flask, link: str) -> None:
    browser = app.test_client()
    code = start(browser, link)
    first_page(browser, "jeugd")
    with app.app_context():
        db.session.execute(update(OpenLink).values(closes_at=utcnow() - dt.timedelta(minutes=1)))
        db.session.commit()

    newcomer = app.test_client()
    page = newcomer.get(f"/o/{link}")
    assert page.status_code == 410
    assert "Deze vragenlijst is afgesloten" in page.get_data(as_text=True)
    refused = newcomer.post(
        f"/o/{link}/beginnen", data={"csrf_token": csrf_token(newcomer, "/aanmelden")}
    )
    assert refused.status_code == 410
    assert len(_anonymous(app)) == 1

    # The started response: what is typed comes back, nothing is stored; no submission.
    saved = post_page(browser, f"{PORTAL}/p/deelname", {"dienst": "cultuur", "workshops": ["w1"]})
    assert "De bevraging is afgesloten" in saved.get_data(as_text=True)
    with app.app_context():
        respondent = _anonymous(app)[0]
        state_value = db.session.execute(
            text("SELECT value FROM answers WHERE question = 'dienst'")
        ).scalar()
        assert "jeugd" in str(state_value) and respondent.resume_code_hash is not None
    assert _submit(browser).status_code == 422
    # The closed link's page offers no code form; the code itself still opens the response,
    # which now only reads.
    reader = app.test_client()
    token = csrf_token(reader, "/aanmelden")
    assert (
        reader.post(f"/o/{link}/verder", data={"csrf_token": token, "code": code}).status_code
        == 302
    )
    assert "De bevraging is afgesloten." in reader.get(f"{PORTAL}/").get_data(as_text=True)


def test_the_honeypot_refuses_scripted_posts(app: Flask, link: str) -> None:
    bot = app.test_client()
    page = bot.get(f"/o/{link}").get_data(as_text=True)
    assert document(page).xpath(f'//input[@name="{HONEYPOT}"]')  # on the start form
    refused = bot.post(f"/o/{link}/beginnen", data={"csrf_token": _csrf(page), HONEYPOT: "x"})
    assert refused.status_code == 400 and _anonymous(app) == []

    start(bot, link)
    form = bot.get(f"{PORTAL}/p/deelname").get_data(as_text=True)
    assert document(form).xpath(f'//form[@class="page-form"]//input[@name="{HONEYPOT}"]')
    answers = {"dienst": "jeugd", "workshops": ["w1"], "collegas": "1", HONEYPOT: "http://spam"}
    saved = post_page(bot, f"{PORTAL}/p/deelname", answers)
    assert saved.status_code == 400
    assert shown(saved.get_data(as_text=True), "collegas") == ["1"]  # as typed, not stored
    with app.app_context():
        assert db.session.scalar(select(Response.id)) is None  # nothing stored

    first_page(bot, "jeugd")
    for path, answers in REST.items():
        post_page(bot, f"{PORTAL}/p/{path}", answers)
    assert _submit(bot, **{HONEYPOT: "x"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Response.status)) == "draft"


def test_a_too_fast_submission_is_refused(app: Flask, link: str) -> None:
    app.config["OPEN_LINK_MIN_SECONDS"] = 60
    browser = app.test_client()
    start(browser, link)
    first_page(browser, "jeugd")
    for path, answers in REST.items():
        assert post_page(browser, f"{PORTAL}/p/{path}", answers).status_code == 302
    refused = _submit(browser, confirm="ja")
    assert refused.status_code == 429
    assert "wel erg snel ingevuld" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Response.status)) == "draft"
        # A minute later (as if the person read the questions), it goes through.
        db.session.execute(
            update(Respondent).values(created_at=utcnow() - dt.timedelta(seconds=61))
        )
        db.session.commit()
    assert _submit(browser).headers["Location"] == f"{PORTAL}/ingediend"


@pytest.fixture
def smtp(app: Flask) -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_OUTBOX=None)
        yield server


def _mail_link(client: FlaskClient, slug: str, address: str):  # noqa: ANN202
    portal = client.get(f"{PORTAL}/").get_data(as_text=True)
    return client.post(
        f"/o/{slug}/link-mailen", data={"csrf_token": _csrf(portal), "email": address}
    )


def _dump(app: Flask) -> str:
    """Every row of every table, as text."""
    with app.app_context():
        return "\n".join(
            str(row) for table in db.metadata.sorted_tables
            for row in db.session.execute(table.select())
        )  # fmt: skip


def test_the_resume_link_is_mailed_and_the_address_forgotten(
    app: Flask, link: str, smtp: SMTPServer
) -> None:
    address = "lies.peeters@voorbeeld.be"
    browser = app.test_client()
    start(browser, link)
    first_page(browser, "cultuur")
    mailed = _mail_link(browser, link, address)
    assert mailed.status_code == 302
    assert "l***@v***.be" in browser.get(mailed.headers["Location"]).get_data(as_text=True)

    (mail,) = smtp.received
    assert mail.recipients == [address]
    (path,) = re.findall(r"http://\S+(/t/\S+)", mail.body)
    with app.app_context():
        (log,) = db.session.scalars(select(MailLog)).all()
        assert (log.kind, log.recipient, log.ok) == ("resume", "l***@v***.be", True)
    assert address not in _dump(app)  # gone once its mail went out

    # The mailed link opens the same response in another browser.
    other = app.test_client()
    assert other.get(path).headers["Location"] == f"{PORTAL}/"
    page = other.get(f"{PORTAL}/p/deelname").get_data(as_text=True)
    assert document(page).xpath('//input[@name="dienst"][@checked]/@value') == ["cultuur"]
    assert address not in other.get(f"{PORTAL}/").get_data(as_text=True)


def test_the_worker_mails_the_resume_link_outside_any_request(
    app: Flask, link: str, smtp: SMTPServer
) -> None:
    """The job runs in ``intake worker``, where no visitor's request (or session) exists:
    composing the mail must not need one (it did, and every resume mail failed there)."""
    app.config.update(HUEY_IMMEDIATE=False, HUEY_URL="", JOB_RETRY_DELAY=1)
    queue.init_app(app)
    browser = app.test_client()
    start(browser, link)
    first_page(browser, "cultuur")
    assert _mail_link(browser, link, "an.worker@voorbeeld.be").status_code == 302
    assert smtp.received == []  # queued, not sent in the request
    with app.app_context():
        job_id = db.session.scalar(select(Job.id))
    consumer = jobs.start_consumer(app)
    try:
        job = jobs.wait_for(app, job_id, lambda j: j.finished)
    finally:
        jobs.stop_consumer(consumer)
    assert (job.status, job.error) == ("done", None)
    (mail,) = smtp.received
    assert mail.recipients == ["an.worker@voorbeeld.be"] and "/t/" in mail.body
    assert "an.worker@voorbeeld.be" not in _dump(app)


def test_an_address_whose_mail_failed_is_deleted_at_submission(app: Flask, link: str) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_OUTBOX=None,
                      JOB_RETRIES=0)  # fmt: skip
    address = "karim.aydin@voorbeeld.be"
    browser = app.test_client()
    start(browser, link)
    first_page(browser, "jeugd")
    _mail_link(browser, link, address)
    with app.app_context():
        (job,) = db.session.scalars(select(Job)).all()
        assert job.status == "failed" and address not in (job.error or "")
        assert address not in str(job.params)
    assert address in _dump(app)  # kept for a retry while the response is open
    finish(browser, "Een thema")
    assert address not in _dump(app)


def test_resume_codes_are_rate_limited(app: Flask, link: str) -> None:
    guesser = app.test_client()
    token = _csrf(guesser.get(f"/o/{link}").get_data(as_text=True))
    statuses = [
        guesser.post(
            f"/o/{link}/verder", data={"csrf_token": token, "code": f"AAAA-AAA{n}"}
        ).status_code
        for n in range(2, 9)
    ] + [
        guesser.post(
            f"/o/{link}/verder", data={"csrf_token": token, "code": "BBBB-BBBB"}
        ).status_code
        for _ in range(5)
    ]
    assert statuses[:10] == [302] * 10 and statuses[10:] == [429, 429]


def test_unknown_revoked_and_not_yet_open_links(app: Flask, link: str) -> None:
    client = app.test_client()
    assert client.get("/o/bestaatniet").status_code == 404
    with app.app_context():
        db.session.execute(update(OpenLink).values(opens_at=utcnow() + dt.timedelta(days=1)))
        db.session.commit()
    soon = client.get(f"/o/{link}")
    assert soon.status_code == 403 and "nog niet open" in soon.get_data(as_text=True)
    with app.app_context():
        open_links.revoke(db.session.scalars(select(OpenLink)).one(), "admin:test")
    assert client.get(f"/o/{link}").status_code == 410


def test_figures_count_open_answers_apart_with_pseudonyms(
    app: Flask, link: str, tmp_path: Path
) -> None:
    """A questionnaire offering both: the registry's rate leaves anonymous answers out, and
    the open link's rate counts them against the expected number."""
    source = factory.INSPIRATIE.read_text(encoding="utf-8")
    both = source.replace("version: 2", "version: 3").replace(
        "access: [open_link]", "access: [personal_link, open_link]")  # fmt: skip
    path = tmp_path / "both.yaml"
    path.write_text(both, encoding="utf-8")
    with app.app_context():
        q = factory.load_questionnaire(path)
        factory.respondent(q, "D01", kind="deelnemer", attributes={})
    done, busy = app.test_client(), app.test_client()
    for client in (done, busy):
        start(client, link)
        first_page(client, "jeugd")
    finish(done, "X")
    start(app.test_client(), link)  # started, nothing saved: no response yet
    with app.app_context():
        q = questionnaires.get_by_slug(SLUG)
        rate = tracking.open_link_rate(q)
        assert (rate.submitted, rate.in_progress, rate.expected, rate.percent) == (1, 1, 315, 0)
        overview = tracking.overview(q)
        assert overview.total == 1 and str(overview.rate) == "0/0 (0%)"  # D01 alone
        # Anonymous answers get codes of the only kind, as registry respondents do.
        assert pseudonyms.assign(q) == 4
        codes = sorted(db.session.scalars(select(Respondent.pseudonym)))
        assert codes == ["D01", "D02", "D03", "D04"]
