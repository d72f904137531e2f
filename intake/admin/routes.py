"""Admin views; every one of them requires a signed-in VVSG admin."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from intake.admin import bp
from intake.auth.access import admin_required
from intake.extensions import db
from intake.models import Organisation, Questionnaire
from intake.services import invitations, responses


@bp.route("/")
@admin_required
def dashboard() -> ResponseReturnValue:
    questionnaires = db.session.scalars(select(Questionnaire).order_by(Questionnaire.slug)).all()
    return render_template("admin/dashboard.html", questionnaires=questionnaires)


def _questionnaire(slug: str) -> Questionnaire:
    questionnaire = db.session.scalar(select(Questionnaire).where(Questionnaire.slug == slug))
    if questionnaire is None:
        abort(404)
    return questionnaire


def _organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


@bp.route("/vragenlijsten/<slug>/organisaties")
@admin_required
def organisations(slug: str) -> ResponseReturnValue:
    questionnaire = _questionnaire(slug)
    rows = db.session.scalars(
        select(Organisation)
        .where(Organisation.questionnaire_id == questionnaire.id)
        .order_by(Organisation.name)
    ).all()
    return render_template("admin/organisations.html", questionnaire=questionnaire, rows=rows)


@bp.route("/organisaties/<int:organisation_id>")
@admin_required
def organisation(organisation_id: int) -> ResponseReturnValue:
    organisation = _organisation(organisation_id)
    state = responses.load_state(organisation)
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        state=state,
        pages=state.pages(),
        invitation=invitations.active_invitation(organisation),
        new_link=None,
        language="nl",
    )


@bp.route("/organisaties/<int:organisation_id>/link", methods=["POST"])
@admin_required
def issue_link(organisation_id: int) -> ResponseReturnValue:
    """Revoke the current personal link and show a new one, once."""
    organisation = _organisation(organisation_id)
    token = invitations.issue_link(organisation)
    state = responses.load_state(organisation)
    new_link = url_for("portal.token_login", token=token, _external=True)
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        state=state,
        pages=state.pages(),
        invitation=invitations.active_invitation(organisation),
        new_link=new_link,
        language="nl",
    )


@bp.route("/organisaties/<int:organisation_id>/link/intrekken", methods=["POST"])
@admin_required
def revoke_link(organisation_id: int) -> ResponseReturnValue:
    organisation = _organisation(organisation_id)
    invitations.revoke_links(organisation)
    flash(_("De persoonlijke link is ingetrokken; hij werkt niet meer."), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id))


@bp.route("/organisaties/<int:organisation_id>/heropenen", methods=["POST"])
@admin_required
def reopen(organisation_id: int) -> ResponseReturnValue:
    organisation = _organisation(organisation_id)
    if organisation.response is None or organisation.response.status != "submitted":
        flash(_("Deze vragenlijst is niet ingediend; er valt niets te heropenen."), "info")
    else:
        responses.reopen(organisation.response)
        flash(_("De vragenlijst is heropend: de coördinator kan opnieuw wijzigen."), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id))
