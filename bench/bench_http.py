"""Benchmark over HTTP: the largest portal page and its save, next to a Flask hello-world.

For each backend (SQLite in WAL mode, and a throw-away PostgreSQL cluster when its
binaries are installed) this script prepares a database with one respondent that
applied for every action, then serves, one after the other and with the same gunicorn
settings (``-w 4`` sync workers by default: how issue 16 measured, and how the README
deploys; ``--worker-class gthread --threads 4`` serves as ``load_soak.py`` does; a free
127.0.0.1 port):

- the floor: a Flask hello-world (``bench/hello.py``), ``GET /``;
- Intake in production configuration: ``GET /v/plan-samenleven-2025/p/organisatie``
  (the largest respondent page) signed in through personal links, and the
  save ``POST`` of that page: the same answers with a valid CSRF token and the
  revision the page was rendered with, so every save stores and none is a conflict.

Both servers run side by side; the three cases take turns (``--rounds``, so that
whatever else the machine does hits them alike), each loaded with ``wrk -t2 -c16``
(after a short warm-up) through a Lua script that passes the cookies and counts the
HTTP statuses. Prints req/s, latency p50/p99, the ratio to the hello-world floor
(the median of the rounds, and their range) against the targets of issue 16, the
CPU time per request of gunicorn and of PostgreSQL, and the share of a core that wrk
and everything else on the machine took meanwhile (a busy machine lowers every
figure: compare ratios from one run). Any status other than the expected 200 (GET)
or 302 "saved" (POST) is reported, and fails the target.

    .venv/bin/python bench/bench_http.py [--seconds 15] [--rounds 3] [--backend both]
        [--worker-class sync] [--threads 1] [--workers 4]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from serving import (
    BENCH,
    ROOT,
    SLUG,
    Backend,
    Gunicorn,
    backends,
    browser,
    hidden,
    machine_busy,
    make_app,
    production_env,
    serve,
)

PAGE = f"/v/{SLUG}/p/organisatie"
ALL_ACTIONS = [str(n) for n in range(1, 25) if n not in (1, 3, 4, 12)]
ANSWERS = [  # the organisatie page as a centrumstad fills it in
    ("naam", "Centrumstad"), ("type", "centrumstad"), ("provincie", "Antwerpen"),
    ("via_igs", "nee"), ("contact_naam", "Ann"), ("contact_functie", "Expert"),
    ("contact_email", "ann@example.be"), *(("acties", code) for code in ALL_ACTIONS),
]  # fmt: skip
TARGETS = {"GET": 0.20, "POST": 0.10}  # issue 16: share of the hello-world floor

# Each wrk thread takes turns over its own share of the signed-in respondents
# (a cookie and a body each), so no two connections save the same response at once.
LUA = """
local visitors = {{
{visitors}
}}
local threads, count = {{}}, {threads}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
local prepared, turn = {{}}, 0
function init(args)
  statuses = {{}}
  for i, visitor in ipairs(visitors) do
    if (i - 1) % count == id or #visitors < count then
      local headers = {{Cookie = visitor[1]}}
      if visitor[2] then headers["Content-Type"] = "application/x-www-form-urlencoded" end
      table.insert(prepared, wrk.format("{method}", nil, headers, visitor[2]))
    end
  end
end
function request()
  turn = turn % #prepared + 1
  return prepared[turn]
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local merged = {{}}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + n
    end
  end
  local parts = {{}}
  for status, n in pairs(merged) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK {{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"socket_errors": %d, "timeouts": %d, "statuses": {{%s}}}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write, e.timeout, table.concat(parts, ", ")))
end
"""


@dataclass
class Round:
    """One wrk run of one case."""

    per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    statuses: dict[int, int]
    socket_errors: int
    timeouts: int
    elapsed: float  # seconds
    cpu: dict[str, float]  # CPU seconds: app (gunicorn), db (PostgreSQL), wrk, others
    db_sessions: int  # connections PostgreSQL accepted meanwhile


@dataclass
class Case:
    """What is loaded, how its CPU is read, and what it answers; with its rounds."""

    name: str
    url: str
    expected: int  # the HTTP status every response must have
    app_cpu: Callable[[], float]
    db_cpu: Callable[[], float] = lambda: 0.0
    db_sessions: Callable[[], int] = lambda: 0
    method: str = "GET"
    visitors: list[tuple[str | None, str | None]] = field(default_factory=lambda: [(None, None)])
    rounds: list[Round] = field(default_factory=list)

    def load(self, args: argparse.Namespace, seconds: float) -> dict:
        return run_wrk(self.url, seconds=seconds, threads=args.wrk_threads,
                       connections=args.connections, method=self.method,
                       visitors=self.visitors)  # fmt: skip

    def measure(self, args: argparse.Namespace) -> None:
        """One round: load the case for ``args.seconds / args.rounds``, reading CPU time."""
        probes = [self.app_cpu, self.db_cpu, self.db_sessions, lambda: machine_busy()[0]]
        before = [probe() for probe in probes]
        figures = self.load(args, args.seconds / args.rounds)
        app, db, sessions, machine = (p() - b for p, b in zip(probes, before, strict=True))
        wrk = figures["wrk_cpu_s"]
        self.rounds.append(Round(
            per_second=figures["requests"] / (figures["duration_us"] / 1e6),
            p50_ms=figures["p50_us"] / 1000,
            p99_ms=figures["p99_us"] / 1000,
            requests=figures["requests"],
            statuses={int(k): v for k, v in figures["statuses"].items()},
            socket_errors=figures["socket_errors"],
            timeouts=figures["timeouts"],
            elapsed=figures["elapsed_s"],
            cpu={"app": app, "db": db, "wrk": wrk, "others": max(0.0, machine - app - db - wrk)},
            db_sessions=sessions,
        ))  # fmt: skip


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        sys.exit("wrk is not installed: apt-get install wrk (Debian's package), then run again")
    return found


def run_wrk(
    url: str, *, seconds: float, threads: int, connections: int, method: str = "GET",
    visitors: list[tuple[str, str | None]] = ((None, None),),
) -> dict:  # fmt: skip
    """One wrk run over ``visitors`` (cookie, body); its Lua ``done`` prints JSON figures."""

    def lua(text: str | None) -> str:
        return "nil" if text is None else f"[==[{text}]==]"

    rows = ",\n".join(f"  {{{lua(cookie)}, {lua(body)}}}" for cookie, body in visitors)
    script = LUA.format(method=method, visitors=rows, threads=threads)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        result = subprocess.run(
            [wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s",
             "--timeout", "10s", "-s", f.name, url],
            capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode != 0:
            sys.exit(f"wrk failed: {result.stderr or result.stdout}")
    finally:
        os.unlink(f.name)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRK "))
    figures = json.loads(line[4:])
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    figures["wrk_cpu_s"], figures["elapsed_s"] = used, elapsed
    return figures


def prepare(database_url: str, instance: Path, respondents: int) -> list[str]:
    """Centrumsteden that applied for every action; returns their personal-link paths."""
    from intake.extensions import db
    from tests.support import factory

    app = make_app(database_url, instance)
    with app.app_context():
        db.drop_all()
        db.create_all()
        q = factory.load_questionnaire(factory.PLAN)
        links = []
        for n in range(respondents):
            org = factory.respondent(q, f"CS{n:02d}", kind="centrumstad",
                                       items={"actions": ALL_ACTIONS})  # fmt: skip
            links.append(factory.link(org))
        db.engine.dispose()
    return links


def sign_in(base: str, link: str) -> tuple[str, str, int]:
    """Sign in, save the page once; returns the cookie header, the save's body, inputs."""
    opener, jar = browser()

    def fetch(path: str, data: list[tuple[str, str]] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with opener.open(base + path, data=body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    status, _ = fetch(link)
    assert status == 302, f"personal link: HTTP {status}"
    status, html = fetch(PAGE)
    assert status == 200, f"GET {PAGE}: HTTP {status}"
    inputs = len(re.findall(r"<(?:input|textarea)\b", html))
    form = [*hidden(html), *ANSWERS, ("action", "opslaan")]
    status, _ = fetch(PAGE, form)  # the first save creates the response
    assert status == 302, f"first save: HTTP {status}"
    status, html = fetch(PAGE)
    # Posting these unchanged answers with this revision never conflicts: a colleague's
    # newer answers are compared, and every stored answer is at most this revision.
    body = urllib.parse.urlencode([*hidden(html), *ANSWERS, ("action", "opslaan")])
    status, _ = fetch(PAGE, urllib.parse.parse_qsl(body))
    assert status == 302, f"repeated save: HTTP {status}"
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, body, inputs


def report(label: str, cases: list[Case]) -> None:
    """Per case: all rounds together; the ratio to the floor per round, median and range."""
    floor = cases[0]
    print(f"\n{label}")
    print(f"  {'case':<18} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7}  {'× floor (rounds)':<23}"
          f"{'target':>9}  {'CPU ms/req: app':>15} {'db':>5}  {'CPU %: wrk':>10} {'others':>6}"
          "  statuses")  # fmt: skip
    for case in cases:
        rounds = case.rounds
        requests = sum(r.requests for r in rounds)
        elapsed = sum(r.elapsed for r in rounds)
        per_second = requests / sum(r.requests / r.per_second for r in rounds if r.per_second)
        cpu = {k: sum(r.cpu[k] for r in rounds) for k in rounds[0].cpu}
        ratios = sorted(
            r.per_second / f.per_second for r, f in zip(rounds, floor.rounds, strict=True)
        )
        ratio = statistics.median(ratios)
        spread = f"{ratio:.3f} ({ratios[0]:.3f}–{ratios[-1]:.3f})"
        statuses: dict[int, int] = {}
        for r in rounds:
            for status, n in r.statuses.items():
                statuses[status] = statuses.get(status, 0) + n
        unexpected = sum(n for status, n in statuses.items() if status != case.expected)
        target = TARGETS.get(case.method) if case is not floor else None
        verdict = ""
        if target is not None:
            verdict = f"≥{target:.2f} " + ("ok" if ratio >= target and not unexpected else "no")
        notes = " ".join(f"{status}×{n}" for status, n in sorted(statuses.items()))
        if unexpected:
            notes += f"  UNEXPECTED: {unexpected} not {case.expected}"
        if sessions := sum(r.db_sessions for r in rounds):
            notes += f"  new PostgreSQL connections: {sessions}"
        if errors := sum(r.socket_errors + r.timeouts for r in rounds):
            notes += f"  socket errors and timeouts: {errors}"
        db = f"{1000 * cpu['db'] / requests:.2f}" if cpu["db"] else "-"
        print(f"  {case.name:<18} {per_second:6.0f} "
              f"{statistics.median(r.p50_ms for r in rounds):7.1f} "
              f"{max(r.p99_ms for r in rounds):7.1f}  {spread:<23}{verdict:>9}  "
              f"{1000 * cpu['app'] / requests:15.2f} {db:>5}  "
              f"{100 * cpu['wrk'] / elapsed:9.0f}% {100 * cpu['others'] / elapsed:5.0f}%"
              f"  {notes}")  # fmt: skip


def run(backend: Backend, settings: Gunicorn, args: argparse.Namespace) -> None:
    """Serve hello-world and Intake side by side; load each in turn, round after round."""
    instance = Path(tempfile.mkdtemp(prefix="intake-http-"))
    links = prepare(backend.url, instance, args.respondents)
    env = production_env(backend.url, instance, BENCH_ENGINE_OPTIONS=args.engine_options)
    if backend.postgres is not None:
        database = backend.url.rpartition("/")[2]
        with backend.postgres.admin_connection() as conn:
            for name, value in args.pg_set:
                conn.execute(f'ALTER DATABASE "{database}" SET {name} = {value}')
    module = "bench.wsgi_tuned:app" if args.engine_options else "wsgi:app"
    try:
        with (
            serve(settings, "hello:app", cwd=BENCH, env=dict(os.environ), ready="/") as hello,
            serve(settings, module, cwd=ROOT, env=env, ready="/aanmelden") as intake,
        ):
            signed_in = [sign_in(intake.base, link) for link in links]
            probes = {"app_cpu": intake.cpu, "db_cpu": backend.server_cpu,
                      "db_sessions": backend.sessions}  # fmt: skip
            cases = [
                Case("floor: hello-world", hello.base + "/", 200, hello.cpu),
                Case("GET page", intake.base + PAGE, 200, **probes,
                     visitors=[(cookie, None) for cookie, _, _ in signed_in]),
                Case("POST page (save)", intake.base + PAGE, 302, **probes, method="POST",
                     visitors=[(cookie, body) for cookie, body, _ in signed_in]),
            ]  # fmt: skip
            for case in cases:
                case.load(args, args.warmup)
            for _ in range(args.rounds):
                for case in cases:
                    case.measure(args)
        report(f"{backend.label}: page {PAGE} ({signed_in[0][2]} inputs)", cases)
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def _setting(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    if not re.fullmatch(r"[a-z_]+", name) or not re.fullmatch(r"[A-Za-z0-9_.']+", value):
        raise argparse.ArgumentTypeError(f"{text!r}: expected name=value")
    return name, value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seconds", type=float, default=15, help="wrk time per case, spread over the rounds"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="the cases take turns this often, so drift hits all alike",
    )
    parser.add_argument("--warmup", type=float, default=2, help="wrk warm-up per case")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", help="gunicorn -k")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn --threads")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--respondents",
        type=int,
        default=64,
        help="signed-in respondents the requests take turns over",
    )
    parser.add_argument(
        "--engine-options",
        default="",
        metavar="JSON",
        help='laid over SQLALCHEMY_ENGINE_OPTIONS: {"pool_pre_ping": false}',
    )
    parser.add_argument(
        "--pg-set",
        action="append",
        default=[],
        type=_setting,
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the database",
    )
    args = parser.parse_args()
    wrk_binary()
    settings = Gunicorn(args.workers, args.worker_class, args.threads)
    print(f"{settings.describe()} on 127.0.0.1, wrk -t{args.wrk_threads} -c{args.connections} "
          f"-d{args.seconds:g}s (after {args.warmup:g} s warm-up), {os.cpu_count()} cores; "
          "targets from issue 16")  # fmt: skip
    for name, value in [("engine options", args.engine_options), *args.pg_set]:
        if value:
            print(f"variant: {name} = {value}")
    with closing(backends(args.backend)) as found:  # stops PostgreSQL even on errors
        for backend in found:
            run(backend, settings, args)


if __name__ == "__main__":
    main()
