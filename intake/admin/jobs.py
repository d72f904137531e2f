"""Admin views of background jobs: progress and outcome, the file a job made, cancelling.

The job page refreshes itself while the job runs: ``static/jobs.js`` polls the JSON of
``job_progress``; without JavaScript a ``<meta http-equiv="refresh">`` reloads it.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from intake.admin.routes import bp
from intake.auth.access import admin_required, signed_in_admin
from intake.jobs import files, kinds, records
from intake.models import Job
from intake.statuses import JobStatus

STATUS_LABELS = {
    JobStatus.QUEUED: _l("In de wachtrij"),
    JobStatus.RUNNING: _l("Bezig"),
    JobStatus.DONE: _l("Klaar"),
    JobStatus.FAILED: _l("Mislukt"),
}


@bp.app_template_global()
def job_title(job: Job) -> str:
    """What the job does, e.g. 'Uitnodigingen versturen'."""
    kind = kinds.get(job.kind)
    return kind.title(job) if kind is not None else job.kind


@bp.app_template_global()
def job_starter(job: Job) -> str:
    """Who started the job: an admin's e-mail address, or the command line."""
    who = job.started_by
    if who == "cli":
        return _("de opdrachtregel")
    return who.removeprefix("admin:")


@bp.app_template_global()
def job_status_label(job: Job) -> str:
    label = STATUS_LABELS.get(JobStatus(job.status))
    return str(label) if label is not None else job.status


def _job(job_id: int) -> Job:
    job = records.get(job_id)
    if job is None:
        abort(404)
    return job


def progress(job: Job) -> dict[str, Any]:
    """What the page shows while the job runs (also its JSON)."""
    return {
        "id": job.id,
        "status": job.status,
        "label": job_status_label(job),
        "done": job.done,
        "total": job.total,
        "message": job.message or (_("Wacht op een vrije verwerker…")
                                   if job.status == JobStatus.QUEUED else ""),
        "finished": job.finished,
    }  # fmt: skip


@bp.route("/taken/<id:job_id>")
@admin_required
def job(job_id: int) -> ResponseReturnValue:
    """A job's progress, then its outcome."""
    job = _job(job_id)
    kind = kinds.get(job.kind)
    outcome = kind.outcome(job) if kind and kind.outcome and job.finished else None
    return render_template(
        "admin/job.html", job=job, kind=kind, outcome=outcome, progress=progress(job),
        file=files.stored_file(job),
    )  # fmt: skip


@bp.route("/taken/<id:job_id>/voortgang")
@admin_required
def job_progress(job_id: int) -> ResponseReturnValue:
    return jsonify(progress(_job(job_id)))


@bp.route("/taken/<id:job_id>/bestand")
@admin_required
def job_file(job_id: int) -> ResponseReturnValue:
    """The file a finished job produced (named by the job, kept in the instance folder)."""
    stored = files.stored_file(_job(job_id))
    if stored is None:
        abort(404)
    path, name, mimetype = stored
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/taken/<id:job_id>/annuleren", methods=["POST"])
@admin_required
def cancel_job(job_id: int) -> ResponseReturnValue:
    """Cancel a job no worker has started yet; a running job is not stopped halfway."""
    job = _job(job_id)
    if records.cancel(job.id, _("Geannuleerd door %(who)s.", who=signed_in_admin().user.email)):
        flash(_("De taak is geannuleerd."), "success")
    else:
        flash(_("De taak was al gestart; ze loopt verder."), "info")
    return redirect(url_for("admin.job", job_id=job_id))
