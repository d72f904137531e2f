"""Jobs for tests: a real huey consumer in threads, and jobs made through the job API."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from huey.consumer import Consumer
from werkzeug.test import TestResponse as Response

from intake.jobs import files, queue, records
from intake.models import Job, Questionnaire
from tests.support.html import csrf_token, document

FILE_CONTENT = b"PK\x03\x04 not really a workbook"


class EmbeddedConsumer(Consumer):
    """huey's consumer, started and stopped by a test instead of signals (its scheduler and
    workers are threads; only the main thread may set signal handlers)."""

    def _set_signal_handlers(self) -> None:
        pass


def start_consumer(app: Flask, threads: int = 2) -> Consumer:
    consumer = queue.consumer(app, threads, EmbeddedConsumer)
    consumer.start()
    return consumer


def stop_consumer(consumer: Consumer) -> None:
    consumer.stop(graceful=True)


def wait_for(app: Flask, job_id: int, done: Callable[[Job], bool], timeout: float = 30) -> Job:
    """Poll the job's row (as the admin's page does) until ``done`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            job = records.get(job_id)
            assert job is not None
            if done(job):
                return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.status} after {timeout}s: {job.message}")
        time.sleep(0.05)


def finished(app: Flask, job_id: int, timeout: float = 30) -> Job:
    return wait_for(app, job_id, lambda job: job.finished, timeout)


def finished_with_file(questionnaire: Questionnaire) -> int:
    """A done job that produced a file, made as a task makes one (in an app context)."""
    job, _ = records.create("test-file", actor="admin:beheer@vvsg.be", questionnaire=questionnaire)
    run = records.start(job.id, dt.timedelta(minutes=5))
    assert run is not None
    files.output_path(run.job_id, "xlsx").write_bytes(FILE_CONTENT)
    run.finish({"summary": "1 bestand", "file": files.file_result("xlsx", "resultaat.xlsx")})
    return run.job_id


def queued(questionnaire: Questionnaire) -> int:
    """A job no worker has started (none is running in these tests)."""
    job, _ = records.create("test-queued", actor="admin:beheer@vvsg.be",
                            questionnaire=questionnaire)  # fmt: skip
    return job.id


def export_file(admin: FlaskClient, page: str, **form: str | list[str]) -> tuple[int, Response]:
    """Press the export form's button as an admin does: the job it starts (inline in
    tests without a queue), then the file its job page offers. Returns the job's id and
    the download."""
    token = csrf_token(admin, page)
    started = admin.post(f"{page}/export", data={"csrf_token": token, **form})
    assert started.status_code == 302, started.status_code
    match = re.fullmatch(r"/admin/taken/(\d+)", started.headers["Location"])
    assert match, started.headers["Location"]
    job_id = int(match.group(1))
    links = document(admin.get(f"/admin/taken/{job_id}").get_data()).xpath(
        '//a[contains(@class, "primary")][@download]/@href'
    )
    assert links == [f"/admin/taken/{job_id}/bestand"], links
    download = admin.get(links[0])
    assert download.status_code == 200
    return job_id, download
