"""The mail job: invitations or reminders for one questionnaire, sent in the background.

One mail batch per questionnaire at a time (the lock ``mail:<id>``), so two batches
never pick the same respondents. The batch itself is ``mailing.send``: chunks logged
before and after sending, so a retried job skips whoever it already logged. A batch the
admin confirmed carries the confirmed respondents (``respondent_ids``): it mails only
them, each only if the rule still holds. ``scheduled_reminders`` (run every hour by the
worker) starts the reminders a questionnaire schedules before its deadline.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any

from babel.numbers import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from intake.extensions import db
from intake.jobs.kinds import Kind, Periodic, every, register
from intake.jobs.queue import submit as submit_job
from intake.jobs.records import Run
from intake.jobs.runner import JobError
from intake.models import Job, Questionnaire, Respondent
from intake.services import mailing, questionnaires
from intake.statuses import MailKind

KIND = "mail"


def lock_key(questionnaire: Questionnaire) -> str:
    return f"{KIND}:{questionnaire.id}"


def submit(
    questionnaire: Questionnaire, kind: MailKind, actor: str,
    respondent_ids: list[int] | None = None, scheduled_for: dt.date | None = None,
) -> tuple[Job, bool]:  # fmt: skip
    """Queue a mail batch (to ``respondent_ids`` only, when given); or, when one runs for
    this questionnaire, that one and False."""
    params: dict[str, Any] = {"kind": kind}
    if respondent_ids is not None:
        params["respondent_ids"] = sorted(respondent_ids)
    if scheduled_for is not None:
        params["scheduled_for"] = scheduled_for.isoformat()
    return submit_job(KIND, actor=actor, questionnaire=questionnaire, params=params,
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

    scheduled = job.params.get("scheduled_for")
    day = dt.date.fromisoformat(scheduled) if scheduled else None
    try:
        sent = mailing.send(questionnaire, kind, actor=job.actor, job_id=job.job_id,
                            checkpoint=checkpoint, scheduled_for=day,
                            respondent_ids=job.params.get("respondent_ids"))  # fmt: skip
    except (smtplib.SMTPException, OSError) as exc:  # connecting failed: nothing was sent
        raise JobError(f"De mailserver is niet bereikbaar: {exc}") from exc
    except mailing.NoTransport as exc:
        raise JobError(str(exc)) from exc
    report, _ = mailing.job_report(job.job_id)
    report.dropped = sent.dropped
    result = {"sent": len(report.sent), "failed": len(report.failed),
              "skipped": len(report.skipped), "summary": report.summary}  # fmt: skip
    if report.dropped:
        result["dropped"] = report.dropped
    return result


def title(job: Job) -> str:
    if job.params.get("scheduled_for"):
        return _("Geplande herinneringen versturen")
    if job.params.get("kind") == MailKind.REMINDER:
        return _("Herinneringen versturen")
    return _("Uitnodigingen versturen")


def outcome(job: Job) -> dict[str, Any]:
    report, not_reached = mailing.job_report(job.id)
    return {"report": report, "not_reached": not_reached}


register(Kind(KIND, run=run, title=title, outcome=outcome))

SCHEDULER = "scheduler"  # the actor of scheduled batches
SEND_FROM_HOUR = 8  # scheduled reminders wait until this local hour of their day


def scheduled_reminders(now: dt.datetime | None = None) -> list[int]:
    """Start today's scheduled reminders (``mail: reminders_before_deadline``) of every open
    questionnaire, from ``SEND_FROM_HOUR`` local time; returns the jobs started.

    Idempotent, so the worker may call it every hour: a reminder batch only starts when
    someone is still due one, and each respondent gets at most one mail per scheduled
    day (its log records the day). While another batch runs, the next call retries."""
    now = now or dt.datetime.now()
    if now.hour < SEND_FROM_HOUR:
        return []
    today, started = now.date(), []
    for questionnaire in db.session.scalars(select(Questionnaire).where(Questionnaire.is_open)):
        due = questionnaires.deadline(questionnaire)
        days = questionnaires.mail_settings(questionnaire).reminders_before_deadline
        if due is None or (due - today).days not in days:
            continue
        if not db.session.scalar(
            mailing.targets(questionnaire, MailKind.REMINDER, scheduled_for=today)
            .with_only_columns(Respondent.id).limit(1)
        ):  # fmt: skip
            continue
        job, created = submit(questionnaire, MailKind.REMINDER, SCHEDULER, scheduled_for=today)
        if created:
            started.append(job.id)
    return started


# Every hour (the first call after SEND_FROM_HOUR sends; later ones find nobody due).
every(Periodic("intake.scheduled_reminders", {"minute": "5"}, scheduled_reminders))
