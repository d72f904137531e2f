"""The export job: the admin's download, written in the background to a job file.

The admin's form only queues this job and shows its page; the worker writes the
export (``export.write``) to ``jobs.files`` and records how many responses it has
written, of how many; the job page then offers the file. The same export asked again
while it runs (same questionnaire and options) joins the running job.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from intake.extensions import db
from intake.jobs import files
from intake.jobs.kinds import Kind, register
from intake.jobs.queue import submit as submit_job
from intake.jobs.records import Run
from intake.jobs.runner import JobError
from intake.models import Job, Questionnaire, utcnow
from intake.services import export

KIND = "export"
# The extension of the job's file per format (a zip of CSV tables is a .zip).
EXTENSIONS: dict[export.Format, str] = {fmt: suffix.lstrip(".")
                                        for fmt, suffix in export.SUFFIXES.items()}  # fmt: skip
TITLES = {
    "xlsx": _l("Excel-werkmap"),
    "csv": _l("CSV-tabellen"),
    "sav": _l("SPSS-bestand"),
    "docx": _l("Rapport in Word"),
}


def params(fmt: export.Format, options: export.ExportOptions) -> dict[str, Any]:
    return {"format": fmt, "include_drafts": options.include_drafts,
            "with_identities": options.with_identities, "order": options.order,
            "csv": options.csv}  # fmt: skip


def lock_key(questionnaire: Questionnaire, values: dict[str, Any]) -> str:
    """One running export per questionnaire and set of options."""
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]
    return f"{KIND}:{questionnaire.id}:{digest}"


def submit(
    questionnaire: Questionnaire, fmt: export.Format, options: export.ExportOptions, actor: str
) -> tuple[Job, bool]:
    """Queue an export; or, when the same one runs already, that one and False."""
    values = params(fmt, options)
    return submit_job(KIND, actor=actor, questionnaire=questionnaire, params=values,
                      lock_key=lock_key(questionnaire, values))  # fmt: skip


def run(job: Run) -> dict[str, Any]:
    questionnaire = db.session.get(Questionnaire, job.questionnaire_id)
    if questionnaire is None:
        raise JobError("De vragenlijst bestaat niet meer.")
    fmt: export.Format = job.params["format"]
    if fmt not in export.FORMATS:
        raise JobError(f"Onbekend formaat: {fmt}")
    options = export.ExportOptions(
        include_drafts=bool(job.params.get("include_drafts")),
        with_identities=bool(job.params.get("with_identities")),
        order="questionnaire" if job.params.get("order") == "questionnaire" else "share",
        csv="plain" if job.params.get("csv") == "plain" else "excel",
    )
    slug = questionnaire.slug
    ext = EXTENSIONS[fmt]
    path = files.output_path(job.job_id, ext)
    partial = path.with_name(path.name + ".part")  # the file appears only when complete

    def progress(done: int, total: int) -> None:
        message = export.progress_message(done, total)
        if done == total:
            message += "; het bestand wordt afgewerkt…"
        job.advance(done, total, message)

    # Plain Dutch: a worker has no request to choose a language by (as the mail job).
    job.advance(0, None, "De export begint…")
    try:
        with partial.open("wb") as handle:
            count = export.write(questionnaire, handle, fmt, options, job.actor,
                                 progress=progress)  # fmt: skip
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    summary = f"{export.number(count)} antwoorden geëxporteerd"
    return {"count": count, "summary": summary,
            "file": files.file_result(ext, f"{slug}-{stamp}.{ext}")}  # fmt: skip


def title(job: Job) -> str:
    what = TITLES.get(str(job.params.get("format")))
    return _("Export: %(what)s", what=str(what)) if what is not None else _("Export")


register(Kind(KIND, run=run, title=title))
