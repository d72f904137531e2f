"""A throw-away Redis server on a free loopback port, for the test run.

Debian's ``redis-server``, started with nothing kept on disk (no RDB snapshots, no
append-only file) in a temporary directory, listening on 127.0.0.1 only.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def find_server() -> Path | None:
    """The redis-server binary, or None."""
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    return Path(found) if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int
    directory: Path

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def flush(self) -> None:
        """Empty every database: each test starts with an empty queue."""
        import redis

        with redis.Redis(host="127.0.0.1", port=self.port) as client:
            client.flushall()


def start(binary: Path) -> RedisServer:
    directory = Path(tempfile.mkdtemp(prefix="intake-redis-"))
    port = _free_port()
    process = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "yes",
         "--save", "", "--appendonly", "no", "--dir", str(directory), "--daemonize", "no",
         "--logfile", str(directory / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = RedisServer(process, port, directory)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(64).startswith(b"+PONG"):
                    return server
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log = (directory / "redis.log").read_text(errors="replace")[-2000:]
            stop(server)
            raise RuntimeError(f"redis-server did not start: {log}")
        time.sleep(0.05)


def stop(server: RedisServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    shutil.rmtree(server.directory, ignore_errors=True)
