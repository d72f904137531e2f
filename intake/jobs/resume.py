"""The resume-link job: one mail to the address an open-link respondent typed
(``services.resume_mail``). One job per respondent at a time (``resume:<id>``)."""

from __future__ import annotations

import smtplib
from typing import Any

from flask_babel import gettext as _

from intake.jobs.kinds import Kind, register
from intake.jobs.queue import submit as submit_job
from intake.jobs.records import Run
from intake.jobs.runner import JobError
from intake.models import Job, Respondent
from intake.services import mailing, resume_mail

KIND = "resume_link"


def submit(respondent: Respondent) -> tuple[Job, bool]:
    """Queue the mail. Not tied to the questionnaire, so the admin's list of its batches
    and exports does not fill up with these."""
    return submit_job(KIND, actor=f"open_link:{respondent.open_link_id}",
                      params={"respondent_id": respondent.id},
                      lock_key=f"{KIND}:{respondent.id}")  # fmt: skip


def run(job: Run) -> dict[str, Any]:
    try:
        sent = resume_mail.send(int(job.params["respondent_id"]), job.job_id)
    except (smtplib.SMTPException, OSError) as exc:
        raise JobError(f"De mailserver is niet bereikbaar: {type(exc).__name__}") from exc
    except mailing.NoTransport as exc:
        raise JobError(str(exc)) from exc
    return {"sent": int(sent)}


def title(job: Job) -> str:
    return _("Link om verder te gaan mailen")


register(Kind(KIND, run=run, title=title))
