"""Job rows: create, claim a run (``start``), record progress, and end it.

A run writes only through ``Run``, in short transactions: every change is one UPDATE
of the job's row, committed at once, guarded by the run's ``attempt``. When a worker
seems to have died (no progress for ``JOB_STALE_SECONDS``), another worker may claim
the job again; the old run then finds its attempt outdated and stops (``JobLost``)
instead of recording anything, so two runs never work on one job.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CursorResult, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from intake.extensions import db
from intake.models import Job, Questionnaire, UTCDateTime, utcnow
from intake.statuses import JobStatus

logger = logging.getLogger(__name__)

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobLost(Exception):
    """Another run took this job over (this worker was taken for dead): stop quietly."""


def create(
    kind: str,
    *,
    actor: str,
    questionnaire: Questionnaire | None = None,
    params: dict[str, Any] | None = None,
    lock_key: str | None = None,
) -> tuple[Job, bool]:
    """A new queued job, committed; or, when an active job already holds ``lock_key``,
    that job and False."""
    questionnaire_id = questionnaire.id if questionnaire is not None else None
    for _ in range(3):  # the holder may end between our insert and our look-up
        job = Job(kind=kind, started_by=actor[:200], params=params or {}, lock_key=lock_key,
                  questionnaire_id=questionnaire_id)  # fmt: skip
        db.session.add(job)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if lock_key is None:
                raise
            holder = db.session.scalar(select(Job).where(Job.lock_key == lock_key))
            if holder is not None:
                return holder, False
            continue
        return job, True
    raise RuntimeError(f"could not create a {kind} job for lock {lock_key}")


def get(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


def recent(questionnaire: Questionnaire, limit: int = 5) -> list[Job]:
    """The questionnaire's latest jobs, newest first."""
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.questionnaire_id == questionnaire.id)
            .order_by(Job.created_at.desc(), Job.id.desc())
            .limit(limit)
        )
    )


def _end(job_id: int, status: str, guard: list[Any], **values: Any) -> bool:
    """End the job (releasing its lock) when ``guard`` holds; True when it did."""
    now = utcnow()
    result = db.session.execute(
        update(Job)
        .where(Job.id == job_id, *guard)
        .values(status=status, lock_key=None, finished_at=now, updated_at=now, **values)
    )
    db.session.commit()
    assert isinstance(result, CursorResult)
    return bool(result.rowcount)


def cancel(job_id: int, reason: str) -> bool:
    """End a job that has not started (e.g. no worker runs); False when it already has."""
    return _end(job_id, JobStatus.FAILED, [Job.status == JobStatus.QUEUED], error=reason[:2000])


def fail_unqueued(job_id: int, reason: str) -> None:
    """The job could not be put on the queue: it ends at once with the reason."""
    _end(job_id, JobStatus.FAILED, [Job.status == JobStatus.QUEUED], error=reason[:2000])


def stale(after: dt.timedelta) -> list[int]:
    """Jobs that should be (re)queued: running without a sign of life for ``after`` (their
    worker died), or queued that long (their queue message was lost). Marks them as seen,
    so they are requeued once per period at most."""
    cutoff = utcnow() - after
    ids = list(
        db.session.scalars(
            select(Job.id).where(Job.status.in_(ACTIVE), Job.updated_at < cutoff).order_by(Job.id)
        )
    )
    if ids:
        # Only queued ones are touched: a running one stays stale, so a worker may claim it.
        db.session.execute(
            update(Job)
            .where(Job.id.in_(ids), Job.status == JobStatus.QUEUED)
            .values(updated_at=utcnow())
        )
    db.session.commit()
    return ids


def start(job_id: int, stale_after: dt.timedelta) -> Run | None:
    """Claim the job for a new run: a queued job, or a running one whose worker seems to
    have died. None when it is finished, or running elsewhere (this message is a repeat)."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            or_(
                Job.status == JobStatus.QUEUED,
                (Job.status == JobStatus.RUNNING) & (Job.updated_at < now - stale_after),
            ),
        )
        .values(status=JobStatus.RUNNING, attempt=Job.attempt + 1, updated_at=now, error=None,
                started_at=func.coalesce(Job.started_at, literal(now, UTCDateTime)))
    )  # fmt: skip
    db.session.commit()
    assert isinstance(claimed, CursorResult)
    if not claimed.rowcount:
        return None
    job = db.session.get(Job, job_id)
    assert job is not None
    return Run(job.id, job.attempt, job.kind, job.questionnaire_id, job.started_by,
               dict(job.params or {}), job.done)  # fmt: skip


@dataclass
class Run:
    """One run of a job, as its task sees it. Plain values only: the task's session may
    be emptied while it works."""

    job_id: int
    attempt: int
    kind: str
    questionnaire_id: int | None
    actor: str
    params: dict[str, Any]
    done: int = 0
    # Called with (done, total, message) after each recorded step, e.g. to print it.
    observer: Callable[[int, int | None, str], None] | None = field(default=None, repr=False)

    def _update(self, **values: Any) -> None:
        """Write to the job's row and commit the session, unless another run owns the job:
        then roll back and raise ``JobLost``."""
        result = db.session.execute(
            update(Job)
            .where(
                Job.id == self.job_id, Job.attempt == self.attempt, Job.status == JobStatus.RUNNING
            )
            .values(updated_at=utcnow(), **values)
        )
        assert isinstance(result, CursorResult)  # an UPDATE's result counts its rows
        if not result.rowcount:
            db.session.rollback()
            raise JobLost(f"job {self.job_id} attempt {self.attempt} was taken over")
        db.session.commit()

    def advance(self, done: int, total: int | None, message: str = "") -> None:
        """Record progress, committing the session with it: call it between steps, where
        the task's own work may be committed too (then progress and work never disagree).
        Call it at least every minute, or the job is taken for dead."""
        self._update(done=done, total=total, message=message[:300])
        self.done = done
        if self.observer is not None:
            self.observer(done, total, message)

    def finish(self, result: dict[str, Any]) -> None:
        """The job is done; ``result`` is what the admin sees (a summary, a file)."""
        self._update(status=JobStatus.DONE, result=result, lock_key=None, finished_at=utcnow(),
                     message="")  # fmt: skip

    def fail(self, reason: str) -> None:
        """The job failed for good (no retries left); ``reason`` is shown to the admin."""
        try:
            self._update(status=JobStatus.FAILED, error=reason[:2000], lock_key=None,
                         finished_at=utcnow())  # fmt: skip
        except JobLost:
            logger.info("job %s: not marked failed, another run owns it", self.job_id)

    def release(self, reason: str) -> None:
        """Back to the queue for another try after ``reason``; the lock stays held."""
        self._update(status=JobStatus.QUEUED, message=reason[:300])
