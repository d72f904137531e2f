"""Registry import: valid files, every kind of bad row, all-or-nothing, re-import."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Questionnaire, Respondent
from intake.services import registry, response_state, responses
from tests.support import factory
from tests.support.html import csrf_token

HEADER = "code;naam;soort;provincie;gemeenten;contactpersoon;e-mail;acties"


def _plan(app: Flask) -> Questionnaire:
    with app.app_context():
        return factory.load_questionnaire(factory.PLAN)


def _import(app: Flask, data: bytes, name: str = "register.csv", **kwargs: bool):  # noqa: ANN202
    with app.app_context():
        q = db.session.scalar(select(Questionnaire))
        return registry.import_file(q, name, data, **kwargs)


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Respondent))


VALID_CSV = (
    f"{HEADER}\n"
    "CS04;Stad Noordhaven;centrumstad;Antwerpen;;Ann Peeters;ann@noordhaven.be;2 5 15 24\n"
    "G02;Gemeente Lindeloo;Gemeente;limburg;;Bart Claes;bart@lindeloo.be;5\n"
    'IGS01;IGS Kempen Samen;IGS;Antwerpen;"Gemeente A; Gemeente B";"Eva Jans; Tom Maes";'
    '"eva@igs.be; tom@igs.be";"13;24"\n'
).encode()


def test_valid_semicolon_csv_is_imported(app: Flask) -> None:
    _plan(app)
    report = _import(app, VALID_CSV)
    assert report.problems == [] and report.written
    assert (report.created, report.updated) == (3, 0)
    with app.app_context():
        igs = db.session.scalar(select(Respondent).where(Respondent.code == "IGS01"))
        assert igs.kind == "igs" and igs.attributes["province"] == "Antwerpen"
        assert igs.attributes["members"] == ["Gemeente A", "Gemeente B"]
        assert [(c.name, c.email) for c in igs.contacts] == [
            ("Eva Jans", "eva@igs.be"), ("Tom Maes", "tom@igs.be"),
        ]  # fmt: skip
        assert igs.item_codes("actions") == ["13", "24"]
        g02 = db.session.scalar(select(Respondent).where(Respondent.code == "G02"))
        assert g02.attributes["province"] == "Limburg" and g02.kind == "gemeente"
        cs04 = db.session.scalar(select(Respondent).where(Respondent.code == "CS04"))
        assert cs04.item_codes("actions") == ["2", "5", "15", "24"]


def test_valid_xlsx_with_comma_free_numbers_is_imported(app: Flask) -> None:
    _plan(app)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Code", "Naam", "Soort", "Provincie", "E-mail", "Acties"])
    sheet.append([12345, "Gemeente Zandloo", "gemeente", "West-Vlaanderen", "info@zandloo.be", 5])
    sheet.append(["S07", "Stad Beekveld", "stad", "Oost-Vlaanderen", "a@beekveld.be", "2;15"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = _import(app, buffer.getvalue(), "register.xlsx")
    assert report.problems == [] and report.created == 2
    with app.app_context():
        respondent = db.session.scalar(select(Respondent).where(Respondent.code == "12345"))
        assert respondent.item_codes("actions") == ["5"]


BAD_ROWS = [
    # (row text, expected column, expected part of the message)
    (";Zonder code;stad;Antwerpen;;;x@y.be;5", "code", "de code ontbreekt"),
    ("B1;Dorp;dorp;Antwerpen;;;x@y.be;5", "soort", "onbekende soort 'dorp'"),
    (
        "B2;Stad;stad;Henegouwen;;;x@y.be;5",
        "provincie",
        "onbekende waarde 'Henegouwen' voor provincie",
    ),
    ('B3;Stad;stad;Limburg;;;x@y.be;"5;99"', "acties", "onbekende code '99'"),
    ("B11;Stad;stad;Limburg;;;x@y.be;5;13", None, "meer cellen dan er kolommen zijn"),
    ("B4;Stad;stad;Limburg;;;geen-adres;5", "e-mail", "'geen-adres' is geen geldig e-mailadres"),
    ("CS04;Dubbel;stad;Limburg;;;x@y.be;5", "code", "code 'CS04' staat ook al op rij 2"),
    ("B5;;stad;Limburg;;;x@y.be;5", "naam", "de naam ontbreekt"),
    ("B6;Stad;stad;Limburg;;;;5", "e-mail", "er is geen e-mailadres"),
    ("B7;Stad;;Limburg;;;x@y.be;5", "soort", "de soort ontbreekt"),
    ("B8;Stad;stad;;;;x@y.be;5", "provincie", "geen provincie ingevuld"),
    ("B 9!;Stad;stad;Limburg;;;x@y.be;5", "code", "is geen geldige code"),
    ('B10;Stad;stad;Limburg;;"Een; Twee";x@y.be;5', "contactpersoon", "meer contactpersonen"),
]


def test_every_bad_row_is_reported_and_nothing_is_written(app: Flask) -> None:
    _plan(app)
    lines = [HEADER, "CS04;Stad Noordhaven;centrumstad;Antwerpen;;Ann;ann@n.be;2"]
    lines += [row for row, _, _ in BAD_ROWS]
    report = _import(app, ("\n".join(lines) + "\n").encode())
    assert not report.written
    assert _count(app) == 0
    for offset, (_, column, message) in enumerate(BAD_ROWS):
        row = offset + 3  # header is row 1, the valid row is row 2
        assert any(p.row == row and p.column == column and message in p.message
                   for p in report.problems), (row, column, message, report.problems)  # fmt: skip
    assert len(report.problems) == len(BAD_ROWS)  # one clear message per problem


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("leeg.csv", b"", "het bestand is leeg"),
        ("leeg.csv", b"\n\n;;;\n", "het bestand is leeg"),
        ("kolommen.csv", b"id;titel\n1;x\n", "verplichte kolommen ontbreken"),
        ("alleen-kop.csv", (HEADER + "\n").encode(), "alleen kolomnamen"),
        ("foto.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "geen geldige Excel-werkmap"),
        ("foto.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "geen tekstbestand"),
        ("kapot.xlsx", b"PK\x03\x04 dit is geen zip", "geen geldige Excel-werkmap"),
        ("latin1.csv", "code;naam\nG1;Café\n".encode("latin-1"), "niet in UTF-8"),
        ("register.pdf", b"%PDF-1.4", "geen .xlsx- of .csv-bestand"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(
    app: Flask, name: str, data: bytes, message: str
) -> None:
    _plan(app)
    report = _import(app, data, name)
    assert not report.written and _count(app) == 0
    assert any(message in str(p) for p in report.problems), report.problems


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_nul_deep_in_a_csv_is_reported_with_its_row(app: Flask, skip_invalid: bool) -> None:
    """A NUL after the first 4 KB (where a binary check would look) is named, not a crash."""
    _plan(app)
    rows = [f"G{i};Gemeente {i};gemeente;Limburg;;;g{i}@example.be;5" for i in range(2, 150)]
    rows[98] = "G100;Gemeente\x00Honderd;gemeente;Limburg;;;g100@example.be;5"
    data = (HEADER + "\n" + "\n".join(rows) + "\n").encode()
    assert data.index(b"\x00") > 4096
    report = _import(app, data, skip_invalid=skip_invalid)
    assert not report.written and _count(app) == 0
    assert [str(p) for p in report.problems] == [
        "rij 100: het bestand bevat NUL-tekens: het is geen tekstbestand (CSV); bewaar het "
        "in Excel als 'CSV UTF-8' of als .xlsx"
    ]


def test_skip_invalid_imports_the_valid_rows(app: Flask) -> None:
    _plan(app)
    data = (f"{HEADER}\nG1;Gemeente Een;gemeente;Limburg;;;a@b.be;5\n"
            "G2;Gemeente Twee;dorp;Limburg;;;a@b.be;5\n").encode()  # fmt: skip
    assert not _import(app, data).written
    report = _import(app, data, skip_invalid=True)
    assert report.written and report.created == 1 and report.skipped_rows == [3]


def test_reimport_updates_by_code_and_keeps_responses(app: Flask) -> None:
    _plan(app)
    assert _import(app, VALID_CSV).created == 3
    with app.app_context():
        respondent = db.session.scalar(select(Respondent).where(Respondent.code == "CS04"))
        state = response_state.load_state(respondent)
        responses.save_page(
            respondent, "planlast", None, {"stelling": ("4", None)}, state.revision, "t"
        )
    changed = VALID_CSV.replace(b"Stad Noordhaven", b"Stad Noordhaven-aan-Zee").replace(
        b"2 5 15 24", b"2 5"
    )
    report = _import(app, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    with app.app_context():
        respondent = db.session.scalar(select(Respondent).where(Respondent.code == "CS04"))
        assert respondent.name == "Stad Noordhaven-aan-Zee" and respondent.item_codes(
            "actions"
        ) == ["2", "5"]
        assert response_state.load_state(respondent).value("planlast", "", "stelling") == 4
    # A file without CS04 deletes nothing either.
    only_g02 = b"\n".join(VALID_CSV.splitlines()[0:1] + VALID_CSV.splitlines()[2:3]) + b"\n"
    assert _import(app, only_g02).written and _count(app) == 3


def test_cli_import_reports_rows_and_exit_code(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    _plan(app)
    bad = tmp_path / "fout.csv"
    bad.write_bytes(f"{HEADER}\nG1;Gemeente;dorp;Limburg;;;a@b.be;5\n".encode())
    result = runner.invoke(args=["respondents", "import", str(bad), "-q", "plan-samenleven-2025"])
    assert result.exit_code == 1
    assert f"{bad}: rij 2, kolom 'soort': onbekende soort 'dorp'" in result.output
    assert "niets geïmporteerd" in result.output
    good = tmp_path / "goed.csv"
    good.write_bytes(VALID_CSV)
    ok = runner.invoke(args=["respondents", "import", str(good), "-q", "plan-samenleven-2025"])
    assert ok.exit_code == 0 and "3 nieuw, 0 bijgewerkt" in ok.output


def test_admin_upload_template_and_escaping(app: Flask, admin_client: FlaskClient) -> None:
    _plan(app)
    admin = admin_client
    page = "/admin/vragenlijsten/plan-samenleven-2025"
    template = admin.get(f"{page}/register-sjabloon.xlsx")
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.data)).active
    assert [c.value for c in sheet[1]][:7] == [
        "code", "naam", "soort", "provincie", "gemeenten", "contactpersoon", "e-mail",
    ]  # fmt: skip
    # The template itself imports cleanly.
    assert _import(app, template.data, "sjabloon.xlsx").written

    bad = admin.post(
        f"{page}/register",
        data={"csrf_token": csrf_token(admin, page),
              "file": (io.BytesIO(b"code;naam\n1;x\n"), "fout.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert bad.status_code == 422
    assert "verplichte kolommen ontbreken" in bad.get_data(as_text=True)

    hostile = (f"{HEADER}\nX1;<script>alert(1)</script>;stad;Limburg;;"
               "<img src=x onerror=alert(2)>;a@b.be;5\n").encode()  # fmt: skip
    done = admin.post(
        f"{page}/register",
        data={"csrf_token": csrf_token(admin, page), "file": (io.BytesIO(hostile), "x.csv")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    listing = admin.get(f"{page}/respondenten").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    with app.app_context():
        respondent_id = db.session.scalar(select(Respondent.id).where(Respondent.code == "X1"))
    detail = admin.get(f"/admin/respondenten/{respondent_id}").get_data(as_text=True)
    assert "<img src=x" not in detail


def test_a_zip_bomb_disguised_as_workbook_is_refused_unread(app: Flask) -> None:
    _plan(app)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/sharedStrings.xml", "w") as entry:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(60):
                entry.write(chunk)
    assert len(buffer.getvalue()) < 2 * 1024 * 1024  # small on the wire
    report = _import(app, buffer.getvalue(), "bom.xlsx")
    assert not report.written
    assert "uitgepakt groter dan 50 MB" in str(report.problems[0])


def test_control_characters_are_cleaned_at_import(app: Flask) -> None:
    """A control character (which no one types) would make the identities export fail."""
    _plan(app)
    data = (f"{HEADER}\n"
            "G1;Gemeente\x01Bel;gemeente;Limburg;Gemeente\x0bA; Ann\x1f Peeters ;a@b.be;5\n"
            "G2;Gemeente\x7fTwee\x08;gemeente;Limburg;;;b@b.be;5\n").encode()  # fmt: skip
    report = _import(app, data)
    assert report.written and report.problems == [], report.problems
    with app.app_context():
        one = db.session.scalar(select(Respondent).where(Respondent.code == "G1"))
        assert one.name == "GemeenteBel" and one.attributes["members"] == ["GemeenteA"]
        assert [(c.name, c.email) for c in one.contacts] == [("Ann Peeters", "a@b.be")]
        two = db.session.scalar(select(Respondent).where(Respondent.code == "G2"))
        assert two.name == "GemeenteTwee"


# --------------------------------------------------------------------------- bounds

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/blad1.xml" ContentType="{_OFFICE}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_OFFICE}.sharedStrings+xml"/>'
    "</Types>"
)


def _workbook(sheet_data: str, strings: list[str] | None = None, raw_strings: str = "") -> bytes:
    """A minimal .xlsx package around hand-written sheet XML, as other tools write them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Register" sheetId="1" r:id="rId7"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE}">'
            f'<Relationship Id="rId7" Type="{REL}/worksheet" Target="/xl/worksheets/blad1.xml"/>'
            f'<Relationship Id="rId8" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        items = raw_strings + "".join(f"<si><t>{s}</t></si>" for s in strings or [])
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{items}</sst>')
        with archive.open("xl/worksheets/blad1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            sheet.write(sheet_data.encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _header_row() -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADER.split(";"))
    return f'<row r="1">{cells}</row>'


def test_a_tiny_workbook_with_thousands_of_columns_is_refused_at_once(app: Flask) -> None:
    """187 kB that unpacked to 60 MB with 4,000 cells a row tied up a worker for 105 s."""
    _plan(app)
    wide = '<c t="inlineStr"><is><t>x</t></is></c>' * 4_000
    data = _workbook(_header_row() + "".join(f'<row r="{r}">{wide}</row>' for r in range(2, 300)))
    assert len(data) < 200_000  # small on the wire
    report = _import(app, data, "breed.xlsx")
    assert not report.written and _count(app) == 0
    assert [str(p) for p in report.problems] == [
        "rij 2: het bestand heeft meer dan 100 kolommen; een register heeft er een tiental"
    ]


def test_a_workbook_of_empty_cells_is_refused_by_its_number_of_cells(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every cell takes work, empty or not: reading stops at the first one too many,
    even in the middle of a row (the limit is lowered here to keep the test quick)."""
    _plan(app)
    monkeypatch.setattr(registry, "MAX_CELLS", 100_000)
    data = _workbook(_header_row() + '<row r="2">' + "<c/>" * 110_000 + "</row>")
    report = _import(app, data, "leeg.xlsx")
    assert [str(p) for p in report.problems] == [
        "rij 2: het bestand heeft meer dan 100.000 cellen; een register van 50.000 rijen "
        "heeft er hoogstens enkele honderdduizenden"
    ]


def test_a_csv_with_too_many_columns_is_refused(app: Flask) -> None:
    _plan(app)
    data = (f"{HEADER}\n" + "G1;" + ";".join(["x"] * 150) + "\n").encode()
    report = _import(app, data)
    assert [str(p) for p in report.problems] == [
        "rij 2: het bestand heeft meer dan 100 kolommen; een register heeft er een tiental"
    ]


def test_reading_is_bounded_in_time(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    _plan(app)
    monkeypatch.setattr(registry, "MAX_SECONDS", 0.0)
    report = _import(app, VALID_CSV)
    assert not report.written and _count(app) == 0
    assert "het lezen duurde langer dan 0 seconden" in str(report.problems[0])


def test_nul_bytes_anywhere_in_a_csv_are_a_clear_problem(app: Flask) -> None:
    _plan(app)
    padding = "".join(f"G{n};Gemeente {n};gemeente;Limburg;;;g{n}@b.be;5\n" for n in range(200))
    data = (f"{HEADER}\n{padding}G999;Gemeente\x00Nul;gemeente;Limburg;;;a@b.be;5\n").encode()
    assert data.index(b"\x00") > 4096
    report = _import(app, data)
    assert not report.written and _count(app) == 0
    assert [str(p) for p in report.problems] == [
        "rij 202: het bestand bevat NUL-tekens: het is geen tekstbestand (CSV); bewaar het in "
        "Excel als 'CSV UTF-8' of als .xlsx"
    ]


def test_workbooks_from_other_tools_are_read_alike(app: Flask) -> None:
    """Shared and inline strings, rich text, cells and rows without a reference,
    numbers, booleans and cached formula results, as Excel, LibreOffice and others write."""
    rich = "<si><r><t>Stad </t></r><r><rPr><b/></rPr><t>Beek</t></r><rPh><t>x</t></rPh></si>"
    sheet = (
        _header_row()
        + '<row r="3"><c r="A3"><v>12345</v></c><c t="s"><v>0</v></c><c t="s"><v>1</v></c>'
        '<c t="str"><f>"Lim"&amp;"burg"</f><v>Limburg</v></c><c r="G3" t="inlineStr"><is>'
        "<t>a@b.be</t></is></c><c><v>5.0</v></c></row>"
        '<row><c r="A4" t="inlineStr"><is><t xml:space="preserve"> S7 </t></is></c>'
        '<c r="B4" t="s"><v>2</v></c><c r="C4" t="inlineStr"><is><t>stad</t></is></c>'
        '<c r="D4" t="inlineStr"><is><t>Limburg</t></is></c><c r="F4" t="b"><v>1</v></c>'
        '<c r="G4" t="inlineStr"><is><t>c@d.be</t></is></c><c r="H4"><v>1.5E1</v></c></row>'
    )
    data = _workbook(sheet, ["stad", "Stad Zonder Rich"], raw_strings=rich)
    rows = list(registry.read_rows("register.xlsx", data))
    assert rows == [
        (1, HEADER.split(";")),
        (3, ["12345", "Stad Beek", "stad", "Limburg", "", "", "a@b.be", "5"]),
        (4, ["S7", "Stad Zonder Rich", "stad", "Limburg", "", "True", "c@d.be", "15"]),
    ]


def _big_csv(rows: int, bad_row: int | None = None) -> bytes:
    lines = [HEADER]
    for n in range(1, rows + 1):
        kind = "dorp" if n == bad_row else ("gemeente", "stad", "centrumstad", "IGS")[n % 4]
        lines.append(f"G{n:05d};Gemeente {n};{kind};Limburg;;Contact {n};c{n}@g{n}.be;2 5")
    return ("\n".join(lines) + "\n").encode()


def test_large_files_are_all_or_nothing_across_chunks(app: Flask) -> None:
    _plan(app)
    report = _import(app, _big_csv(3_000, bad_row=2_990))
    assert not report.written and _count(app) == 0
    assert [(p.row, p.column) for p in report.problems] == [(2_991, "soort")]
    skipped = _import(app, _big_csv(3_000, bad_row=2_990), skip_invalid=True)
    assert skipped.written and skipped.created == 2_999 and skipped.skipped_rows == [2_991]
    again = _import(app, _big_csv(3_000).replace(b"Gemeente 1500;", b"Gemeente 1500 bis;"))
    assert (again.created, again.updated, again.unchanged) == (1, 1, 2_998)
    with app.app_context():
        q = db.session.scalar(select(Questionnaire))
        respondent = factory.by_code(q, "G01500")
        assert respondent.name == "Gemeente 1500 bis" and respondent.item_codes("actions") == [
            "2",
            "5",
        ]
        assert [(c.name, c.email) for c in respondent.contacts] == [
            ("Contact 1500", "c1500@g1500.be")
        ]
        assert factory.by_code(q, "G02990").kind == "centrumstad"  # 2990 % 4 == 2


def test_memory_does_not_grow_with_the_file(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A valid 50,000-row CSV took 847 MB: rows are checked as they stream and written
    in chunks with Core statements, never as one object per row."""
    _plan(app)
    monkeypatch.setattr(registry, "MAX_SECONDS", 600.0, raising=False)  # tracemalloc is slow
    data = _big_csv(5_000)
    tracemalloc.start()
    try:
        report = _import(app, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.written and report.created == 5_000
    assert peak < 20 * 1024 * 1024, f"{peak / 1024 / 1024:.0f} MiB"
