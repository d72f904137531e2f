"""Invitations and reminders by e-mail, each with a fresh personal link.

Mails go out over SMTP (settings from config), or, when ``MAIL_OUTBOX`` is set
(development), are written there as .eml files. Every send is logged per
organisation in ``MailLog``; reminders go only to organisations that have not
submitted. Texts are the editable templates ``templates/mail/*.txt``.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Literal

from flask import current_app, render_template
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from intake.extensions import db
from intake.models import MailLog, Organisation, Questionnaire, Response, utcnow
from intake.services import audit
from intake.services.invitations import add_link

MailKind = Literal["invitation", "reminder"]
TEMPLATES: dict[MailKind, str] = {
    "invitation": "mail/invitation.txt",
    "reminder": "mail/reminder.txt",
}


@dataclass
class MailReport:
    sent: list[str] = field(default_factory=list)  # organisation codes
    failed: list[tuple[str, str]] = field(default_factory=list)  # (code, reason)

    @property
    def summary(self) -> str:
        text = f"{len(self.sent)} verstuurd"
        if self.failed:
            text += f", {len(self.failed)} mislukt"
        return text


class _Transport:
    """Delivers messages over one SMTP connection, or into the outbox folder."""

    def __init__(self) -> None:
        config = current_app.config
        self.outbox = Path(config["MAIL_OUTBOX"]) if config.get("MAIL_OUTBOX") else None
        self.smtp: smtplib.SMTP | None = None
        if self.outbox is not None:
            self.outbox.mkdir(parents=True, exist_ok=True)
            return
        if not config.get("MAIL_SERVER"):
            raise RuntimeError("MAIL_SERVER is not set and there is no MAIL_OUTBOX")
        cls = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        self.smtp = cls(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
        if config["MAIL_USE_TLS"]:
            self.smtp.starttls()
        if config.get("MAIL_USERNAME"):
            self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])

    def deliver(self, message: EmailMessage, name: str) -> None:
        if self.outbox is not None:
            (self.outbox / f"{name}.eml").write_bytes(bytes(message))
            return
        assert self.smtp is not None
        self.smtp.send_message(message)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except smtplib.SMTPException:
                self.smtp.close()


@contextmanager
def _transport() -> Iterator[_Transport]:
    transport = _Transport()
    try:
        yield transport
    finally:
        transport.close()


def compose(organisation: Organisation, kind: MailKind, link: str) -> EmailMessage:
    """The mail for one organisation, from its editable template."""
    names = [c.name for c in organisation.contacts if c.name]
    rendered = render_template(
        TEMPLATES[kind],
        organisation=organisation,
        questionnaire_title=organisation.questionnaire.title,
        link=link,
        greeting=" en ".join(names) if names else "collega",
        started=organisation.response is not None,
    ).lstrip()
    first, _, body = rendered.partition("\n")
    if not first.startswith("Onderwerp:"):
        raise ValueError(f"{TEMPLATES[kind]} must start with a line 'Onderwerp: ...'")
    message = EmailMessage()
    message["Subject"] = first.removeprefix("Onderwerp:").strip()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = ", ".join(formataddr((c.name, c.email)) for c in organisation.contacts)
    message["Message-ID"] = make_msgid(domain="intake.vvsg.be")
    message.set_content(body.lstrip("\n"))
    return message


def _targets(questionnaire: Questionnaire, kind: MailKind) -> list[Organisation]:
    invited = exists().where(
        MailLog.organisation_id == Organisation.id, MailLog.kind == "invitation", MailLog.ok
    )
    query = (
        select(Organisation)
        .where(Organisation.questionnaire_id == questionnaire.id)
        .options(selectinload(Organisation.contacts), selectinload(Organisation.response))
        .order_by(Organisation.code)
    )
    if kind == "invitation":
        query = query.where(~invited)
    else:
        submitted = exists().where(
            Response.organisation_id == Organisation.id, Response.status == "submitted"
        )
        query = query.where(invited, ~submitted)
    return list(db.session.scalars(query))


def send(
    questionnaire: Questionnaire,
    kind: MailKind,
    codes: list[str] | None = None,
    actor: str = "system",
) -> MailReport:
    """Send invitations (to organisations never invited) or reminders (to those invited
    that have not submitted); ``codes`` narrows it to some organisations."""
    report = MailReport()
    targets = _targets(questionnaire, kind)
    if codes is not None:
        wanted = set(codes)
        targets = [o for o in targets if o.code in wanted]
    if not targets:
        return report
    base = current_app.config["BASE_URL"].rstrip("/")
    with _transport() as transport:
        for organisation in targets:
            if not organisation.contacts:
                report.failed.append((organisation.code, "geen e-mailadres"))
                continue
            invitation, token = add_link(organisation)
            message = compose(organisation, kind, f"{base}/t/{token}")
            log = MailLog(
                organisation_id=organisation.id,
                kind=kind,
                recipient=message["To"][:320],
                subject=message["Subject"][:300],
            )
            try:
                stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
                transport.deliver(message, f"{stamp}-{organisation.code}-{kind}")
            except (smtplib.SMTPException, OSError) as exc:
                db.session.delete(invitation)  # the link was never delivered
                log.ok = False
                log.error = str(exc)[:2000]
                report.failed.append((organisation.code, str(exc)))
            else:
                invitation.sent_at = utcnow()
                report.sent.append(organisation.code)
            db.session.add(log)
            db.session.commit()  # per organisation: what was sent stays logged
    audit.record(kind, actor, questionnaire=questionnaire, sent=len(report.sent),
                 failed=len(report.failed))  # fmt: skip
    db.session.commit()
    return report
