"""The mail job: invitations or reminders for one questionnaire, sent in the background.

One mail batch per questionnaire at a time (the lock ``mail:<id>``), so two batches
never pick the same respondents. The batch itself is ``mailing.send``: chunks logged
before and after sending, so a retried job skips whoever it already logged.
"""

from __future__ import annotations

import smtplib
from typing import Any

from babel.numbers import format_decimal
from flask_babel import gettext as _

from intake.extensions import db
from intake.jobs.kinds import Kind, register
from intake.jobs.queue import submit as submit_job
from intake.jobs.records import Run
from intake.jobs.runner import JobError
from intake.models import Job, Questionnaire
from intake.services import mailing
from intake.statuses import MailKind

KIND = "mail"


def lock_key(questionnaire: Questionnaire) -> str:
    return f"{KIND}:{questionnaire.id}"


def submit(questionnaire: Questionnaire, kind: MailKind, actor: str) -> tuple[Job, bool]:
    """Queue a mail batch; or, when one runs for this questionnaire, that one and False."""
    return submit_job(KIND, actor=actor, questionnaire=questionnaire, params={"kind": kind},
                      lock_key=lock_key(questionnaire))  # fmt: skip


def number(value: int) -> str:
    """3557 as '3.557', as the admin reads it."""
    return format_decimal(value, locale="nl_BE")


def progress_message(done: int, total: int) -> str:
    return f"{number(done)} van {number(total)} verstuurd"


def run(job: Run) -> dict[str, Any]:
    questionnaire = db.session.get(Questionnaire, job.questionnaire_id)
    if questionnaire is None:
        raise JobError("De vragenlijst bestaat niet meer.")
    kind = job.params["kind"]

    def checkpoint(done: int, total: int) -> None:
        job.advance(done, total, progress_message(done, total))

    try:
        mailing.send(questionnaire, kind, actor=job.actor, job_id=job.job_id,
                     checkpoint=checkpoint)  # fmt: skip
    except (smtplib.SMTPException, OSError) as exc:  # connecting failed: nothing was sent
        raise JobError(f"De mailserver is niet bereikbaar: {exc}") from exc
    except mailing.NoTransport as exc:
        raise JobError(str(exc)) from exc
    report, _ = mailing.job_report(job.job_id)
    return {"sent": len(report.sent), "failed": len(report.failed),
            "skipped": len(report.skipped), "summary": report.summary}  # fmt: skip


def title(job: Job) -> str:
    if job.params.get("kind") == MailKind.REMINDER:
        return _("Herinneringen versturen")
    return _("Uitnodigingen versturen")


def outcome(job: Job) -> dict[str, Any]:
    report, not_reached = mailing.job_report(job.id)
    return {"report": report, "not_reached": not_reached}


register(Kind(KIND, run=run, title=title, outcome=outcome))
