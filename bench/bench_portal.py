"""Benchmark: GET and POST of the largest portal page, next to a minimal Flask route.

Both run in the same process, through the WSGI test client (no network), on a
SQLite file in a temporary folder, so the ratio shows what the portal costs on
top of Flask itself. Prints requests per second and the ratio to the baseline.

    .venv/bin/python bench/bench_portal.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import config  # noqa: E402
from intake import create_app  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.services import response_state  # noqa: E402
from tests.support import factory  # noqa: E402
from tests.support.portal import hidden_fields  # noqa: E402

ALL_ACTIONS = [str(n) for n in range(1, 25) if n not in (1, 3, 4, 12)]


def rate(fn: Callable[[], object], seconds: float) -> tuple[float, float]:
    """Requests per second and mean milliseconds, after a short warm-up."""
    for _ in range(5):
        fn()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        count += 1
    return count / elapsed, 1000 * elapsed / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    baseline = Flask("baseline")
    baseline.add_url_rule("/ping", "ping", lambda: "ok")
    base_client = baseline.test_client()

    tmp = tempfile.mkdtemp(prefix="intake-bench-")
    os.environ["INTAKE_INSTANCE_PATH"] = tmp
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.sqlite"
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        q = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(
            q, "CS01", kind="centrumstad", items={"actions": ALL_ACTIONS}
        )
        link = factory.link(respondent)
        state = response_state.load_state(respondent)
        # The largest page: the one with the most inputs (choices count one each).
        largest = max(
            state.pages(),
            key=lambda p: sum(max(1, len(q.choices)) * max(1, len(q.rows))
                              for q in p.section.questions),
        )  # fmt: skip
    client = app.test_client()
    client.get(link)
    path = f"/v/plan-samenleven-2025/p/{largest.section.id}"
    if largest.item:
        path += f"/{largest.item}"
    html = client.get(path).get_data(as_text=True)
    inputs = len(re.findall(r"<(?:input|textarea)\b", html))
    form = {
        **{k: v for k, v in hidden_fields(html).items() if k != "revision"},
        "naam": "Centrumstad", "type": "centrumstad", "provincie": "Antwerpen",
        "via_igs": "nee", "contact_naam": "Ann", "contact_functie": "Expert",
        "contact_email": "ann@example.be", "acties": ALL_ACTIONS, "action": "opslaan",
    }  # fmt: skip

    current_revision = int(hidden_fields(html)["revision"])
    # Each save flashes a message for the page it redirects to; a browser shows it there,
    # but this loop never follows the redirect, so without this the session cookie would
    # grow by a message per save and the loop would time the (de)serialisation of it.
    session = client.get_cookie("session")
    assert session is not None

    def post_only() -> None:
        nonlocal current_revision
        client.set_cookie("session", session.value)
        result = client.post(path, data={**form, "revision": str(current_revision)})
        assert result.status_code == 302, result.status_code
        current_revision = 1 if current_revision == 0 else current_revision + 1

    figures = {
        "baseline: Flask GET /ping": rate(lambda: base_client.get("/ping"), args.seconds),
        f"GET {path}": rate(lambda: client.get(path), args.seconds),
        f"POST {path} (save)": rate(post_only, args.seconds),
    }
    base = figures["baseline: Flask GET /ping"][0]
    print(f"largest page: {path} ({inputs} inputs); SQLite, in-process WSGI client")
    print(f"{'case':<48} {'req/s':>9} {'ms/req':>8} {'× baseline time':>16}")
    for name, (per_second, ms) in figures.items():
        print(f"{name:<48} {per_second:9.0f} {ms:8.2f} {base / per_second:16.1f}")


if __name__ == "__main__":
    main()
