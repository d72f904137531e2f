"""Admin accounts: creation, password sign-in, and the identities Flask-Login keeps."""

from __future__ import annotations

from functools import cache

from flask_login import UserMixin
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Invitation, User, utcnow
from intake.security import hash_password, verify_password


class AdminIdentity(UserMixin):
    """A signed-in VVSG admin; its Flask-Login id is the id of its sign-in (see sign_ins)."""

    is_admin = True

    def __init__(self, user: User, sign_in_id: str) -> None:
        self.user = user
        self.sign_in_id = sign_in_id

    def get_id(self) -> str:
        return self.sign_in_id

    @property
    def label(self) -> str:
        return self.user.email


class CoordinatorIdentity(UserMixin):
    """A coordinator signed in through a personal link; its Flask-Login id is the id of
    this browser's sign-in, so colleagues who share the link sign in and out apart."""

    is_admin = False

    def __init__(self, invitation: Invitation, sign_in_id: str) -> None:
        self.invitation = invitation
        self.sign_in_id = sign_in_id

    def get_id(self) -> str:
        return self.sign_in_id

    @property
    def label(self) -> str:
        return self.invitation.respondent.name


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_admin(email: str, password: str, name: str = "") -> User:
    """Create or update a VVSG admin account with this password."""
    email = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email)
        db.session.add(user)
    user.name = name or user.name
    user.password_hash = hash_password(password)
    user.is_active = True
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active admin with this e-mail and password, or None."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))
    if user is None or not user.is_active:
        # Spend the same time as a real check, so timing does not reveal accounts.
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")
