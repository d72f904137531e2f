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
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _app(db_path: Path):  # noqa: ANN202
    import config
    from intake import create_app

    os.environ["INTAKE_INSTANCE_PATH"] = str(db_path.parent)
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{db_path}"
    return create_app(settings)


def populate(db_path: Path, count: int) -> None:
    """Registry and responses written with bulk inserts (``tests.support.bulk``)."""
    from intake.extensions import db
    from tests.support import bulk, factory

    app = _app(db_path)
    with app.app_context():
        db.create_all()
        bulk.responses(factory.load_questionnaire(factory.PLAN), count)


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
