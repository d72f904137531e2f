"""Admin views; every one of them requires a signed-in VVSG admin."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from intake.admin import bp
from intake.auth.access import admin_required
from intake.extensions import db
from intake.models import Questionnaire


@bp.route("/")
@admin_required
def dashboard() -> ResponseReturnValue:
    questionnaires = db.session.scalars(select(Questionnaire).order_by(Questionnaire.slug)).all()
    return render_template("admin/dashboard.html", questionnaires=questionnaires)
