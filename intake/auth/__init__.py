"""Sign-in and sign-out for VVSG admins; the login manager's user loader."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from intake.auth import routes  # noqa: E402,F401
