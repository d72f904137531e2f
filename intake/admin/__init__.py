"""VVSG's admin pages: tracking, registry, invitations and exports."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from intake.admin import jobs, routes  # noqa: E402,F401
