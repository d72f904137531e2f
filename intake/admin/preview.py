"""Admin views of an author's preview: choose a version and whom to play, start, wipe.

Starting a preview creates a test respondent (``services.preview``) and opens the portal
as it (``portal.preview``); nothing of a real respondent changes.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from intake.admin.routes import _questionnaire, bp
from intake.auth.access import admin_required, signed_in_admin
from intake.extensions import db
from intake.models import Questionnaire, QuestionnaireVersion, Respondent
from intake.portal import preview as portal_preview
from intake.questionnaire.population import DEFAULT as DEFAULT_POPULATION
from intake.services import preview, questionnaires


def _version(questionnaire: Questionnaire, value: str | None) -> QuestionnaireVersion | None:
    """The version asked for, or the live one when none (or an unknown one) was asked."""
    if value and value.isdigit():
        chosen = preview.version_of(questionnaire, int(value))
        if chosen is not None:
            return chosen
    return questionnaires.live_version(questionnaire)


@bp.route("/vragenlijsten/<slug>/voorbeeld")
@admin_required
def preview_setup(slug: str) -> ResponseReturnValue:
    """Choose a version and a respondent (existing, or imaginary) to preview as."""
    questionnaire = _questionnaire(slug)
    return _setup_page(questionnaire, _version(questionnaire, request.args.get("versie")))


def _setup_page(
    questionnaire: Questionnaire,
    version: QuestionnaireVersion | None,
    form: MultiDict[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    model = questionnaires.model_of(version) if version else None
    examples = db.session.scalars(
        select(Respondent)
        .where(Respondent.questionnaire_id == questionnaire.id)
        .order_by(Respondent.name)
    ).all()
    return render_template(
        "admin/preview.html",
        questionnaire=questionnaire,
        versions=preview.versions(questionnaire),
        version=version,
        live=questionnaires.live_version(questionnaire),
        catalogues=model.catalogues if model else {},
        examples=examples,
        population=model.population if model else DEFAULT_POPULATION,
        form=form,
        tests=preview.count(questionnaire),
    ), status


@bp.route("/vragenlijsten/<slug>/voorbeeld", methods=["POST"])
@admin_required
def start_preview(slug: str) -> ResponseReturnValue:
    """Start a preview as the chosen respondent and open its first portal page."""
    questionnaire = _questionnaire(slug)
    form = request.form
    version = _version(questionnaire, form.get("versie"))
    if version is None:
        flash(_("Deze vragenlijst heeft nog geen versie."), "error")
        return redirect(url_for("admin.preview_setup", slug=slug))
    if form.get("als") == "bestaand":
        example = db.session.scalar(
            select(Respondent).where(
                Respondent.questionnaire_id == questionnaire.id,
                Respondent.id == _int(form.get("respondent")),
            )
        )
        if example is None:
            flash(_("Kies een bestaande respondent, of kies een denkbeeldig bestuur."), "error")
            return _setup_page(questionnaire, version, form, 422)
        persona = preview.Persona.of(example)
    else:
        model = questionnaires.model_of(version)
        try:
            persona = preview.Persona.typed(
                model,
                name=form.get("naam", "").strip() or _("Voorbeeldbestuur"),
                kind=form.get("soort", ""),
                attributes={a.id: form.get(a.id, "") for a in model.population.attributes},
                items={
                    name: form.getlist(f"items-{name}")
                    for name in model.catalogues
                    if form.getlist(f"items-{name}")
                },
            )
        except preview.PreviewError as exc:
            flash(str(exc), "error")
            return _setup_page(questionnaire, version, form, 422)
    try:
        respondent = preview.start(version, persona, signed_in_admin().user)
    except preview.PreviewError as exc:
        flash(str(exc), "error")
        return _setup_page(questionnaire, version, form, 422)
    portal_preview.remember(slug, respondent)
    return redirect(url_for("portal.start", slug=slug))


@bp.route("/vragenlijsten/<slug>/voorbeeld/wissen", methods=["POST"])
@admin_required
def wipe_previews(slug: str) -> ResponseReturnValue:
    """Delete every test respondent of the questionnaire with its test answers."""
    wiped = preview.wipe(_questionnaire(slug))
    flash(_("Testantwoorden gewist: %(n)s voorbeeld(en).", n=wiped), "success")
    return redirect(url_for("admin.preview_setup", slug=slug))


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 12 else 0
