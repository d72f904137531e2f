"""Admin views; every one of them requires a signed-in VVSG admin."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from intake.auth.access import admin_required, signed_in_admin
from intake.extensions import db
from intake.jobs import export as export_job
from intake.jobs import mail as mail_job
from intake.jobs import records as job_records
from intake.models import Questionnaire, Respondent
from intake.questionnaire.vocabulary import KINDS, PROVINCES
from intake.services import (
    audit,
    export,
    invitations,
    questionnaires,
    registry,
    response_state,
    responses,
    tracking,
)
from intake.statuses import MailKind, ResponseStatus

bp = Blueprint("admin", __name__)


@bp.route("/")
@admin_required
def dashboard() -> ResponseReturnValue:
    questionnaires = db.session.scalars(select(Questionnaire).order_by(Questionnaire.slug)).all()
    return render_template("admin/dashboard.html", questionnaires=questionnaires)


def _actor() -> str:
    return f"admin:{signed_in_admin().user.email}"


def _questionnaire(slug: str) -> Questionnaire:
    questionnaire: Questionnaire = db.first_or_404(
        select(Questionnaire).where(Questionnaire.slug == slug)
    )
    return questionnaire


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


@bp.route("/vragenlijsten/<slug>/respondenten")
@admin_required
def respondents(slug: str) -> ResponseReturnValue:
    """The respondent list, filterable by status, kind, province, item and name."""
    questionnaire = _questionnaire(slug)
    filters = {
        key: request.args.get(key, "").strip() or None
        for key in ("status", "kind", "province", "item", "search")
    }
    rows = tracking.respondent_rows(
        questionnaire, status=filters["status"], kind=filters["kind"],
        province=filters["province"], item=filters["item"], search=filters["search"],
    )  # fmt: skip
    version = questionnaires.live_version(questionnaire)
    catalogues = questionnaires.model_of(version).catalogues if version else {}
    return render_template(
        "admin/respondents.html",
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
    if kind not in set(MailKind):
        abort(404)
    job, created = mail_job.submit(_questionnaire(slug), MailKind(kind), _actor())
    if not created:
        flash(_("Er worden al mails verstuurd voor deze vragenlijst; wacht tot die klaar zijn."),
              "info")  # fmt: skip
    return redirect(url_for("admin.job", job_id=job.id))


@bp.route("/vragenlijsten/<slug>/export", methods=["POST"])
@admin_required
def download_export(slug: str) -> ResponseReturnValue:
    """Start the analysis export (.xlsx, a zip of CSV tables for Excel or for R and SPSS,
    an SPSS .sav, or a draft report in .docx) as a job; its page offers the file when
    it is written. The same export asked while it runs joins that job."""
    questionnaire = _questionnaire(slug)
    choice = request.form.get("format", "xlsx")
    fmt, dialect = EXPORT_CHOICES.get(choice, EXPORT_CHOICES["xlsx"])
    options = export.ExportOptions(
        include_drafts=request.form.get("drafts") == "1",
        with_identities=request.form.get("identities") == "1",
        # The form sends sort=questionnaire, and sort=share too when the box is ticked;
        # a post without it gets the report's order.
        order="questionnaire" if request.form.getlist("sort") == ["questionnaire"] else "share",
        csv=dialect,
    )
    job, created = export_job.submit(questionnaire, fmt, options, _actor())
    if not created:
        flash(_("Deze export loopt al; je volgt ze hier."), "info")
    return redirect(url_for("admin.job", job_id=job.id))


# The format choices of the export form: (format, CSV dialect).
EXPORT_CHOICES: dict[str, tuple[export.Format, export.CsvDialect]] = {
    "xlsx": ("xlsx", "excel"),
    "csv": ("csv", "excel"),
    "csv-plain": ("csv", "plain"),
    "sav": ("sav", "excel"),
    "docx": ("docx", "excel"),
}


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
        for o in db.session.scalars(select(Respondent).where(
            Respondent.id.in_({e.respondent_id for e in audit.events(questionnaire)
                                 if e.respondent_id})))
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


@bp.route("/respondenten/<id:respondent_id>")
@admin_required
def respondent(respondent_id: int) -> ResponseReturnValue:
    return _respondent_page(db.get_or_404(Respondent, respondent_id))


def _respondent_page(respondent: Respondent, new_link: str | None = None) -> str:
    """A respondent with its link and its answers (read-only)."""
    state = response_state.load_state(respondent)
    return render_template(
        "admin/respondent.html",
        respondent=respondent,
        state=state,
        pages=state.pages(),
        invitation=invitations.active_invitation(respondent),
        new_link=new_link,
        language="nl",
    )


@bp.route("/respondenten/<id:respondent_id>/link", methods=["POST"])
@admin_required
def issue_link(respondent_id: int) -> ResponseReturnValue:
    """Revoke the current personal link and show a new one, once."""
    respondent = db.get_or_404(Respondent, respondent_id)
    token = invitations.issue_link(respondent, _actor())
    return _respondent_page(respondent, url_for("portal.token_login", token=token, _external=True))


@bp.route("/respondenten/<id:respondent_id>/link/intrekken", methods=["POST"])
@admin_required
def revoke_link(respondent_id: int) -> ResponseReturnValue:
    respondent = db.get_or_404(Respondent, respondent_id)
    invitations.revoke_links(respondent, _actor())
    flash(_("De persoonlijke link is ingetrokken; hij werkt niet meer."), "success")
    return redirect(url_for("admin.respondent", respondent_id=respondent.id))


@bp.route("/respondenten/<id:respondent_id>/heropenen", methods=["POST"])
@admin_required
def reopen(respondent_id: int) -> ResponseReturnValue:
    respondent = db.get_or_404(Respondent, respondent_id)
    if respondent.response is None or respondent.response.status != ResponseStatus.SUBMITTED:
        flash(_("Deze vragenlijst is niet ingediend; er valt niets te heropenen."), "info")
    else:
        responses.reopen(respondent.response, _actor())
        flash(_("De vragenlijst is heropend: de coördinator kan opnieuw wijzigen."), "success")
    return redirect(url_for("admin.respondent", respondent_id=respondent.id))
