"""Admin views; every one of them requires a signed-in VVSG admin."""

from __future__ import annotations

import datetime as dt
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

from intake.admin import open_link_panel
from intake.auth.access import admin_required, signed_in_admin
from intake.extensions import db
from intake.jobs import export as export_job
from intake.jobs import mail as mail_job
from intake.jobs import records as job_records
from intake.models import Questionnaire, Respondent, utcnow
from intake.services import (
    audit,
    audit_sentences,
    export,
    follow_up,
    invitations,
    mailing,
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
    """Every questionnaire with its response rate and whether it is open."""
    found = db.session.scalars(select(Questionnaire).order_by(Questionnaire.slug)).all()
    rows = [tracking.questionnaire_row(q) for q in found]
    return render_template("admin/dashboard.html", rows=rows)


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
        breakdowns=tracking.breakdowns(questionnaire),
        number_summaries=tracking.number_summaries(questionnaire),
        covering=questionnaires.population(questionnaire).covering,
        by_item=tracking.by_item(questionnaire),
        catalogue_labels=tracking.catalogue_labels(questionnaire),
        live=questionnaires.live_version(questionnaire),
        statuses=tracking.STATUSES,
        status_labels=tracking.STATUS_LABELS,
        import_report=None,
        jobs=job_records.recent(questionnaire),
        mail_counts={kind: mailing.count(questionnaire, kind) for kind in MailKind},
        remind_after=mailing.remind_after(questionnaire),
        deadline=questionnaires.deadline(questionnaire),
        model_deadline=questionnaires.file_deadline(questionnaire),
        mail_settings=questionnaires.mail_settings(questionnaire),
        registry_columns=registry.columns(questionnaire),
        **open_link_panel.context(questionnaire),
    )


def _kind_labels(questionnaire: Questionnaire) -> dict[str, str]:
    """The questionnaire's kinds → their labels."""
    return questionnaires.population(questionnaire).kind_labels


FILTERS = ("status", "kind", "item", "search")
LAST_PAGE = 10_000  # no list is asked past this page (a longer number is this one)


def _asked_page() -> int:
    """The page the query string asks for (``pagina``), from 1 to ``LAST_PAGE``: anything
    but a whole number is the first page."""
    asked = request.args.get("pagina", "").strip()
    if not asked.isdecimal():  # not isdigit(): int() refuses a superscript '²'
        return 1
    return max(1, min(int(asked) if len(asked) <= 6 else LAST_PAGE, LAST_PAGE))


def _list_filter(
    questionnaire: Questionnaire,
) -> tuple[dict[str, str | None], tracking.ListFilter, list[str]]:
    """The list's filters from the query string (the fixed ones, and one per attribute the
    rate is broken down by, named by its id), as asked and as a ``ListFilter``; a value that
    is no value of its filter (``?jaar=abc``, an unknown status) filters nothing, so it is
    left out of the filters (the caption, the links, the download) and a notice names it."""
    population = questionnaires.population(questionnaire)
    keys = [*FILTERS, *(a.id for a in population.breakdowns)]
    filters = {key: request.args.get(key, "").strip()[:200] or None for key in keys}
    chosen = tracking.ListFilter(
        status=filters["status"], kind=filters["kind"],
        attributes={a.id: filters[a.id] or "" for a in population.breakdowns},
        item=filters["item"], search=filters["search"],
    )  # fmt: skip
    names = {"status": _("Status"), "kind": _("Soort"),
             **{a.id: str(a.label) for a in population.breakdowns}}  # fmt: skip
    notices = []
    for key in chosen.ignored(questionnaire):
        notices.append(_("Filter %(filter)s: de waarde ‘%(value)s’ is niet begrepen en wordt "
                         "genegeerd.", filter=names[key], value=filters[key]))  # fmt: skip
        filters[key] = None
    return filters, chosen, notices


def _filter_labels(questionnaire: Questionnaire, filters: dict[str, str | None]) -> list[str]:
    """What the filters select, in words ("niet ingediend", "Stad", "Actie 5")."""
    labels = []
    if filters["status"] in tracking.FILTER_LABELS:
        labels.append(_(tracking.FILTER_LABELS[filters["status"]]))
    population = questionnaires.population(questionnaire)
    if filters["kind"] == tracking.EMPTY:
        labels.append(f"{_('Soort')}: {_(tracking.EMPTY_LABEL)}")
    elif filters["kind"]:
        kind = population.kind(filters["kind"])
        labels.append(str(kind.label) if kind else filters["kind"])
    for attribute in population.breakdowns:
        value = filters.get(attribute.id)
        if value == tracking.EMPTY:
            labels.append(f"{attribute.label}: {_(tracking.EMPTY_LABEL)}")
        elif value:
            read, _problem = attribute.handler.read(attribute, value)
            choice = next((c for c in attribute.choices if c.value == read), None)
            labels.append(str(choice.label) if choice else f"{attribute.label}: {value}")
    if filters["item"]:
        catalogue, code = tracking.item_filter(filters["item"])
        names = tracking.catalogue_labels(questionnaire)
        labels.append(
            f"{names.get(catalogue or '', next(iter(names.values()), ''))} {code}".strip()
        )
    if filters["search"]:
        labels.append(f"'{filters['search']}'")
    return labels


@bp.route("/vragenlijsten/<slug>/respondenten")
@admin_required
def respondents(slug: str) -> ResponseReturnValue:
    """The respondent list, filterable by status (or a set such as "niet ingediend"), kind,
    province, item and name, 100 to a page (``?pagina=2``); every dashboard count links
    here. The caption counts every respondent the filters select."""
    questionnaire = _questionnaire(slug)
    filters, chosen, notices = _list_filter(questionnaire)
    listed = tracking.list_page(questionnaire, chosen, _asked_page())
    version = questionnaires.live_version(questionnaire)
    catalogues = questionnaires.model_of(version).catalogues if version else {}
    return render_template(
        "admin/respondents.html",
        questionnaire=questionnaire,
        listed=listed,
        filters=filters,
        kept={key: value for key, value in filters.items() if value},
        notices=notices,
        filter_labels=_filter_labels(questionnaire, filters),
        status_filters=tracking.FILTER_LABELS,
        empty=(tracking.EMPTY, tracking.EMPTY_LABEL),
        status_labels=tracking.STATUS_LABELS,
        population=questionnaires.population(questionnaire),
        kinds=_kind_labels(questionnaire),
        catalogues=catalogues,
        catalogue_labels=tracking.catalogue_labels(questionnaire),
    )


@bp.route("/vragenlijsten/<slug>/respondenten.xlsx")
@admin_required
def respondents_workbook(slug: str) -> ResponseReturnValue:
    """The respondent list as filtered, every page of it, with contacts, for phoning those
    still missing."""
    questionnaire = _questionnaire(slug)
    filters, chosen, _notices = _list_filter(questionnaire)
    rows = tracking.list_rows(questionnaire, chosen)
    described = _filter_labels(questionnaire, filters)
    title = questionnaire.title + (f" – {', '.join(described)}" if described else "")
    labels = {status.value: _(label) for status, label in tracking.STATUS_LABELS.items()}
    data = follow_up.workbook(rows, labels, title, questionnaires.population(questionnaire))
    kept = {k: v for k, v in filters.items() if v}
    audit.record("respondent_list", _actor(), questionnaire=questionnaire, rows=len(rows),
                 filters=kept)  # fmt: skip
    db.session.commit()
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"organisaties-{slug}-{stamp}.xlsx",
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


def _mail_kind(kind: str) -> MailKind:
    if kind not in set(MailKind):
        abort(404)
    return MailKind(kind)


@bp.route("/vragenlijsten/<slug>/mail/<kind>")
@admin_required
def confirm_mail(slug: str, kind: str) -> ResponseReturnValue:
    """Who this button would mail now, with a preview of the first mail, to confirm."""
    questionnaire, mail_kind = _questionnaire(slug), _mail_kind(kind)
    recipients = mailing.recipients(questionnaire, mail_kind)
    preview = mailing.preview(recipients[0].id, mail_kind) if recipients else None
    return render_template(
        "admin/mail_confirm.html", questionnaire=questionnaire, kind=mail_kind,
        recipients=recipients, preview=preview, preview_for=recipients[0] if recipients else None,
        remind_after=mailing.remind_after(questionnaire),
        deadline=questionnaires.deadline(questionnaire),
    )  # fmt: skip


@bp.route("/vragenlijsten/<slug>/mail/<kind>", methods=["POST"])
@admin_required
def send_mail(slug: str, kind: str) -> ResponseReturnValue:
    """Send the confirmed list as a job in the background; its page shows the progress.
    The job mails only the confirmed respondents, each only if the rule still holds."""
    questionnaire, mail_kind = _questionnaire(slug), _mail_kind(kind)
    confirmed = [int(part) for part in request.form.get("respondents", "").split(",")
                 if part.isdigit()]  # fmt: skip
    if not confirmed:
        flash(_("Er is niemand om te mailen."), "info")
        return redirect(url_for("admin.questionnaire", slug=slug))
    job, created = mail_job.submit(questionnaire, mail_kind, _actor(), respondent_ids=confirmed)
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
    """The audit log in sentences, newest first, 100 to a page; the whole log as CSV."""
    slug = request.args.get("vragenlijst")
    questionnaire = _questionnaire(slug) if slug else None
    if request.args.get("format") == "csv":
        return Response(
            audit.as_csv(questionnaire),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=logboek.csv"},
        )
    page = _asked_page()
    size = audit_sentences.PAGE_SIZE
    lines = audit_sentences.lines(questionnaire, limit=size + 1, offset=(page - 1) * size)
    return render_template(
        "admin/audit.html", lines=lines[:size], more=len(lines) > size, page=page, size=size,
        questionnaire=questionnaire,
    )  # fmt: skip


@bp.route("/vragenlijsten/<slug>/instellingen", methods=["POST"])
@admin_required
def settings(slug: str) -> ResponseReturnValue:
    """Open or close the questionnaire, choose its live version, set its deadline (empty:
    the file's)."""
    questionnaire = _questionnaire(slug)
    if "deadline" in request.form:
        text = request.form["deadline"].strip()
        try:
            due = dt.date.fromisoformat(text) if text else None
        except ValueError:
            flash(_("De deadline moet een datum zijn (jjjj-mm-dd)."), "error")
            return redirect(url_for("admin.questionnaire", slug=slug))
        if due != questionnaire.deadline:
            questionnaires.set_deadline(questionnaire, due, _actor())
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
        mails=mailing.history(respondent),
        interrupted=mailing.INTERRUPTED,
        new_link=new_link,
        language="nl",
        kinds=_kind_labels(respondent.questionnaire),
        population=questionnaires.population(respondent.questionnaire),
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
