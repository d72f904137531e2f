"""Load and soak test: N respondents fill in the questionnaire against gunicorn on loopback.

For each backend (SQLite in WAL mode, and a throw-away PostgreSQL cluster when its
binaries are installed) this script prepares a database with N respondents, starts
gunicorn (``-k gthread -w 4 --threads 4`` by default, production configuration) on a
free 127.0.0.1 port, and runs N simulated respondents (threads, each its own
respondent and cookie jar). Each starts at a random moment within ``--ramp`` seconds
(all at once by default), signs in through the personal link, opens the start page,
then page after page: opens it, thinks ``--think`` seconds (a range: ``5-20``), saves
it; first the required pages, then changes to open answers, for ``--seconds`` after
its own start; then submits, when every required page was saved. So respondents
leave as spread out as they came, and all of them are busy between the end of the
ramp and ``--seconds``: the steady state.

Afterwards it checks in the database that every save the server acknowledged (302) is
stored exactly, and prints, for the burst (requests started within the ramp: sign-in,
start page, first pages), the steady state after it, and the final submits: requests,
req/s, latency p50/p95/p99 per kind of request, errors and lost writes; then the CPU
the load generator, gunicorn and PostgreSQL took, and how late the generator started
respondents (it must not be the bottleneck itself). Every loop is bounded.

    .venv/bin/python bench/load_soak.py [--users 50] [--seconds 60] [--backend both]
    .venv/bin/python bench/load_soak.py --users 500 --think 5-20 --ramp 60 --seconds 180
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.parse
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serving import (
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

REQUIRED = [  # what a respondent must answer before submitting
    ("organisatie", [("via_igs", "nee")]),
    ("actie/5", [("succes", "4"), ("cofinanciering", "voortzetting")]),
    ("actie/15", [("succes", "5"), ("cofinanciering", "innovatie_actie")]),
    ("partners", [("beoordeling", "4")]),
    ("agii", [("tevredenheid", "4"), ("zelf_beheren", "ja")]),
    ("planlast", [("stelling", "4")]),
    ("meerwaarde", [("meerwaarde", "ondersteuning")]),
    ("stopzetting", [("gevolgen", "braindrain")]),
]
PAGES = [  # then, over and over: (page, open question, its new value)
    ("afsluiting", "opmerkingen", lambda n, i: f"opmerking {n}-{i}"),
    ("actie/5", "succes_toelichting", lambda n, i: f"toelichting {n}-{i}"),
    ("actie/15", "verankering", lambda n, i: f"verankering {n}-{i}"),
    ("partners", "welke", lambda n, i: f"partners {n}-{i}"),
]
KINDS = ["sign-in", "start", "page", "save", "submit"]
TARGET_P95_MS = 200  # issue 16, for 500 respondents


@dataclass
class Sample:
    at: float  # when the request started, seconds after the run started
    kind: str
    latency: float
    status: int


@dataclass
class Stats:
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acknowledged: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    saves: int = 0
    conflicts: int = 0
    submitted: set[str] = field(default_factory=set)
    lags: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Plan:
    t0: float  # time.perf_counter() at the start of the run
    seconds: float
    think: tuple[float, float]
    ramp: float


def think_range(text: str) -> tuple[float, float]:
    """``5-20`` → (5, 20); ``0`` → (0, 0)."""
    low, _, high = text.partition("-")
    bounds = (float(low), float(high or low))
    if not 0 <= bounds[0] <= bounds[1]:
        raise argparse.ArgumentTypeError(f"think time {text!r}: expected LOW-HIGH seconds")
    return bounds


def prepare(database_url: str, instance: Path, users: int) -> list[str]:
    """Load the questionnaire and a registry; returns each respondent's link path."""
    from intake.extensions import db
    from tests.support import factory

    app = make_app(database_url, instance)
    with app.app_context():
        db.drop_all()
        db.create_all()
        q = factory.load_questionnaire(factory.PLAN)
        links = []
        for n in range(users):
            respondent = factory.respondent(q, f"L{n:03d}", kind="gemeente",
                                       items={"actions": ["5", "15"]})  # fmt: skip
            links.append(factory.link(respondent))
        db.engine.dispose()
    return links


def respondent(base: str, n: int, link: str, plan: Plan, start_at: float, stats: Stats) -> None:
    """One respondent's visit, from opening the link to submitting."""
    opener, _ = browser()
    rng = random.Random(n)
    code = f"L{n:03d}"
    # Everyone stays as long, so they leave as spread out as they came.
    deadline = start_at + plan.seconds

    def request(kind: str, path: str, data: list[tuple[str, str]] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        start = time.perf_counter()
        try:
            with opener.open(base + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode("utf-8", "replace")
        except OSError as exc:
            with stats.lock:
                stats.errors.append(f"{kind} {path}: {exc}")
            return 0, ""
        sample = Sample(start - plan.t0, kind, time.perf_counter() - start, status)
        with stats.lock:
            stats.samples.append(sample)
            if status == 409:
                stats.conflicts += 1
            elif status >= 400:
                stats.errors.append(f"{kind} {path}: HTTP {status}")
        return status, text

    def think() -> bool:
        """Wait as a person reading and typing; False when the run ends meanwhile."""
        pause = rng.uniform(*plan.think)
        if time.perf_counter() + pause >= deadline and plan.think[1] > 0:
            time.sleep(max(0.0, deadline - time.perf_counter()))
            return False
        time.sleep(pause)
        return True

    def fill(page: str, answers: list[tuple[str, str]]) -> bool:
        """Open the page, think, save it; whether the save was acknowledged."""
        path = f"/v/{SLUG}/p/{page}"
        status, html = request("page", path)
        if status != 200 or not think():
            return False
        fields = [(k, v) for k, v in hidden(html) if k != "shown"]
        shown = [("shown", q) for q in dict(answers)]  # only these questions change
        status, _ = request("save", path, [*fields, *shown, *answers, ("action", "opslaan")])
        if status == 302:
            section, _, item = page.partition("/")
            with stats.lock:
                stats.saves += 1
                for question in dict(answers):
                    key = (code, f"{section}|{item}", question)
                    stats.acknowledged[key] = [v for q, v in answers if q == question]
        return status == 302

    time.sleep(max(0.0, start_at - time.perf_counter()))
    with stats.lock:
        stats.lags.append(time.perf_counter() - start_at)
    request("sign-in", link)
    request("start", f"/v/{SLUG}/")
    required_done = 0
    for page, answers in REQUIRED:
        if time.perf_counter() >= deadline:
            break
        # A page cut off by the end of the run (or refused) is not done: submitting
        # then would be refused as incomplete, an error of the script, not the server.
        required_done += fill(page, answers)
    i = 0
    while time.perf_counter() < deadline:
        page, question, make = PAGES[i % len(PAGES)]
        fill(page, [(question, make(n, i))])
        i += 1
    if required_done < len(REQUIRED):
        return  # still filling in required pages: nothing to submit yet
    status, html = request("submit", f"/v/{SLUG}/overzicht")
    token = dict(hidden(html)).get("csrf_token", "")
    status, html = request("submit", f"/v/{SLUG}/indienen", [("csrf_token", token)])
    if status == 200:  # the confirmation step ("je kunt je antwoorden daarna niet meer
        # wijzigen"), then "Ja, definitief indienen" as a respondent clicks it
        status, _ = request("submit", f"/v/{SLUG}/indienen", [*hidden(html), ("confirm", "ja")])
    if status == 302:
        with stats.lock:
            stats.submitted.add(code)


def _as_posted(value: Any) -> list[str]:
    """A stored value as the strings a form posts for it (4 → ["4"], [a, b] → [a, b])."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def verify(database_url: str, instance: Path, stats: Stats) -> int:
    """Count acknowledged saves whose value is not exactly what the database holds."""
    from sqlalchemy import select

    from intake.extensions import db
    from intake.models import Answer, Respondent, Response

    app = make_app(database_url, instance)
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
            if _as_posted(stored.get(key)) != value:
                lost += 1
        db.engine.dispose()
    return lost


def _percentile(sorted_values: list[float], p: float) -> float:
    return 1000 * sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def report(
    title: str, stats: Stats, plan: Plan, lost: int, cpu: dict[str, float], receipts: int
) -> None:
    samples = stats.samples
    end = max((s.at + s.latency for s in samples), default=plan.seconds)
    phases = [  # (name, first start, end of window)
        ("burst", 0.0, plan.ramp),
        ("steady", plan.ramp, plan.seconds),
        ("end", plan.seconds, max(end, plan.seconds)),
        ("overall", 0.0, max(end, plan.seconds)),
    ]
    print(f"\n{title}")
    print(f"  {'phase':<8} {'kind':<8} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'max ms':>7} {'errors':>6}")  # fmt: skip
    for name, low, high in phases:
        in_phase = [s for s in samples if low <= s.at < high or name == "overall"]
        if not in_phase:
            continue
        for kind in ["all", *KINDS]:
            chosen = [s for s in in_phase if kind in ("all", s.kind)]
            if not chosen:
                continue
            latencies = sorted(s.latency for s in chosen)
            errors = sum(1 for s in chosen if s.status >= 400 and s.status != 409)
            rate = len(chosen) / max(high - low, 1e-9)
            print(f"  {name if kind == 'all' else '':<8} {kind:<8} {len(chosen):8d} "
                  f"{rate:6.1f} {_percentile(latencies, 0.5):7.0f} "
                  f"{_percentile(latencies, 0.95):7.0f} {_percentile(latencies, 0.99):7.0f} "
                  f"{1000 * latencies[-1]:7.0f} {errors:6d}")  # fmt: skip
    users = len(stats.lags)
    print(
        f"  saves           {stats.saves} acknowledged, checked against "
        f"{len(stats.acknowledged)} final answers; conflicts (409) {stats.conflicts}"
    )
    print(f"  lost writes     {lost}")
    print(f"  submitted       {len(stats.submitted)} of {users}, receipts mailed {receipts}")
    print(f"  errors          {len(stats.errors)}  {stats.errors[:3]}")
    shares = ", ".join(f"{name} {100 * share:.0f}%" for name, share in cpu.items())
    print(f"  CPU (% of one core over the run) {shares}")
    lags = sorted(stats.lags)
    print(f"  generator       respondents started late by p50 {_percentile(lags, 0.5):.0f} ms, "
          f"max {1000 * lags[-1]:.0f} ms")  # fmt: skip
    overall = sorted(s.latency for s in samples)
    if overall:
        p95 = _percentile(overall, 0.95)
        met = p95 < TARGET_P95_MS and not stats.errors and not lost
        print(f"  target          p95 < {TARGET_P95_MS} ms overall, 0 errors, 0 lost writes: "
              f"{'met' if met else 'NOT met'} (p95 {p95:.0f} ms)")  # fmt: skip


def run(backend: Backend, settings: Gunicorn, args: argparse.Namespace) -> None:
    instance = Path(tempfile.mkdtemp(prefix="intake-load-"))
    try:
        links = prepare(backend.url, instance, args.users)
        # Each submission mails its receipt, as deployed: here to .eml files in the instance.
        env = production_env(backend.url, instance, MAIL_OUTBOX=str(instance / "outbox"))
        with serve(settings, "wsgi:app", cwd=ROOT, env=env, ready="/aanmelden") as server:
            stats = Stats()
            plan = Plan(time.perf_counter() + 1, args.seconds, args.think, args.ramp)
            starts = random.Random(args.seed)
            threads = [
                threading.Thread(target=respondent, daemon=True, args=(
                    server.base, n, link, plan, plan.t0 + starts.uniform(0, plan.ramp), stats))
                for n, link in enumerate(links)
            ]  # fmt: skip
            before = (time.process_time(), server.cpu(), backend.server_cpu(), machine_busy())
            for t in threads:
                t.start()
            for t in threads:
                t.join(
                    timeout=max(0.0, plan.t0 + args.ramp + args.seconds + 300 - time.perf_counter())
                )
            after = (time.process_time(), server.cpu(), backend.server_cpu(), machine_busy())
            wall = after[3][1] - before[3][1]  # machine seconds, all cores
            elapsed = wall / (os.cpu_count() or 1)
            cpu = {"load generator": (after[0] - before[0]) / elapsed,
                   "gunicorn": (after[1] - before[1]) / elapsed}  # fmt: skip
            if backend.postgres is not None:
                cpu["postgres"] = (after[2] - before[2]) / elapsed
            machine = (after[3][0] - before[3][0]) / elapsed
            cpu["others on the machine"] = max(0.0, machine - sum(cpu.values()))
            cpu[f"whole machine (of {100 * (os.cpu_count() or 1)}%)"] = machine
        lost = verify(backend.url, instance, stats)
        low, high = args.think
        think = f"think {low:g}–{high:g} s" if high else "no think time"
        title = (
            f"{backend.label}: {args.users} respondents, {think}, starting within "
            f"{args.ramp:g} s, each for {args.seconds:g} s; {settings.describe()} on 127.0.0.1"
        )
        receipts = len(list((instance / "outbox").glob("*.eml")))
        report(title, stats, plan, lost, cpu, receipts)
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--seconds",
        type=float,
        default=60,
        help="how long each respondent keeps saving after its start",
    )
    parser.add_argument(
        "--think",
        type=think_range,
        default=(0.0, 0.0),
        help="seconds between opening and saving a page: LOW-HIGH (0)",
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=0,
        help="every respondent starts within this many seconds (0: at once)",
    )
    parser.add_argument("--seed", type=int, default=16, help="for the start times")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread", help="gunicorn -k")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn --threads")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.ramp > args.seconds:
        parser.error("--ramp must not be longer than --seconds")
    threading.stack_size(512 * 1024)  # hundreds of respondents, each a thread
    settings = Gunicorn(args.workers, args.worker_class, args.threads)
    with closing(backends(args.backend)) as found:  # stops PostgreSQL even on errors
        for backend in found:
            run(backend, settings, args)


if __name__ == "__main__":
    main()
