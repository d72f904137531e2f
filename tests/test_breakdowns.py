"""Breakdowns by any attribute, number summaries, attribute columns in the export and the
units an item's respondents cover, against fixtures counted by hand (both backends).

The person fixture (tests/fixtures/vorming-personen.yaml): ten persons with a region, a
year, an organiser, a cost, a remark and a name (identifying), in these states:

    code kind      regio      jaar organisator kostprijs  status
    P1   deelnemer antwerpen  2022 agii         40        submitted
    P2   deelnemer antwerpen  2023 agii         60        submitted
    P3   deelnemer gent       2023 partner      25.5      invited
    P4   deelnemer gent       2022 partner      –         in progress
    P5   deelnemer limburg    2024 agii        100        submitted
    P6   deelnemer limburg    2024 –            80        not invited
    P7   lesgever  –          2023 agii          0        invited
    P8   deelnemer antwerpen  2022 partner      55        submitted
    P9   deelnemer gent       –    partner      30        invited
    P10  lesgever  antwerpen  2024 agii         70        link opened
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from intake.extensions import db
from intake.models import Invitation, MailLog, Questionnaire, Respondent, Response, utcnow
from intake.services import export, questionnaires, report_figures, tracking
from tests.support import factory
from tests.support.html import document

FIXTURES = Path(__file__).parent / "fixtures"
PERSONS = FIXTURES / "vorming-personen.yaml"
COVERING = FIXTURES / "igs-dekking.yaml"
HOSTILE = '=HYPERLINK("http://x","y")'
NAME = "Jan Janssens"  # an identifying attribute: only ever in the Respondenten sheet

PEOPLE = [
    # code, kind, attributes, status
    ("P1", "deelnemer", {"regio": "antwerpen", "jaar": 2022, "organisator": "agii",
                         "kostprijs": 40.0, "opmerking": HOSTILE, "naam_deelnemer": NAME},
     "submitted"),
    ("P2", "deelnemer", {"regio": "antwerpen", "jaar": 2023, "organisator": "agii",
                         "kostprijs": 60.0}, "submitted"),
    ("P3", "deelnemer", {"regio": "gent", "jaar": 2023, "organisator": "partner",
                         "kostprijs": 25.5}, "invited"),
    ("P4", "deelnemer", {"regio": "gent", "jaar": 2022, "organisator": "partner"},
     "in_progress"),
    ("P5", "deelnemer", {"regio": "limburg", "jaar": 2024, "organisator": "agii",
                         "kostprijs": 100}, "submitted"),
    ("P6", "deelnemer", {"regio": "limburg", "jaar": 2024, "kostprijs": 80.0}, "not_invited"),
    ("P7", "lesgever", {"jaar": 2023, "organisator": "agii", "kostprijs": 0.0}, "invited"),
    ("P8", "deelnemer", {"regio": "antwerpen", "jaar": 2022, "organisator": "partner",
                         "kostprijs": 55.0}, "submitted"),
    ("P9", "deelnemer", {"regio": "gent", "organisator": "partner", "kostprijs": 30.0},
     "invited"),
    ("P10", "lesgever", {"regio": "antwerpen", "jaar": 2024, "organisator": "agii",
                         "kostprijs": 70.0}, "opened"),
]  # fmt: skip


def _track(respondent: Respondent, status: str, version: Any) -> None:
    """Put a respondent in a tracking status the way the app records it."""
    if status != "not_invited":
        db.session.add(MailLog(respondent_id=respondent.id, kind="invitation",
                               recipient="x@y.be", subject="Uitnodiging"))  # fmt: skip
    if status in {"opened", "in_progress", "submitted"}:
        now = utcnow()
        db.session.add(Invitation(respondent_id=respondent.id, token_hash=f"{respondent.id:0>64}",
                                  first_opened_at=now, last_opened_at=now))  # fmt: skip
    if status in {"in_progress", "submitted"}:
        submitted = status == "submitted"
        db.session.add(Response(respondent_id=respondent.id, questionnaire_version=version,
                                status="submitted" if submitted else "draft",
                                submitted_at=utcnow() if submitted else None))  # fmt: skip


def add_persons() -> None:
    """The person survey with ``PEOPLE``, in the current app context."""
    q = factory.load_questionnaire(PERSONS)
    version = questionnaires.live_version(q)
    for code, kind, attributes, status in PEOPLE:
        respondent = factory.respondent(q, code, name=f"Persoon {code}", kind=kind,
                                        attributes=attributes)  # fmt: skip
        _track(respondent, status, version)
    db.session.commit()


@pytest.fixture
def persons(app: Flask) -> None:
    with app.app_context():
        add_persons()


def _questionnaire() -> Questionnaire:
    q = db.session.scalar(select(Questionnaire))
    assert q is not None
    return q


def _rates(groups: list[tracking.GroupRate]) -> list[tuple[Any, str, int, int, int]]:
    return [(g.key, g.label, g.rate.submitted, g.rate.invited, g.not_invited) for g in groups]


def test_breakdowns_by_region_year_and_kind_equal_hand_counts(app: Flask, persons: None) -> None:
    with app.app_context():
        q = _questionnaire()
        breakdowns = {a.id: groups for a, groups in tracking.breakdowns(q)}
        assert list(breakdowns) == ["regio", "jaar", "organisator"]  # not cost, remark, name
        # Declared order, then the respondents without a value ("onbekend", P7 here).
        assert _rates(breakdowns["regio"]) == [
            ("antwerpen", "Antwerpen", 3, 4, 0),  # P1, P2, P8 of P1, P2, P8, P10
            ("gent", "Gent", 0, 3, 0),  # P3, P4, P9
            ("limburg", "Limburg", 1, 1, 1),  # P5; P6 never invited
            (tracking.EMPTY, "onbekend", 0, 1, 0),  # P7
        ]
        # Whole numbers group as whole numbers on both backends.
        assert _rates(breakdowns["jaar"]) == [
            (2022, "2022", 2, 3, 0),  # P1, P8 of P1, P4, P8
            (2023, "2023", 1, 3, 0),  # P2 of P2, P3, P7
            (2024, "2024", 1, 2, 1),  # P5 of P5, P10; P6 never invited
            (tracking.EMPTY, "onbekend", 0, 1, 0),  # P9
        ]
        assert all(type(g.key) is int for g in breakdowns["jaar"][:3])
        assert _rates(breakdowns["organisator"]) == [
            ("agii", "AgII", 3, 5, 0),  # P1, P2, P5 of P1, P2, P5, P7, P10
            ("partner", "Partnerorganisatie", 1, 4, 0),  # P8 of P3, P4, P8, P9
            (tracking.EMPTY, "onbekend", 0, 0, 1),  # P6, never invited
        ]
        assert _rates(tracking.by_column(q, "kind")) == [
            ("deelnemer", "Deelnemer", 4, 7, 1),
            ("lesgever", "Lesgever", 0, 2, 0),
        ]

        # Every group is a list filter of exactly that many, "onbekend" included.
        def codes(**filters: Any) -> list[str]:
            return sorted(r.code for r in tracking.respondent_rows(q, **filters))

        assert codes(attributes={"regio": tracking.EMPTY}) == ["P7"]
        assert codes(attributes={"jaar": tracking.EMPTY}) == ["P9"]
        assert codes(attributes={"jaar": "2022"}, status="submitted") == ["P1", "P8"]
        assert codes(attributes={"regio": "gent"}, status="ever_invited") == ["P3", "P4", "P9"]
        assert codes(kind=tracking.EMPTY) == []


def test_number_summary_equals_hand_computed_min_median_max(app: Flask, persons: None) -> None:
    with app.app_context():
        ((attribute, summaries),) = tracking.number_summaries(_questionnaire())
        assert attribute.id == "kostprijs"
        assert [(s.key, s.n, s.minimum, s.median, s.maximum) for s in summaries] == [
            # 0, 25.5, 30, 40 | 55, 60, 70, 100 (P4 has none, P6 was never invited)
            ("ever_invited", 8, 0.0, 47.5, 100.0),
            # 40, 55 | 60, 100
            ("submitted", 4, 40.0, 57.5, 100.0),
            # 0, 25.5, [30], 70, 80 (P6 counts: not submitted, invited or not)
            ("not_submitted", 5, 0.0, 30.0, 80.0),
        ]


def test_dashboard_and_status_show_breakdowns_and_costs(
    app: Flask, persons: None, admin_client: FlaskClient, runner: FlaskCliRunner
) -> None:
    page = document(admin_client.get("/admin/vragenlijsten/vorming-personen").get_data())
    captions = [c.text_content() for c in page.xpath("//figcaption")]
    # After the kind: every choice and whole-number attribute, as declared.
    assert captions[1:4] == ["Respons per regio", "Respons per jaar", "Respons per organisator"]
    assert "Kostprijs (euro)" in captions
    region = page.xpath('//figure[figcaption="Respons per regio"]//tbody/tr')
    cells = {r.xpath("th")[0].text_content(): [td.text_content() for td in r.xpath("td")]
             for r in region}  # fmt: skip
    # submitted, invited, rate, waiting, never invited
    assert cells["Antwerpen"] == ["3", "4", "75%", "1", "0"]
    assert cells["onbekend"] == ["0", "1", "0%", "1", "0"]
    # The unknown region's counts open the list of exactly that respondent.
    link = region[-1].xpath("td[2]/a/@href")[0]
    listed = document(admin_client.get(link).get_data())
    shown = listed.xpath("//table[contains(@class, 'respondent-table')]/tbody/tr")
    assert len(shown) == 1 and "Persoon P7" in shown[0].text_content()
    assert "Regio: onbekend" in listed.xpath("//caption")[0].text_content()
    cost = page.xpath('//figure[figcaption="Kostprijs (euro)"]//tbody/tr')
    assert [[c.text_content() for c in r.xpath("th|td")] for r in cost] == [
        ["alle uitgenodigden", "8", "0", "47,5", "100"],
        ["ingediend", "4", "40", "57,5", "100"],
        ["niet ingediend", "5", "0", "30", "80"],
    ]

    result = runner.invoke(args=["status", "-q", "vorming-personen"])
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert lines[0] == "4/9 (44%)"
    assert "per regio:" in lines and "Antwerpen 3/4 (75%)" in lines
    assert "onbekend 0/1 (0%)" in lines
    assert "per jaar:" in lines and "2022 2/3 (67%)" in lines
    assert "ingediend 4: 40 / 57.5 / 100" in lines


def _export(app: Flask, fmt: str = "xlsx", **options: Any) -> bytes:
    buffer = io.BytesIO()
    with app.app_context():
        export.write(_questionnaire(), buffer, fmt, export.ExportOptions(**options))  # type: ignore[arg-type]
    return buffer.getvalue()


def _rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def _codes(app: Flask) -> dict[str, str]:
    with app.app_context():
        return {r.code: r.pseudonym for r in db.session.scalars(select(Respondent))}


ANSWER_LEAD = ("code", "regio", "jaar", "organisator", "kostprijs", "opmerking", "versie",
               "ingediend_op", "evaluatie.tevredenheid", "evaluatie.waarom")  # fmt: skip


def test_answers_carry_attribute_columns_after_the_code(app: Flask, persons: None) -> None:
    workbook = load_workbook(io.BytesIO(_export(app)))
    codes = _codes(app)
    sheet = workbook["Antwoorden"]
    rows = _rows(sheet)
    assert rows[0] == ANSWER_LEAD  # the name (identifying) is left out
    by_code = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_code) == {codes[c] for c in ("P1", "P2", "P5", "P8")}
    p1, p5 = by_code[codes["P1"]], by_code[codes["P5"]]
    assert (p1["regio"], p1["jaar"], p1["organisator"], p1["kostprijs"]) == (
        "antwerpen",
        2022,
        "agii",
        40,
    )
    assert (p5["regio"], p5["jaar"], p5["kostprijs"]) == ("limburg", 2024, 100)
    # A hostile remark is text, never a formula.
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == codes["P1"])
    assert row[5].value == HOSTILE and row[5].data_type == "s"
    # The codebook describes them, in section 'register', with value labels.
    codebook = {r[0]: r for r in _rows(workbook["Codeboek"])[1:]}
    assert codebook["regio"][1:5] == ("Regio", "choice",
                                      "antwerpen = Antwerpen; gent = Gent; limburg = Limburg",
                                      "register")  # fmt: skip
    assert codebook["kostprijs"][1:3] == ("Kostprijs (euro)", "number")
    assert "naam_deelnemer" not in codebook
    # The name appears nowhere but in Respondenten, and only when asked for.
    everywhere = [v for ws in workbook for r in ws.iter_rows(values_only=True) for v in r]
    assert NAME not in everywhere
    with_identities = load_workbook(io.BytesIO(_export(app, with_identities=True)))
    for ws in with_identities:
        found = NAME in [v for r in ws.iter_rows(values_only=True) for v in r]
        assert found == (ws.title == "Respondenten"), ws.title
    # Drafts: the status comes after the attributes.
    drafts = _rows(load_workbook(io.BytesIO(_export(app, include_drafts=True)))["Antwoorden"])
    assert drafts[0][:7] == ("code", "regio", "jaar", "organisator", "kostprijs", "opmerking",
                             "status")  # fmt: skip
    assert len(drafts) == 1 + 5  # P4's draft too


def test_overview_sheet_breaks_down_and_summarises_costs(app: Flask, persons: None) -> None:
    overview = [r[:5] for r in _rows(load_workbook(io.BytesIO(_export(app)))["Overzicht"])]
    start = overview.index(("Per regio", "Ingediend", "Uitgenodigd", "Responsgraad", None))
    assert overview[start + 1 : start + 5] == [
        ("Antwerpen", 3, 4, 0.75, None), ("Gent", 0, 3, 0, None),
        ("Limburg", 1, 1, 1, None), ("onbekend", 0, 1, 0, None),
    ]  # fmt: skip
    start = overview.index(("Per jaar", "Ingediend", "Uitgenodigd", "Responsgraad", None))
    assert overview[start + 1][:3] == ("2022", 2, 3)
    start = overview.index(("Kostprijs (euro)", "Met waarde", "Minimum", "Mediaan", "Maximum"))
    assert overview[start + 1 : start + 4] == [
        ("alle uitgenodigden", 8, 0, 47.5, 100), ("ingediend", 4, 40, 57.5, 100),
        ("niet ingediend", 5, 0, 30, 80),
    ]  # fmt: skip


def test_csv_and_sav_share_the_attribute_columns(app: Flask, persons: None) -> None:
    plain = zipfile.ZipFile(io.BytesIO(_export(app, "csv", csv="plain")))
    rows = list(csv.reader(io.StringIO(plain.read("antwoorden.csv").decode("utf-8"))))
    assert tuple(rows[0]) == ANSWER_LEAD
    excel = zipfile.ZipFile(io.BytesIO(_export(app, "csv")))
    text = excel.read("antwoorden.csv").decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(text), delimiter=";") for f in row]
    assert fields[:6] == list(ANSWER_LEAD[:6])
    assert not any(f.startswith(("=", "+", "-", "@")) for f in fields)  # the remark neutralised
    assert any(HOSTILE in f for f in fields)
    assert NAME not in text and all(NAME not in plain.read(n).decode() for n in plain.namelist())

    pyreadstat = pytest.importorskip("pyreadstat")
    data = _export(app, "sav")
    path = Path(app.instance_path) / "antwoorden.sav"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    frame, meta = pyreadstat.read_sav(str(path))
    assert tuple(meta.column_names[:8]) == ANSWER_LEAD[:8]
    assert "naam_deelnemer" not in meta.column_names
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["regio"] == "Regio" and labels["kostprijs"] == "Kostprijs (euro)"
    assert meta.variable_value_labels["regio"] == {"antwerpen": "Antwerpen", "gent": "Gent",
                                                   "limburg": "Limburg"}  # fmt: skip
    assert meta.variable_measure["jaar"] == "scale"
    assert meta.variable_measure["regio"] == "nominal"
    assert sorted(frame["jaar"].tolist()) == [2022.0, 2022.0, 2023.0, 2024.0]
    assert sorted(frame["kostprijs"].tolist()) == [40.0, 55.0, 60.0, 100.0]


# --------------------------------------------------------------------------- covering

# code, kind, members (None: no attribute), actions, status
UNITS = [
    ("G1", "gemeente", None, ["1", "2"], "submitted"),  # counts as 1
    ("G2", "gemeente", [], ["1"], "invited"),  # an empty list counts as 1 too
    ("I1", "igs", ["Aalst", "Berlare", "Dendermonde"], ["1", "2"], "submitted"),
    ("I2", "igs", ["Erpe-Mere", "Lede"], ["2"], "invited"),
    ("I3", "igs", ["Ninove", "Geraardsbergen", "Zottegem", "Herzele"], ["1"], "not_invited"),
    ("G3", "gemeente", None, ["2"], "not_invited"),
]


def add_igs() -> None:
    """The organisation survey with ``UNITS`` (IGS members), in the current app context."""
    q = factory.load_questionnaire(COVERING)
    version = questionnaires.live_version(q)
    for code, kind, members, actions, status in UNITS:
        attributes = {"gemeenten": members} if members is not None else {}
        respondent = factory.respondent(q, code, kind=kind, attributes=attributes,
                                        items={"actions": actions})  # fmt: skip
        _track(respondent, status, version)
    db.session.commit()


@pytest.fixture
def igs(app: Flask) -> None:
    with app.app_context():
        add_igs()


def test_covered_units_per_item_equal_hand_counts(
    app: Flask, igs: None, admin_client: FlaskClient
) -> None:
    with app.app_context():
        q = _questionnaire()
        rows = {r.code: r for r in tracking.by_item(q)["actions"]}
        # Action 1: invited G1 (1), G2 (1), I1 (3); submitted G1, I1. I3 never invited.
        assert (rows["1"].covered_invited, rows["1"].covered_submitted) == (5, 4)
        # Action 2: invited G1 (1), I1 (3), I2 (2); submitted G1, I1. G3 never invited.
        assert (rows["2"].covered_invited, rows["2"].covered_submitted) == (6, 4)
        assert (rows["3"].covered_invited, rows["3"].covered_submitted) == (0, 0)
        # The report's per-item figures: every linked applicant, and those exported.
        with report_figures.compute(q) as figures:
            (summary,) = figures.items
            covered = {r.code: (r.covered_applicants, r.covered_respondents)
                       for r in summary.rows}  # fmt: skip
        assert covered["1"] == (1 + 1 + 3 + 4, 4) and covered["2"] == (1 + 3 + 2 + 1, 4)

    workbook = load_workbook(io.BytesIO(_export(app)))
    overview = _rows(workbook["Overzicht"])
    start = overview.index(("Per item (actions)", "Titel", "Indieners", "Respondenten",
                            "Indieners dekken", "Respondenten dekken"))  # fmt: skip
    assert [r[:6] for r in overview[start + 1 : start + 3]] == [
        ("1", "Lokale integrale veiligheidscel", 3, 2, 5, 4),
        ("2", "Oefenkansen Nederlands", 3, 2, 6, 4),
    ]
    items = _rows(workbook["Samenvatting per item"])
    assert items[0][4:6] == ("Gedekte besturen", None)
    assert items[1][:6] == ("code", "titel", "indieners", "respondenten", "door indieners",
                            "door respondenten")  # fmt: skip
    assert [r[:6] for r in items[2:4]] == [
        ("1", "Lokale integrale veiligheidscel", 4, 2, 9, 4),
        ("2", "Oefenkansen Nederlands", 4, 2, 7, 4),
    ]

    page = document(admin_client.get("/admin/vragenlijsten/igs-dekking").get_data())
    (figure,) = page.xpath('//figure[figcaption="Gedekte besturen per actie"]')
    header = [th.text_content() for th in figure.xpath(".//thead//th")]
    assert header == ["Actie", "Titel", "Uitgenodigden dekken", "Respondenten dekken"]
    rows = [[c.text_content() for c in r.xpath("td|th")] for r in figure.xpath(".//tbody/tr")]
    assert [r[2:] for r in rows] == [["5", "4"], ["6", "4"], ["0", "0"]]
    assert "'Gemeenten'" in figure.xpath('.//p[@class="hint"]')[0].text_content()


def test_without_a_covering_attribute_nothing_is_covered(app: Flask, persons: None) -> None:
    with app.app_context():
        assert tracking.by_item(_questionnaire()) == {}
    overview = _rows(load_workbook(io.BytesIO(_export(app)))["Overzicht"])
    assert not any("dekken" in str(v) for r in overview for v in r)
