"""A throw-away PostgreSQL cluster on a free loopback port, for the test run.

PostgreSQL refuses to run as root; when the tests run as root (as in CI) the
server runs as the ``postgres`` system user that Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl, newest version first, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for path in candidates:
        if Path(path, "initdb").exists() and Path(path, "pg_ctl").exists():
            return Path(path)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bindir: Path
    datadir: Path
    port: int
    user: str = "intake"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def admin_connection(self):  # noqa: ANN201  (psycopg connection)
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname="postgres", autocommit=True
        )

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        with self.admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise RuntimeError(
            "running as root but there is no 'postgres' system user to run the server"
        ) from exc
    return ["runuser", "-u", "postgres", "--", *cmd]


def start(bindir: Path) -> PostgresServer:
    """initdb a fresh cluster in a temporary directory and start it."""
    root = Path(tempfile.mkdtemp(prefix="intake-pg-"))
    datadir = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        root.chmod(0o700)
    port = _free_port()
    server = PostgresServer(bindir=bindir, datadir=datadir, port=port)
    subprocess.run(
        _as_server_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(datadir),
                "-U",
                server.user,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale",
                "C.UTF-8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        _as_server_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(datadir),
                "-o",
                options,
                "-l",
                str(root / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with server.admin_connection():
                break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return server


def stop(server: PostgresServer) -> None:
    subprocess.run(
        _as_server_user(
            [str(server.bindir / "pg_ctl"), "-D", str(server.datadir), "-m", "immediate", "stop"]
        ),
        check=False,
        capture_output=True,
    )
    shutil.rmtree(server.datadir.parent, ignore_errors=True)


def empty_tables(engine: Any) -> None:
    """Leave the shared PostgreSQL test database empty (every table of the models, ids
    restarted) for the next test; SQLite test databases are files of their own."""
    from sqlalchemy import text

    from intake.extensions import db

    if engine.dialect.name != "postgresql":
        return
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
