"""Typed SQLAlchemy models: questionnaires, the respondent registry, access, responses.

One respondent row per invited city, municipality or IGS *per questionnaire*: the registry of
project year 3 is not the registry of an event evaluation. Answers are stored one
row per (section, item, question), so a question added or removed in a later
questionnaire version never needs a schema change, and a typed value is kept
beside the raw text a coordinator typed when it did not validate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.extensions import Model
from intake.statuses import MAIL_LOG_KINDS, JobStatus, ResponseStatus


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC that always comes back timezone-aware.

    SQLite has no time zones; without this, values read back from SQLite are
    naive while PostgreSQL returns aware ones, and comparisons break.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use intake.models.utcnow()")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _in(column: str, values: Iterable[str]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Questionnaire(Model):
    """A survey such as ``plan-samenleven-2025``; its definitions live in versions."""

    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    # The version number new responses start on; None means the highest stored.
    live_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The admin's deadline; None: the file's (``services.questionnaires.deadline``).
    deadline: Mapped[dt.date | None] = mapped_column(Date)

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.version"
    )
    respondents: Mapped[list[Respondent]] = relationship(back_populates="questionnaire")


class QuestionnaireVersion(Model):
    """One stored version of a questionnaire definition; responses point to it."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("questionnaire_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    # The YAML as written, and the parsed definition it checked into.
    source: Mapped[str] = mapped_column(Text)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    # sha256 of the canonical JSON of the definition: same id+version, other content = refused.
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")


class Respondent(Model):
    """A respondent of one questionnaire: an organisation or a person of its registry
    (kinds and attributes as the questionnaire declares them)."""

    __tablename__ = "respondents"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "code"),
        UniqueConstraint("questionnaire_id", "pseudonym"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    # A kind of the questionnaire's population (``Population.kinds``); None only for an
    # open-link answer of a population with several kinds.
    kind: Mapped[str | None] = mapped_column(String(50))
    # Pseudonymous code such as CS04, fixed once per questionnaire (see export).
    pseudonym: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # An author's preview respondent (``services.preview``): hidden from every query by
    # ``services.scope`` unless the query asks for test respondents, so its answers never
    # reach a figure, an export, a mailing or a pseudonym.
    is_test: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The declared registry attributes by id, typed (``Population.attributes``): for the
    # default population {"province": ..., "members": [...]}.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # An anonymous respondent who started through a public link (``services.open_links``):
    # no name, no contacts; the registry's figures leave it out.
    open_link_id: Mapped[int | None] = mapped_column(ForeignKey("open_links.id"), index=True)
    # Its resume code's keyed hash, and the address a resume link is mailed to: that
    # address serves that one mail only and is deleted once sent, and at submission.
    resume_code_hash: Mapped[str | None] = mapped_column(String(64))
    resume_email: Mapped[str | None] = mapped_column(String(320))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="respondents")
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="respondent", cascade="all, delete-orphan", order_by="Contact.position"
    )
    items: Mapped[list[RespondentItem]] = relationship(
        back_populates="respondent", cascade="all, delete-orphan", order_by="RespondentItem.id"
    )
    # The database deletes these with the respondent (ON DELETE CASCADE).
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="respondent", passive_deletes=True
    )
    response: Mapped[Response | None] = relationship(
        back_populates="respondent", passive_deletes=True
    )
    open_link: Mapped[OpenLink | None] = relationship()

    def item_codes(self, catalogue: str) -> list[str]:
        """Codes of the catalogue entries (e.g. actions) this respondent is linked to."""
        return [i.code for i in self.items if i.catalogue == catalogue]


class OpenLink(Model):
    """A questionnaire's public link (``/o/<slug>``): anyone with it may start a response,
    between its opening and closing times, until it is revoked or its cap of submitted
    responses is reached (``services.open_links``)."""

    __tablename__ = "open_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # At most this many submitted responses; None: no cap.
    max_responses: Mapped[int | None] = mapped_column(Integer)

    questionnaire: Mapped[Questionnaire] = relationship()


class Contact(Model):
    """A contact person of a respondent; invitations go to every contact."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))

    respondent: Mapped[Respondent] = relationship(back_populates="contacts")


class RespondentItem(Model):
    """A link from a respondent to a catalogue entry, e.g. an action it applied for."""

    __tablename__ = "respondent_items"
    __table_args__ = (
        UniqueConstraint("respondent_id", "catalogue", "code"),
        Index("ix_respondent_items_catalogue_code", "catalogue", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"))
    catalogue: Mapped[str] = mapped_column(String(50))
    code: Mapped[str] = mapped_column(String(50))

    respondent: Mapped[Respondent] = relationship(back_populates="items")


class User(Model):
    """A VVSG admin, who signs in with e-mail and password.

    Coordinators never have an account: they sign in through their personal link.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Invitation(Model):
    """A personal link for one respondent; only a hash of its token is stored.

    Every mail carries a fresh link (tokens are never stored, so they cannot be
    sent again); earlier links stay valid until an admin revokes them.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When this link was first mailed (invitation or reminder); see MailLog for every send.
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    first_opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    respondent: Mapped[Respondent] = relationship(back_populates="invitations")


class SignIn(Model):
    """One sign-in: a browser that opened a personal link, or an admin's password sign-in.

    The browser holds a random id (in its session, and a coordinator's also in the
    remember cookie); only its SHA-256 is stored. Signing out ends this sign-in alone, so
    a copied cookie opens nothing any more while colleagues who opened the same link on
    other PCs stay signed in. Revoking a link ends its sign-ins.
    """

    __tablename__ = "sign_ins"
    __table_args__ = (
        CheckConstraint("(invitation_id IS NULL) <> (user_id IS NULL)", name="one_identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    invitation: Mapped[Invitation | None] = relationship()
    user: Mapped[User | None] = relationship()


class MailLog(Model):
    """Every invitation or reminder sent (or written to the outbox), per respondent; and
    the resume links of open-link respondents, their address masked."""

    __tablename__ = "mail_log"
    __table_args__ = (CheckConstraint(_in("kind", MAIL_LOG_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    error: Mapped[str | None] = mapped_column(Text)
    # The batch (job) that sent it; a retried job skips whoever it already logged.
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    # A scheduled reminder's day: at most one such mail per respondent and day.
    scheduled_for: Mapped[dt.date | None] = mapped_column(Date)


class Job(Model):
    """Long work run in the background by a worker (see ``intake.jobs``): who started it,
    how far it got, and how it ended.

    ``lock_key`` (such as ``mail:3``) is held while the job is queued or running, so at
    most one job per key is active. ``attempt`` counts the runs: a run that lost the job to
    another (after its worker seemed to have crashed) can no longer record anything.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_in("status", JobStatus), name="status"),
        Index("ix_jobs_questionnaire_id_created_at", "questionnaire_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    questionnaire_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE")
    )
    started_by: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED)
    lock_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(String(300), default="")
    # What the job produced: a summary, and for a file {"file": {...}} (see jobs.files).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The last sign of life: every change of status or progress.
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    questionnaire: Mapped[Questionnaire | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class Response(Model):
    """The one response of a respondent to a questionnaire.

    ``revision`` is an optimistic-locking counter: every save increments it, and
    SQLAlchemy refuses an UPDATE that was based on a stale revision.
    """

    __tablename__ = "responses"
    __table_args__ = (CheckConstraint(_in("status", ResponseStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), unique=True
    )
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=ResponseStatus.DRAFT)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    respondent: Mapped[Respondent] = relationship(back_populates="response")
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": revision}


class Answer(Model):
    """One answer: a typed value, or the raw text when the value did not validate.

    ``item`` is the catalogue code of a repeated section ('' elsewhere).
    ``revision`` is the response revision that last changed this answer; a save
    based on an older revision of the same page is a conflict.
    """

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "section", "item", "question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(100))
    item: Mapped[str] = mapped_column(String(50), default="")
    question: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any | None] = mapped_column(JSON)
    raw: Mapped[str | None] = mapped_column(Text)
    is_valid: Mapped[bool] = mapped_column(Boolean, default=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(200))

    response: Mapped[Response] = relationship(back_populates="answers")


class SavedPage(Model):
    """A page of a respondent's response saved at least once, by anyone: progress counts
    only saved pages ("not started" until then, even when nothing is required).

    Written in the transaction of the page's first save, so a page view reads one row per
    saved page, however often the pages were saved since (each save is also in the audit
    log). ``item`` is the catalogue code of a repeated section ('' elsewhere).
    """

    __tablename__ = "saved_pages"
    __table_args__ = (UniqueConstraint("respondent_id", "section", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(100))
    item: Mapped[str] = mapped_column(String(50), default="")
    first_saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Model):
    """Who did what, and when: saves, submissions, reopenings, links, imports, exports."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_questionnaire_id_at", "questionnaire_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    questionnaire_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE")
    )
    respondent_id: Mapped[int | None] = mapped_column(
        ForeignKey("respondents.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
