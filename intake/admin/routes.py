"""Admin views; every one of them requires a signed-in VVSG admin."""

from __future__ import annotations

import io
import tempfile

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from intake.admin import bp
from intake.auth.access import admin_required
from intake.extensions import db
from intake.jobs import mail as mail_job
from intake.jobs import records as job_records
from intake.models import Organisation, Questionnaire, utcnow
from intake.questionnaire.vocabulary import KINDS, PROVINCES
from intake.services import (
    audit,
    export,
    invitations,
    questionnaires,
    registry,
    responses,
    tracking,
)


@bp.route("/")
@admin_required
def dashboard() -> ResponseReturnValue:
    questionnaires = db.session.scalars(select(Questionnaire).order_by(Questionnaire.slug)).all()
    return render_template("admin/dashboard.html", questionnaires=questionnaires)


def _actor() -> str:
    return f"admin:{current_user.user.email}"


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


@bp.route("/vragenlijsten/<slug>")
@admin_required
def questionnaire(slug: str) -> ResponseReturnValue:
    """The tracking dashboard of one questionnaire."""
    questionnaire = _questionnaire(slug)
    return render_template(
        "admin/questionnaire.html",
        questionnaire=questionnaire,
        overview=tracking.overview(questionnaire),
        by_kind=tracking.by_column(questionnaire, "kind"),
        by_province=tracking.by_column(questionnaire, "province"),
        by_item=tracking.by_item(questionnaire),
        live=questionnaires.live_version(questionnaire),
        statuses=tracking.STATUSES,
        status_labels=tracking.STATUS_LABELS,
        import_report=None,
        jobs=job_records.recent(questionnaire),
    )


@bp.route("/vragenlijsten/<slug>/organisaties")
@admin_required
def organisations(slug: str) -> ResponseReturnValue:
    """The organisation list, filterable by status, kind, province, item and name."""
    questionnaire = _questionnaire(slug)
    filters = {
        key: request.args.get(key, "").strip() or None
        for key in ("status", "kind", "province", "item", "search")
    }
    rows = tracking.organisation_rows(questionnaire, **filters)
    version = questionnaires.live_version(questionnaire)
    catalogues = questionnaires.model_of(version).catalogues if version else {}
    return render_template(
        "admin/organisations.html",
        questionnaire=questionnaire,
        rows=rows,
        filters=filters,
        statuses=tracking.STATUSES,
        status_labels=tracking.STATUS_LABELS,
        kinds=KINDS,
        provinces=PROVINCES,
        catalogues=catalogues,
    )


@bp.route("/vragenlijsten/<slug>/register", methods=["POST"])
@admin_required
def import_registry(slug: str) -> ResponseReturnValue:
    """Upload a registry file; all or nothing, unless 'skip invalid rows' is ticked."""
    questionnaire = _questionnaire(slug)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Kies eerst een bestand."), "error")
        return redirect(url_for("admin.questionnaire", slug=slug))
    report = registry.import_file(
        questionnaire, upload.filename, upload.read(),
        skip_invalid=request.form.get("skip_invalid") == "1", actor=_actor(),
    )  # fmt: skip
    if report.written and not report.problems:
        flash(_("Register geïmporteerd: %(summary)s.", summary=report.summary), "success")
        return redirect(url_for("admin.questionnaire", slug=slug))
    return render_template(
        "admin/import_report.html", questionnaire=questionnaire, report=report,
        filename=upload.filename,
    ), (200 if report.written else 422)  # fmt: skip


@bp.route("/vragenlijsten/<slug>/register-sjabloon.xlsx")
@admin_required
def registry_template(slug: str) -> ResponseReturnValue:
    questionnaire = _questionnaire(slug)
    return send_file(
        io.BytesIO(registry.template_workbook(questionnaire)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"register-{slug}.xlsx",
    )


@bp.route("/vragenlijsten/<slug>/mail/<kind>", methods=["POST"])
@admin_required
def send_mail(slug: str, kind: str) -> ResponseReturnValue:
    """Send invitations to those not invited yet, or reminders to those not submitted, as a
    job in the background; its page shows the progress."""
    if kind not in {"invitation", "reminder"}:
        abort(404)
    job, created = mail_job.submit(_questionnaire(slug), kind, _actor())  # type: ignore[arg-type]
    if not created:
        flash(_("Er worden al mails verstuurd voor deze vragenlijst; wacht tot die klaar zijn."),
              "info")  # fmt: skip
    return redirect(url_for("admin.job", job_id=job.id))


@bp.route("/vragenlijsten/<slug>/export")
@admin_required
def download_export(slug: str) -> ResponseReturnValue:
    """The analysis export as .xlsx (or a zip of CSV tables), built in a spool file."""
    questionnaire = _questionnaire(slug)
    fmt = "csv" if request.args.get("format") == "csv" else "xlsx"
    options = export.ExportOptions(
        include_drafts=request.args.get("drafts") == "1",
        with_identities=request.args.get("identities") == "1",
    )
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    export.write(questionnaire, spool, fmt, options, _actor())  # type: ignore[arg-type]
    spool.seek(0)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return send_file(
        spool,
        mimetype="application/zip" if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{slug}-{stamp}.{'zip' if fmt == 'csv' else 'xlsx'}",
    )  # fmt: skip


@bp.route("/logboek")
@admin_required
def audit_log() -> ResponseReturnValue:
    """The latest 500 audit events, newest first; the whole log as CSV on request."""
    slug = request.args.get("vragenlijst")
    questionnaire = _questionnaire(slug) if slug else None
    if request.args.get("format") == "csv":
        return Response(
            audit.as_csv(questionnaire),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=logboek.csv"},
        )
    names = {
        o.id: o.name
        for o in db.session.scalars(select(Organisation).where(
            Organisation.id.in_({e.organisation_id for e in audit.events(questionnaire)
                                 if e.organisation_id})))
    }  # fmt: skip
    return render_template(
        "admin/audit.html", events=audit.events(questionnaire), labels=audit.ACTIONS,
        names=names, questionnaire=questionnaire,
    )  # fmt: skip


@bp.route("/vragenlijsten/<slug>/instellingen", methods=["POST"])
@admin_required
def settings(slug: str) -> ResponseReturnValue:
    """Open or close the questionnaire, and choose its live version."""
    questionnaire = _questionnaire(slug)
    if "is_open" in request.form:
        questionnaires.set_open(questionnaire, request.form["is_open"] == "1", _actor())
    if request.form.get("live_version", "").isdigit():
        try:
            questionnaires.set_live(questionnaire, int(request.form["live_version"]), _actor())
        except ValueError as exc:
            flash(str(exc), "error")
            return redirect(url_for("admin.questionnaire", slug=slug))
    flash(_("Instellingen bewaard."), "success")
    return redirect(url_for("admin.questionnaire", slug=slug))


@bp.route("/organisaties/<id:organisation_id>")
@admin_required
def organisation(organisation_id: int) -> ResponseReturnValue:
    return _organisation_page(_organisation(organisation_id))


def _organisation_page(organisation: Organisation, new_link: str | None = None) -> str:
    """An organisation with its link and its answers (read-only)."""
    state = responses.load_state(organisation)
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        state=state,
        pages=state.pages(),
        invitation=invitations.active_invitation(organisation),
        new_link=new_link,
        language="nl",
    )


@bp.route("/organisaties/<id:organisation_id>/link", methods=["POST"])
@admin_required
def issue_link(organisation_id: int) -> ResponseReturnValue:
    """Revoke the current personal link and show a new one, once."""
    organisation = _organisation(organisation_id)
    token = invitations.issue_link(organisation, _actor())
    return _organisation_page(
        organisation, url_for("portal.token_login", token=token, _external=True)
    )


@bp.route("/organisaties/<id:organisation_id>/link/intrekken", methods=["POST"])
@admin_required
def revoke_link(organisation_id: int) -> ResponseReturnValue:
    organisation = _organisation(organisation_id)
    invitations.revoke_links(organisation, _actor())
    flash(_("De persoonlijke link is ingetrokken; hij werkt niet meer."), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id))


@bp.route("/organisaties/<id:organisation_id>/heropenen", methods=["POST"])
@admin_required
def reopen(organisation_id: int) -> ResponseReturnValue:
    organisation = _organisation(organisation_id)
    if organisation.response is None or organisation.response.status != "submitted":
        flash(_("Deze vragenlijst is niet ingediend; er valt niets te heropenen."), "info")
    else:
        responses.reopen(organisation.response, _actor())
        flash(_("De vragenlijst is heropend: de coördinator kan opnieuw wijzigen."), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id))
