"""Benchmark: send N invitations (default 3,557) to a loopback SMTP server.

Measures, each on a fresh SQLite database with N respondents (one contact each):
- the mail job as the admin starts it: the confirmation page's work (the recipient
  list and a preview of one mail, ``mailing.recipients``/``preview``), then Versturen
  (``jobs.mail.submit`` with the confirmed ids), run by an ``intake worker`` process on
  huey's SQLite queue (or ``--redis URL``), timed from Versturen until the job is done;
  and how long the confirmation page and the click themselves take;
- the baseline, measured in the same run: the old in-request path, the loop the admin's
  button ran before jobs existed (all respondents in one session, a commit per
  respondent), kept here as it was.
The SMTP server is aiosmtpd's Sink handler in a process of its own. Target (issue 16):
under 60 s for 3,557 mails, and a click that takes well under a second.

    .venv/bin/python bench/bench_mail.py [--count 3557] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import config  # noqa: E402
from intake import create_app  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.jobs import mail as mail_job  # noqa: E402
from intake.jobs import records  # noqa: E402
from intake.models import Contact, MailLog, Questionnaire, Respondent, utcnow  # noqa: E402
from intake.services import mailing  # noqa: E402
from intake.services.invitations import add_link  # noqa: E402
from intake.statuses import MailKind  # noqa: E402
from tests.support import factory  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smtp_sink(port: int) -> subprocess.Popen[bytes]:
    """aiosmtpd accepting and discarding every message, in its own process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_port(port)
    return process


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def settings(folder: Path, smtp_port: int, huey_url: str) -> dict[str, str]:
    return {
        "INTAKE_ENV": "production",
        "SECRET_KEY": "bench-" + "k3y-Zq9w" * 6,
        "DATABASE_URL": f"sqlite:///{folder / 'intake.sqlite'}",
        "INTAKE_INSTANCE_PATH": str(folder),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "BASE_URL": "https://enquete.example.be",
        "HUEY_URL": huey_url,
        "HUEY_IMMEDIATE": "0",
    }


def make_app(env: dict[str, str]):  # noqa: ANN201
    os.environ.update(env)
    app = create_app(config.ProductionConfig())
    with app.app_context():
        db.create_all()
    return app


def populate(app, count: int) -> None:  # noqa: ANN001
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        now = utcnow()
        db.session.execute(insert(Respondent), [
            {"questionnaire_id": q.id, "code": f"B{i:05d}", "name": f"Bestuur {i:05d}",
             "kind": "gemeente", "attributes": {"province": "Antwerpen"}, "created_at": now,
             "updated_at": now}
            for i in range(count)
        ])  # fmt: skip
        ids = db.session.scalars(select(Respondent.id)).all()
        db.session.execute(insert(Contact), [
            {"respondent_id": i, "position": 0, "name": "Ann Peeters",
             "email": f"contact{i}@gemeente.example.be"} for i in ids
        ])  # fmt: skip
        db.session.commit()


def old_in_request_send(questionnaire: Questionnaire) -> int:
    """The admin button's loop before jobs (intake 14cca49): every respondent loaded
    at once, then one commit per respondent. Returns how many were sent."""
    from sqlalchemy import exists
    from sqlalchemy.orm import selectinload

    invited = exists().where(MailLog.respondent_id == Respondent.id,
                             MailLog.kind == "invitation", MailLog.ok)  # fmt: skip
    targets = list(db.session.scalars(
        select(Respondent).where(Respondent.questionnaire_id == questionnaire.id, ~invited)
        .options(selectinload(Respondent.contacts), selectinload(Respondent.response))
        .order_by(Respondent.code)
    ))  # fmt: skip
    links, sent = "https://enquete.example.be/t/", 0
    with mailing.open_transport() as transport:
        for respondent in targets:
            recipients = [mailing.address(c.name, c.email, transport.smtputf8)
                          for c in respondent.contacts]  # fmt: skip
            invitation, token = add_link(respondent)
            message = mailing.compose(respondent, "invitation", links + token, recipients)
            db.session.add(MailLog(respondent_id=respondent.id, kind="invitation",
                                   recipient=str(message["To"]),
                                   subject=message["Subject"]))  # fmt: skip
            transport.deliver(message, respondent.code)
            invitation.sent_at = utcnow()
            sent += 1
            db.session.commit()
    return sent


def bench_baseline(count: int, smtp_port: int) -> float:
    folder = Path(tempfile.mkdtemp(prefix="bench-mail-old-"))
    app = make_app(settings(folder, smtp_port, ""))
    populate(app, count)
    with app.app_context():
        started = time.perf_counter()
        sent = old_in_request_send(db.session.scalar(select(Questionnaire)))
        took = time.perf_counter() - started
    assert sent == count, sent
    return took


def bench_job(count: int, smtp_port: int, huey_url: str) -> tuple[float, float, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-mail-job-"))
    env = settings(folder, smtp_port, huey_url)
    app = make_app(env)
    populate(app, count)
    if huey_url.startswith("redis"):
        import redis

        redis.Redis.from_url(huey_url).flushdb()
    log = (folder / "worker.log").open("wb")
    intake = str(Path(sys.executable).parent / "intake")
    worker = subprocess.Popen([intake, "worker"], env={**os.environ, **env}, stdout=log,
                              stderr=subprocess.STDOUT)  # fmt: skip
    try:
        time.sleep(3)  # the worker is up and polling
        with app.app_context():
            questionnaire = db.session.scalar(select(Questionnaire))
            shown = time.perf_counter()
            listed = mailing.recipients(questionnaire, MailKind.INVITATION)
            mailing.preview(listed[0].id, MailKind.INVITATION)
            page = time.perf_counter() - shown
            assert len(listed) == count, len(listed)
            clicked = time.perf_counter()
            job, _ = mail_job.submit(questionnaire, MailKind.INVITATION, "admin:bench",
                                     respondent_ids=[r.id for r in listed])  # fmt: skip
            click = time.perf_counter() - clicked
            job_id = job.id
        while True:
            with app.app_context():
                job = records.get(job_id)
                if job.finished:
                    took = time.perf_counter() - clicked
                    break
            time.sleep(0.05)
        with app.app_context():
            assert job.status == "done", job.error
            ok = db.session.scalar(select(func.count()).select_from(MailLog).where(MailLog.ok))
        assert ok == count, (ok, job.result)
    finally:
        worker.terminate()
        worker.wait(20)
    return took, click, page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=3557)
    parser.add_argument("--redis", default="", help="HUEY_URL of a Redis queue")
    args = parser.parse_args()
    port = free_port()
    sink = smtp_sink(port)
    try:
        job_took, click, page = bench_job(args.count, port, args.redis)
        old_took = bench_baseline(args.count, port)
    finally:
        sink.terminate()
        sink.wait(10)
    n = args.count
    store = "Redis" if args.redis else "SQLite"
    print(f"{n} invitations to a loopback SMTP server (aiosmtpd Sink, own process)")
    print(f"  mail job ({store} queue, intake worker): {job_took:7.1f} s  "
          f"{n / job_took:6.0f} mails/s   (the click: {click * 1000:.0f} ms)")  # fmt: skip
    print(f"  confirmation page's list of {n} and preview: {page * 1000:.0f} ms")
    print(
        f"  old in-request path (baseline):        {old_took:7.1f} s  {n / old_took:6.0f} mails/s"
    )
    print(f"  job vs baseline: {old_took / job_took:.1f}x faster; target under 60 s: "
          f"{'met' if job_took < 60 else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
