"""Benchmark: dashboard figures with 10,000 invited respondents.

Measures the aggregate queries behind the dashboard (overview, by kind, by
province, per action, the respondent list) on SQLite, next to two baselines
measured in the same run: a bare ``SELECT count(*)`` and counting the same
statuses in Python after loading every respondent with its response.

    .venv/bin/python bench/bench_dashboard.py [--respondents 10000]
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_dashboard.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import config  # noqa: E402
from intake import create_app  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.models import (  # noqa: E402
    Invitation,
    MailLog,
    Respondent,
    RespondentItem,
    Response,
    utcnow,
)
from intake.questionnaire.vocabulary import KINDS, PROVINCES  # noqa: E402
from intake.services import questionnaires, tracking  # noqa: E402
from tests.support import factory  # noqa: E402

ACTIONS = [str(n) for n in range(1, 25) if n not in (1, 3, 4, 12)]


def measure(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def populate(count: int) -> None:
    rng = random.Random(7)
    q = factory.load_questionnaire(factory.PLAN)
    version = questionnaires.live_version(q)
    now = utcnow()
    respondents = [
        {"questionnaire_id": q.id, "code": f"B{i:05d}", "name": f"Bestuur {i:05d}",
         "kind": rng.choice(list(KINDS)), "attributes": {"province": rng.choice(PROVINCES[:5])},
         "created_at": now, "updated_at": now}
        for i in range(count)
    ]  # fmt: skip
    db.session.execute(insert(Respondent), respondents)
    ids = db.session.scalars(select(Respondent.id).order_by(Respondent.id)).all()
    items, mails, invitations, responses = [], [], [], []
    for respondent_id in ids:
        for code in rng.sample(ACTIONS, rng.randint(2, 6)):
            items.append({"respondent_id": respondent_id, "catalogue": "actions", "code": code})
        roll = rng.random()
        if roll > 0.05:
            mails.append({"respondent_id": respondent_id, "kind": "invitation",
                          "recipient": "x@y.be", "subject": "Uitnodiging", "sent_at": now,
                          "ok": True})  # fmt: skip
        if roll > 0.15:
            invitations.append({"respondent_id": respondent_id,
                                "token_hash": f"{respondent_id:064d}",
                                "created_at": now, "first_opened_at": now,
                                "last_opened_at": now})  # fmt: skip
        if roll > 0.2:
            responses.append({"respondent_id": respondent_id,
                              "questionnaire_version_id": version.id,
                              "status": "submitted" if roll > 0.29 else "draft", "revision": 1,
                              "started_at": now, "updated_at": now})  # fmt: skip
    for table, rows in ((RespondentItem, items), (MailLog, mails), (Invitation, invitations),
                        (Response, responses)):  # fmt: skip
        db.session.execute(insert(table), rows)
    db.session.commit()


def python_counts(q_id: int) -> dict[str, int]:
    """What a naive dashboard does: load every respondent and count in Python."""
    respondents = db.session.scalars(
        select(Respondent)
        .where(Respondent.questionnaire_id == q_id)
        .options(selectinload(Respondent.response), selectinload(Respondent.invitations),
                 selectinload(Respondent.items))
    ).all()  # fmt: skip
    counts: dict[str, int] = {}
    for respondent in respondents:
        if respondent.response is not None:
            key = "submitted" if respondent.response.status == "submitted" else "in_progress"
        elif any(i.first_opened_at for i in respondent.invitations):
            key = "opened"
        else:
            key = "other"
        counts[key] = counts.get(key, 0) + 1
    for respondent in respondents:
        db.session.expunge(respondent)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=10_000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="intake-bench-")
    os.environ["INTAKE_INSTANCE_PATH"] = tmp
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = (
        os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    )
    app = create_app(settings)
    with app.app_context():
        db.drop_all()
        db.create_all()
        start = time.perf_counter()
        populate(args.respondents)
        print(f"{args.respondents} respondents on {db.engine.dialect.name} "
              f"(populated in {time.perf_counter() - start:.1f} s)")  # fmt: skip
        qobj = questionnaires.get_by_slug("plan-samenleven-2025")
        questionnaire = qobj.id
        cases: dict[str, Callable[[], object]] = {
            "baseline: SELECT count(*)": lambda: db.session.scalar(
                select(func.count()).select_from(Respondent)
            ),
            "baseline: load all + count in Python": lambda: python_counts(questionnaire),
            "overview (status counts)": lambda: tracking.overview(qobj),
            "by kind": lambda: tracking.by_column(qobj, "kind"),
            "by province": lambda: tracking.by_column(qobj, "province"),
            "per action": lambda: tracking.by_item(qobj),
            "respondent list, filtered (status+province)": lambda: tracking.respondent_rows(
                qobj, status="in_progress", attributes={"province": "Limburg"}
            ),
            "respondent list, all rows": lambda: tracking.respondent_rows(qobj),
        }
        figures = {name: measure(fn) for name, fn in cases.items()}
        print(str(tracking.overview(qobj).rate))
        base = figures["baseline: SELECT count(*)"]
        dashboard = sum(figures[k] for k in ("overview (status counts)", "by kind",
                                             "by province", "per action"))  # fmt: skip
        print(f"{'case':<48} {'median ms':>10} {'× count(*)':>11}")
        for name, seconds in figures.items():
            print(f"{name:<48} {seconds * 1000:10.1f} {seconds / base:11.1f}")
        naive = figures["baseline: load all + count in Python"]
        print(f"{'whole dashboard (4 aggregate queries)':<48} {dashboard * 1000:10.1f} "
              f"{dashboard / base:11.1f}")  # fmt: skip
        print(f"dashboard vs loading everything in Python: {naive / dashboard:.1f}× faster")


if __name__ == "__main__":
    main()
