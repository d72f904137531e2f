"""Benchmark: export submitted plan-samenleven responses with 10 actions each.

Reports time and peak memory (the peak resident memory of a fresh process per case):
- the Intake export (xlsx: every sheet, charts included, streamed from SQLite);
- (a) plain openpyxl write-only writing exactly the same cells (captured from the
  export beforehand, so only the writing is timed), in the same run;
- the Intake export of 10 times as many responses, to show memory does not grow
  with the number of responses.
Machines are noisy: the export and (a) run alternately ``--repeat`` times and the
fastest of each counts. Targets: within 1.15x (a), memory flat from N to 10N.

    .venv/bin/python bench/bench_export.py [--responses 10000] [--large 100000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ACTIONS = [str(n) for n in range(1, 25) if n not in (1, 3, 4, 12)]
# One text in twenty looks like a formula: it must be written as (quote-prefixed) text.
TEXTS = [
    "Dankzij de middelen konden we het aanbod verbreden en nieuwe doelgroepen bereiken.",
    "Zonder cofinanciering hadden we deze actie niet kunnen opstarten.",
    "Het thema staat nu steviger in ons meerjarenplan; de samenwerking werd structureel.",
    "De vraag blijft groot: er ontstonden wachtlijsten.",
    "Collega's uit cultuur, onderwijs en welzijn zoeken elkaar nu actiever op.",
] * 4 + ["=SUM(A1:A3) is geen formule maar tekst"]


def _app(db_path: Path):  # noqa: ANN202
    import config
    from intake import create_app

    os.environ["INTAKE_INSTANCE_PATH"] = str(db_path.parent)
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{db_path}"
    return create_app(settings)


def populate(db_path: Path, count: int) -> None:
    """Registry and responses written with bulk inserts (answers as the portal stores them)."""
    from sqlalchemy import insert, select

    from intake.extensions import db
    from intake.models import Answer, Respondent, RespondentItem, Response, utcnow
    from intake.services import questionnaires
    from tests.support import factory

    rng = random.Random(3)
    app = _app(db_path)
    with app.app_context():
        db.create_all()
        q = factory.load_questionnaire(factory.PLAN)
        version = questionnaires.live_version(q)
        now = utcnow()
        kinds = ["centrumstad", "stad", "gemeente", "igs"]
        db.session.execute(insert(Respondent), [
            {"questionnaire_id": q.id, "code": f"B{i:05d}", "name": f"Bestuur {i:05d}",
             "kind": kinds[i % 4], "province": "Limburg", "members": [], "created_at": now,
             "updated_at": now}
            for i in range(count)
        ])  # fmt: skip
        ids = db.session.scalars(select(Respondent.id).order_by(Respondent.id)).all()
        chosen = {respondent_id: rng.sample(ACTIONS, 10) for respondent_id in ids}
        db.session.execute(insert(RespondentItem), [
            {"respondent_id": respondent_id, "catalogue": "actions", "code": code}
            for respondent_id, codes in chosen.items() for code in codes
        ])  # fmt: skip
        db.session.execute(insert(Response), [
            {"respondent_id": respondent_id, "questionnaire_version_id": version.id,
             "status": "submitted", "revision": 1, "started_at": now, "updated_at": now,
             "submitted_at": now}
            for respondent_id in ids
        ])  # fmt: skip
        response_of = dict(db.session.execute(select(Response.respondent_id, Response.id)).all())
        cofin = [
            "niet_opgestart",
            "innovatie_actie",
            "innovatie_integratiebeleid",
            "innovatie_gelijkekansenbeleid",
            "innovatie_andere_acties",
            "voortzetting",
        ]
        rows = []
        for respondent_id, codes in chosen.items():
            add = _adder(rows, response_of[respondent_id], now)

            add("organisatie", "naam", f"Bestuur {respondent_id}")
            add("organisatie", "type", kinds[respondent_id % 4])
            add("organisatie", "provincie", "Limburg")
            add("organisatie", "via_igs", "nee")
            add("organisatie", "contact_naam", "Ann Peeters")
            add("organisatie", "contact_email", "ann@voorbeeld.be")
            add("organisatie", "acties", sorted(codes, key=int))
            for code in codes:
                add("actie", "succes", rng.choice([5, 4, 4, 3, 2]), code)
                add("actie", "succes_toelichting", rng.choice(TEXTS), code)
                add("actie", "cofinanciering", rng.sample(cofin, 2), code)
                add("actie", "verankering", rng.choice(TEXTS), code)
            add("zonder_cofinanciering", "acties", ["4", "12"])
            add("partners", "beoordeling", 4)
            add("agii", "tevredenheid", 4)
            add("agii", "zelf_beheren", "ja")
            add("planlast", "stelling", 4)
            add("meerwaarde", "meerwaarde", ["financiele_middelen", "ondersteuning"])
            add("stopzetting", "gevolgen", ["minder_ruimte"])
            add("afsluiting", "opmerkingen", rng.choice(TEXTS))
            if len(rows) >= 50_000:
                db.session.execute(insert(Answer), rows)
                rows = []
        if rows:
            db.session.execute(insert(Answer), rows)
        db.session.commit()


def _adder(rows: list[dict], response_id: int, now: object):  # noqa: ANN202
    def add(section: str, question: str, value: object, item: str = "") -> None:
        rows.append({"response_id": response_id, "section": section, "item": item,
                     "question": question, "value": value, "is_valid": True, "revision": 1,
                     "updated_at": now})  # fmt: skip

    return add


def case_export(db_path: Path, out: Path) -> dict:
    from intake.extensions import db
    from intake.services import export, questionnaires

    app = _app(db_path)
    with app.app_context():
        q = questionnaires.get_by_slug("plan-samenleven-2025")
        start = time.perf_counter()
        with open(out, "wb") as handle:
            count = export.write(q, handle)
        seconds = time.perf_counter() - start
        db.engine.dispose()
    return {"seconds": seconds, "responses": count}


def case_capture(xlsx: Path, out: Path) -> dict:
    """Read the export back, to replay exactly the same cells in the baselines."""
    from openpyxl import load_workbook

    workbook = load_workbook(xlsx, read_only=True)
    sheets = {name: [list(r) for r in workbook[name].iter_rows(values_only=True)]
              for name in workbook.sheetnames}  # fmt: skip
    with open(out, "wb") as handle:
        pickle.dump(sheets, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return {"cells": sum(len(r) for rows in sheets.values() for r in rows)}


def case_openpyxl(captured: Path, out: Path) -> dict:
    from openpyxl import Workbook

    with open(captured, "rb") as handle:
        sheets = pickle.load(handle)
    start = time.perf_counter()
    workbook = Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(out)
    return {"seconds": time.perf_counter() - start}


def _peak_mib() -> float:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


CASES = {"export": case_export, "capture": case_capture, "openpyxl": case_openpyxl}


def run_case(name: str, source: Path, out: Path) -> dict:
    """Run one case in a fresh interpreter and report its time and peak memory."""
    result = subprocess.run(
        [sys.executable, __file__, "--case", name, str(source), str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"case {name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000, help="0: skip the large case")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--case", nargs=3, metavar=("NAME", "SOURCE", "OUT"))
    args = parser.parse_args()
    if args.case:
        name, source, out = args.case
        figures = CASES[name](Path(source), Path(out))
        figures["peak_mib"] = _peak_mib()
        print(json.dumps(figures))
        return

    work = Path(tempfile.mkdtemp(prefix="intake-export-bench-"))
    big = work / "big.sqlite"
    start = time.perf_counter()
    populate(big, args.responses)
    print(f"{args.responses} responses × 10 actions populated in "
          f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    exports, plains = [], []
    capture = None
    for _ in range(args.repeat):
        exports.append(run_case("export", big, work / "export.xlsx"))
        if capture is None:
            capture = run_case("capture", work / "export.xlsx", work / "cells.pickle")
        plains.append(run_case("openpyxl", work / "cells.pickle", work / "plain.xlsx"))
    assert capture is not None
    print(f"{capture['cells']:,} cells in the workbook")
    export = min(exports, key=lambda f: f["seconds"])
    plain = min(plains, key=lambda f: f["seconds"])
    results = {
        f"intake export, {args.responses:,} responses": export,
        "(a) plain openpyxl write-only, same cells": plain,
    }
    if args.large:
        large = work / "large.sqlite"
        start = time.perf_counter()
        populate(large, args.large)
        print(f"{args.large} responses populated in {time.perf_counter() - start:.0f} s")
        big.unlink()
        results[f"intake export, {args.large:,} responses"] = run_case(
            "export", large, work / "large.xlsx"
        )
    base = plain["seconds"]
    print(f"{'case':<44} {'seconds':>8} {'× (a)':>7} {'peak MiB':>9}")
    for name, figures in results.items():
        print(f"{name:<44} {figures['seconds']:8.1f} {figures['seconds'] / base:7.2f} "
              f"{figures['peak_mib']:9.0f}")  # fmt: skip
    print("all runs (export / plain):", [round(f["seconds"], 1) for f in exports],
          [round(f["seconds"], 1) for f in plains])  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
