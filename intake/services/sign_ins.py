"""Sign-ins: one server-side record per browser sign-in, so that signing out (or revoking a
personal link) ends it for good, whatever cookies were copied before.

The browser gets a random id; the database keeps only its SHA-256 (as for personal
links), so a database dump signs no one in.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import joinedload

from intake.extensions import db
from intake.models import Invitation, Respondent, SignIn, User, utcnow
from intake.security import hash_token, new_token
from intake.services.response_state import RESPONDENT_LOADS
from intake.services.scope import counted_only
from intake.services.transactions import WriteRefused

# last_seen_at is written at most this often, not on every request.
SEEN_EVERY = dt.timedelta(minutes=5)


def start(*, invitation: Invitation | None = None, user: User | None = None) -> str:
    """Record a new sign-in of a coordinator (``invitation``) or an admin (``user``);
    returns the random id for the browser, which is not stored.

    Raises ``WriteRefused`` when the database refuses the record: without it, signing
    out could not end the sign-in, so there is no sign-in at all.
    """
    if (invitation is None) == (user is None):
        raise ValueError("a sign-in belongs to exactly one invitation or one admin")
    sign_in_id = new_token()
    db.session.add(SignIn(token_hash=hash_token(sign_in_id), invitation=invitation, user=user))
    try:
        db.session.commit()
    except DBAPIError as error:
        db.session.rollback()
        raise WriteRefused(str(error.orig or error)) from error
    return sign_in_id


# The user loader's query, on every request: built once, with the test-respondent
# criterion, since building it with its loader options (and its cache key) cost more
# than running it.
_FIND = counted_only(
    select(SignIn)
    .where(SignIn.token_hash == bindparam("token_hash"), SignIn.ended_at.is_(None))
    .options(
        joinedload(SignIn.invitation).joinedload(Invitation.respondent).options(*RESPONDENT_LOADS),
        joinedload(SignIn.user),
    )
)


def find(sign_in_id: str) -> SignIn | None:
    """The sign-in with this id when it has not ended, with what the portal needs of it
    (invitation, respondent, questionnaire, response and version; or the admin) loaded in
    the same query."""
    if not sign_in_id or len(sign_in_id) > 200:
        return None
    return db.session.scalar(_FIND, {"token_hash": hash_token(sign_in_id)})


Visit = Literal["recent", "noted", "idle"]


def visit(sign_in: SignIn, max_idle: dt.timedelta) -> Visit:
    """A request through this sign-in: "idle" (and the sign-in ends) when it was not used
    for ``max_idle``; "noted" when it was not seen for ``SEEN_EVERY`` and is noted as seen
    now; else "recent" (nothing written)."""
    now = utcnow()
    idle = now - sign_in.last_seen_at
    if idle <= SEEN_EVERY:
        return "recent"
    if idle > max_idle:
        sign_in.ended_at = now
    else:
        sign_in.last_seen_at = now
    try:
        db.session.commit()
    except DBAPIError:
        # Noting the visit is not worth a failed request: a database that refuses writes
        # must not stop a signed-in coordinator from reading, or from getting back what
        # they typed.
        db.session.rollback()
    return "noted" if idle <= max_idle else "idle"


def end(sign_in_id: str) -> None:
    """End this sign-in (signing out): its id opens nothing any more."""
    db.session.execute(
        update(SignIn)
        .where(SignIn.token_hash == hash_token(sign_in_id), SignIn.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.session.commit()


def end_for_respondent(respondent: Respondent) -> None:
    """End every sign-in through the respondent's links (when its links are revoked).
    Adds the change to the session; the caller commits it with the revocation."""
    links = select(Invitation.id).where(Invitation.respondent_id == respondent.id)
    db.session.execute(
        update(SignIn)
        .where(SignIn.invitation_id.in_(links), SignIn.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
