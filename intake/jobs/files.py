"""Files that jobs produce (such as a large export), kept in the instance folder.

A file is named by its job alone (``job-results/job-<id>.<ext>``), never by anything a
user typed; the name it downloads as is chosen by the job. A job writes to
``output_path(run.job_id, "xlsx")`` and returns ``{"file": file_result(...), ...}``;
the admin's job page then offers it through the one download route.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app

from intake.models import Job
from intake.statuses import JobStatus

FOLDER = "job-results"
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "csv": "text/csv",
    "sav": "application/x-spss-sav",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def output_path(job_id: int, ext: str) -> Path:
    """Where job ``job_id`` writes its file of type ``ext`` (the folder is made here)."""
    if ext not in MIMETYPES:
        raise ValueError(f"job files are one of {', '.join(MIMETYPES)}, not {ext!r}")
    folder = Path(current_app.instance_path) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"job-{int(job_id)}.{ext}"


def file_result(ext: str, download_name: str) -> dict[str, Any]:
    """The ``file`` entry of a job's result: its type, and the name it downloads as."""
    if ext not in MIMETYPES:
        raise ValueError(f"job files are one of {', '.join(MIMETYPES)}, not {ext!r}")
    return {"ext": ext, "name": download_name}


def stored_file(job: Job) -> tuple[Path, str, str] | None:
    """The finished job's file as (path, download name, mimetype), or None when it has none
    (or it is gone)."""
    entry = (job.result or {}).get("file") if job.status == JobStatus.DONE else None
    if not isinstance(entry, dict) or entry.get("ext") not in MIMETYPES:
        return None
    ext = entry["ext"]
    path = output_path(job.id, ext)
    if not path.is_file():
        return None
    name = str(entry.get("name") or "")
    if not name.endswith(f".{ext}") or "/" in name or "\\" in name:
        name = f"taak-{job.id}.{ext}"
    return path, name, MIMETYPES[ext]
