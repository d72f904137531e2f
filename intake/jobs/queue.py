"""The huey queue of an app, made from its config, and the tasks on it.

``HUEY_URL`` empty: huey's SQLite storage in the instance folder (``huey.sqlite``),
enough for one server. ``redis://host:port/db``: Redis, which several worker processes
and servers can share. ``HUEY_IMMEDIATE``: tasks run inline where they are enqueued (in
tests that do not exercise the queue). Tasks: ``intake.run_job`` runs one job by id,
inside an app context; ``intake.recover_jobs`` (every minute, in the consumer) requeues
jobs whose worker died or whose queue message was lost; and the periodic work kinds
register (``kinds.every``), such as ``intake.scheduled_reminders``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import Task, TaskWrapper
from huey.consumer import Consumer

from config import ConfigError
from intake.jobs import kinds, records, runner
from intake.models import Job, Questionnaire

logger = logging.getLogger(__name__)

NAME = "intake"
REDIS_SCHEMES = ("redis", "rediss", "unix")
POLL_SECONDS = 1.0  # the longest an idle worker waits before it looks at the queue again


@dataclass(frozen=True)
class Queue:
    huey: Huey
    run_job: TaskWrapper


def make_huey(app: Flask) -> Huey:
    """The huey instance ``HUEY_URL`` names (see the module docstring)."""
    url = app.config.get("HUEY_URL") or ""
    options: dict[str, Any] = {"results": False, "utc": True,
                               "immediate": bool(app.config.get("HUEY_IMMEDIATE"))}  # fmt: skip
    scheme = urlsplit(url).scheme
    if not url:
        return SqliteHuey(NAME, filename=str(Path(app.instance_path) / "huey.sqlite"), **options)
    if scheme in REDIS_SCHEMES:
        return RedisHuey(NAME, url=url, **options)
    if scheme == "sqlite" and url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return SqliteHuey(NAME, filename=url.removeprefix("sqlite:///"), **options)
    raise ConfigError(
        f"HUEY_URL={url!r} is not a queue Intake knows: use redis://host:port/db, "
        "sqlite:///path/to/file, or leave it empty for huey.sqlite in the instance folder"
    )


def init_app(app: Flask) -> None:
    """Make the app's queue and register its tasks on it."""
    huey = make_huey(app)
    retry_delay = 0 if huey.immediate else app.config["JOB_RETRY_DELAY"]

    @huey.task(retries=app.config["JOB_RETRIES"], retry_delay=retry_delay, context=True,
               name="intake.run_job")  # fmt: skip
    def run_job(job_id: int, task: Task | None = None) -> None:
        with app.app_context():
            runner.run(job_id, retries_left=task.retries if task is not None else 0)

    @huey.periodic_task(crontab(minute="*"), name="intake.recover_jobs")
    def recover_jobs() -> None:
        with app.app_context():
            recover()

    for periodic in kinds.PERIODIC.values():
        _periodic(app, huey, periodic)

    app.extensions["intake.jobs"] = Queue(huey, run_job)


def _periodic(app: Flask, huey: Huey, periodic: kinds.Periodic) -> None:
    @huey.periodic_task(crontab(**periodic.schedule), name=periodic.name)
    def task() -> None:
        with app.app_context():
            periodic.run()


def queue_of(app: Flask | None = None) -> Queue:
    queue: Queue = (app or current_app).extensions["intake.jobs"]
    return queue


def enqueue(job_id: int) -> None:
    """Put the job on the queue (or, in immediate mode, run it now)."""
    queue_of().run_job(job_id)


def recover() -> list[int]:
    """Requeue jobs that lost their worker or their queue message; returns their ids.
    Requeuing too often is harmless: a run only starts on a job that needs one."""
    stale_after = dt.timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    ids = records.stale(stale_after)
    for job_id in ids:
        logger.warning("job %s: no sign of life for %s, queued again", job_id, stale_after)
        enqueue(job_id)
    return ids


def consumer(app: Flask, threads: int, consumer_class: type[Consumer] = Consumer) -> Consumer:
    """A huey consumer for the app's queue: ``threads`` workers and the scheduler (which
    runs retries and ``recover_jobs``)."""
    huey = queue_of(app).huey
    if huey.immediate:
        raise ConfigError("HUEY_IMMEDIATE is set: tasks run inline, there is no queue to consume")
    return consumer_class(huey, workers=threads, worker_type="thread", periodic=True,
                          max_delay=POLL_SECONDS, check_worker_health=True)  # fmt: skip


def submit(
    kind: str,
    *,
    actor: str,
    questionnaire: Questionnaire | None = None,
    params: dict[str, Any] | None = None,
    lock_key: str | None = None,
) -> tuple[Job, bool]:
    """Record a job and queue it; returns it and True. When an active job holds
    ``lock_key``, returns that one and False. A queue that cannot be reached fails the
    job at once with the reason, for the admin to see."""
    job, created = records.create(kind, actor=actor, questionnaire=questionnaire,
                                  params=params, lock_key=lock_key)  # fmt: skip
    if created:
        job_id = job.id
        try:
            enqueue(job_id)
        except Exception as exc:  # Redis down, SQLite file unwritable: say so on the job page
            logger.exception("job %s could not be queued", job_id)
            records.fail_unqueued(job_id, f"De taak kon niet in de wachtrij: {exc}")
        job = records.get(job_id) or job
    return job, created
