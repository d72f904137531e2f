"""The admin's export as a background job on a real queue (huey's SQLite store and a real
Redis server) with a real consumer: progress, the file from the job page, and an app that
keeps answering while a larger export runs."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from huey.consumer import Consumer
from openpyxl import load_workbook

from intake.extensions import db
from intake.jobs import queue
from intake.services import demo, export
from tests.support import bulk, factory, jobs
from tests.support.accounts import AuthActions
from tests.support.html import csrf_token
from tests.support.workbook import rows

PAGE = "/admin/vragenlijsten/plan-samenleven-2025"
# The queue and the files are what is tested here, not the database: SQLite only.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def queued_app(app: Flask, request: pytest.FixtureRequest) -> Flask:
    url = ""
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        server.flush()
        url = server.url()
    app.config.update(HUEY_IMMEDIATE=False, HUEY_URL=url, JOB_RETRY_DELAY=1)
    queue.init_app(app)
    return app


@pytest.fixture
def worker(queued_app: Flask) -> Iterator[Consumer]:
    consumer = jobs.start_consumer(queued_app)
    yield consumer
    jobs.stop_consumer(consumer)


def _start(admin, **form: str) -> int:  # noqa: ANN001
    """Press Downloaden on the export form; returns the job its page shows."""
    response = admin.post(f"{PAGE}/export", data={"csrf_token": csrf_token(admin, PAGE), **form})
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_the_export_job_writes_the_file_the_job_page_offers(
    queued_app: Flask, worker: Consumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with queued_app.app_context():
        demo.load()
    monkeypatch.setattr(export, "PROGRESS_EVERY", 10)
    seen: list[tuple[int, int | None, str]] = []
    advance = jobs.records.Run.advance

    def spy(self, done, total, message=""):  # noqa: ANN001, ANN202
        seen.append((done, total, message))
        return advance(self, done, total, message)

    monkeypatch.setattr(jobs.records.Run, "advance", spy)
    admin = AuthActions(queued_app, queued_app.test_client())
    admin.create_admin()
    client = admin.admin_browser()
    job_id = _start(client, format="xlsx")
    job = jobs.finished(queued_app, job_id, timeout=120)
    assert job.status == "done", job.error
    assert job.done == job.total == 42 and job.result["count"] == 42
    # Rows written of the total, as the export went (every 10 rows here), then the end.
    assert [(d, t) for d, t, _ in seen] == [(0, None), (10, 42), (20, 42), (30, 42), (40, 42),
                                           (42, 42)]  # fmt: skip
    assert seen[1][2] == "10 van 42 antwoorden geschreven"
    page = client.get(f"/admin/taken/{job_id}").get_data(as_text=True)
    assert "Export: Excel-werkmap" in page and "42 antwoorden geëxporteerd" in page
    report_id = _start(client, format="docx")  # other options: a job of its own
    assert report_id != job_id and jobs.finished(queued_app, report_id, 120).status == "done"
    report = client.get(f"/admin/taken/{report_id}/bestand")
    assert report.headers["Content-Disposition"].endswith(".docx")
    file = client.get(f"/admin/taken/{job_id}/bestand")
    assert file.status_code == 200 and file.headers["Content-Disposition"].endswith(".xlsx")
    answers = rows(load_workbook(io.BytesIO(file.data))["Antwoorden"])
    assert len(answers) == 43
    dashboard = client.get(PAGE).get_data(as_text=True)
    assert f'href="/admin/taken/{job_id}">Export: Excel-werkmap</a>' in dashboard


@pytest.mark.parametrize("queued_app", ["sqlite"], indirect=True)
def test_the_app_answers_while_a_large_export_runs(queued_app: Flask, worker: Consumer) -> None:
    with queued_app.app_context():
        bulk.responses(factory.load_questionnaire(factory.PLAN), 1500)
        db.session.commit()
    admin = AuthActions(queued_app, queued_app.test_client())
    admin.create_admin()
    client = admin.admin_browser()
    job_id = _start(client, format="xlsx")
    # The request has returned, and the job is still writing: the worker does the export.
    jobs.wait_for(queued_app, job_id, lambda job: job.status == "running" and job.done > 0,
                  timeout=120)  # fmt: skip
    answered = 0
    other = queued_app.test_client()  # another browser, on a page without the database too
    while True:
        with queued_app.app_context():
            before = jobs.records.get(job_id).status  # type: ignore[union-attr]
        assert client.get("/admin/").status_code == 200
        assert other.get("/aanmelden").status_code == 200
        with queued_app.app_context():
            after = jobs.records.get(job_id)
            assert after is not None
        if before == after.status == "running":
            answered += 1
        if after.finished:
            break
    assert after.status == "done" and after.total == 1500, after.error
    assert answered, "the export ended before a request could be made while it ran"
