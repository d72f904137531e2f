"""Who is signed in, and route guards: every view states who may see it.

Each sign-in is a server-side record (``services.sign_ins``) whose random id is the
Flask-Login id. Coordinators get a remember cookie with it, so a form left open for days
still saves; admins do not, and an admin sign-in is only accepted from the session its
password sign-in started.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, session
from flask_login import current_user, login_required, login_user, logout_user

from intake.extensions import login_manager
from intake.models import Invitation, User
from intake.services import sign_ins
from intake.services.accounts import AdminIdentity, CoordinatorIdentity

F = TypeVar("F", bound=Callable[..., Any])

# The session key that marks a session as started by an admin's password sign-in.
ADMIN_SIGN_IN = "admin_sign_in"


def signed_in() -> AdminIdentity | CoordinatorIdentity | None:
    """Who is signed in for this request, or None: Flask-Login's ``current_user``, typed."""
    identity = current_user._get_current_object()
    return identity if isinstance(identity, AdminIdentity | CoordinatorIdentity) else None


def signed_in_admin() -> AdminIdentity:
    """The signed-in admin (in views behind ``admin_required``); anyone else gets 403."""
    identity = signed_in()
    if not isinstance(identity, AdminIdentity):
        abort(403)
    return identity


def signed_in_coordinator() -> CoordinatorIdentity:
    """The signed-in coordinator; not signed in gets 401 (how to sign in again), an
    admin 403."""
    identity = signed_in()
    if identity is None:
        abort(401)
    if not isinstance(identity, CoordinatorIdentity):
        abort(403)
    return identity


def admin_required(view: F) -> F:
    """Only signed-in VVSG admins; others are sent to sign in or refused (403)."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        signed_in_admin()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]  # same signature; wraps() loses it


def fresh_session() -> None:
    """Start a new session at sign-in (against session fixation), keeping the language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session.permanent = True


def sign_in_coordinator(invitation: Invitation) -> None:
    """Sign this browser in through a personal link, with a remember cookie."""
    sign_in_id = sign_ins.start(invitation=invitation)
    login_user(CoordinatorIdentity(invitation, sign_in_id), remember=True)


def sign_in_admin(user: User) -> None:
    """Sign an admin in after their password was checked: a new session, no remember cookie."""
    fresh_session()
    sign_in_id = sign_ins.start(user=user)
    login_user(AdminIdentity(user, sign_in_id))
    session[ADMIN_SIGN_IN] = sign_in_id


def sign_out() -> None:
    """End this browser's sign-in for good, and clear its session and remember cookie.

    Other browsers signed in with the same personal link stay signed in."""
    identity = signed_in()
    if identity is not None:
        sign_ins.end(identity.get_id())
    session.clear()
    # After clearing: logout_user marks the remember cookie for deletion in the session,
    # and Flask-Login deletes it when the response goes out.
    logout_user()


@login_manager.user_loader
def load_identity(sign_in_id: str) -> AdminIdentity | CoordinatorIdentity | None:
    """The identity of an active sign-in, or None when it ended, idled out or is refused."""
    sign_in = sign_ins.find(sign_in_id)
    if sign_in is None:
        return None
    identity: AdminIdentity | CoordinatorIdentity | None = None
    # A sign-in ends when unused for longer than its cookie lives.
    max_idle = current_app.permanent_session_lifetime
    if sign_in.user is not None:
        user = sign_in.user
        # Never from a remember cookie (admins get none): only in the session it started.
        if session.get(ADMIN_SIGN_IN) == sign_in_id and user.is_active:
            identity = AdminIdentity(user, sign_in_id)
    else:
        invitation = sign_in.invitation
        if invitation is not None and invitation.revoked_at is None:
            identity = CoordinatorIdentity(invitation, sign_in_id)
        max_idle = max(current_app.config["REMEMBER_COOKIE_DURATION"], max_idle)
    if identity is None:
        return None
    seen = sign_ins.visit(sign_in, max_idle)
    if seen == "idle":
        return None
    if seen == "noted":
        # The session cookie goes out only when the session changes (config.py): with each
        # visit noted, at most every SEEN_EVERY, it goes out again, so an active user's
        # session lifetime slides instead of running out mid-task.
        session.modified = True
    return identity
