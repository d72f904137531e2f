"""Load and soak test: N coordinators save pages and submit against gunicorn on loopback.

For each backend (SQLite in WAL mode, and a throw-away PostgreSQL cluster when its
binaries are installed) this script prepares a database, starts
``gunicorn -k gthread -w 4 --threads 4 wsgi:app`` on a free 127.0.0.1 port, and
runs N simulated coordinators (threads; each its own respondent and cookie jar)
for a fixed time: sign in through the personal link, then over and over open a page,
change an answer, save; at the end submit. Afterwards it checks in the database that
every save the server acknowledged (302) is stored exactly, and prints requests per
second, latency percentiles, errors and lost writes. Traffic never leaves loopback;
every loop is bounded by the duration.

    .venv/bin/python bench/load_soak.py [--users 50] [--seconds 60] [--backend both]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HIDDEN = re.compile(r'<input type="hidden" name="(csrf_token|revision|shown)" value="([^"]*)"')
PAGES = [  # (path, question, how to make a value)
    ("afsluiting", "opmerkingen", lambda n, i: f"opmerking {n}-{i}"),
    ("actie/5", "succes_toelichting", lambda n, i: f"toelichting {n}-{i}"),
    ("actie/15", "verankering", lambda n, i: f"verankering {n}-{i}"),
    ("partners", "welke", lambda n, i: f"partners {n}-{i}"),
]


REQUIRED = [  # what a coordinator must answer before submitting
    ("organisatie", [("via_igs", "nee")]),
    ("actie/5", [("succes", "4"), ("cofinanciering", "voortzetting")]),
    ("actie/15", [("succes", "5"), ("cofinanciering", "innovatie_actie")]),
    ("partners", [("beoordeling", "4")]),
    ("agii", [("tevredenheid", "4"), ("zelf_beheren", "ja")]),
    ("planlast", [("stelling", "4")]),
    ("meerwaarde", [("meerwaarde", "ondersteuning")]),
    ("stopzetting", [("gevolgen", "braindrain")]),
]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acknowledged: dict[tuple[str, str, str], str] = field(default_factory=dict)
    saves: int = 0
    submitted: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(database_url: str, instance: Path, users: int) -> list[tuple[str, str]]:
    """Load the questionnaire and a registry; returns (respondent code, link path)."""
    import config
    from intake import create_app
    from intake.extensions import db
    from tests.support import factory

    os.environ["INTAKE_INSTANCE_PATH"] = str(instance)
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = database_url
    app = create_app(settings)
    with app.app_context():
        db.drop_all()
        db.create_all()
        q = factory.load_questionnaire(factory.PLAN)
        links = []
        for n in range(users):
            respondent = factory.respondent(q, f"L{n:03d}", kind="gemeente",
                                       items={"actions": ["5", "15"]})  # fmt: skip
            links.append((respondent.code, factory.link(respondent)))
        db.engine.dispose()
    return links


def coordinator(base: str, n: int, link: str, deadline: float, stats: Stats) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)

    def request(path: str, data: list[tuple[str, str]] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        start = time.perf_counter()
        try:
            with opener.open(base + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode("utf-8", "replace")
        except OSError as exc:
            with stats.lock:
                stats.errors.append(f"{path}: {exc}")
            return 0, ""
        with stats.lock:
            stats.latencies.append(time.perf_counter() - start)
            if status >= 400 and status != 409:
                stats.errors.append(f"{path}: HTTP {status}")
        return status, text

    request(link)
    for page, answers in REQUIRED:
        status, html = request(f"/v/plan-samenleven-2025/p/{page}")
        hidden = [(k, v) for k, v in HIDDEN.findall(html) if k != "shown"]
        shown = [("shown", q) for q, _ in answers]
        request(f"/v/plan-samenleven-2025/p/{page}", [*hidden, *shown, *answers])
    i = 0
    while time.monotonic() < deadline:
        page, question, make = PAGES[i % len(PAGES)]
        path = f"/v/plan-samenleven-2025/p/{page}"
        status, html = request(path)
        if status != 200:
            i += 1
            continue
        hidden = [(k, v) for k, v in HIDDEN.findall(html) if k != "shown"]
        value = make(n, i)
        # Only this question is on the "form": the others on the page stay as they are.
        data = [*hidden, ("shown", question), (question, value), ("action", "opslaan")]
        status, _ = request(path, data)
        if status == 302:
            section, _, item = page.partition("/")
            with stats.lock:
                stats.acknowledged[(f"L{n:03d}", f"{section}|{item}", question)] = value
                stats.saves += 1
        i += 1
    status, html = request("/v/plan-samenleven-2025/overzicht")
    token = dict(HIDDEN.findall(html)).get("csrf_token", "")
    status, _ = request("/v/plan-samenleven-2025/indienen", [("csrf_token", token)])
    if status == 302:
        with stats.lock:
            stats.submitted.add(f"L{n:03d}")


def verify(database_url: str, instance: Path, stats: Stats) -> int:
    """Count acknowledged saves whose value is not exactly what the database holds."""
    from sqlalchemy import select

    import config
    from intake import create_app
    from intake.extensions import db
    from intake.models import Answer, Respondent, Response

    os.environ["INTAKE_INSTANCE_PATH"] = str(instance)
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = database_url
    app = create_app(settings)
    lost = 0
    with app.app_context():
        stored = {
            (code, f"{a.section}|{a.item}", a.question): a.value
            for code, a in db.session.execute(
                select(Respondent.code, Answer).join(Response, Response.respondent_id
                                                       == Respondent.id)
                .join(Answer, Answer.response_id == Response.id)
            )
        }  # fmt: skip
        for key, value in stats.acknowledged.items():
            if stored.get(key) != value:
                lost += 1
        db.engine.dispose()
    return lost


def run(backend: str, database_url: str, users: int, seconds: float, workers: int) -> None:
    instance = Path(tempfile.mkdtemp(prefix="intake-load-"))
    links = prepare(database_url, instance, users)
    port = _free_port()
    env = {**os.environ, "INTAKE_ENV": "development", "SECRET_KEY": "load-test-" + "x" * 40,
           "DATABASE_URL": database_url, "INTAKE_INSTANCE_PATH": str(instance),
           "RATELIMIT_ENABLED": "false", "MAIL_OUTBOX": str(instance / "outbox")}  # fmt: skip
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "-k", "gthread", "-w", str(workers), "--threads", "4", "-b",
         f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/aanmelden", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        stats = Stats()
        deadline = time.monotonic() + seconds
        start = time.perf_counter()
        threads = [threading.Thread(target=coordinator, args=(base, n, link, deadline, stats))
                   for n, (_, link) in enumerate(links)]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 120)
        elapsed = time.perf_counter() - start
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    lost = verify(database_url, instance, stats)
    latencies = sorted(stats.latencies)

    def pct(p: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    print(f"\n{backend}: {users} coordinators, {seconds:.0f} s, gunicorn gthread "
          f"{workers}×4 on 127.0.0.1")  # fmt: skip
    print(f"  requests        {len(latencies)}  ({len(latencies) / elapsed:.0f}/s)")
    print(f"  latency ms      p50 {pct(0.5):.0f}  p95 {pct(0.95):.0f}  p99 {pct(0.99):.0f}  "
          f"mean {1000 * statistics.mean(latencies):.0f}")  # fmt: skip
    print(f"  saves           {stats.saves} acknowledged, checked against "
          f"{len(stats.acknowledged)} final answers")  # fmt: skip
    print(f"  submitted       {len(stats.submitted)} of {users}")
    print(f"  errors          {len(stats.errors)}  {stats.errors[:3]}")
    print(f"  lost writes     {lost}")
    shutil.rmtree(instance, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        folder = Path(tempfile.mkdtemp(prefix="intake-load-db-"))
        run("sqlite (WAL)", f"sqlite:///{folder}/load.sqlite", args.users, args.seconds,
            args.workers)  # fmt: skip
    if args.backend in ("postgresql", "both"):
        from tests.support import postgres

        bindir = postgres.find_bindir()
        if bindir is None:
            print("PostgreSQL binaries not found: postgresql run skipped")
            return
        server = postgres.start(bindir)
        try:
            url = server.create_database("load")
            run("postgresql", url, args.users, args.seconds, args.workers)
        finally:
            postgres.stop(server)


if __name__ == "__main__":
    main()
