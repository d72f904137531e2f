"""Run one job by id: claim it, call its kind, and record how it ended.

The huey task calls this inside an app context in the worker; ``intake invite`` and
``intake remind`` call it directly. A failure is retried while huey has retries left
(the job goes back to ``queued`` with the reason); after the last one the job fails.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from flask import current_app

from intake.extensions import db
from intake.jobs import kinds
from intake.jobs.records import JobLost, start

logger = logging.getLogger(__name__)


class JobError(Exception):
    """A failure to show the admin as it is (a Dutch sentence), without the exception's name."""


def reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, JobError) else f"{type(exc).__name__}: {exc}"


def run(
    job_id: int,
    retries_left: int = 0,
    observer: Callable[[int, int | None, str], None] | None = None,
) -> None:
    """Run the job unless it is finished or another worker runs it. Re-raises a failure
    when a retry follows (so huey schedules it); otherwise the job records it."""
    stale_after = dt.timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    job = start(job_id, stale_after)
    if job is None:
        logger.info("job %s: finished or running elsewhere, nothing to do", job_id)
        return
    job.observer = observer
    kind = kinds.get(job.kind)
    try:
        if kind is None:
            raise JobError(f"Onbekende soort taak: {job.kind}")
        result = kind.run(job)
        job.finish(result)
    except JobLost:
        db.session.rollback()
        logger.warning("job %s: taken over by another run, this one stops", job_id)
    except KeyboardInterrupt:  # Ctrl-C on `intake invite`: the next run goes on from here
        db.session.rollback()
        job.release("Onderbroken; de taak gaat verder waar ze stopte zodra ze opnieuw loopt.")
        raise
    except Exception as exc:
        db.session.rollback()
        logger.exception("job %s (%s) failed, attempt %s", job_id, job.kind, job.attempt)
        if retries_left > 0:
            delay = current_app.config["JOB_RETRY_DELAY"]
            job.release(f"Poging {job.attempt} mislukt ({reason(exc)}); "
                        f"een nieuwe poging volgt binnen {delay} seconden.")  # fmt: skip
            raise
        job.fail(reason(exc))
