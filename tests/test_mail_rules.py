"""Mail that does exactly what it says: who each button mails, the confirmation page,
the texts and deadline in the delivered mail, scheduled reminders, the mail history.
Real SMTP on loopback; jobs run inline here, and through huey's consumer at the end."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.extensions import db
from intake.jobs import mail as mail_job
from intake.jobs import queue
from intake.models import Job, MailLog, Questionnaire, Respondent
from intake.questionnaire import DefinitionErrors, load_text
from intake.questionnaire import mail as mail_texts
from intake.services import mailing, questionnaires, tracking
from intake.services import responses as response_service
from tests.support import factory, jobs
from tests.support import mail as button
from tests.support.html import csrf_token, document, table_rows
from tests.support.smtp import SMTPServer

SLUG = "plan-samenleven-2025"
PAGE = f"/admin/vragenlijsten/{SLUG}"
URL = re.compile(r"http://intake\.test/t/[A-Za-z0-9_-]+")


@pytest.fixture
def smtp(app: Flask) -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_OUTBOX=None,
                          BASE_URL="http://intake.test")  # fmt: skip
        yield server


def _registry(app: Flask, codes: list[str], path: Path = factory.PLAN) -> dict[str, int]:
    with app.app_context():
        q = factory.load_questionnaire(path)
        return {code: factory.respondent(q, code, name=f"Gemeente met een lange naam {code}",
                                         contact=(f"Contact {code}", f"{code.lower()}@example.be"),
                                         items={"actions": ["5"]}).id
                for code in codes}  # fmt: skip


def _send(app: Flask, kind: str, slug: str = SLUG) -> mailing.MailReport:
    with app.app_context():
        q = questionnaires.get_by_slug(slug)
        return mailing.send(q, mailing.MailKind(kind))


def _to(server: SMTPServer) -> list[str]:
    return sorted(r for m in server.received for r in m.recipients)


def _button_count(admin: FlaskClient, label: str) -> int:
    texts = document(admin.get(PAGE).get_data()).xpath("//a[contains(@class, 'button')]/text()")
    (text,) = [t for t in texts if t.startswith(label)]
    return int(re.search(r"\((\d+)\)", text).group(1))  # type: ignore[union-attr]


def test_invitations_go_only_to_respondents_never_invited(app: Flask, smtp: SMTPServer) -> None:
    ids = _registry(app, ["A01", "A02", "A03"])
    with app.app_context():
        # A02 got a link from an admin and started: it is not "never invited".
        a02 = db.session.get(Respondent, ids["A02"])
        client_link = factory.link(a02)
        # A03 got a link from an admin that nobody used: the dashboard says "niet
        # uitgenodigd", and so does the invitation button.
        factory.link(db.session.get(Respondent, ids["A03"]))
    client = app.test_client()
    client.get(client_link)
    with app.app_context():
        a02 = db.session.get(Respondent, ids["A02"])
        response_service.save_page(a02, "organisatie", None, {}, 0, "t")
    assert sorted(_send(app, "invitation").sent) == ["A01", "A03"]
    assert _to(smtp) == ["a01@example.be", "a03@example.be"]
    smtp.received.clear()
    assert _send(app, "invitation").sent == []  # invite twice: nothing the second time
    assert smtp.received == []


def test_reminders_wait_n_days_after_the_invitation_and_between_reminders(
    app: Flask, smtp: SMTPServer
) -> None:
    _registry(app, ["A01", "A02"])
    _send(app, "invitation")
    smtp.received.clear()
    assert _send(app, "reminder").sent == []  # right after the invitation: nothing
    button.days_pass(app, 2.9)
    assert _send(app, "reminder").sent == []  # default 3 days: not yet
    button.days_pass(app, 0.2)
    assert sorted(_send(app, "reminder").sent) == ["A01", "A02"]
    assert _send(app, "reminder").sent == []  # just reminded
    button.days_pass(app, 3.1)
    assert sorted(_send(app, "reminder").sent) == ["A01", "A02"]
    app.config["MAIL_REMIND_AFTER_DAYS"] = 5  # the app's setting, when the file says nothing
    button.days_pass(app, 4)
    assert _send(app, "reminder").sent == []
    assert len(smtp.received) == 4


def test_the_dashboard_and_the_mail_rules_mean_the_same_by_invited(
    app: Flask, smtp: SMTPServer
) -> None:
    """An unused admin link invites no one (an invitation, never a reminder); an opened
    one does (reminders count from the opening); an interrupted invitation counts as
    invited on the dashboard and is not sent again by the button."""
    ids = _registry(app, ["A01", "A02", "A03"])
    with app.app_context():
        factory.link(db.session.get(Respondent, ids["A01"]))  # nobody uses it
        opened = factory.link(db.session.get(Respondent, ids["A02"]))
        db.session.add(MailLog(respondent_id=ids["A03"], kind="invitation", recipient="x",
                               subject="", ok=False, error=mailing.INTERRUPTED))  # fmt: skip
        db.session.commit()
    app.test_client().get(opened)
    button.days_pass(app, 10)
    with app.app_context():
        q = db.session.scalars(select(Questionnaire)).one()
        statuses = {row.code: row.status for row in tracking.respondent_rows(q)}
    assert statuses == {"A01": "not_invited", "A02": "opened", "A03": "invited"}
    assert _send(app, "reminder").sent == ["A02", "A03"]
    assert _send(app, "invitation").sent == ["A01"]


def test_the_confirmation_page_lists_exactly_who_then_gets_the_mail(
    app: Flask, smtp: SMTPServer, admin_client: FlaskClient
) -> None:
    ids = _registry(app, ["A01", "A02", "A03"])
    with app.app_context():
        used = factory.link(db.session.get(Respondent, ids["A03"]))
    app.test_client().get(used)  # an admin's link, opened: A03 is not listed
    admin = admin_client
    assert _button_count(admin, "Uitnodigingen versturen") == 2
    assert _button_count(admin, "Herinneringen versturen") == 0
    page = button.confirmation(admin, SLUG, "invitation")
    assert table_rows(page) == [
        ["A01", "Gemeente met een lange naam A01", "a01@example.be"],
        ["A02", "Gemeente met een lange naam A02", "a02@example.be"],
    ]
    assert "2 besturen krijgen deze mail" in page and "Ontvangers (2)" in page
    # The preview is A01's mail as it will be sent, with a placeholder for the link.
    preview = document(page).xpath("//pre[@class='mail-preview']")[0].text_content()
    assert "Beste Contact A01," in preview and mailing.PREVIEW_LINK in preview
    assert "Plan Samenleven" in preview
    # Meanwhile A02 opens a link from an admin: the confirmed batch leaves it out.
    with app.app_context():
        used = factory.link(db.session.get(Respondent, ids["A02"]))
    app.test_client().get(used)
    result = admin.post(f"{PAGE}/mail/invitation", data={
        "csrf_token": csrf_token(admin, f"{PAGE}/mail/invitation"),
        "respondents": ",".join(str(i) for i in (ids["A01"], ids["A02"]))})  # fmt: skip
    job_page = admin.get(result.headers["Location"]).get_data(as_text=True)
    assert "1 verstuurd, 1 niet meer van toepassing" in job_page
    assert _to(smtp) == ["a01@example.be"]
    # A respondent added after the page was shown is not mailed by that confirmation.
    _registry(app, ["A04"])
    assert button.press(admin, SLUG, "invitation").status_code == 302
    assert _to(smtp) == ["a01@example.be", "a04@example.be"]
    assert _button_count(admin, "Uitnodigingen versturen") == 0
    assert "niemand die een uitnodiging krijgt" in button.confirmation(admin, SLUG, "invitation")


def test_the_confirmed_list_is_what_the_job_sends(
    app: Flask, smtp: SMTPServer, admin_client: FlaskClient
) -> None:
    _registry(app, [f"B{n:02d}" for n in range(1, 8)])
    page = button.confirmation(admin_client, SLUG, "invitation")
    listed = [f"{code.lower()}@example.be" for code in button.recipient_codes(page)]
    assert _button_count(admin_client, "Uitnodigingen versturen") == len(listed) == 7
    button.press(admin_client, SLUG, "invitation")
    assert _to(smtp) == listed


def test_texts_per_questionnaire_with_the_deadline_wrapped(
    app: Flask, smtp: SMTPServer, admin_client: FlaskClient
) -> None:
    _registry(app, ["A01"])
    _registry(app, ["D01"], factory.INSPIRATIE)
    admin = admin_client
    settings = f"{PAGE}/instellingen"
    admin.post(settings, data={"csrf_token": csrf_token(admin, PAGE), "deadline": "2031-06-30"})
    with app.app_context():
        q = questionnaires.get_by_slug(SLUG)
        assert questionnaires.deadline(q) == dt.date(2031, 6, 30)
        day = questionnaires.get_by_slug("inspiratiedag-2022")
        day.deadline = dt.date(2031, 1, 31)
        db.session.commit()
    _send(app, "invitation")
    _send(app, "invitation", "inspiratiedag-2022")
    plan = next(m for m in smtp.received if m.recipients == ["a01@example.be"])
    other = next(m for m in smtp.received if m.recipients == ["d01@example.be"])
    plan_text, other_text = (" ".join(m.body.split()) for m in (plan, other))
    assert "jouw bestuur" in plan_text and "Plan Samenleven in kaart" in plan_text
    assert "jouw bestuur" not in other_text and "Plan Samenleven" not in other_text
    assert "30 juni 2031" in plan_text and "31 januari 2031" in other_text
    for mail in (plan, other):
        lines = mail.body.splitlines()
        assert all(len(line) <= 72 or URL.fullmatch(line) for line in lines), mail.body
        assert any(URL.fullmatch(line) for line in lines)  # the link whole, on its own line
        # Paragraphs fill their lines: no ragged break after a long name (a person's mail
        # does not name an organisation).
        if mail is plan:
            assert "Gemeente met een lange naam" in " ".join(mail.body.split())
        for first, second in zip(lines, lines[1:], strict=False):
            if first and second and not URL.fullmatch(second) and "groeten" not in first:
                assert len(first) + 1 + len(second.split()[0]) > 72, (first, second)
    # Clearing the admin's date goes back to the file's (none here).
    admin.post(settings, data={"csrf_token": csrf_token(admin, PAGE), "deadline": ""})
    with app.app_context():
        assert questionnaires.deadline(questionnaires.get_by_slug(SLUG)) is None


def test_wrap_keeps_urls_and_list_items_whole() -> None:
    url = "https://intake.vvsg.be/t/" + "x" * 80
    text = "Beste " + "woord " * 20 + url + " einde\n- " + "item " * 20 + "\n"
    wrapped = mail_texts.wrap(text)
    lines = wrapped.splitlines()
    assert url in lines and all(len(line) <= 72 for line in lines if line != url)
    item = lines.index(next(line for line in lines if line.startswith("- ")))
    assert lines[item + 1].startswith("  item")


BASE = """id: x
version: 1
title: T
sections:
  - {id: a, title: A, questions: [{id: q, type: text, label: Q}]}
"""


def test_the_file_checks_mail_texts_and_the_deadline() -> None:
    good = load_text(
        BASE
        + """deadline: 2031-06-30
mail:
  remind_after: 5
  reminders_before_deadline: [3, 7]
  reminder: {subject: "Herinnering {{ title }}", body: "Tegen {{ deadline }}: {{ link }}"}
"""
    ).questionnaire
    assert good.deadline == dt.date(2031, 6, 30)
    assert good.mail.remind_after == 5 and good.mail.reminders_before_deadline == (7, 3)
    for wrong, message in [
        ("deadline: 30/06/2031", "must be a date as YYYY-MM-DD"),
        ("mail: {invitation: {subject: S, body: '{{ lnk }} {{ deadline }}'}}", "unknown field"),
        ("mail: {invitation: {subject: S, body: '{% if %}'}}", "not a valid template"),
        ("mail: {invitation: {subject: S, body: '{{ link }}'}}", "must show the deadline"),
        ("mail: {reminders_before_deadline: [0]}", "1 to 365"),
    ]:
        with pytest.raises(DefinitionErrors) as caught:
            load_text(BASE + wrong + "\n")
        assert message in str(caught.value), wrong


def test_the_documented_mail_block_loads() -> None:
    doc = Path(__file__).resolve().parents[1] / "docs" / "questionnaire-format.md"
    (block,) = re.findall(r"```yml\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL)
    q = load_text(BASE + block).questionnaire
    assert q.deadline == dt.date(2025, 6, 30) and q.mail.reminders_before_deadline == (7, 3)
    assert q.mail.invitation is not None and q.mail.reminder is not None


def _scheduled_app(app: Flask, tmp_path: Path) -> None:
    """A questionnaire scheduling reminders 7 and 3 days before 2031-06-30."""
    source = factory.INSPIRATIE.read_text(encoding="utf-8").replace(
        "version: 2\n", "version: 2\ndeadline: 2031-06-30\nmail:\n"
        "  reminders_before_deadline: [7, 3]\n", 1)  # fmt: skip
    path = tmp_path / "scheduled.yaml"
    path.write_text(source, encoding="utf-8")
    _registry(app, ["D01", "D02"], path)


def test_scheduled_reminders_send_once_per_scheduled_day(
    app: Flask, smtp: SMTPServer, tmp_path: Path
) -> None:
    _scheduled_app(app, tmp_path)
    _send(app, "invitation", "inspiratiedag-2022")
    button.days_pass(app, 10)
    smtp.received.clear()
    with app.app_context():
        assert mail_job.scheduled_reminders(dt.datetime(2031, 6, 22, 12)) == []  # 8 days before
        assert mail_job.scheduled_reminders(dt.datetime(2031, 6, 23, 6)) == []  # before 8:00
        started = mail_job.scheduled_reminders(dt.datetime(2031, 6, 23, 9))
        assert len(started) == 1
        job = db.session.get(Job, started[0])
        assert job.status == "done" and job.result["sent"] == 2
        assert job.params["scheduled_for"] == "2031-06-23"
        # The worker calls it every hour: nothing more that day.
        assert mail_job.scheduled_reminders(dt.datetime(2031, 6, 23, 10)) == []
        logs = db.session.scalars(select(MailLog).where(MailLog.kind == "reminder")).all()
        assert {log.scheduled_for for log in logs} == {dt.date(2031, 6, 23)}
    assert _to(smtp) == ["d01@example.be", "d02@example.be"]
    assert "30 juni 2031" in " ".join(smtp.received[0].body.split())


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_worker_runs_scheduled_reminders(
    app: Flask, smtp: SMTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _scheduled_app(app, tmp_path)
    _send(app, "invitation", "inspiratiedag-2022")
    button.days_pass(app, 10)
    smtp.received.clear()
    today = dt.date.today()
    with app.app_context():
        day = questionnaires.get_by_slug("inspiratiedag-2022")
        day.deadline = today + dt.timedelta(days=3)
        db.session.commit()
    monkeypatch.setattr(mail_job, "SEND_FROM_HOUR", 0)
    app.config.update(HUEY_IMMEDIATE=False, HUEY_URL="")
    queue.init_app(app)
    huey = queue.queue_of(app).huey
    (task,) = [t for t in huey._registry._periodic_tasks
               if t.__name__ == "intake.scheduled_reminders"]  # fmt: skip
    consumer = jobs.start_consumer(app)
    try:
        huey.enqueue(task())  # what the consumer's scheduler does on the hour
        with app.app_context():
            deadline = dt.datetime.now() + dt.timedelta(seconds=30)
            while True:
                job = db.session.scalar(select(Job).order_by(Job.id.desc()))
                if job is not None and job.status == "done":
                    break
                assert dt.datetime.now() < deadline, "the worker never sent the reminders"
                db.session.rollback()
                import time

                time.sleep(0.1)
    finally:
        jobs.stop_consumer(consumer)
    assert _to(smtp) == ["d01@example.be", "d02@example.be"]


def test_the_respondent_page_shows_every_mail_and_its_outcome(
    app: Flask, smtp: SMTPServer, admin_client: FlaskClient
) -> None:
    ids = _registry(app, ["A01"])
    _send(app, "invitation")
    button.days_pass(app, 3)
    smtp.refuse = ["a01@example.be"]  # type: ignore[attr-defined]
    with app.app_context():
        q = db.session.scalar(select(Questionnaire).where(Questionnaire.slug == SLUG))
        respondent = db.session.get(Respondent, ids["A01"])
        respondent.contacts[0].email = "kapot-adres"
        db.session.commit()
        mailing.send(q, mailing.MailKind.REMINDER)
    page = admin_client.get(f"/admin/respondenten/{ids['A01']}").get_data(as_text=True)
    rows = [r for r in table_rows(page) if r[1] in {"Uitnodiging", "Herinnering"}]
    assert [(r[1], r[3].split()[0]) for r in rows] == [("Uitnodiging", "verstuurd"),
                                                       ("Herinnering", "mislukt")]  # fmt: skip
    assert "geen geldig e-mailadres" in rows[1][3]
    assert re.match(r"\d+ \w+ \d{4}, \d\d:\d\d", rows[0][0])
