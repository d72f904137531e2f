"""Background jobs on a real queue: huey's SQLite store and a real Redis server, with a
real consumer (threads started and stopped by the ``worker`` fixture, or ``intake worker``
processes), mail through a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from huey import RedisHuey, SqliteHuey
from huey.consumer import Consumer
from sqlalchemy import func, select, update

import config as app_config
from config import ConfigError
from intake import create_app
from intake.extensions import db
from intake.jobs import mail as mail_job
from intake.jobs import queue, records
from intake.models import Contact, Job, MailLog, utcnow
from intake.services import mailing
from tests.support import factory, failures, jobs, mail
from tests.support.accounts import AuthActions
from tests.support.html import csrf_token, table_rows
from tests.support.smtp import SMTPServer

ROOT = Path(__file__).resolve().parents[1]
PAGE = "/admin/vragenlijsten/plan-samenleven-2025"


def _admin(app: Flask) -> FlaskClient:
    """A client signed in as the test admin of ``app`` (an app fixture of this module)."""
    actions = AuthActions(app, app.test_client())
    actions.create_admin()
    return actions.admin_browser()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> str:
    """The queue's store, as HUEY_URL: '' is the default, huey.sqlite in the instance folder."""
    if request.param == "sqlite":
        return ""
    server = request.getfixturevalue("redis_server")
    server.flush()
    return server.url()


@pytest.fixture
def queued_app(app: Flask, store: str) -> Flask:
    """The app with a real queue instead of running jobs inline."""
    app.config.update(HUEY_IMMEDIATE=False, HUEY_URL=store, JOB_RETRY_DELAY=1)
    queue.init_app(app)
    return app


@pytest.fixture
def worker(queued_app: Flask) -> Iterator[Consumer]:
    consumer = jobs.start_consumer(queued_app)
    yield consumer
    jobs.stop_consumer(consumer)


def _registry(app: Flask, contacts: dict[str, list[str]]) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        for code, emails in contacts.items():
            org = factory.respondent(q, code, contact=(f"Contact {code}", emails[0]))
            for position, email in enumerate(emails[1:], start=1):
                org.contacts.append(Contact(name=f"Contact {code}", email=email, position=position))
        db.session.commit()


# A01 is mailed; A02's only address needs SMTPUTF8, which the server lacks (fails);
# A03 is mailed; A04's mail is held by the server until the test releases it; A05 is
# mailed but the server refuses one of its two addresses (skipped).
FIVE = {
    "A01": ["a01@example.be"],
    "A02": ["jürgen@example.be"],
    "A03": ["a03@example.be"],
    "A04": ["a04@example.be"],
    "A05": ["a05@example.be", "weg@example.be"],
}


def _smtp(app: Flask, **options: object) -> SMTPServer:
    server = SMTPServer(**options)  # type: ignore[arg-type]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_OUTBOX=None,
                      BASE_URL="http://intake.test")  # fmt: skip
    return server


def _post(admin: FlaskClient, kind: str = "invitation") -> int:
    """Press the admin's mail button and confirm; returns the job it leads to."""
    response = mail.press(admin, "plan-samenleven-2025", kind)
    assert response.status_code == 302, response.status_code
    match = re.fullmatch(r"/admin/taken/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _recipients(server: SMTPServer) -> list[str]:
    return sorted(r for m in server.received for r in m.recipients)


def test_progress_message_reads_as_dutch() -> None:
    assert mail_job.progress_message(123, 3557) == "123 van 3.557 verstuurd"


def test_mail_runs_in_the_worker_with_progress_then_outcome(
    queued_app: Flask, worker: Consumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mailing, "CHUNK", 2)  # five respondents in three chunks
    _registry(queued_app, FIVE)
    admin = _admin(queued_app)
    with _smtp(queued_app, hold=["a04@example.be"], refuse=["weg@example.be"]) as server:
        # The server holds A04's mail: had the request sent the mails itself, it would
        # hang here; it returns, and the worker is the one that reaches A04.
        job_id = _post(admin)
        assert server.holding.wait(30), "the worker never reached A04"
        jobs.wait_for(queued_app, job_id, lambda job: job.done == 2)  # chunk 2 is being sent

        # Halfway: the admin sees how far it is, on the page and in its JSON.
        progress = admin.get(f"/admin/taken/{job_id}/voortgang").get_json()
        assert progress == {"id": job_id, "status": "running", "label": "Bezig", "done": 2,
                            "total": 5, "message": "2 van 5 verstuurd",
                            "finished": False}  # fmt: skip
        page = admin.get(f"/admin/taken/{job_id}").get_data(as_text=True)
        assert re.search(r'<progress id="job-progress" max="5" value="2"', page)
        assert "2 van 5 verstuurd" in page and "Uitnodigingen versturen" in page
        assert '<meta http-equiv="refresh"' in page and "jobs.js" in page
        # A second press joins this batch instead of starting another. Listed: A02 (its
        # mail failed: never invited) and A05 (not reached yet; the running batch mails it).
        assert mail.recipient_codes(mail.confirmation(admin, "plan-samenleven-2025",
                                                      "invitation")) == ["A02", "A05"]  # fmt: skip
        assert _post(admin, "invitation") == job_id
        assert "Er worden al mails verstuurd" in admin.get(f"/admin/taken/{job_id}").get_data(
            as_text=True
        )

        server.release()
        job = jobs.finished(queued_app, job_id)
    assert job.status == "done" and job.error is None
    assert job.result == {"sent": 4, "failed": 1, "skipped": 1,
                          "summary": "4 verstuurd, 1 mislukt, 1 adres overgeslagen"}  # fmt: skip
    assert _recipients(server) == ["a01@example.be", "a03@example.be", "a04@example.be",
                                   "a05@example.be"]  # fmt: skip
    assert admin.get(f"/admin/taken/{job_id}/voortgang").get_json()["finished"] is True

    page = html.unescape(admin.get(f"/admin/taken/{job_id}").get_data(as_text=True))
    assert "Klaar" in page and "4 verstuurd, 1 mislukt, 1 adres overgeslagen" in page
    assert '<meta http-equiv="refresh"' not in page and "jobs.js" not in page
    # Every address not reached, with its reason; the batch went on after each.
    rows = {row[0]: row[1:] for row in table_rows(page)}
    assert set(rows) == {"A02 Bestuur A02", "A05 Bestuur A05"}
    address, reason = rows["A02 Bestuur A02"]
    assert address == "jürgen@example.be" and "aanvaardt geen adres" in reason
    assert "SMTPUTF8" in reason
    address, reason = rows["A05 Bestuur A05"]
    assert address == "weg@example.be"
    assert reason.startswith("weg@example.be: geweigerd door de mailserver (550")
    assert page.index("Niet verstuurd") < page.index("A02</a>") < page.index("Overgeslagen")
    dashboard = admin.get(PAGE).get_data(as_text=True)
    assert f'href="/admin/taken/{job_id}">Uitnodigingen versturen</a>' in dashboard


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_failed_attempt_is_retried_and_sends_nothing_twice(
    queued_app: Flask, worker: Consumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses writes just after A04's mail went out: the attempt fails
    before recording that, and huey retries it. The retry sends only what the job never
    logged (A05); A03 and A04 stay logged as unconfirmed and are not mailed again."""
    monkeypatch.setattr(mailing, "CHUNK", 2)
    queued_app.config.update(JOB_RETRY_DELAY=3, JOB_STALE_SECONDS=2)
    queue.init_app(queued_app)  # the retry delay is fixed when the task is made
    jobs.stop_consumer(worker)
    consumer = jobs.start_consumer(queued_app)
    try:
        _registry(queued_app, FIVE)
        admin = _admin(queued_app)
        with _smtp(queued_app, hold=["a04@example.be"]) as server:
            job_id = _post(admin)
            assert server.holding.wait(30)
            with failures.writes_refused(queued_app):
                server.release()
                deadline = time.monotonic() + 30
                while "a04@example.be" not in _recipients(server):
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
                time.sleep(0.5)  # the worker tries to record it, and fails
            job = jobs.finished(queued_app, job_id)
    finally:
        jobs.stop_consumer(consumer)
    assert job.status == "done" and job.attempt >= 2
    received = _recipients(server)
    assert received == sorted(set(received)), "someone got the mail twice"
    assert received == ["a01@example.be", "a03@example.be", "a04@example.be", "a05@example.be",
                        "weg@example.be"]  # fmt: skip
    with queued_app.app_context():
        report, not_reached = mailing.job_report(job_id)
    assert sorted(report.sent) == ["A01", "A05"]
    assert {row.code for row in not_reached if "niet bevestigd" in row.reason} == {"A03", "A04"}


def _worker_process(app: Flask, stale_seconds: int, log: Path) -> subprocess.Popen[bytes]:
    """``intake worker`` as a separate process on the same database and queue."""
    env = {
        **os.environ,
        "INTAKE_ENV": "testing",
        "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INTAKE_INSTANCE_PATH": app.instance_path,
        "HUEY_IMMEDIATE": "0",
        "HUEY_URL": app.config["HUEY_URL"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(app.config["MAIL_PORT"]),
        "BASE_URL": app.config["BASE_URL"],
        "JOB_STALE_SECONDS": str(stale_seconds),
    }
    env.pop("MAIL_OUTBOX", None)
    intake = Path(sys.executable).parent / "intake"
    with log.open("ab") as output:
        return subprocess.Popen([str(intake), "worker", "--threads", "1"], cwd=ROOT, env=env,
                                stdout=output, stderr=subprocess.STDOUT)  # fmt: skip


# The demo's combination and production's; each run starts two worker processes.
@pytest.mark.parametrize(
    ("backend", "store"),
    [("sqlite", "sqlite"),
     pytest.param("postgresql", "redis", marks=[pytest.mark.postgres, pytest.mark.redis])],
    indirect=True,
)  # fmt: skip
def test_a_worker_killed_halfway_is_taken_over_and_nobody_gets_two_mails(
    queued_app: Flask, tmp_path: Path
) -> None:
    """``intake worker`` dies (SIGKILL) while sending the first chunk. Another worker
    takes the job over once it shows no sign of life, and sends only what the dead one
    never logged: the whole first chunk counts as unconfirmed (some of it went out)."""
    count = mailing.CHUNK + 3
    codes = [f"B{n:02d}" for n in range(1, count + 1)]
    _registry(queued_app, {code: [f"{code.lower()}@example.be"] for code in codes})
    admin = _admin(queued_app)
    with _smtp(queued_app, hold=["b03@example.be"]) as server:
        first = _worker_process(queued_app, 300, tmp_path / "worker-1.log")
        second = None
        try:
            job_id = _post(admin)
            assert server.holding.wait(60), "the first worker never reached B03"
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            server.release()
            time.sleep(1.2)  # no sign of life for longer than the next worker tolerates
            second = _worker_process(queued_app, 1, tmp_path / "worker-2.log")
            job = jobs.finished(queued_app, job_id, timeout=60)
        finally:
            for process in (first, second):
                if process is not None and process.poll() is None:
                    process.send_signal(signal.SIGINT)
                    process.wait(20)
    logs = "".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log")))
    assert job.status == "done" and job.attempt == 2, (job.error, logs[-3000:])
    received = _recipients(server)
    assert received == sorted(set(received)), "someone got the mail twice"
    # B03's mail was cut off with its sender (whether the server kept it is up to the server).
    assert [r for r in received if r != "b03@example.be"] == [
        "b01@example.be",
        "b02@example.be",
    ] + [f"{code.lower()}@example.be" for code in codes[mailing.CHUNK :]]
    with queued_app.app_context():
        report, not_reached = mailing.job_report(job_id)
        logged = db.session.scalar(select(func.count()).select_from(MailLog))
    assert sorted(report.sent) == codes[mailing.CHUNK :]
    assert sorted(row.code for row in not_reached) == codes[: mailing.CHUNK]
    assert all("niet bevestigd" in row.reason for row in not_reached)
    assert logged == count


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_queued_job_can_be_cancelled_and_then_never_runs(queued_app: Flask) -> None:
    _registry(queued_app, {"A01": ["a01@example.be"]})
    admin = _admin(queued_app)
    with _smtp(queued_app) as server:
        job_id = _post(admin)
        page = admin.get(f"/admin/taken/{job_id}").get_data(as_text=True)
        assert "In de wachtrij" in page and "intake worker" in page
        assert "<progress" in page and "max=" not in page  # not started: no figures yet
        token = csrf_token(admin, f"/admin/taken/{job_id}")
        response = admin.post(f"/admin/taken/{job_id}/annuleren", data={"csrf_token": token})
        assert response.status_code == 302
        page = admin.get(f"/admin/taken/{job_id}").get_data(as_text=True)
        assert "De taak is geannuleerd." in page and "Geannuleerd door beheer@vvsg.be" in page
        # The lock is free again, and the worker that starts now leaves the job alone.
        consumer = jobs.start_consumer(queued_app)
        try:
            next_id = _post(admin)
            assert next_id != job_id
            jobs.finished(queued_app, next_id)
        finally:
            jobs.stop_consumer(consumer)
    with queued_app.app_context():
        assert records.get(job_id).status == "failed"  # type: ignore[union-attr]
    assert _recipients(server) == ["a01@example.be"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_queue_that_cannot_be_reached_fails_the_job_at_once(app: Flask) -> None:
    with SMTPServer() as server:
        port = server.port  # nothing listens here once it has stopped
    app.config.update(HUEY_IMMEDIATE=False, HUEY_URL=f"redis://127.0.0.1:{port}/0")
    queue.init_app(app)
    _registry(app, {"A01": ["a01@example.be"]})
    admin = _admin(app)
    job_id = _post(admin)
    page = admin.get(f"/admin/taken/{job_id}").get_data(as_text=True)
    assert "Mislukt" in page and "De taak kon niet in de wachtrij" in page
    with app.app_context():
        job = records.get(job_id)
        assert job is not None and job.status == "failed" and job.lock_key is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_file_result_is_downloaded_by_its_job_only(app: Flask) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        with_file = jobs.finished_with_file(q)
        without = jobs.queued(q)
    admin = _admin(app)
    page = admin.get(f"/admin/taken/{with_file}").get_data(as_text=True)
    assert f'href="/admin/taken/{with_file}/bestand"' in page and "resultaat.xlsx" in page
    response = admin.get(f"/admin/taken/{with_file}/bestand")
    assert response.status_code == 200 and response.data == jobs.FILE_CONTENT
    assert response.headers["Content-Disposition"] == "attachment; filename=resultaat.xlsx"
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert admin.get(f"/admin/taken/{without}/bestand").status_code == 404
    assert admin.get("/admin/taken/999999/bestand").status_code == 404
    # The file lives in the instance folder under the job's id, nothing else.
    assert (Path(app.instance_path) / "job-results" / f"job-{with_file}.xlsx").is_file()


def test_huey_url_chooses_the_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path / "instance"))

    def huey_for(url: str):  # noqa: ANN202
        settings = app_config.DevelopmentConfig()
        settings.SQLALCHEMY_DATABASE_URI = "sqlite://"
        settings.HUEY_URL = url
        return queue.queue_of(create_app(settings)).huey

    default = huey_for("")
    assert isinstance(default, SqliteHuey) and not default.immediate
    assert default.storage.filename == str(tmp_path / "instance" / "huey.sqlite")
    assert isinstance(huey_for("redis://127.0.0.1:6399/2"), RedisHuey)
    assert huey_for(f"sqlite:///{tmp_path}/q.sqlite").storage.filename == f"{tmp_path}/q.sqlite"
    with pytest.raises(ConfigError, match="HUEY_URL='amqp://x'"):
        huey_for("amqp://x")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_run_that_lost_its_job_records_nothing(app: Flask) -> None:
    """Two runs of one job never both record: the older one is fenced off."""
    with app.app_context():
        job, _ = records.create("test", actor="test")
        old = records.start(job.id, dt.timedelta(minutes=5))
        assert old is not None
        assert records.start(job.id, dt.timedelta(minutes=5)) is None  # running, alive
        db.session.execute(update(Job).values(updated_at=utcnow() - dt.timedelta(hours=1)))
        db.session.commit()
        new = records.start(job.id, dt.timedelta(minutes=5))  # taken for dead: taken over
        assert new is not None and new.attempt == old.attempt + 1
        with pytest.raises(records.JobLost):
            old.advance(1, 2, "oud")
        new.advance(2, 2, "nieuw")
        old.fail("te laat")  # ignored
        new.finish({"summary": "ok"})
        done = db.session.get(Job, job.id)
        db.session.refresh(done)
        assert (done.status, done.message, done.error) == ("done", "", None)
