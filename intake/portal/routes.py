"""Portal views for coordinators signed in through their personal link."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from intake.auth.access import coordinator_required
from intake.portal import bp


@bp.route("/vragenlijst")
@coordinator_required
def start() -> ResponseReturnValue:
    """The start page of the coordinator's questionnaire."""
    return render_template("portal/start.html", organisation=current_user.invitation.organisation)
