"""Personal links: issue, revoke, and sign in with one. Only token hashes are stored."""

from __future__ import annotations

import logging

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import DBAPIError

from intake.extensions import db
from intake.models import Invitation, Respondent, utcnow
from intake.security import hash_token, new_token
from intake.services import audit, sign_ins

logger = logging.getLogger(__name__)


def issue_link(respondent: Respondent, actor: str = "system") -> str:
    """Revoke the respondent's current links (ending their sign-ins) and return a fresh
    token (shown once)."""
    now = utcnow()
    sign_ins.end_for_respondent(respondent)
    db.session.execute(
        update(Invitation)
        .where(Invitation.respondent_id == respondent.id, Invitation.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = new_token()
    db.session.add(Invitation(respondent=respondent, token_hash=hash_token(token)))
    audit.record("link_issued", actor, respondent=respondent)
    db.session.commit()
    return token


def revoke_links(respondent: Respondent, actor: str = "system") -> int:
    """Revoke every active link of the respondent, and end its sign-ins; returns how many."""
    sign_ins.end_for_respondent(respondent)
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.respondent_id == respondent.id, Invitation.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    assert isinstance(result, CursorResult)  # an UPDATE's result counts its rows
    audit.record("link_revoked", actor, respondent=respondent)
    db.session.commit()
    return result.rowcount or 0


def active_invitation(respondent: Respondent) -> Invitation | None:
    return db.session.scalar(
        select(Invitation).where(
            Invitation.respondent_id == respondent.id, Invitation.revoked_at.is_(None)
        )
    )


def find_by_token(token: str) -> Invitation | None:
    """The active invitation for this token, or None (unknown, malformed or revoked)."""
    if not token or len(token) > 200:
        return None
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None or invitation.revoked_at is not None:
        return None
    return invitation


def mark_opened(invitation: Invitation) -> None:
    """Record that the link was used. A database that refuses the write (read-only,
    disk full) does not stop the sign-in: the coordinator can still read their answers."""
    now, invitation_id = utcnow(), invitation.id
    invitation.first_opened_at = invitation.first_opened_at or now
    invitation.last_opened_at = now
    try:
        db.session.commit()
    except DBAPIError:
        db.session.rollback()
        logger.warning("Could not record that invitation %s was opened", invitation_id,
                       exc_info=True)  # fmt: skip


def token_from_link(text: str) -> str:
    """The token in a pasted personal link (or the bare token itself)."""
    text = text.strip()
    if "/t/" in text:
        text = text.rsplit("/t/", 1)[1]
    return text.split("?", 1)[0].split("#", 1)[0].strip("/ ")


def add_link(respondent: Respondent) -> tuple[Invitation, str]:
    """A new active link beside the existing ones (for a mail); returns it and its token.
    Not flushed: a batch writes a chunk of them at once."""
    token = new_token()
    invitation = Invitation(respondent_id=respondent.id, token_hash=hash_token(token))
    db.session.add(invitation)
    return invitation, token
