"""Invitations and reminders through a real SMTP server on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from intake.extensions import db
from intake.models import MailLog, Organisation, Questionnaire
from intake.services import mailing, responses, tracking
from tests.support import factory
from tests.support.accounts import admin_client
from tests.support.smtp import SMTPServer

LINK = re.compile(r"http://intake\.test(/t/[A-Za-z0-9_-]+)")


@pytest.fixture
def smtp(app: Flask) -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        app.config.update(
            MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_OUTBOX=None,
            BASE_URL="http://intake.test", MAIL_SENDER="VVSG enquête <enquete@vvsg.be>",
        )  # fmt: skip
        yield server


def _registry(app: Flask) -> dict[str, int]:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        ids = {}
        for code, contact in [
            ("CS04", ("Ann Peeters", "ann@noordhaven.be")),
            ("G02", ("Bart Claes", "bart@lindeloo.be")),
            ("S05", ("Eva Jans", "eva@beekveld.be")),
        ]:
            ids[code] = factory.organisation(q, code, contact=contact,
                                             items={"actions": ["5"]}).id  # fmt: skip
        return ids


def _send(app: Flask, kind: mailing.MailKind) -> mailing.MailReport:
    with app.app_context():
        return mailing.send(db.session.scalar(select(Questionnaire)), kind)


def test_invitations_reach_every_contact_with_a_link_that_signs_in(
    app: Flask, smtp: SMTPServer
) -> None:
    _registry(app)
    report = _send(app, "invitation")
    assert sorted(report.sent) == ["CS04", "G02", "S05"] and not report.failed
    assert len(smtp.received) == 3
    mail = next(m for m in smtp.received if m.recipients == ["ann@noordhaven.be"])
    assert mail.message["Subject"] == "Uitnodiging: Bevraging Plan Samenleven – projectjaar 3"
    assert "Beste Ann Peeters," in mail.body
    assert "enquete@vvsg.be" in mail.message["From"]

    link = LINK.search(mail.body)
    assert link, mail.body
    client = app.test_client()
    signed_in = client.get(link.group(1))
    assert signed_in.status_code == 302
    start = client.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert "Bestuur CS04" in start

    # Nobody is invited twice.
    assert _send(app, "invitation").sent == []
    assert len(smtp.received) == 3
    with app.app_context():
        logged = db.session.scalars(select(MailLog)).all()
        assert len(logged) == 3 and all(m.ok and m.kind == "invitation" for m in logged)


def test_reminders_skip_submitted_organisations(app: Flask, smtp: SMTPServer) -> None:
    ids = _registry(app)
    _send(app, "invitation")
    with app.app_context():
        org = db.session.get(Organisation, ids["CS04"])
        org.response  # noqa: B018
        state = responses.load_state(org)
        # Submit CS04 (as a coordinator would, through the services).
        import random

        from intake.services import demo

        demo.fill(org, random.Random(1), submit=True)
        assert responses.load_state(org).is_submitted
        del state
    smtp.received.clear()

    report = _send(app, "reminder")
    assert sorted(report.sent) == ["G02", "S05"]
    recipients = sorted(r for m in smtp.received for r in m.recipients)
    assert recipients == ["bart@lindeloo.be", "eva@beekveld.be"]
    mail = next(m for m in smtp.received if m.recipients == ["bart@lindeloo.be"])
    assert mail.message["Subject"].startswith("Herinnering: ")
    assert "nog niet ontvangen" in mail.body
    # The reminder's link works, and so does the invitation's (links stay valid).
    client = app.test_client()
    assert client.get(LINK.search(mail.body).group(1)).status_code == 302

    with app.app_context():
        q = db.session.scalar(select(Questionnaire))
        rows = {r.code: r for r in tracking.organisation_rows(q)}
        assert rows["G02"].reminders == 1 and rows["CS04"].reminders == 0
        assert rows["CS04"].status == "submitted"
        assert rows["G02"].status == "opened"  # its reminder link was just used
        assert rows["S05"].status == "invited"


def test_a_failed_send_is_logged_and_the_link_discarded(app: Flask) -> None:
    _registry(app)
    with SMTPServer() as server:
        port = server.port
    # The server is gone: nothing listens on that port now.
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_OUTBOX=None)
    with pytest.raises(OSError), app.app_context():
        mailing.send(db.session.scalar(select(Questionnaire)), "invitation")
    with app.app_context():
        assert db.session.scalars(select(MailLog)).all() == []


def test_development_outbox_gets_eml_files(app: Flask, tmp_path) -> None:  # noqa: ANN001
    _registry(app)
    app.config.update(MAIL_OUTBOX=str(tmp_path / "outbox"), MAIL_SERVER="")
    report = _send(app, "invitation")
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == len(report.sent) == 3
    text = files[0].read_bytes().decode("utf-8", "replace")
    assert "Subject: Uitnodiging:" in text or "Subject: =?utf-8?" in text
    assert "/t/" in text


def test_admin_buttons_send_invitations(app: Flask, smtp: SMTPServer) -> None:
    from tests.support.html import csrf_token

    _registry(app)
    admin = admin_client(app)
    page = "/admin/vragenlijsten/plan-samenleven-2025"
    result = admin.post(f"{page}/mail/invitation", data={"csrf_token": csrf_token(admin, page)})
    assert result.status_code == 302
    assert "Uitnodigingen: 3 verstuurd" in admin.get(page).get_data(as_text=True)
    assert len(smtp.received) == 3
