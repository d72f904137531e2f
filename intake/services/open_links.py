"""Public links (``/o/<slug>``): anyone with the link answers as an anonymous respondent.

An admin makes one link per questionnaire whose population has ``open_link`` in
``access``: a random slug, optional opening and closing times and a cap on submitted
responses; revoking it stops it for good. Each visitor who presses start gets a new
respondent (no name, no contacts, the population's only kind or none, a random registry
code) with a personal link that is never shown: the browser signs in with it, and
the normal portal pages do the rest. The respondent also gets a short resume code (only
its keyed hash is stored) and may have a resume link mailed to an address it types: that
address is kept until its mail went out or the response is submitted, never longer,
and the mail log shows it masked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from intake.extensions import db
from intake.models import Invitation, OpenLink, Questionnaire, Respondent, utcnow
from intake.models import Response as ResponseRow
from intake.security import hash_token, new_token
from intake.services import audit
from intake.services.questionnaires import population
from intake.statuses import ResponseStatus

# Resume codes: no I, L, O, 0 or 1, so a code read aloud or copied by hand stays right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8  # 31**8: about 8.5e11, guessed only through the rate-limited form
SLUG_ALPHABET = CODE_ALPHABET.lower()
SLUG_LENGTH = 12
ANONYMOUS_NAME = {"person": "Anonieme deelnemer", "organisation": "Anonieme respondent"}


class Refusal(StrEnum):
    """Why a public link starts no new response now."""

    UNKNOWN = "unknown"  # no such link
    NOT_OFFERED = "not_offered"  # the live version's population has no open link
    REVOKED = "revoked"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"  # past its closing time, or the questionnaire is closed
    FULL = "full"  # its cap of submitted responses is reached


@dataclass(frozen=True)
class Started:
    respondent: Respondent
    invitation: Invitation
    code: str  # the resume code, shown once; only its hash is stored


# --------------------------------------------------------------------------- the link


def current(questionnaire: Questionnaire) -> OpenLink | None:
    """The questionnaire's public link that is not revoked, if any."""
    return db.session.scalar(
        select(OpenLink)
        .where(OpenLink.questionnaire_id == questionnaire.id, OpenLink.revoked_at.is_(None))
        .order_by(OpenLink.id.desc())
        .limit(1)
    )


def find(slug: str) -> OpenLink | None:
    """The public link with this slug (revoked ones too), with its questionnaire."""
    if not slug or len(slug) > 40:
        return None
    return db.session.scalar(
        select(OpenLink).where(OpenLink.slug == slug).options(joinedload(OpenLink.questionnaire))
    )


def offered(questionnaire: Questionnaire) -> bool:
    """Whether the live version's population may be reached through a public link."""
    return population(questionnaire).open_link


def _check(opens_at: dt.datetime | None, closes_at: dt.datetime | None,
           max_responses: int | None) -> None:  # fmt: skip
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise ValueError("De sluiting moet na de opening liggen.")
    if max_responses is not None and max_responses < 1:
        raise ValueError("Het maximum aantal antwoorden moet minstens 1 zijn.")


def create(
    questionnaire: Questionnaire,
    actor: str,
    *,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    max_responses: int | None = None,
) -> OpenLink:
    """The questionnaire's public link: the current one, or a new one with a random slug.

    Raises ``ValueError`` (a Dutch message) when the population offers no open link or
    the times or cap make no sense."""
    if not offered(questionnaire):
        raise ValueError(
            "Deze vragenlijst biedt geen open link aan: zet 'open_link' bij 'access' in het "
            "blok 'respondents:' van het vragenlijstbestand."
        )
    existing = current(questionnaire)
    if existing is not None:
        return existing
    _check(opens_at, closes_at, max_responses)
    link = OpenLink(
        questionnaire_id=questionnaire.id, slug=_new_slug(), created_by=actor[:200],
        opens_at=opens_at, closes_at=closes_at, max_responses=max_responses,
    )  # fmt: skip
    db.session.add(link)
    audit.record("open_link_created", actor, questionnaire=questionnaire, slug=link.slug)
    db.session.commit()
    return link


def _new_slug() -> str:
    while True:
        slug = "".join(secrets.choice(SLUG_ALPHABET) for _ in range(SLUG_LENGTH))
        if db.session.scalar(select(OpenLink.id).where(OpenLink.slug == slug)) is None:
            return slug


def update(
    link: OpenLink,
    actor: str,
    *,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    max_responses: int | None,
) -> None:
    """Set the link's opening and closing times and its cap (None: none)."""
    _check(opens_at, closes_at, max_responses)
    link.opens_at, link.closes_at, link.max_responses = opens_at, closes_at, max_responses
    audit.record(
        "open_link_changed", actor, questionnaire=link.questionnaire, slug=link.slug,
        opens_at=opens_at.isoformat() if opens_at else None,
        closes_at=closes_at.isoformat() if closes_at else None, max_responses=max_responses,
    )  # fmt: skip
    db.session.commit()


def revoke(link: OpenLink, actor: str) -> None:
    """Stop the link for good: no new responses, and started ones can no longer change."""
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        audit.record("open_link_revoked", actor, questionnaire=link.questionnaire,
                     slug=link.slug)  # fmt: skip
        db.session.commit()


def submitted_count(link: OpenLink) -> int:
    """Responses submitted through the link: what its cap counts."""
    return db.session.scalar(
        select(func.count(ResponseRow.id))
        .join(Respondent, Respondent.id == ResponseRow.respondent_id)
        .where(Respondent.open_link_id == link.id,
               ResponseRow.status == ResponseStatus.SUBMITTED)
    ) or 0  # fmt: skip


def refusal(link: OpenLink | None, now: dt.datetime | None = None) -> Refusal | None:
    """Why the link starts no new response now, or None when it does."""
    now = now or utcnow()
    if link is None:
        return Refusal.UNKNOWN
    if link.revoked_at is not None:
        return Refusal.REVOKED
    if not offered(link.questionnaire):
        return Refusal.NOT_OFFERED
    if not link.questionnaire.is_open or (link.closes_at is not None and now >= link.closes_at):
        return Refusal.CLOSED
    if link.opens_at is not None and now < link.opens_at:
        return Refusal.NOT_YET_OPEN
    if link.max_responses is not None and submitted_count(link) >= link.max_responses:
        return Refusal.FULL
    return None


def accepts_answers(link: OpenLink, now: dt.datetime | None = None) -> bool:
    """Whether a response started through the link may still change and be submitted:
    until its closing time, and not after it was revoked. The cap does not stop it."""
    now = now or utcnow()
    return link.revoked_at is None and (link.closes_at is None or now < link.closes_at)


# --------------------------------------------------------------------------- respondents


def start(link: OpenLink) -> Started:
    """A new anonymous respondent of the link, with a sign-in link (never shown) and a
    resume code. The caller checked ``refusal`` first."""
    questionnaire = link.questionnaire
    declared = population(questionnaire)
    code = new_code()
    respondent = Respondent(
        questionnaire_id=questionnaire.id, open_link_id=link.id, code=_new_registry_code(),
        name=ANONYMOUS_NAME.get(declared.unit, ANONYMOUS_NAME["person"]),
        kind=declared.only_kind(), attributes={}, resume_code_hash=code_hash(code),
    )  # fmt: skip
    invitation = Invitation(respondent=respondent, token_hash=hash_token(new_token()))
    db.session.add_all([respondent, invitation])
    db.session.commit()
    return Started(respondent, invitation, code)


def _new_registry_code() -> str:
    """A registry code no one chose: ``open-`` and 10 random characters."""
    return "open-" + "".join(secrets.choice(SLUG_ALPHABET) for _ in range(10))


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A typed code as stored: capitals, without spaces or dashes."""
    return "".join(c for c in text.upper() if c.isalnum())[:40]


def display_code(code: str) -> str:
    """``ABCDEFGH`` as ``ABCD-EFGH``, easier to copy by hand."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def code_hash(code: str) -> str:
    """The keyed hash stored for a resume code: a code has only some 40 bits, so a plain
    hash in a leaked database could be reversed; this one needs the app's secret key."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    message = b"resume-code:" + normalise_code(code).encode("ascii", "ignore")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def resume(link: OpenLink, code: str) -> Respondent | None:
    """The link's respondent with this resume code, while its response is not submitted
    (a submitted response forgets its code)."""
    normal = normalise_code(code)
    if len(normal) != CODE_LENGTH:
        return None
    return db.session.scalar(
        select(Respondent).where(
            Respondent.open_link_id == link.id,
            Respondent.resume_code_hash == code_hash(normal),
        )
    )


def active_invitation(respondent: Respondent) -> Invitation | None:
    """The sign-in link a resumed browser signs in with."""
    return db.session.scalar(
        select(Invitation)
        .where(Invitation.respondent_id == respondent.id, Invitation.revoked_at.is_(None))
        .order_by(Invitation.id)
        .limit(1)
    )


def seconds_too_fast(respondent: Respondent, now: dt.datetime | None = None) -> int:
    """How many seconds an open-link respondent must still wait before submitting
    (``OPEN_LINK_MIN_SECONDS`` after it pressed start); 0 for everyone else."""
    if respondent.open_link_id is None:
        return 0
    minimum = dt.timedelta(seconds=current_app.config["OPEN_LINK_MIN_SECONDS"])
    waited = (now or utcnow()) - respondent.created_at
    return max(0, int((minimum - waited).total_seconds() + 0.999))


def forget(respondent: Respondent) -> None:
    """At submission: the resume code and a pending address go (the caller commits)."""
    if respondent.open_link_id is not None:
        respondent.resume_code_hash = None
        respondent.resume_email = None


# --------------------------------------------------------------------------- the resume mail


def mail_problem(email: str) -> str | None:
    """Why this typed address cannot get a resume link (Dutch), or None."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "Dit is geen geldig e-mailadres."
    return None


def keep_address(respondent: Respondent, email: str) -> None:
    """Keep the address until its mail went out (``jobs.resume``) or the response is
    submitted."""
    respondent.resume_email = validate_email(email, check_deliverability=False).normalized
    db.session.commit()


def mask(email: str) -> str:
    """``jan.peeters@voorbeeld.be`` as ``j***@v***.be``: enough to recognise, not to use."""
    local, _, domain = email.partition("@")
    name, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{name[:1]}***.{tld}" if name else f"{local[:1]}***@***"
