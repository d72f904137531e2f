"""Invitations and reminders by e-mail, each with a fresh personal link.

Mails go out over SMTP (settings from config), or, when ``MAIL_OUTBOX`` is set
(development), are written there as .eml files. Every send is logged per
respondent in ``MailLog``; reminders go only to respondents that have not
submitted. Texts are the editable templates ``templates/mail/*.txt``.

Domains go out IDNA-encoded; a non-ASCII local part needs SMTPUTF8, and where the
server does not offer it that one address is skipped with its reason logged. No
respondent's failure stops the batch: each is logged and the next one is sent.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import make_msgid
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from intake.extensions import db
from intake.models import MailLog, Questionnaire, Respondent, Response, utcnow
from intake.services import audit
from intake.services.invitations import add_link
from intake.statuses import MailKind, ResponseStatus

TEMPLATES: dict[MailKind, str] = {
    MailKind.INVITATION: "mail/invitation.txt",
    MailKind.REMINDER: "mail/reminder.txt",
}


@dataclass
class MailReport:
    sent: list[str] = field(default_factory=list)  # respondent codes
    failed: list[tuple[str, str]] = field(default_factory=list)  # (code, reason): nothing sent
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (code, "address: reason")

    @property
    def summary(self) -> str:
        text = f"{len(self.sent)} verstuurd"
        if self.failed:
            text += f", {len(self.failed)} mislukt"
        if self.skipped:
            text += f", {len(self.skipped)} {'adres' if len(self.skipped) == 1 else 'adressen'}"
            text += " overgeslagen"
        return text


class _Transport:
    """Delivers messages over SMTP (reconnecting after the server hung up), or into
    the outbox folder. ``smtputf8``: may addresses have non-ASCII before the @?"""

    def __init__(self) -> None:
        config = current_app.config
        self.outbox = Path(config["MAIL_OUTBOX"]) if config.get("MAIL_OUTBOX") else None
        self.smtp: smtplib.SMTP | None = None
        self.smtputf8 = True  # an .eml file takes any address
        if self.outbox is not None:
            self.outbox.mkdir(parents=True, exist_ok=True)
            return
        if not config.get("MAIL_SERVER"):
            raise RuntimeError("MAIL_SERVER is not set and there is no MAIL_OUTBOX")
        self._connect()

    def _connect(self) -> None:
        config = current_app.config
        cls = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        self.smtp = cls(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
        if config["MAIL_USE_TLS"]:
            self.smtp.starttls()
        if config.get("MAIL_USERNAME"):
            self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        self.smtp.ehlo_or_helo_if_needed()
        self.smtputf8 = self.smtp.has_extn("smtputf8")

    def deliver(self, message: EmailMessage, name: str) -> dict[str, tuple[int, bytes]]:
        """Deliver; returns the recipients the server refused (others got the mail)."""
        international = not all(a.addr_spec.isascii() for a in message["To"].addresses)
        if self.outbox is not None:
            policy = message.policy
            if international:
                assert isinstance(policy, EmailPolicy)  # an EmailMessage's policy
                policy = policy.clone(utf8=True)
            (self.outbox / f"{name}.eml").write_bytes(message.as_bytes(policy=policy))
            return {}
        if self.smtp is None or self.smtp.sock is None:
            self._connect()  # the server hung up after an earlier message
        assert self.smtp is not None
        try:
            return self.smtp.send_message(message)  # SMTPUTF8 for international addresses
        except smtplib.SMTPServerDisconnected:
            self.smtp = None
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()


@contextmanager
def _transport() -> Iterator[_Transport]:
    transport = _Transport()
    try:
        yield transport
    finally:
        transport.close()


def address(name: str, email: str, smtputf8: bool) -> Address | str:
    """The address to put in the mail for one contact (its domain IDNA-encoded), or the
    reason it cannot be mailed: invalid, or non-ASCII before the @ without SMTPUTF8."""
    try:
        valid = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"{email}: geen geldig e-mailadres ({exc})"
    if valid.ascii_email is None and not smtputf8:
        return (f"{email}: de mailserver aanvaardt geen adres met niet-ASCII-tekens vóór de @ "
                "(geen SMTPUTF8); geef een ander adres op")  # fmt: skip
    return Address(" ".join(name.split()), valid.local_part, valid.ascii_domain)


def compose(
    respondent: Respondent, kind: MailKind, link: str, recipients: list[Address]
) -> EmailMessage:
    """The mail for one respondent, from its editable template."""
    names = [c.name for c in respondent.contacts if c.name]
    rendered = render_template(
        TEMPLATES[kind],
        respondent=respondent,
        questionnaire_title=respondent.questionnaire.title,
        link=link,
        greeting=" en ".join(names) if names else "collega",
        started=respondent.response is not None,
    ).lstrip()
    first, _, body = rendered.partition("\n")
    if not first.startswith("Onderwerp:"):
        raise ValueError(f"{TEMPLATES[kind]} must start with a line 'Onderwerp: ...'")
    message = EmailMessage()
    message["Subject"] = first.removeprefix("Onderwerp:").strip()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = recipients
    message["Message-ID"] = make_msgid(domain="intake.vvsg.be")
    message.set_content(body.lstrip("\n"))
    return message


def _targets(questionnaire: Questionnaire, kind: MailKind) -> list[Respondent]:
    invited = exists().where(
        MailLog.respondent_id == Respondent.id, MailLog.kind == MailKind.INVITATION, MailLog.ok
    )
    query = (
        select(Respondent)
        .where(Respondent.questionnaire_id == questionnaire.id)
        .options(selectinload(Respondent.contacts), selectinload(Respondent.response))
        .order_by(Respondent.code)
    )
    if kind == MailKind.INVITATION:
        query = query.where(~invited)
    else:
        submitted = exists().where(
            Response.respondent_id == Respondent.id, Response.status == ResponseStatus.SUBMITTED
        )
        query = query.where(invited, ~submitted)
    return list(db.session.scalars(query))


def send(
    questionnaire: Questionnaire,
    kind: MailKind,
    codes: list[str] | None = None,
    actor: str = "system",
) -> MailReport:
    """Send invitations (to respondents never invited) or reminders (to those invited
    that have not submitted); ``codes`` narrows it to some respondents."""
    report = MailReport()
    targets = _targets(questionnaire, kind)
    if codes is not None:
        wanted = set(codes)
        targets = [o for o in targets if o.code in wanted]
    if not targets:
        return report
    base = current_app.config["BASE_URL"].rstrip("/")
    with _transport() as transport:
        for respondent in targets:
            code, respondent_id = respondent.code, respondent.id
            try:
                _send_one(transport, respondent, kind, f"{base}/t/", report)
                db.session.commit()  # per respondent: what was sent stays logged
            except Exception as exc:  # one respondent's failure never stops the batch
                current_app.logger.exception("%s to %s failed", kind, code)
                db.session.rollback()  # and its new link with it: it was never delivered
                reason = f"{type(exc).__name__}: {exc}"
                db.session.add(MailLog(respondent_id=respondent_id, kind=kind, recipient="",
                                       subject="", ok=False, error=reason[:2000]))  # fmt: skip
                report.failed.append((code, reason))
                db.session.commit()
    audit.record(kind, actor, questionnaire=questionnaire, sent=len(report.sent),
                 failed=len(report.failed), skipped=len(report.skipped))  # fmt: skip
    db.session.commit()
    return report


def _send_one(
    transport: _Transport, respondent: Respondent, kind: MailKind, links: str,
    report: MailReport,
) -> None:  # fmt: skip
    """Mail one respondent's contacts; log (and report) every address that was not."""
    recipients: list[Address] = []
    unusable: list[tuple[str, str]] = []  # (address, reason)
    for contact in respondent.contacts:
        found = address(contact.name, contact.email, transport.smtputf8)
        if isinstance(found, str):
            unusable.append((contact.email, found))
        else:
            recipients.append(found)
    subject = ""
    if not recipients:
        reason = "; ".join(why for _, why in unusable) or "geen e-mailadres"
        report.failed.append((respondent.code, reason))
    else:
        invitation, token = add_link(respondent)
        message = compose(respondent, kind, links + token, recipients)
        subject = message["Subject"][:300]
        log = MailLog(respondent_id=respondent.id, kind=kind,
                      recipient=str(message["To"])[:320], subject=subject)  # fmt: skip
        db.session.add(log)
        try:
            stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
            refused = transport.deliver(message, f"{stamp}-{respondent.code}-{kind}")
        except (smtplib.SMTPException, OSError) as exc:
            db.session.delete(invitation)  # the link was never delivered
            log.ok = False
            log.error = str(exc)[:2000]
            report.failed.append((respondent.code, str(exc)))
        else:
            invitation.sent_at = utcnow()
            report.sent.append(respondent.code)
            unusable += [
                (recipient, f"{recipient}: geweigerd door de mailserver ({status} "
                            f"{text.decode('utf-8', 'replace')})")
                for recipient, (status, text) in refused.items()
            ]  # fmt: skip
            report.skipped += [(respondent.code, why) for _, why in unusable]
    for email, why in unusable:
        db.session.add(MailLog(respondent_id=respondent.id, kind=kind, recipient=email[:320],
                               subject=subject, ok=False, error=why[:2000]))  # fmt: skip
