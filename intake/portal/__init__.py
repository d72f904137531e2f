"""The respondent portal: coordinators fill in, save, resume and submit."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from intake.portal import routes  # noqa: E402,F401
