"""Invitations and reminders through a real SMTP server on loopback."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import select

from intake.extensions import db
from intake.models import Contact, MailLog, Questionnaire, Respondent
from intake.services import mailing, response_state, tracking
from tests.support import factory
from tests.support import mail as mail_button
from tests.support.html import document, table_rows
from tests.support.smtp import SMTPServer, parse

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
            ids[code] = factory.respondent(q, code, contact=contact,
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


def test_reminders_skip_submitted_respondents(app: Flask, smtp: SMTPServer) -> None:
    ids = _registry(app)
    _send(app, "invitation")
    with app.app_context():
        respondent = db.session.get(Respondent, ids["CS04"])
        respondent.response  # noqa: B018
        state = response_state.load_state(respondent)
        # Submit CS04 (as a coordinator would, through the services).
        import random

        from intake.services import demo

        demo.fill(respondent, random.Random(1), submit=True)
        assert response_state.load_state(respondent).is_submitted
        del state
    smtp.received.clear()
    assert _send(app, "reminder").sent == []  # right after the invitation: nobody yet
    mail_button.days_pass(app, 3)

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
        rows = {r.code: r for r in tracking.respondent_rows(q)}
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


def test_admin_buttons_send_invitations(
    app: Flask, smtp: SMTPServer, admin_client: FlaskClient
) -> None:

    _registry(app)
    admin = admin_client
    page = "/admin/vragenlijsten/plan-samenleven-2025"
    result = mail_button.press(admin, "plan-samenleven-2025", "invitation")
    assert result.status_code == 302 and "/admin/taken/" in result.headers["Location"]
    job_page = admin.get(result.headers["Location"]).get_data(as_text=True)
    assert "Uitnodigingen versturen" in job_page and "3 verstuurd" in job_page
    assert len(smtp.received) == 3
    assert "Recente taken" in admin.get(page).get_data(as_text=True)


# Internationalised addresses the registry accepts: a non-ASCII local part needs
# SMTPUTF8; a non-ASCII domain goes out IDNA-encoded.
INTERNATIONAL = [
    ("CS04", [("Ann Peeters", "ann@noordhaven.be")]),
    ("G02", [("Jürgen Maes", "jürgen@example.be")]),
    ("G03", [("Bert Claes", "bert@bücher.be")]),
    ("G04", [("Jürgen Maes", "jürgen@example.be"), ("Eva Jans", "eva@beekveld.be")]),
    ("S05", [("Tom Maes", "tom@beekveld.be")]),
]


def _international(app: Flask) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        for code, contacts in INTERNATIONAL:
            respondent = factory.respondent(q, code, contact=contacts[0], items={"actions": ["5"]})
            for name, address in contacts[1:]:
                respondent.contacts.append(Contact(name=name, email=address, position=1))
        db.session.commit()


def _logs(app: Flask) -> list[tuple[str, str, bool, str | None]]:
    with app.app_context():
        query = select(Respondent.code, MailLog.recipient, MailLog.ok, MailLog.error)
        return [
            tuple(row) for row in db.session.execute(query.join(Respondent).order_by(MailLog.id))
        ]


def test_international_addresses_go_out_with_smtputf8(app: Flask) -> None:
    _international(app)
    with SMTPServer(smtputf8=True) as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_OUTBOX=None,
                          BASE_URL="http://intake.test")  # fmt: skip
        report = _send(app, "invitation")
    assert sorted(report.sent) == ["CS04", "G02", "G03", "G04", "S05"]
    assert not report.failed and not report.skipped
    by_recipients = {tuple(m.recipients): m for m in server.received}
    assert set(by_recipients) == {
        ("ann@noordhaven.be",), ("jürgen@example.be",), ("bert@xn--bcher-kva.be",),
        ("jürgen@example.be", "eva@beekveld.be"), ("tom@beekveld.be",),
    }  # fmt: skip
    jurgen = by_recipients[("jürgen@example.be",)]
    assert "SMTPUTF8" in jurgen.mail_options
    assert jurgen.message["To"].addresses[0].addr_spec == "jürgen@example.be"
    assert jurgen.message["To"].addresses[0].display_name == "Jürgen Maes"
    assert "Beste Jürgen Maes," in jurgen.body and LINK.search(jurgen.body)
    bert = by_recipients[("bert@xn--bcher-kva.be",)]
    assert "SMTPUTF8" not in bert.mail_options  # plain ASCII on the wire
    assert bert.message["To"].addresses[0].addr_spec == "bert@xn--bcher-kva.be"
    assert all(ok for _, _, ok, _ in _logs(app))


def test_without_smtputf8_only_that_address_is_skipped(app: Flask, smtp: SMTPServer) -> None:
    """One address the server cannot take never stops the batch, and says why."""
    _international(app)
    report = _send(app, "invitation")
    assert sorted(report.sent) == ["CS04", "G03", "G04", "S05"]
    assert [code for code, _ in report.failed] == ["G02"]
    assert "jürgen@example.be" in report.failed[0][1] and "SMTPUTF8" in report.failed[0][1]
    assert [(code, "jürgen@example.be" in why) for code, why in report.skipped] == [("G04", True)]
    assert "1 mislukt" in report.summary and "1 adres overgeslagen" in report.summary
    recipients = sorted(r for m in smtp.received for r in m.recipients)
    assert recipients == ["ann@noordhaven.be", "bert@xn--bcher-kva.be", "eva@beekveld.be",
                          "tom@beekveld.be"]  # fmt: skip
    logs = _logs(app)
    skipped = [(code, error) for code, recipient, ok, error in logs if not ok]
    assert [code for code, _ in skipped] == ["G02", "G04"]
    assert all("SMTPUTF8" in error for _, error in skipped)
    assert [code for code, _, ok, _ in logs if ok] == ["CS04", "G03", "G04", "S05"]
    # G02 stays uninvited: a retry tries it again (and logs why again), nobody else.
    smtp.received.clear()
    again = _send(app, "invitation")
    assert again.sent == [] and [code for code, _ in again.failed] == ["G02"]
    assert smtp.received == []


def test_a_refused_recipient_is_logged_and_the_rest_is_sent(app: Flask) -> None:
    _international(app)
    with SMTPServer(smtputf8=True, refuse=["eva@beekveld.be"]) as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_OUTBOX=None)
        report = _send(app, "invitation")
    assert sorted(report.sent) == ["CS04", "G02", "G03", "G04", "S05"]
    assert [code for code, _ in report.skipped] == ["G04"]
    assert "eva@beekveld.be" in report.skipped[0][1] and "550" in report.skipped[0][1]
    refused = [(code, recipient) for code, recipient, ok, _ in _logs(app) if not ok]
    assert refused == [("G04", "eva@beekveld.be")]


def test_a_server_that_hangs_up_fails_one_respondent_not_the_batch(app: Flask) -> None:
    _international(app)
    with SMTPServer(smtputf8=True, hang_up=["bert@xn--bcher-kva.be"]) as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_OUTBOX=None)
        report = _send(app, "invitation")
        assert sorted(report.sent) == ["CS04", "G02", "G04", "S05"]
        assert [code for code, _ in report.failed] == ["G03"]
        assert len(server.received) == 4


def test_a_template_that_fails_for_one_respondent_does_not_stop_the_batch(
    app: Flask, smtp: SMTPServer, tmp_path: Path
) -> None:
    """VVSG edits the default mail texts; an error that hits one respondent fails only
    that one (the Plan Samenleven file has its own texts: the other questionnaire here)."""
    with app.app_context():
        q = factory.load_questionnaire(factory.INSPIRATIE)
        for code, contact in [("CS04", ("Ann Peeters", "ann@noordhaven.be")),
                              ("G02", ("Bart Claes", "bart@lindeloo.be")),
                              ("S05", ("Eva Jans", "eva@beekveld.be"))]:  # fmt: skip
            factory.respondent(q, code, contact=contact)
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "invitation.txt").write_text(
        "Onderwerp: Uitnodiging\nBeste {{ greeting }}, {{ 100 // (code|length - 3) }}\n{{ link }}\n"
    )
    app.jinja_loader = ChoiceLoader([FileSystemLoader(tmp_path), app.jinja_loader])
    report = _send(app, "invitation")
    assert report.sent == ["CS04"]
    assert sorted(code for code, _ in report.failed) == ["G02", "S05"]
    assert all("ZeroDivisionError" in reason for _, reason in report.failed)
    assert [m.recipients for m in smtp.received] == [["ann@noordhaven.be"]]
    assert "Beste Ann Peeters, 100" in smtp.received[0].body
    assert sorted(code for code, _, ok, _ in _logs(app) if not ok) == ["G02", "S05"]


def test_the_outbox_copes_with_international_addresses(app: Flask, tmp_path: Path) -> None:
    _international(app)
    app.config.update(MAIL_OUTBOX=str(tmp_path / "outbox"), MAIL_SERVER="")
    report = _send(app, "invitation")
    assert len(report.sent) == 5 and not report.failed and not report.skipped
    recipients = set()
    for path in (tmp_path / "outbox").glob("*.eml"):
        message = parse(path.read_bytes())
        recipients |= {a.addr_spec for a in message["To"].addresses}
    assert {"jürgen@example.be", "bert@xn--bcher-kva.be", "eva@beekveld.be"} <= recipients


def test_cli_and_admin_name_every_address_not_mailed(
    app: Flask, smtp: SMTPServer, runner: FlaskCliRunner, admin_client: FlaskClient
) -> None:

    _international(app)
    result = runner.invoke(args=["invite", "-q", "plan-samenleven-2025"])
    assert result.exit_code == 1
    assert "G02: not sent: jürgen@example.be: " in result.output
    assert "G04: sent, but not to jürgen@example.be: " in result.output
    assert "invitations: 4 verstuurd, 1 mislukt, 1 adres overgeslagen" in result.output
    admin = admin_client
    result = mail_button.press(admin, "plan-samenleven-2025", "invitation")
    shown = html.unescape(admin.get(result.headers["Location"]).get_data(as_text=True))
    assert "0 verstuurd, 1 mislukt" in shown
    rows = [r for r in table_rows(shown) if r[0] == "G02 Bestuur G02"]
    assert [r[1] for r in rows] == ["jürgen@example.be"]
    assert rows[0][2].startswith("jürgen@example.be: de mailserver aanvaardt geen adres")


AGII = factory.ROOT / "questionnaires" / "agii-vormingen.yaml"


@pytest.mark.parametrize(
    ("path", "slug", "many", "one"),
    [(factory.PLAN, "plan-samenleven-2025", "organisaties", "organisatie"),
     (AGII, "agii-vormingen", "deelnemers", "deelnemer")],
)  # fmt: skip
def test_the_mail_job_page_names_the_respondents_as_the_admin_does(
    app: Flask, smtp: SMTPServer, admin_client: FlaskClient, path: Path, slug: str, many: str,
    one: str,
) -> None:  # fmt: skip
    """Organisations and persons alike: the captions, the column and the reason of a mail
    that may have gone out say what the rest of the admin says (``unit_words``)."""
    person = {"kind": "lokaal_bestuur", "attributes": {"regio": "limburg", "jaar": 2024,
              "organisator": "agii"}} if path == AGII else {}  # fmt: skip
    jurgen = ("Jürgen Maes", "jürgen@example.be")  # refused: the server has no SMTPUTF8
    with app.app_context():
        q = factory.load_questionnaire(path)
        factory.respondent(q, "X1", name="Naam X1", contact=jurgen, **person)
        partly = factory.respondent(q, "X2", name="Naam X2", contact=jurgen, **person)
        partly.contacts.append(Contact(name="Eva Jans", email="eva@beekveld.be", position=1))
        db.session.commit()
    result = mail_button.press(admin_client, slug, "invitation")
    job_id = int(result.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():  # a mail of the job that was logged, then never confirmed
        q = db.session.scalar(select(Questionnaire).where(Questionnaire.slug == slug))
        later = factory.respondent(q, "X3", name="Naam X3", **person)
        db.session.add(MailLog(respondent_id=later.id, kind="invitation", recipient="x@y.be",
                               subject="Uitnodiging", ok=False, error=mailing.INTERRUPTED,
                               job_id=job_id))  # fmt: skip
        db.session.commit()
    page = document(admin_client.get(result.headers["Location"]).get_data())
    (outcome,) = page.xpath('//section[@aria-labelledby="mail-outcome"]')
    captions = [" ".join(c.text_content().split()) for c in outcome.xpath(".//caption")]
    assert captions == [
        f"Niet verstuurd: deze {many} kregen geen mail (2)",
        f"Overgeslagen adressen: de {one} kreeg de mail wel op een ander adres (1)",
    ]
    assert outcome.xpath(".//th[1]/text()") == [one.capitalize()] * 2
    reasons = {
        " ".join(row.xpath("./td[1]")[0].text_content().split()): row.xpath("./td[3]")[0]
        .text_content().strip() for row in outcome.xpath(".//tbody/tr")
    }  # fmt: skip
    assert reasons["X3 Naam X3"] == (
        "niet bevestigd: het versturen werd onderbroken; de mail is misschien verstuurd, kijk "
        f"dat na voor je deze {one} opnieuw een mail stuurt"
    )
    assert reasons["X1 Naam X1"].startswith("jürgen@example.be: de mailserver aanvaardt geen")
    other = "organisatie" if one == "deelnemer" else "deelnemer"
    assert other not in outcome.text_content().lower()
