"""The analysis export, read back cell by cell; formula injection; versions; round trip."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import event, select

from intake.extensions import db
from intake.models import AuditEvent, Questionnaire, Respondent
from intake.services import (
    export,
    import_responses,
    pseudonyms,
    questionnaires,
    response_state,
    responses,
)
from tests.support import factory, jobs
from tests.support.workbook import frequency_tables

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"]

COMMON = {
    "zonder_cofinanciering": {"acties": (["4", "12"], None)},
    "partners": {"beoordeling": ("4", None), "welke": ("FMDO", None)},
    "agii": {"tevredenheid": ("5", None), "zelf_beheren": ("nee", None)},
    "planlast": {"stelling": ("4", None)},
    "meerwaarde": {"meerwaarde": (["financiele_middelen", "other"], "Zichtbaarheid")},
    "stopzetting": {"gevolgen": (["braindrain"], None)},
}


def _respond(
    respondent: Respondent, pages: dict[tuple[str, str | None], dict], submit: bool
) -> None:
    for (section, item), posted in pages.items():
        state = response_state.load_state(respondent)
        outcome = responses.save_page(respondent, section, item, posted, state.revision, "test")
        assert outcome.status == "saved" and not outcome.problems, (section, outcome.problems)
    if submit:
        assert responses.submit(respondent, "test").status == "submitted"


@pytest.fixture
def exported_registry(app: Flask) -> dict[str, int]:
    """CS (actions 5, 15) and G (action 5) submitted, IGS (5) a draft, S not started."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        cs = factory.respondent(q, "10001", name="Stad Noordhaven", kind="centrumstad",
                                  items={"actions": ["5", "15"]})  # fmt: skip
        g = factory.respondent(q, "20002", name="Gemeente Lindeloo", kind="gemeente",
                                 province="Limburg", items={"actions": ["5"]})  # fmt: skip
        igs = factory.respondent(q, "IGS-1", name="IGS Kempen", kind="igs",
                                   items={"actions": ["5"]})  # fmt: skip
        factory.respondent(q, "30003", name="Stad Beekveld", kind="stad", items={"actions": ["2"]})
        _respond(cs, {
            ("organisatie", None): {"via_igs": ("nee", None), "contact_functie": ("Expert", None)},
            ("actie", "5"): {"succes": ("5", None), "succes_toelichting": (HOSTILE[0], None),
                             "cofinanciering": (["voortzetting", "other"], HOSTILE[1])},
            ("actie", "15"): {"succes": ("3", None), "cofinanciering": (["niet_opgestart"], None),
                              "verankering": (HOSTILE[2], None)},
            **{(s, None): p for s, p in COMMON.items()},
            ("afsluiting", None): {"opmerkingen": (HOSTILE[3], None)},
        }, submit=True)  # fmt: skip
        _respond(g, {
            ("organisatie", None): {"via_igs": ("ja", None)},
            ("actie", "5"): {"succes": ("4", None), "cofinanciering": (["innovatie_actie"], None)},
            ("intergemeentelijk", None): {"beoordeling": ("4", None)},
            **{(s, None): p for s, p in COMMON.items()},
        }, submit=True)  # fmt: skip
        _respond(igs, {("actie", "5"): {"succes": ("2", None)}}, submit=False)
        return {"CS": cs.id, "G": g.id, "IGS": igs.id}


def _export(app: Flask, **options: Any) -> Any:
    buffer = io.BytesIO()
    with app.app_context():
        q = db.session.scalar(select(Questionnaire))
        export.write(q, buffer, "xlsx", export.ExportOptions(**options))
    return load_workbook(io.BytesIO(buffer.getvalue()))


def _rows(sheet: Any) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def _codes(app: Flask, ids: dict[str, int]) -> dict[str, str]:
    with app.app_context():
        return {k: db.session.get(Respondent, v).pseudonym for k, v in ids.items()}


SHEETS = ["Overzicht", "Samenvatting per item", "Samenvatting", "Frequenties", "Open antwoorden",
          "Antwoorden", "Per actie", "Codeboek"]  # fmt: skip


def test_workbook_sheets_cell_by_cell(app: Flask, exported_registry: dict[str, int]) -> None:
    workbook = _export(app)
    codes = _codes(app, exported_registry)
    assert workbook.sheetnames == SHEETS
    assert codes["CS"] == "CS01" and codes["G"] == "G01" and codes["IGS"] == "IGS01"

    # Overzicht: response rate against the invited respondents.
    # (Six columns wide since the per-item rows carry the units covered.)
    overzicht = [row[:4] for row in _rows(workbook["Overzicht"])]
    assert overzicht[0][:2] == ("Vragenlijst", "Bevraging Plan Samenleven – projectjaar 3")
    assert overzicht[2][:2] == ("Versie(s)", "3")
    assert isinstance(overzicht[3][1], dt.datetime)
    # Stad Beekveld never got (or opened) an invitation: it is no part of the rate.
    assert ("Totaal", 2, 3, 0.67) in overzicht
    assert ("Centrumstad", 1, 1, 1) in overzicht and ("Stad", 0, 0, 0) in overzicht
    assert ("5", "Oefenkansen Nederlands organiseren", 3, 2) in overzicht
    # Each of the three stands for one local government (no IGS with members here).
    assert ("5", "Oefenkansen Nederlands organiseren", 3, 2, 3, 2) in _rows(workbook["Overzicht"])

    # Antwoorden: one row per submitted response, identities left out.
    sheet = workbook["Antwoorden"]
    rows = _rows(sheet)
    header = rows[0]
    # The registry's attributes right after the code (deliberately added in issue 15).
    # (The IGS members are identifying: only in the identities sheet.)
    assert header[:5] == ("code", "province", "versie", "ingediend_op", "organisatie.type")
    assert "organisatie.naam" not in header and "organisatie.contact_email" not in header
    assert "organisatie.contact_functie" not in header  # marked identifying: true
    assert [r[0] for r in rows[1:]] == ["CS01", "G01"]  # the draft is not exported
    cs = dict(zip(header, rows[1], strict=True))
    g = dict(zip(header, rows[2], strict=True))
    assert cs["versie"] == 3 and isinstance(cs["ingediend_op"], dt.datetime)
    assert cs["organisatie.type"] == "centrumstad" and cs["organisatie.via_igs"] == "nee"
    assert cs["organisatie.acties.5"] == 1 and cs["organisatie.acties.2"] == 0
    assert cs["actie[5].succes"] == 5 and g["actie[5].succes"] == 4
    assert cs["actie[5].cofinanciering.voortzetting"] == 1
    assert cs["actie[5].cofinanciering.niet_opgestart"] == 0
    assert cs["actie[5].cofinanciering.other"] == 1
    assert cs["actie[5].cofinanciering.other_text"] == "+1"
    assert cs["actie[5].succes_toelichting"] == '=HYPERLINK("http://x","y")'
    assert cs["actie[15].succes"] == 3 and g["actie[15].succes"] is None  # not G's action
    assert cs["actie[2].succes"] is None
    assert cs["intergemeentelijk.beoordeling"] is None  # hidden for CS: not via an IGS
    assert g["intergemeentelijk.beoordeling"] == 4
    assert cs["zonder_cofinanciering.acties.12"] == 1 and cs["zonder_cofinanciering.acties.2"] == 0
    assert cs["afsluiting.opmerkingen"] == "@SUM(A1)"
    assert g["afsluiting.opmerkingen"] is None
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}3"
    # Hostile texts are text, never formulas, and stay text when edited.
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value in HOSTILE:
                assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate

    # Per actie: one row per response and action.
    per_action = _rows(workbook["Per actie"])
    assert per_action[0][:5] == ("code", "item", "item_titel", "succes", "succes_toelichting")
    assert [(r[0], r[1], r[3]) for r in per_action[1:]] == [
        ("CS01", "5", 5), ("CS01", "15", 3), ("G01", "5", 4),
    ]  # fmt: skip
    assert per_action[1][2] == "Oefenkansen Nederlands organiseren"

    # Frequenties: counts and shares of those who answered, with n and the base asked;
    # a scale in its own order with its top 2, options by share with "other" last.
    tables = frequency_tables(workbook["Frequenties"])
    succes = tables["actie[5].succes"]
    assert succes.title == (
        "Hoe succesvol was deze actie in je bestuur? – Actie 5: Oefenkansen Nederlands "
        "organiseren (n = 2)"
    )
    assert succes.lines == [
        (5, "Zeer succesvol", 1, 0.5, 2, 2), (4, "Succesvol", 1, 0.5, 2, 2),
        (3, "Neutraal", 0, 0, 2, 2), (2, "Minder succesvol", 0, 0, 2, 2),
        (1, "Onsuccesvol", 0, 0, 2, 2), (None, "top 2: zeer succesvol of succesvol", 2, 1, 2, 2),
    ]  # fmt: skip
    options = tables["actie[5].cofinanciering"]
    assert [(line[0], line[2], line[3]) for line in options.lines] == [
        ("innovatie_actie", 1, 0.5), ("voortzetting", 1, 0.5), ("niet_opgestart", 0, 0),
        ("innovatie_integratiebeleid", 0, 0), ("innovatie_gelijkekansenbeleid", 0, 0),
        ("innovatie_andere_acties", 0, 0), ("other", 1, 0.5),
    ]  # fmt: skip
    assert options.title.startswith("Wat heeft de Vlaamse cofinanciering voor deze actie")
    pooled = tables["actie[*].succes"]
    assert pooled.title == (
        "Hoe succesvol was deze actie in je bestuur? – alle items samen (gepoold, n = 3 antwoorden)"
    )
    assert [line[2] for line in pooled.lines[:5]] == [1, 1, 1, 0, 0]  # 5 and 4 (action 5), 3
    charted = [name for name, table in tables.items() if table.lines[0][4]]
    assert len(workbook["Frequenties"]._charts) == len(charted)

    # Open antwoorden: by item, then question; the code and kind only.
    quotes = _rows(workbook["Open antwoorden"])
    assert quotes[0] == ("item", "item_titel", "vraag", "code", "soort", "antwoord", "variabele")
    texts = {(r[3], r[6]): r[5] for r in quotes[1:]}
    assert texts[("CS01", "actie[5].succes_toelichting")] == HOSTILE[0]
    assert texts[("CS01", "actie[5].cofinanciering.other_text")] == "+1"
    assert texts[("CS01", "actie[15].verankering")] == "-2+3"
    assert texts[("CS01", "meerwaarde.meerwaarde.other_text")] == "Zichtbaarheid"
    assert not any("Noordhaven" in str(v) or v == "Expert" for r in quotes for v in r)
    assert [(r[0], r[6], r[3]) for r in quotes[1:]] == [  # by item, question, then code
        ("5", "actie[5].succes_toelichting", "CS01"),
        ("5", "actie[5].cofinanciering.other_text", "CS01"),
        ("15", "actie[15].verankering", "CS01"),
        (None, "partners.welke", "CS01"), (None, "partners.welke", "G01"),
        (None, "meerwaarde.meerwaarde.other_text", "CS01"),
        (None, "meerwaarde.meerwaarde.other_text", "G01"),
        (None, "afsluiting.opmerkingen", "CS01"),
    ]  # fmt: skip
    assert quotes[[r[6] for r in quotes].index("actie[15].verankering")][:5] == (
        "15", "Brug leggen naar onderwijs",
        "Heeft de actie geleid tot een structurele verandering of verankering in je beleid of "
        "werking? Hoe?", "CS01", "Centrumstad",
    )  # fmt: skip

    # Codeboek, with the SPSS name of each variable.
    codebook = {r[0]: r for r in _rows(workbook["Codeboek"])}
    assert codebook["actie[5].succes"][2] == "scale"
    assert codebook["actie[5].succes"][3] == (
        "5 = Zeer succesvol; 4 = Succesvol; 3 = Neutraal; 2 = Minder succesvol; 1 = Onsuccesvol"
    )
    assert codebook["actie[5].cofinanciering.other"][3] == "0 = niet gekozen; 1 = gekozen"
    assert codebook["actie[5].succes"][8] == "actie_5.succes"


def test_drafts_and_identities_on_request(app: Flask, exported_registry: dict[str, int]) -> None:
    workbook = _export(app, include_drafts=True, with_identities=True)
    rows = _rows(workbook["Antwoorden"])
    # The province follows the code; the IGS members are identifying (only in Respondenten).
    assert rows[0][:5] == ("code", "province", "status", "versie", "ingediend_op")
    assert "members" not in rows[0]
    assert [(r[0], r[2]) for r in rows[1:]] == [
        ("CS01", "submitted"), ("G01", "submitted"), ("IGS01", "draft"),
    ]  # fmt: skip
    assert "organisatie.contact_email" in rows[0]
    key = {r[0]: r for r in _rows(workbook["Respondenten"])[1:]}
    assert key["CS01"][1:4] == ("10001", "Stad Noordhaven", "centrumstad")
    # code, registry code, name, kind, the attributes (province, members), contacts.
    assert _rows(workbook["Respondenten"])[0][4:] == (
        "Provincie", "Gemeenten", "contactpersonen", "e-mailadressen")  # fmt: skip
    assert key["G01"][7] == "ann.peeters@example.be"


def test_pseudonyms_are_fixed_once(app: Flask, exported_registry: dict[str, int]) -> None:
    _export(app)
    first = _codes(app, exported_registry)
    with app.app_context():
        q = db.session.scalar(select(Questionnaire))
        late = factory.respondent(q, "40004", kind="centrumstad", items={"actions": ["5"]}).id
    _export(app)
    assert _codes(app, exported_registry) == first  # codes never change
    assert _codes(app, {"late": late}) == {"late": "CS02"}  # newcomers get the next number


def test_pseudonyms_are_assigned_in_sql_without_loading_respondents(app: Flask) -> None:
    """Only the ids of respondents without a code are read; none becomes an ORM object."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        kinds = ["centrumstad", "stad", "gemeente", "igs"]
        for n in range(2_050):
            db.session.add(Respondent(questionnaire=q, code=f"R{n}", name=f"R{n}",
                                      kind=kinds[n % 4],
                                      attributes={"province": "Limburg"}))  # fmt: skip
        db.session.commit()
        first = db.session.scalar(select(Respondent).where(Respondent.code == "R0"))
        first.pseudonym = "G99"  # a centrumstad that was a gemeente when it got its code
        db.session.commit()
        q_id = q.id
        db.session.expunge_all()
        q = db.session.get(Questionnaire, q_id)
        loaded: list[object] = []

        def count(target: object, context: object) -> None:
            loaded.append(target)

        event.listen(Respondent, "load", count)
        try:
            assert pseudonyms.assign(q) == 2_049
        finally:
            event.remove(Respondent, "load", count)
        assert loaded == []
        codes = dict(db.session.execute(select(Respondent.code, Respondent.pseudonym)).all())
    assert codes["R0"] == "G99" and len(set(codes.values())) == 2_050
    numbers = sorted(int(c[1:]) for c in codes.values() if c.startswith("G"))
    assert numbers == [99, *range(100, 612)]  # the next free numbers after G99
    assert sorted(int(c[2:]) for c in codes.values() if c.startswith("CS")) == list(range(1, 513))


def test_csv_zip_has_the_same_tables_neutralised(
    app: Flask, exported_registry: dict[str, int]
) -> None:
    buffer = io.BytesIO()
    with app.app_context():
        q = db.session.scalar(select(Questionnaire))
        export.write(q, buffer, "csv", export.ExportOptions())
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    assert archive.namelist() == [
        "overzicht.csv", "samenvatting_per_item.csv", "samenvatting.csv", "frequenties.csv",
        "open_antwoorden.csv", "antwoorden.csv", "per_actie.csv", "codeboek.csv",
    ]  # fmt: skip
    data = archive.read("antwoorden.csv")
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, cs = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[0] == "code" and cs["code"] == "CS01"
    assert cs["actie[5].succes"] == "5"  # a number stays a plain number
    assert cs["actie[5].succes_toelichting"] == '\'=HYPERLINK("http://x","y")'
    assert cs["actie[5].cofinanciering.other_text"] == "'+1"
    assert cs["afsluiting.opmerkingen"] == "'@SUM(A1)"
    assert cs["actie[2].succes"] == ""
    assert dt.datetime.fromisoformat(cs["ingediend_op"])
    quotes = archive.read("open_antwoorden.csv").decode("utf-8-sig")
    assert "'-2+3" in quotes and "\n-2+3" not in quotes


def test_export_import_export_round_trip(app: Flask, exported_registry: dict[str, int]) -> None:
    first = _export(app)
    buffer = io.BytesIO()
    first.save(buffer)
    with app.app_context():
        cs = db.session.get(Respondent, exported_registry["CS"])
        for response in [cs.response]:
            db.session.delete(response)  # CS's response is lost; the export brings it back
        db.session.commit()
        report = import_responses.import_workbook(db.session.scalar(select(Questionnaire)),
                                                  buffer.getvalue())  # fmt: skip
        assert report.problems == [] and report.imported == 2
        g_state = response_state.load_state(db.session.get(Respondent, exported_registry["G"]))
        # Answers the export left out (identities) are kept on import.
        assert g_state.value("organisatie", "", "contact_email") == "ann.peeters@example.be"
    second = _export(app)
    for name in first.sheetnames:
        a, b = _rows(first[name]), _rows(second[name])
        if name == "Overzicht":
            a, b = (
                [r for r in a if r[0] != "Geëxporteerd op"],
                [r for r in b if r[0] != "Geëxporteerd op"],
            )
        assert a == b, name


def test_import_reports_every_bad_value_and_writes_nothing(
    app: Flask, exported_registry: dict[str, int]
) -> None:
    workbook = _export(app)
    sheet = workbook["Antwoorden"]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index("actie[5].succes") + 1, 9)
    sheet.cell(3, header.index("actie[5].cofinanciering.voortzetting") + 1, 2)
    sheet.cell(3, 1, "ZZ99")
    sheet.cell(1, len(header) + 1, "bestaat.niet")
    buffer = io.BytesIO()
    workbook.save(buffer)
    with app.app_context():
        before = response_state.load_state(
            db.session.get(Respondent, exported_registry["CS"])
        ).answers
        report = import_responses.import_workbook(db.session.scalar(select(Questionnaire)),
                                                  buffer.getvalue())  # fmt: skip
        assert not report.written
        problems = {(p.row, p.column): p.message for p in report.problems}
        assert problems[(2, "actie[5].succes")] == "Kies een van de mogelijke antwoorden."
        assert problems[(3, "code")] == "onbekende code 'ZZ99'"
        assert problems[(1, "bestaat.niet")] == "onbekende variabele"
        after = response_state.load_state(
            db.session.get(Respondent, exported_registry["CS"])
        ).answers
        assert before == after


def test_versions_export_together(app: Flask, tmp_path: Path) -> None:
    """v2 removes a question: its column stays for the responses that have it."""
    with app.app_context():
        q = factory.load_questionnaire(factory.INSPIRATIE)
        old = factory.respondent(q, "G1", kind="gemeente")
        posted = {"dienst": ("jeugd", None), "workshops": (["w1"], None), "collegas": ("3", None)}
        _respond(old, {("deelname", None): posted}, submit=False)
        v2_text = factory.INSPIRATIE.read_text().replace("version: 2", "version: 3")
        start = v2_text.index("      - id: collegas")
        end = v2_text.index("  - id: algemeen")
        v2_file = tmp_path / "v2.yaml"
        v2_file.write_text(v2_text[:start] + "\n" + v2_text[end:])
        questionnaires.store_file(v2_file)
        new = factory.respondent(q, "G2", kind="gemeente")
        _respond(new, {("deelname", None): {k: v for k, v in posted.items() if k != "collegas"}},
                 submit=False)  # fmt: skip
        assert new.response.questionnaire_version.version == 3
        ids = {"old": old.id, "new": new.id}
    workbook = _export(app, include_drafts=True)
    codes = _codes(app, ids)  # drawn in random order: look them up
    rows = _rows(workbook["Antwoorden"])
    header = rows[0]
    assert "deelname.collegas" in header
    assert header.index("deelname.collegas") == header.index("deelname.workshops.w6") + 1
    values = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    old_row, new_row = values[codes["old"]], values[codes["new"]]
    assert old_row["deelname.collegas"] == 3 and old_row["versie"] == 2
    assert new_row["deelname.collegas"] is None and new_row["versie"] == 3
    assert new_row["deelname.workshops.w1"] == 1 == old_row["deelname.workshops.w1"]
    assert _rows(workbook["Overzicht"])[2][:2] == ("Versie(s)", "2, 3")


def test_cli_export_and_admin_download(
    app: Flask,
    runner: FlaskCliRunner,
    exported_registry: dict[str, int],
    tmp_path: Path,
    admin_client: FlaskClient,
) -> None:
    target = tmp_path / "export.xlsx"
    result = runner.invoke(args=["export", "-q", "plan-samenleven-2025", "-o", str(target)])
    assert result.exit_code == 0 and "2 responses" in result.output
    assert load_workbook(target).sheetnames == SHEETS
    # The extension always matches the content: a zip of CSV tables is a .zip.
    for args, message in [
        (["--format", "csv", "-o", str(tmp_path / "out.csv")], "FILE.zip"),
        (
            ["-o", str(tmp_path / "out.csv")],
            "FILE.xlsx, FILE.zip (CSV tables), FILE.sav or FILE.docx",
        ),
        (["--format", "sav", "-o", str(tmp_path / "out.xlsx")], "FILE.sav"),
        (["--format", "docx", "-o", str(tmp_path / "out.doc")], "FILE.docx"),
    ]:
        refused = runner.invoke(args=["export", "-q", "plan-samenleven-2025", *args])
        assert refused.exit_code == 2 and message in refused.output, refused.output
    assert not (tmp_path / "out.csv").exists()
    for name, magic in [("out.zip", b"PK"), ("out.sav", b"$FL2")]:
        result = runner.invoke(args=["export", "-q", "plan-samenleven-2025", "-o",
                                     str(tmp_path / name)])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_bytes().startswith(magic)

    admin = admin_client
    page_path = "/admin/vragenlijsten/plan-samenleven-2025"
    _, download = jobs.export_file(admin, page_path, identities="1")
    assert "attachment" in download.headers["Content-Disposition"]
    assert "Respondenten" in load_workbook(io.BytesIO(download.data)).sheetnames
    page = admin.get(page_path).get_data(as_text=True)
    for choice in ("xlsx", "csv", "csv-plain", "sav", "docx"):
        assert f'value="{choice}"' in page
    downloads = {choice: jobs.export_file(admin, page_path, format=choice)[1]
                 for choice in ("csv", "csv-plain", "sav", "docx")}  # fmt: skip
    assert downloads["csv"].headers["Content-Disposition"].endswith(".zip")
    excel = zipfile.ZipFile(io.BytesIO(downloads["csv"].data)).read("antwoorden.csv")
    plain = zipfile.ZipFile(io.BytesIO(downloads["csv-plain"].data)).read("antwoorden.csv")
    assert excel.startswith(b"\xef\xbb\xbfcode;")
    assert plain.startswith(b"code,province,versie,")
    assert downloads["sav"].headers["Content-Disposition"].endswith(".sav")
    assert downloads["docx"].headers["Content-Disposition"].endswith(".docx")
    assert downloads["docx"].data.startswith(b"PK")
    # The sort box: ticked (the form sends both values) by share, unticked as asked.
    as_asked = jobs.export_file(admin, page_path, sort="questionnaire")[1]
    ticked = jobs.export_file(admin, page_path, sort=["questionnaire", "share"])[1]
    first = {
        name: frequency_tables(load_workbook(io.BytesIO(r.data))["Frequenties"])[
            "actie[5].cofinanciering"
        ].lines[0][0]
        for name, r in (("as_asked", as_asked), ("ticked", ticked))
    }
    assert first == {"as_asked": "niet_opgestart", "ticked": "innovatie_actie"}
    coordinator = app.test_client()
    assert coordinator.post(f"{page_path}/export").status_code in {302, 400}


def test_identities_export_survives_control_characters_in_stored_data(
    app: Flask, admin_client: FlaskClient
) -> None:
    """Data stored before import cleaned it still exports; openpyxl cannot store \\x01."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        factory.respondent(q, "G1", name="Gemeente\x01Bel", kind="gemeente",
                             contact=("Ann\x1b Peeters", "ann@bel.be"))  # fmt: skip
    admin = admin_client
    _, download = jobs.export_file(admin, "/admin/vragenlijsten/plan-samenleven-2025",
                                   identities="1")  # fmt: skip
    rows = _rows(load_workbook(io.BytesIO(download.data))["Respondenten"])
    # code, registercode, naam, soort, then the attributes (province, members), contacts.
    assert rows[1][1:3] == ("G1", "GemeenteBel") and rows[1][6] == "Ann Peeters"
    with app.app_context():
        logged = db.session.scalars(select(AuditEvent.action)).all()
    assert logged == ["export_identities"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
# openpyxl's half-written sheets complain when they are collected after the failed save.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_export_that_fails_is_not_logged(app: Flask, fmt: str) -> None:
    """The audit log says an export was made only when its file was written."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        factory.respondent(q, "G1", kind="gemeente")
        with open("/dev/full", "wb", buffering=0) as full, pytest.raises(OSError):  # disk full
            export.write(q, full, fmt, export.ExportOptions(with_identities=True))
        db.session.rollback()
        assert db.session.scalars(select(AuditEvent)).all() == []
        export.write(q, io.BytesIO(), fmt, export.ExportOptions(with_identities=True))
        assert db.session.scalars(select(AuditEvent.action)).all() == ["export_identities"]


EXACT = """\
id: exact
version: 1
title: Exact
sections:
  - id: s
    title: S
    questions:
      - id: tekst
        type: textarea
        label: Tekst
      - id: datum
        type: date
        label: Datum
      - id: getal
        type: number
        label: Getal
"""
LONG = "Lang antwoord. " * 2_667  # 40,005 characters: more than one Excel cell holds
DATES = ["01/01/1850", "31/12/1899", "01/01/1900", "23/11/2026", "28/02/1900", "01/03/1900"]
# Numbers stored before input was limited to 15 digits (exact on SQLite and PostgreSQL),
# then valid ones.
NUMBERS = [1234567890123456, -123456789012345678, 3.141592653589793, 999999999999999, -2.5,
           3.14159265358979]  # fmt: skip


def _store(response: Any, question: str, value: Any) -> None:
    """Put a value in the database as an answer stored before today's limits."""
    answer = next(a for a in response.answers if a.question == question)
    answer.value = value


def test_xlsx_keeps_values_excel_cannot_hold_exactly(app: Flask, tmp_path: Path) -> None:
    """Dates before 1900, numbers beyond 15 digits and over-long text are written so
    that nothing changes unnoticed: as text, flagged in the codebook."""
    source = tmp_path / "exact.yaml"
    source.write_text(EXACT)
    with app.app_context():
        q = factory.load_questionnaire(source)
        ids = {}
        for index, (date, number) in enumerate(zip(DATES, NUMBERS, strict=True)):
            respondent = factory.respondent(q, f"G{index}", kind="gemeente")
            posted = {"datum": (date, None), "getal": ("1", None), "tekst": ("kort", None)}
            _respond(respondent, {("s", None): posted}, submit=True)
            _store(respondent.response, "getal", number)
            ids[f"G{index}"] = respondent.id
        _store(factory.by_code(q, "G0").response, "tekst", LONG)
        db.session.commit()
        # Typed today, a 40-digit number is kept as typed and flagged, never rounded.
        late = factory.respondent(q, "G6", kind="gemeente")
        outcome = responses.save_page(late, "s", None, {"getal": ("1" + "2" * 39, None)}, 0, "t")
        assert outcome.problems["getal"].code == "too_many_digits"
        assert response_state.load_state(late).stored("s", "", "getal").raw == "1" + "2" * 39
    workbook = _export(app)
    codes = _codes(app, ids)
    rows = _rows(workbook["Antwoorden"])
    header = rows[0]
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    got = [by_code[codes[f"G{i}"]] for i in range(6)]

    assert [r["s.datum"] for r in got] == [
        "1850-01-01", "1899-12-31", dt.datetime(1900, 1, 1), dt.datetime(2026, 11, 23),
        dt.datetime(1900, 2, 28), dt.datetime(1900, 3, 1),
    ]  # fmt: skip
    assert [r["s.getal"] for r in got] == [
        "1234567890123456", "-123456789012345678", "3.141592653589793", 999999999999999, -2.5,
        3.14159265358979,
    ]  # fmt: skip
    # Over-long text is cut to what a cell holds, visibly, and the CSV keeps it whole.
    cut = got[0]["s.tekst"]
    assert len(cut) <= 32_767 and cut != LONG and cut.endswith("[ingekort]")
    assert LONG.startswith(cut.removesuffix("[ingekort]").rstrip(" …"))
    quotes = {r[3]: r[5] for r in _rows(workbook["Open antwoorden"])[1:]}
    assert quotes[codes["G0"]] == cut

    codebook = {r[0]: r for r in _rows(workbook["Codeboek"])}
    assert codebook["variabele"][7] == "opmerking"
    assert "vóór 1900" in codebook["s.datum"][7] and "2 waarden" in codebook["s.datum"][7]
    assert "15 cijfers" in codebook["s.getal"][7] and "3 waarden" in codebook["s.getal"][7]
    assert "32.767 tekens" in codebook["s.tekst"][7] and "CSV" in codebook["s.tekst"][7]

    buffer = io.BytesIO()
    with app.app_context():
        options = export.ExportOptions(csv="plain")
        export.write(db.session.scalar(select(Questionnaire)), buffer, "csv", options)
    table = list(csv.reader(io.StringIO(
        zipfile.ZipFile(buffer).read("antwoorden.csv").decode("utf-8"), newline="")))  # fmt: skip
    assert table[1:] and all(len(row) == len(table[0]) for row in table)
    assert any(LONG.strip() in cell for row in table for cell in row)
    numbers = sorted(row[table[0].index("s.getal")] for row in table[1:])
    assert numbers == sorted(str(n) for n in NUMBERS)  # no cell limits: every number as stored
