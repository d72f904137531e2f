"""Invitations and reminders by e-mail, each with a fresh personal link.

Mails go out over SMTP (settings from config), or, when ``MAIL_OUTBOX`` is set
(development), are written there as .eml files. Every send is logged per
respondent in ``MailLog``. Who gets which mail is one rule per kind (``targets``):
the admin's confirmation page lists it (``recipients``), the button counts it
(``count``), and the batch checks it again per respondent when it sends. Texts are the
questionnaire's own (``mail:`` in its file) or the editable defaults
``templates/mail/*.txt``; both are rendered and wrapped by ``intake.questionnaire.mail``.

Domains go out IDNA-encoded; a non-ASCII local part needs SMTPUTF8, and where the
server does not offer it that one address is skipped with its reason logged. No
respondent's failure stops the batch: each is logged and the next one is sent.

The admin's buttons send through a job (``intake.jobs.mail``); each mail's log names
its job, so the job's outcome (``job_report``) is read back from the log.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import Select, delete, exists, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from intake.extensions import db
from intake.models import (
    Contact,
    Invitation,
    MailLog,
    Questionnaire,
    Respondent,
    Response,
    utcnow,
)
from intake.questionnaire import mail as mail_texts
from intake.questionnaire.dates import nl_long_date
from intake.services import audit, questionnaires
from intake.services.invitations import add_link
from intake.statuses import MailKind, ResponseStatus

CHUNK = 25  # respondents per transaction: logged before and after sending
# What a mail's log says from just before it is sent until its outcome is recorded: still
# true when the worker dies in between, so a retried job leaves it alone.
INTERRUPTED = (
    "niet bevestigd: het versturen werd onderbroken; de mail is misschien "
    "verstuurd, kijk dat na voor je deze organisatie opnieuw een mail stuurt"
)


def _mailed(kind: MailKind) -> list[ColumnElement[bool]]:
    """The mail logs of ``Respondent`` saying a mail of ``kind`` went out: delivered, or
    perhaps delivered by an interrupted batch (never sent again automatically)."""
    return [
        MailLog.respondent_id == Respondent.id,
        MailLog.kind == kind,
        or_(MailLog.ok, MailLog.error == INTERRUPTED),
    ]


def invitation_mailed() -> ColumnElement[bool]:
    """Whether ``Respondent`` got an invitation mail. The dashboard's "uitgenodigd"
    (``tracking.status_column``) and the mail rules both ask here."""
    return exists().where(*_mailed(MailKind.INVITATION))


def link_opened() -> ColumnElement[bool]:
    """Whether one of ``Respondent``'s personal links was ever opened."""
    return exists().where(
        Invitation.respondent_id == Respondent.id, Invitation.first_opened_at.is_not(None)
    )


def invited_at() -> ColumnElement[dt.datetime]:
    """When ``Respondent`` was invited: its first invitation mail, else the first time
    one of its links was opened (a link an admin handed over); NULL when neither."""
    first_mail = (
        select(func.min(MailLog.sent_at)).where(*_mailed(MailKind.INVITATION)).scalar_subquery()
    )
    first_open = (
        select(func.min(Invitation.first_opened_at))
        .where(Invitation.respondent_id == Respondent.id)
        .scalar_subquery()
    )
    return func.coalesce(first_mail, first_open)


PREVIEW_LINK = "‹persoonlijke-link›"  # stands for the link in a preview
TEMPLATES: dict[MailKind, str] = {
    MailKind.INVITATION: "mail/invitation.txt",
    MailKind.REMINDER: "mail/reminder.txt",
}


@dataclass
class MailReport:
    sent: list[str] = field(default_factory=list)  # respondent codes
    failed: list[tuple[str, str]] = field(default_factory=list)  # (code, reason): nothing sent
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (code, "address: reason")
    # Confirmed by the admin, but no longer fitting the rule when the batch reached them.
    dropped: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        text = f"{len(self.sent)} verstuurd"
        if self.failed:
            text += f", {len(self.failed)} mislukt"
        if self.skipped:
            text += f", {len(self.skipped)} {'adres' if len(self.skipped) == 1 else 'adressen'}"
            text += " overgeslagen"
        if self.dropped:
            text += f", {len(self.dropped)} niet meer van toepassing"
        return text


class NoTransport(RuntimeError):
    """Neither an SMTP server nor an outbox is configured."""


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
            raise NoTransport("Er is geen mailserver ingesteld (MAIL_SERVER) en geen MAIL_OUTBOX")
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
def open_transport() -> Iterator[_Transport]:
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


def remind_after(questionnaire: Questionnaire) -> int:
    """Days between an invitation and the first reminder, and between reminders: the
    questionnaire file's ``mail: remind_after``, else ``MAIL_REMIND_AFTER_DAYS``."""
    days = questionnaires.mail_settings(questionnaire).remind_after
    return days if days is not None else int(current_app.config["MAIL_REMIND_AFTER_DAYS"])


def _source(questionnaire: Questionnaire, kind: MailKind) -> tuple[str, str]:
    """The subject and body templates: the questionnaire's own (``mail:`` in its file), or
    the app's default text, whose first line is 'Onderwerp: ...'."""
    own = getattr(questionnaires.mail_settings(questionnaire), kind)
    if own is not None:
        return own.subject.get(), own.body.get()
    env = current_app.jinja_env
    assert env.loader is not None
    source = env.loader.get_source(env, TEMPLATES[kind])[0]
    source = re.sub(r"\A\s*\{#.*?#\}\s*", "", source, flags=re.S)  # the leading comment
    first, _, body = source.partition("\n")
    if not first.startswith("Onderwerp:"):
        raise ValueError(f"{TEMPLATES[kind]} must start with a line 'Onderwerp: ...'")
    return first.removeprefix("Onderwerp:").strip(), body.lstrip("\n")


def fields(respondent: Respondent, link: str, due: dt.date | None) -> dict[str, Any]:
    """What a mail text may use (``intake.questionnaire.mail.FIELDS``), and ``person``
    for the app's default texts (``templates/mail``), which serve every population: a
    questionnaire's own text is written for its own."""
    names = [c.name for c in respondent.contacts if c.name]
    return {
        "person": questionnaires.population(respondent.questionnaire).is_person,
        "greeting": " en ".join(" ".join(n.split()) for n in names) if names else "collega",
        "name": respondent.name,
        "code": respondent.code,
        "title": respondent.questionnaire.title,
        "link": link,
        "deadline": nl_long_date(due) if due else "",
        "started": respondent.response is not None,
    }


def render(respondent: Respondent, kind: MailKind, link: str) -> tuple[str, str]:
    """The subject and body of one respondent's mail: filled in and wrapped at 72."""
    questionnaire = respondent.questionnaire
    subject, body = _source(questionnaire, kind)
    values = fields(respondent, link, questionnaires.deadline(questionnaire))
    subject = " ".join(mail_texts.render(subject, values).split())
    body = mail_texts.wrap(mail_texts.render(body, values).strip("\n") + "\n")
    return subject, body


def compose(
    respondent: Respondent, kind: MailKind, link: str, recipients: list[Address]
) -> EmailMessage:
    """The mail for one respondent, from its questionnaire's text or the default."""
    subject, body = render(respondent, kind, link)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = recipients
    message["Message-ID"] = make_msgid(domain="intake.vvsg.be")
    message.set_content(body)
    return message


def targets(
    questionnaire: Questionnaire, kind: MailKind, now: dt.datetime | None = None,
    scheduled_for: dt.date | None = None,
) -> Select[Respondent]:  # fmt: skip
    """Who gets this kind of mail now (the rules the admin's buttons state):

    - an invitation goes to a respondent the dashboard counts as not invited: no
      invitation mail reached it (nor perhaps reached it, in an interrupted batch), its
      link was never opened and it has no response. A link an admin made that nobody used
      is no invitation, so "niet uitgenodigd" on the dashboard and the button agree;
    - a reminder goes to a respondent invited at least ``remind_after`` days ago (its
      first invitation mail, else the first opening of a link an admin handed over; a
      link nobody used invites no one), that has not submitted, and got no reminder
      (sent, or perhaps sent by an interrupted batch) in the last ``remind_after`` days;
      a scheduled reminder also skips whoever this day's scheduled reminder logged.
    """
    now = now or utcnow()
    # Anonymous respondents of a public link get no batch mail: they have no address.
    query = select(Respondent).where(
        Respondent.questionnaire_id == questionnaire.id, Respondent.open_link_id.is_(None)
    )
    has_response = exists().where(Response.respondent_id == Respondent.id)
    if kind == MailKind.INVITATION:
        return query.where(~link_opened(), ~invitation_mailed(), ~has_response)
    since = now - dt.timedelta(days=remind_after(questionnaire))
    submitted = exists().where(
        Response.respondent_id == Respondent.id, Response.status == ResponseStatus.SUBMITTED
    )
    reminded = exists().where(*_mailed(MailKind.REMINDER), MailLog.sent_at > since)
    query = query.where(invited_at() <= since, ~submitted, ~reminded)
    if scheduled_for is not None:
        query = query.where(~exists().where(MailLog.respondent_id == Respondent.id,
                                            MailLog.scheduled_for == scheduled_for))  # fmt: skip
    return query


@dataclass(frozen=True)
class Recipient:
    """A respondent a batch would mail, as the confirmation page lists it."""

    id: int
    code: str
    name: str
    addresses: list[str]


def recipients(questionnaire: Questionnaire, kind: MailKind) -> list[Recipient]:
    """Everyone the button would mail now, by code, with their addresses."""
    rows = db.session.execute(
        targets(questionnaire, kind)
        .with_only_columns(Respondent.id, Respondent.code, Respondent.name)
        .order_by(Respondent.code)
    ).all()
    addresses: dict[int, list[str]] = {row.id: [] for row in rows}
    if addresses:
        for respondent_id, email in db.session.execute(
            select(Contact.respondent_id, Contact.email)
            .where(Contact.respondent_id.in_(targets(questionnaire, kind)
                                             .with_only_columns(Respondent.id)))
            .order_by(Contact.respondent_id, Contact.position)
        ):  # fmt: skip
            addresses[respondent_id].append(email)
    return [Recipient(row.id, row.code, row.name, addresses[row.id]) for row in rows]


def count(questionnaire: Questionnaire, kind: MailKind) -> int:
    """How many respondents the button would mail now (the length of ``recipients``)."""
    query = targets(questionnaire, kind).with_only_columns(func.count(Respondent.id))
    return db.session.scalar(query) or 0


def preview(respondent_id: int, kind: MailKind) -> tuple[str, str]:
    """The subject and body this respondent's mail would have; a placeholder stands for
    the personal link, which is only made when the mail is sent."""
    respondent = db.session.get(Respondent, respondent_id)
    assert respondent is not None
    link = current_app.config["BASE_URL"].rstrip("/") + "/t/" + PREVIEW_LINK
    return render(respondent, kind, link)


def history(respondent: Respondent) -> list[MailLog]:
    """Every invitation and reminder logged for a respondent, oldest first."""
    return list(db.session.scalars(
        select(MailLog).where(MailLog.respondent_id == respondent.id)
        .order_by(MailLog.sent_at, MailLog.id)
    ))  # fmt: skip


def _commit(done: int, total: int) -> None:
    db.session.commit()


def send(
    questionnaire: Questionnaire,
    kind: MailKind,
    codes: list[str] | None = None,
    actor: str = "system",
    *,
    respondent_ids: list[int] | None = None,
    scheduled_for: dt.date | None = None,
    job_id: int | None = None,
    checkpoint: Callable[[int, int], None] = _commit,
) -> MailReport:
    """Send invitations or reminders to whoever the rules of ``targets`` pick now;
    ``codes`` or ``respondent_ids`` (the list an admin confirmed) narrow it: a confirmed
    respondent that no longer fits the rule (invited or submitted meanwhile) is left out
    and counted in ``report.dropped``. ``scheduled_for``: a scheduled reminder's day.

    Respondents go in chunks of ``CHUNK`` over one SMTP connection. A chunk's mails are
    logged (as interrupted) before they go out and their outcome after, each time
    committed by ``checkpoint(done, total)``, which must commit the session (a job also
    records its progress there). A run for job ``job_id`` skips the respondents the job
    logged before, so a job retried after a crash never mails anyone twice. The session
    is emptied after each chunk: objects loaded before are detached.
    """
    report = MailReport()
    query = targets(questionnaire, kind, scheduled_for=scheduled_for)
    if codes is not None:
        query = query.where(Respondent.code.in_(codes))
    if respondent_ids is not None:
        query = query.where(Respondent.id.in_(respondent_ids))
    done, logged_ids = 0, set[int]()
    if job_id is not None:
        query = query.where(~exists().where(MailLog.respondent_id == Respondent.id,
                                            MailLog.job_id == job_id))  # fmt: skip
        logged_ids = set(db.session.scalars(select(MailLog.respondent_id).distinct()
                                            .where(MailLog.job_id == job_id)))  # fmt: skip
        done = len(logged_ids)
    ids = list(db.session.scalars(query.with_only_columns(Respondent.id)
                                  .order_by(Respondent.code)))  # fmt: skip
    if respondent_ids is not None:
        gone = set(respondent_ids) - set(ids) - logged_ids
        report.dropped = sorted(db.session.scalars(
            select(Respondent.code).where(Respondent.id.in_(gone))))  # fmt: skip
    total, questionnaire_id = done + len(ids), questionnaire.id
    if not ids:
        checkpoint(done, total)
        return report
    links = current_app.config["BASE_URL"].rstrip("/") + "/t/"
    with open_transport() as transport:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            outgoing = _prepare(chunk, kind, links, transport.smtputf8, job_id, report,
                                scheduled_for)  # fmt: skip
            checkpoint(done, total)  # logged before sent
            _deliver(transport, outgoing, kind, job_id, report)
            done += len(chunk)
            checkpoint(done, total)  # and what became of it
            db.session.expunge_all()  # the next chunk starts afresh (no O(n²) expiry)
    questionnaire = db.session.get(Questionnaire, questionnaire_id)  # type: ignore[assignment]
    audit.record(kind, actor, questionnaire=questionnaire, sent=len(report.sent),
                 failed=len(report.failed), skipped=len(report.skipped))  # fmt: skip
    db.session.commit()
    return report


@dataclass
class _Outgoing:
    """A composed mail, logged but not yet sent (plain values: the session commits)."""

    code: str
    respondent_id: int
    message: EmailMessage
    log_id: int
    invitation_id: int
    unusable: list[tuple[str, str]]  # (address, reason): logged already


def _log(respondent_id: int, kind: MailKind, job_id: int | None, recipient: str,
         subject: str, error: str | None, scheduled_for: dt.date | None = None
         ) -> MailLog:  # fmt: skip
    log = MailLog(respondent_id=respondent_id, kind=kind, recipient=recipient[:320],
                  subject=subject[:300], ok=error is None, job_id=job_id,
                  error=None if error is None else error[:2000],
                  scheduled_for=scheduled_for)  # fmt: skip
    db.session.add(log)
    return log


def _prepare(
    chunk: list[int], kind: MailKind, links: str, smtputf8: bool, job_id: int | None,
    report: MailReport, scheduled_for: dt.date | None = None,
) -> list[_Outgoing]:  # fmt: skip
    """Compose the chunk's mails, each with a fresh link, and log them as interrupted
    (what stays true if the worker dies while sending). An respondent without a usable
    address, or whose mail cannot be composed, is logged as failed."""
    respondents = db.session.scalars(
        select(Respondent)
        .where(Respondent.id.in_(chunk))
        .options(selectinload(Respondent.contacts), selectinload(Respondent.response))
        .order_by(Respondent.code)
    )
    prepared: list[tuple[Respondent, EmailMessage, MailLog, Invitation, list]] = []
    for respondent in respondents:
        recipients: list[Address] = []
        unusable: list[tuple[str, str]] = []  # (address, reason)
        for contact in respondent.contacts:
            found = address(contact.name, contact.email, smtputf8)
            if isinstance(found, str):
                unusable.append((contact.email, found))
            else:
                recipients.append(found)
        subject = ""
        if not recipients:
            reason = "; ".join(why for _, why in unusable) or "geen e-mailadres"
            report.failed.append((respondent.code, reason))
            if not unusable:
                _log(respondent.id, kind, job_id, "", "", reason, scheduled_for)
        else:
            invitation, token = add_link(respondent)  # written with the chunk
            try:
                with db.session.no_autoflush:
                    message = compose(respondent, kind, links + token, recipients)
            except SQLAlchemyError:
                raise
            except Exception as exc:  # an edited template that fails for this respondent
                current_app.logger.exception("%s to %s failed", kind, respondent.code)
                db.session.expunge(invitation)  # never delivered, never written
                reason = f"{type(exc).__name__}: {exc}"
                report.failed.append((respondent.code, reason))
                _log(respondent.id, kind, job_id, "", "", reason, scheduled_for)
                continue
            subject = message["Subject"]
            log = _log(respondent.id, kind, job_id, str(message["To"]), subject, INTERRUPTED,
                       scheduled_for)  # fmt: skip
            prepared.append((respondent, message, log, invitation, unusable))
        for email, why in unusable:
            _log(respondent.id, kind, job_id, email, subject, why, scheduled_for)
    db.session.flush()  # ids, read before the commit expires them
    return [_Outgoing(o.code, o.id, message, log.id, invitation.id, unusable)
            for o, message, log, invitation, unusable in prepared]  # fmt: skip


def _deliver(
    transport: _Transport, outgoing: list[_Outgoing], kind: MailKind, job_id: int | None,
    report: MailReport,
) -> None:  # fmt: skip
    """Send the chunk's mails; record each outcome (not yet committed). One mail's
    failure never stops the others."""
    logs: list[dict[str, Any]] = []
    sent_links: list[dict[str, Any]] = []
    for out in outgoing:
        stamp = utcnow()
        try:
            refused = transport.deliver(
                out.message, f"{stamp.strftime('%Y%m%dT%H%M%S%f')}-{out.code}-{kind}"
            )
        except Exception as exc:  # refused, hung up, or worse: this respondent only
            if not isinstance(exc, smtplib.SMTPException | OSError):
                current_app.logger.exception("%s to %s failed", kind, out.code)
            reason = str(exc) if isinstance(exc, smtplib.SMTPException | OSError) \
                else f"{type(exc).__name__}: {exc}"  # fmt: skip
            logs.append({"id": out.log_id, "ok": False, "error": reason[:2000]})
            db.session.execute(delete(Invitation).where(Invitation.id == out.invitation_id))
            report.failed.append((out.code, reason))
            continue
        logs.append({"id": out.log_id, "ok": True, "error": None, "sent_at": stamp})
        sent_links.append({"id": out.invitation_id, "sent_at": stamp})
        report.sent.append(out.code)
        subject = out.message["Subject"]
        for recipient, (status, text) in refused.items():
            why = (f"{recipient}: geweigerd door de mailserver ({status} "
                   f"{text.decode('utf-8', 'replace')})")  # fmt: skip
            _log(out.respondent_id, kind, job_id, recipient, subject, why)
            out.unusable.append((recipient, why))
        report.skipped += [(out.code, why) for _, why in out.unusable]
    for rows, model in ((logs, MailLog), (sent_links, Invitation)):
        if rows:
            db.session.execute(update(model), rows)  # by primary key


@dataclass(frozen=True)
class NotReached:
    """An address (or an respondent) a batch did not reach, and why."""

    respondent_id: int
    code: str
    name: str
    address: str  # the recipient(s); empty when the mail was never composed
    reason: str
    sent_to_others: bool  # the respondent's other addresses did get the mail

    @property
    def interrupted(self) -> bool:
        """Perhaps sent: the batch stopped between logging the mail and confirming it. The
        stored reason (``INTERRUPTED``) speaks of an organisation; the mail job's page says
        it in the population's words."""
        return self.reason == INTERRUPTED


def job_report(job_id: int) -> tuple[MailReport, list[NotReached]]:
    """What the mail job sent, over all its runs, read back from the mail log."""
    rows = db.session.execute(
        select(MailLog.respondent_id, Respondent.code, Respondent.name, MailLog.recipient,
               MailLog.ok, MailLog.error)
        .join(Respondent, Respondent.id == MailLog.respondent_id)
        .where(MailLog.job_id == job_id)
        .order_by(Respondent.code, MailLog.id)
    ).all()  # fmt: skip
    reached = {row.respondent_id for row in rows if row.ok}
    report, not_reached = MailReport(), []
    failed: dict[str, list[str]] = {}
    for row in rows:
        if row.ok:
            report.sent.append(row.code)
            continue
        reason = row.error or ""
        others = row.respondent_id in reached
        not_reached.append(NotReached(row.respondent_id, row.code, row.name, row.recipient,
                                      reason, others))  # fmt: skip
        if others:
            report.skipped.append((row.code, reason))
        else:
            failed.setdefault(row.code, []).append(reason)
    report.failed = [(code, "; ".join(reasons)) for code, reasons in failed.items()]
    return report, not_reached
