"""What the HTTP benchmarks share: databases, gunicorn on loopback, cookies, CPU time.

``bench_http.py`` and ``load_soak.py`` both serve Intake (and a Flask hello-world)
with gunicorn on a free 127.0.0.1 port, in production configuration, against a
prepared SQLite file (WAL) or a throw-away PostgreSQL cluster
(``tests/support/postgres.py``). Nothing here leaves loopback.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SLUG = "plan-samenleven-2025"
HIDDEN = re.compile(r'<input type="hidden" name="(csrf_token|revision|shown)" value="([^"]*)"')
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- databases


@dataclass
class Backend:
    label: str
    url: str
    postgres: Any = None  # tests.support.postgres.PostgresServer, when PostgreSQL

    def server_cpu(self) -> float:
        """CPU seconds used so far by the database server's processes (0 for SQLite)."""
        if self.postgres is None:
            return 0.0
        pid_file = self.postgres.datadir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return 0.0
        return tree_cpu(pid)

    def sessions(self) -> int:
        """Connections PostgreSQL has accepted to this database so far (0 for SQLite)."""
        if self.postgres is None:
            return 0
        database = self.url.rpartition("/")[2]
        with self.postgres.admin_connection() as conn:
            row = conn.execute(
                "SELECT pg_stat_force_next_flush(), sessions FROM pg_stat_database "
                "WHERE datname = %s",
                (database,),
            ).fetchone()
        return int(row[1]) if row else 0


def backends(which: str) -> Iterator[Backend]:
    """SQLite (WAL) and/or PostgreSQL (a cluster started here), as ``which`` asks.

    Says so and skips PostgreSQL when its server binaries are not installed.
    """
    if which in ("sqlite", "both"):
        folder = Path(tempfile.mkdtemp(prefix="intake-bench-db-"))
        try:
            yield Backend("sqlite (WAL)", f"sqlite:///{folder}/bench.sqlite")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if which in ("postgresql", "both"):
        from tests.support import postgres

        bindir = postgres.find_bindir()
        if bindir is None:
            print("\nPostgreSQL binaries not found (apt-get install postgresql): skipped")
            return
        server = postgres.start(bindir)
        try:
            url = server.create_database("bench")
            yield Backend(f"postgresql {bindir.parent.name}", url, server)
        finally:
            postgres.stop(server)


def make_app(database_url: str, instance: Path):  # noqa: ANN201  (Flask app)
    """The app on ``database_url`` for preparing and checking data in this process."""
    import config
    from intake import create_app

    os.environ["INTAKE_INSTANCE_PATH"] = str(instance)
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = database_url
    return create_app(settings)


# --------------------------------------------------------------------------- gunicorn


@dataclass(frozen=True)
class Gunicorn:
    """How every server of a run is started: the same for Intake and hello-world."""

    workers: int = 4
    worker_class: str = "sync"
    threads: int = 1

    def describe(self) -> str:
        threads = f"×{self.threads} threads" if self.worker_class == "gthread" else ""
        return f"gunicorn -k {self.worker_class} -w {self.workers}{threads}"

    def command(self, port: int, module: str) -> list[str]:
        binary = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        return [binary, "-k", self.worker_class, "-w", str(self.workers),
                "--threads", str(self.threads), "-b", f"127.0.0.1:{port}",
                "--log-level", "warning", module]  # fmt: skip


def production_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """Intake's environment in production configuration (rate limits off: one client IP)."""
    return {
        **os.environ,
        "INTAKE_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "INTAKE_INSTANCE_PATH": str(instance),
        "RATELIMIT_ENABLED": "false",
        **extra,
    }


@dataclass
class Served:
    base: str
    process: subprocess.Popen

    def cpu(self) -> float:
        """CPU seconds used so far by the gunicorn master and its workers."""
        return tree_cpu(self.process.pid)


@contextmanager
def serve(
    settings: Gunicorn, module: str, *, cwd: Path, env: dict[str, str], ready: str
) -> Iterator[Served]:
    """gunicorn serving ``module`` on a free loopback port until the block ends."""
    port = free_port()
    process = subprocess.Popen(settings.command(port, module), cwd=cwd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + ready, timeout=5).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn {module} did not start") from None
                time.sleep(0.2)
        yield Served(base, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- CPU time


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a live process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its live descendants (exited ones are not counted)."""
    stats = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(int(p)))}
    children: dict[int, list[int]] = {}
    for child, (parent, _) in stats.items():
        children.setdefault(parent, []).append(child)
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            total += stats[current][1]
        todo.extend(children.get(current, []))
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already in user
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


# --------------------------------------------------------------------------- browsers


class _LoopbackCookies(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies (production sets them) over plain HTTP on loopback."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


def browser() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    """An opener with its own cookie jar that does not follow redirects."""
    jar = http.cookiejar.CookieJar(policy=_LoopbackCookies())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    return opener, jar


def hidden(html: str) -> list[tuple[str, str]]:
    """The page form's hidden fields (csrf_token, revision, shown...) as posted pairs."""
    return HIDDEN.findall(html)
