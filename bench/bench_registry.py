"""Benchmark: import registry files, hostile and valid, in a fresh process each.

Reports time and peak memory (VmHWM of a fresh process per case) of
``registry.import_file`` into an empty SQLite database, for:
- a hostile .xlsx: about 150 kB on the wire, about 60 MB unpacked, 4,000 cells per row
  (as found in the attack), and the same made to unpack just under the size limit;
- a valid 50,000-row CSV (the largest registry accepted) and the same as .xlsx;
- the same process importing nothing (the baseline memory of the app itself).
Targets: the hostile file refused within seconds, valid ones within the worker
timeout, memory that does not grow with the file.

    .venv/bin/python bench/bench_registry.py [--rows 50000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADER = ["code", "naam", "soort", "provincie", "gemeenten", "contactpersoon", "e-mail", "acties"]
KINDS = ["centrumstad", "stad", "gemeente", "IGS"]
PROVINCES = ["Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen"]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Register" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


def _column(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def hostile_xlsx(rows: int = 715, width: int = 4_000) -> bytes:
    """A valid header, then rows of ``width`` cells: small zipped, large unpacked."""
    strings = [*HEADER, "x"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(f"<si><t>{s}</t></si>" for s in strings)
            + "</sst>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            header = "".join(
                f'<c r="{_column(i + 1)}1" t="s"><v>{i}</v></c>' for i in range(len(HEADER))
            )
            sheet.write(f'<row r="1">{header}</row>'.encode())
            x = len(HEADER)
            cells = f'<c t="s"><v>{x}</v></c>' * width  # no coordinates: they are optional
            for row in range(2, rows + 2):
                sheet.write(f'<row r="{row}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def valid_rows(count: int) -> list[list[str]]:
    rows = [HEADER]
    for n in range(1, count + 1):
        rows.append([
            f"G{n:05d}", f"Gemeente Nummer {n}", KINDS[n % 4], PROVINCES[n % 5],
            "Gemeente A; Gemeente B" if n % 4 == 3 else "", f"Contact {n}",
            f"contact{n}@gemeente{n}.be", "2;5;15",
        ])  # fmt: skip
    return rows


def valid_csv(count: int) -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(valid_rows(count))
    return buffer.getvalue().encode("utf-8")


def valid_xlsx(count: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Register")
    for row in valid_rows(count):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def case_import(source: Path, work: Path) -> dict:
    """Import ``source`` into a fresh SQLite database; ``source`` 'none' imports nothing."""
    os.environ["INTAKE_INSTANCE_PATH"] = str(work)
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite'}"
    import config as app_config
    from intake import create_app
    from intake.extensions import db
    from intake.services import questionnaires, registry

    app = create_app(app_config.DevelopmentConfig())
    with app.app_context():
        db.create_all()
        version, _ = questionnaires.store_file(
            ROOT / "questionnaires" / "plan-samenleven-2025.yaml"
        )
        questionnaire = version.questionnaire
        if source.name == "none":
            return {"seconds": 0.0, "outcome": "nothing imported"}
        data = source.read_bytes()
        start = time.perf_counter()
        report = registry.import_file(questionnaire, source.name, data)
        seconds = time.perf_counter() - start
        outcome = report.summary if report.written else str(report.problems[0])
        if not report.written and len(report.problems) > 1:
            outcome += f" (+{len(report.problems) - 1} problems)"
        db.engine.dispose()
    return {"seconds": seconds, "outcome": outcome}


def _peak_mib() -> float:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(source: Path, work: Path) -> dict:
    """Run one import in a fresh interpreter and report its time and peak memory."""
    case_dir = work / f"case-{source.name}"
    case_dir.mkdir()
    result = subprocess.run(
        [sys.executable, __file__, "--case", str(source), str(case_dir)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"case {source.name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--case", nargs=2, metavar=("SOURCE", "WORK"))
    args = parser.parse_args()
    if args.case:
        figures = case_import(Path(args.case[0]), Path(args.case[1]))
        figures["peak_mib"] = _peak_mib()
        print(json.dumps(figures))
        return

    work = Path(tempfile.mkdtemp(prefix="intake-registry-bench-"))
    files = {
        "hostile.xlsx": hostile_xlsx(),
        "hostile-45MB.xlsx": hostile_xlsx(rows=535),  # under the unpacked-size limit
        f"valid-{args.rows}.csv": valid_csv(args.rows),
        f"valid-{args.rows}.xlsx": valid_xlsx(args.rows),
    }
    for name, data in files.items():
        (work / name).write_bytes(data)
        print(f"{name}: {len(data) / 1024:,.0f} kB, {_unpacked(data) / 1024 / 1024:,.1f} MB "
              "unpacked")  # fmt: skip
    (work / "none").write_bytes(b"")
    print(f"{'case':<22} {'seconds':>8} {'peak MiB':>9}  outcome")
    for name in ["none", *files]:
        figures = run_case(work / name, work)
        label = "(app, nothing imported)" if name == "none" else name
        print(f"{label:<22} {figures['seconds']:8.1f} {figures['peak_mib']:9.0f}  "
              f"{figures['outcome'][:90]}")  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)


def _unpacked(data: bytes) -> int:
    if data[:2] != b"PK":
        return len(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


if __name__ == "__main__":
    main()
