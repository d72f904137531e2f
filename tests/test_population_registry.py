"""The registry of a declared population: persons with typed attributes (a region, a year,
an organiser, a cost, a list, an identifying year of birth), imported from .csv and .xlsx,
checked with row, column and reason, re-imported; the template and the pages follow the
population, and the interface calls persons 'deelnemers'."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Questionnaire, Respondent
from intake.questionnaire.population import read_value
from intake.services import mailing, registry
from intake.statuses import MailKind
from tests.support import factory
from tests.support.html import csrf_token

PERSONS = Path(__file__).parent / "fixtures" / "vormingen-personen.yaml"
RANKING = Path(__file__).parent / "fixtures" / "prioriteiten-2025.yaml"
PAGE = "/admin/vragenlijsten/vormingen-test"
HEADER = "code;naam;soort;regio;jaar;organisator;kost;thema's;geboortejaar;e-mail;vormingen"


def _load(app: Flask, path: Path = PERSONS) -> None:
    with app.app_context():
        factory.load_questionnaire(path)


def _import(app: Flask, data: bytes, name: str = "register.csv", slug: str = "vormingen-test"):  # noqa: ANN202
    with app.app_context():
        q = db.session.scalar(select(Questionnaire).where(Questionnaire.slug == slug))
        return registry.import_file(q, name, data)


def _stored(app: Flask) -> dict[str, tuple[str, str | None, dict[str, Any], list[str]]]:
    """Every respondent as code → (name, kind, attributes, linked trainings)."""
    with app.app_context():
        return {
            r.code: (r.name, r.kind, r.attributes, r.item_codes("vormingen"))
            for r in db.session.scalars(select(Respondent))
        }


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Respondent))


VALID_CSV = (
    f"{HEADER}\n"
    'P001;An Peeters;deelnemer;west;2022;VVSG;120,50;"Armoede; Wonen";1980;an@example.be;V1 V2\n'
    "P002;Bart Claes;Deelnemer;Oost-Vlaanderen;2023.0;;1.234,5;;;bart@example.be;V3\n"
    "P003;Chris Maes;D;limburg;2024;Lokaal Netwerk;€ 0;Klimaat;;chris@example.be;\n"
    "P004;Dina Jans;;LIMBURG; 2024 ;;;;;dina@example.be;V2\n"
).encode()
# Hand-written: what each row of VALID_CSV must become.
VALID_STORED = {
    "P001": ("An Peeters", "deelnemer",
             {"regio": "west", "jaar": 2022, "organisator": "VVSG", "kostprijs": 120.5,
              "thema": ["Armoede", "Wonen"], "geboortejaar": 1980}, ["V1", "V2"]),
    "P002": ("Bart Claes", "deelnemer",
             {"regio": "oost", "jaar": 2023, "kostprijs": 1234.5}, ["V3"]),
    "P003": ("Chris Maes", "deelnemer",
             {"regio": "limburg", "jaar": 2024, "organisator": "Lokaal Netwerk", "kostprijs": 0,
              "thema": ["Klimaat"]}, []),
    "P004": ("Dina Jans", "deelnemer", {"regio": "limburg", "jaar": 2024}, ["V2"]),
}  # fmt: skip


def test_a_person_registry_with_typed_attributes_imports_from_csv(app: Flask) -> None:
    """Kinds by value, label and code (or left out: there is one), choices by value or
    label in any case, a year Excel wrote as 2023.0, Belgian decimals, a list, an
    attribute under another header ('kost')."""
    _load(app)
    report = _import(app, VALID_CSV)
    assert report.problems == [] and report.written
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    stored = _stored(app)
    assert stored == VALID_STORED
    assert isinstance(stored["P002"][2]["jaar"], int)
    assert isinstance(stored["P001"][2]["kostprijs"], float)


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_person_registry_imports_from_xlsx_with_numbers_typed_by_excel(app: Flask) -> None:
    """Numbers as Excel types them (a year stored as the float 2022.0, a cost as 120.5),
    as text with a decimal comma, headers as people write them; no 'soort' column."""
    _load(app)
    data = _xlsx([
        ["Code", "Naam", "Regio", "Jaar", "Organisator", "Kostprijs (euro)", "Thema's",
         "E-mail", "Vormingen"],
        ["P001", "An Peeters", "West-Vlaanderen", 2022.0, "VVSG", 120.5, "Armoede;Wonen",
         "an@example.be", "V1;V2"],
        [1002, "Bart Claes", "oost", "2023", None, "1.234,5", None, "bart@example.be", None],
        ["P003", "Chris Maes", "Limburg", 2024, "Lokaal Netwerk", 0, "Klimaat",
         "chris@example.be", "V3"],
    ])  # fmt: skip
    report = _import(app, data, "register.xlsx")
    assert report.problems == [] and report.written and report.created == 3
    assert _stored(app) == {
        "P001": ("An Peeters", "deelnemer",
                 {"regio": "west", "jaar": 2022, "organisator": "VVSG", "kostprijs": 120.5,
                  "thema": ["Armoede", "Wonen"]}, ["V1", "V2"]),
        "1002": ("Bart Claes", "deelnemer", {"regio": "oost", "jaar": 2023, "kostprijs": 1234.5},
                 []),
        "P003": ("Chris Maes", "deelnemer",
                 {"regio": "limburg", "jaar": 2024, "organisator": "Lokaal Netwerk",
                  "kostprijs": 0, "thema": ["Klimaat"]}, ["V3"]),
    }  # fmt: skip


# (row, expected column as the file names it, expected part of the reason)
BAD_ROWS = [
    (
        "B01;Een;deelnemer;Henegouwen;2022;;;;;a@x.be;V1",
        "Regio",
        "onbekende waarde 'Henegouwen' voor regio",
    ),
    ("B02;Twee;deelnemer;;2022;;;;;a@x.be;V1", "Regio", "geen regio ingevuld"),
    ("B03;Drie;deelnemer;west;twintig;;;;;a@x.be;V1", "Jaar", "'twintig' is geen geheel getal"),
    ("B04;Vier;deelnemer;west;2022,5;;;;;a@x.be;V1", "Jaar", "'2022,5' is geen geheel getal"),
    ("B05;Vijf;deelnemer;west;;;;;;a@x.be;V1", "Jaar", "geen jaar ingevuld"),
    ("B06;Zes;deelnemer;west;2022;;gratis;;;a@x.be;V1", "Kost", "'gratis' is geen getal"),
    ("B07;Zeven;deelnemer;west;2022;;12,5,0;;;a@x.be;V1", "Kost", "'12,5,0' is geen getal"),
    ("B08;Acht;deelnemer;west;2022;;;;19x0;a@x.be;V1", "Geboortejaar", "geen geheel getal"),
    ("B09;Negen;lesgever;west;2022;;;;;a@x.be;V1", "Soort", "onbekende soort 'lesgever'"),
    ("B10;Tien;deelnemer;west;2022;;;;;a@x.be;V9", "Vormingen", "onbekende code 'V9'"),
    ("B11;Elf;deelnemer;west;2022;;;;;geen-adres;V1", "E-mail", "geen geldig e-mailadres"),
]


def test_bad_values_give_row_column_and_reason_and_nothing_is_written(app: Flask) -> None:
    _load(app)
    header = "Code;Naam;Soort;Regio;Jaar;Organisator;Kost;Thema's;Geboortejaar;E-mail;Vormingen"
    lines = [header, "P001;Goed;deelnemer;west;2022;;;;;goed@x.be;V1"]
    lines += [row for row, _, _ in BAD_ROWS]
    report = _import(app, ("\n".join(lines) + "\n").encode())
    assert not report.written and _count(app) == 0
    for offset, (_, column, message) in enumerate(BAD_ROWS):
        row = offset + 3  # the header is row 1, the good row row 2
        assert any(p.row == row and p.column == column and message in p.message
                   for p in report.problems), (row, column, message, report.problems)  # fmt: skip
    assert len(report.problems) == len(BAD_ROWS)


def test_the_same_bad_values_in_a_workbook_are_reported_alike(app: Flask) -> None:
    _load(app)
    data = _xlsx([
        ["code", "naam", "regio", "jaar", "kostprijs (euro)", "e-mail"],
        ["P1", "Een", "Antwerpen", 2022.5, 10, "a@x.be"],
        ["P2", "Twee", "west", 2022, "tien euro", "b@x.be"],
    ])  # fmt: skip
    report = _import(app, data, "register.xlsx")
    assert not report.written and _count(app) == 0
    assert [(p.row, p.column, p.message) for p in report.problems] == [
        (
            2,
            "regio",
            "onbekende waarde 'Antwerpen' voor regio (kies uit West-Vlaanderen, Oost-Vlaanderen, "
            "Limburg)",
        ),
        (2, "jaar", "'2022.5' is geen geheel getal"),
        (3, "kostprijs (euro)", "'tien euro' is geen getal"),
    ]


def test_missing_required_attribute_columns_and_unknown_columns_are_named(app: Flask) -> None:
    _load(app)
    report = _import(app, b"code;naam;e-mail;provincie\nP1;Een;a@x.be;Limburg\n")
    assert not report.written
    messages = [(p.row, p.column, p.message) for p in report.problems]
    assert (1, None, "verplichte kolommen ontbreken: regio, jaar; de eerste rij moet de "
            "kolomnamen bevatten") in messages  # fmt: skip
    (unknown,) = [m for m in messages if m[1] == "provincie"]
    assert unknown[2].startswith(
        "onbekende kolom (verwacht: code, naam, soort, regio, jaar, "
        "organisator, kostprijs (euro), thema's, geboortejaar"
    )


def test_reimport_changes_attributes(app: Flask) -> None:
    _load(app)
    assert _import(app, VALID_CSV).written
    changed = (
        f"{HEADER}\n"
        "P001;An Peeters;deelnemer;oost;2023;;99;Wonen;1980;an@example.be;V1 V2\n"
        "P002;Bart Claes;Deelnemer;Oost-Vlaanderen;2023.0;;1.234,5;;;bart@example.be;V3\n"
        "P005;Eva Wouters;;west;2025;;;;;eva@example.be;V1\n"
    ).encode()
    report = _import(app, changed)
    assert report.written and report.problems == []
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    stored = _stored(app)
    assert stored["P001"] == ("An Peeters", "deelnemer",
                              {"regio": "oost", "jaar": 2023, "kostprijs": 99,
                               "thema": ["Wonen"], "geboortejaar": 1980}, ["V1", "V2"])  # fmt: skip
    assert stored["P002"] == VALID_STORED["P002"]
    assert stored["P003"] == VALID_STORED["P003"]  # not in the file: kept as it was
    assert stored["P005"] == ("Eva Wouters", "deelnemer", {"regio": "west", "jaar": 2025}, ["V1"])


def test_the_template_of_a_person_questionnaire_imports_cleanly(
    app: Flask, admin_client: FlaskClient
) -> None:
    _load(app)
    template = admin_client.get(f"{PAGE}/register-sjabloon.xlsx")
    assert template.status_code == 200
    workbook = load_workbook(io.BytesIO(template.data))
    sheet = workbook["Register"]
    assert [c.value for c in sheet[1]] == [
        "code", "naam", "regio", "jaar", "organisator", "kostprijs (euro)", "thema's",
        "geboortejaar", "contactpersoon", "e-mail", "vormingen",
    ]  # fmt: skip
    explained = {
        row[0]: row[1:] for row in workbook["Uitleg"].iter_rows(min_row=2, values_only=True)
    }
    assert explained["soort"][0] == "nee"  # one kind: the column may be left out
    assert explained["regio"] == ("ja", "één van: West-Vlaanderen, Oost-Vlaanderen, Limburg "
                                        "(de waarde of het label)")  # fmt: skip
    assert "identiteitenblad" in explained["geboortejaar"][1]
    assert "V1, V2, V3" in explained["vormingen"][1]

    report = _import(app, template.data, "sjabloon.xlsx")
    assert report.problems == [] and report.written and report.created == 2
    stored = _stored(app)
    assert stored["D01"] == ("Deelnemer Voorbeeld 1", "deelnemer",
                             {"regio": "west", "jaar": 2024, "organisator": "Voorbeeld 1",
                              "kostprijs": 120.5, "thema": ["Voorbeeld A"], "geboortejaar": 2024},
                             ["V1", "V2"])  # fmt: skip
    assert stored["D02"][2]["thema"] == ["Voorbeeld A", "Voorbeeld B"]
    assert stored["D02"][2]["kostprijs"] == 241


def test_admin_upload_of_bad_values_shows_row_column_and_reason(
    app: Flask, admin_client: FlaskClient
) -> None:
    _load(app)
    page = admin_client.get(PAGE).get_data(as_text=True)
    # The registry card describes this population's columns, not the municipal ones.
    assert "<code>kostprijs (euro)</code>" in page and "<code>geboortejaar</code>" in page
    assert "<code>provincie</code>" not in page
    bad = f"{HEADER}\n{BAD_ROWS[2][0]}\n".encode()
    response = admin_client.post(
        f"{PAGE}/register",
        data={"csrf_token": csrf_token(admin_client, PAGE),
              "file": (io.BytesIO(bad), "fout.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 422
    assert "<td>2</td><td>jaar</td><td>&#39;twintig&#39; is geen geheel getal</td>" in (
        response.get_data(as_text=True)
    )
    assert _count(app) == 0


@pytest.mark.parametrize(
    ("type_", "cell", "value"),
    [
        ("number", "120,50", 120.5),
        ("number", "1.234,50", 1234.5),
        ("number", "1,234.50", 1234.5),
        ("number", "1234.5", 1234.5),
        ("number", "€ 12", 12),
        ("number", "-3,25", -3.25),
        ("number", "1.000.000", 1000000),
        ("integer", "2022.0", 2022),
        ("integer", "2022,0", 2022),
        ("integer", " 2 022 ", 2022),
    ],
)
def test_numbers_as_belgian_and_other_files_write_them(type_: str, cell: str, value: float) -> None:
    from intake.questionnaire.model import Attribute, Text

    attribute = Attribute("x", Text({"nl": "X"}, "nl"), type_)
    assert read_value(attribute, cell) == (value, None)
    assert type(read_value(attribute, cell)[0]) is type(value)


@pytest.mark.parametrize("cell", ["12,", ".5", "1e400", "nan", "12 euro", "1,2,3.4.5"])
def test_what_is_not_a_number_is_refused(cell: str) -> None:
    from intake.questionnaire.model import Attribute, Text

    attribute = Attribute("x", Text({"nl": "Kost"}, "nl"), "number")
    assert read_value(attribute, cell) == (None, f"'{cell}' is geen getal")


def test_persons_are_deelnemers_on_every_page(app: Flask, admin_client: FlaskClient) -> None:
    _load(app)
    assert _import(app, VALID_CSV).written
    with app.app_context():
        an = db.session.scalar(select(Respondent.id).where(Respondent.code == "P001"))
    pages = {
        "overview": "/admin/",
        "dashboard": PAGE,
        "list": f"{PAGE}/respondenten",
        "respondent": f"/admin/respondenten/{an}",
        "preview": f"{PAGE}/voorbeeld",
        "mail": f"{PAGE}/mail/invitation",
    }
    for name, path in pages.items():
        text = admin_client.get(path).get_data(as_text=True)
        assert "bestuur" not in text.lower() and "besturen" not in text.lower(), name
    dashboard = admin_client.get(PAGE).get_data(as_text=True)
    assert "Wie ontbreekt? 4 deelnemers hebben niet ingediend" in dashboard
    assert "Alle deelnemers bekijken (4)" in dashboard
    assert "uitgenodigde deelnemers hebben ingediend" in dashboard
    assert "4 deelnemers zijn nog niet uitgenodigd" in dashboard
    listing = admin_client.get(f"{PAGE}/respondenten").get_data(as_text=True)
    assert "<h1>Deelnemers</h1>" in listing and "<caption>4 deelnemers</caption>" in listing
    mail = admin_client.get(f"{PAGE}/mail/invitation").get_data(as_text=True)
    assert "4 deelnemers krijgen deze mail" in mail
    assert "Elke deelnemer krijgt één mail" in mail
    preview = admin_client.get(f"{PAGE}/voorbeeld").get_data(as_text=True)
    assert "Een denkbeeldige deelnemer" in preview and "Voorbeelddeelnemer" in preview


def test_local_governments_stay_besturen(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        factory.respondent(q, "G01", kind="gemeente")
    page = "/admin/vragenlijsten/plan-samenleven-2025"
    dashboard = admin_client.get(page).get_data(as_text=True)
    assert "Wie ontbreekt? 1 bestuur heeft niet ingediend" in dashboard
    assert "Alle organisaties bekijken (1)" in dashboard
    assert "Eén rij per bestuur." in dashboard
    listing = admin_client.get(f"{page}/respondenten").get_data(as_text=True)
    assert "<h1>Organisaties</h1>" in listing
    mail = admin_client.get(f"{page}/mail/invitation").get_data(as_text=True)
    assert "1 bestuur krijgt deze mail" in mail and "Elk bestuur krijgt één mail" in mail
    preview = admin_client.get(f"{page}/voorbeeld").get_data(as_text=True)
    assert "Een denkbeeldig bestuur" in preview and "Soort bestuur" in preview


def test_default_mail_texts_address_a_person_as_a_person(app: Flask) -> None:
    """The app's default invitation and reminder (a questionnaire without its own text)
    never call a person the contact of an organisation."""
    _load(app)
    _load(app, RANKING)
    assert _import(app, VALID_CSV).written
    with app.app_context():
        ranking = db.session.scalar(
            select(Questionnaire).where(Questionnaire.slug == "prioriteiten-2025")
        )
        organisation = factory.respondent(ranking, "G01", kind="gemeente", name="Gemeente Zandloo")
        person = db.session.scalar(select(Respondent).where(Respondent.code == "P001"))
        texts = {
            who: {kind: mailing.render(respondent, kind, "https://link") for kind in MailKind}
            for who, respondent in (("person", person), ("organisation", organisation))
        }
    invitation = texts["person"][MailKind.INVITATION][1]
    reminder = texts["person"][MailKind.REMINDER][1]
    for body in (invitation, reminder):
        assert "bestuur" not in body and "contactpersoon" not in body and "collega's" not in body
    assert "De VVSG nodigt je uit om de vragenlijst 'Tevredenheid over de vormingen'" in (
        " ".join(invitation.split())
    )
    assert "We hebben je antwoorden op de vragenlijst" in " ".join(reminder.split())
    organisation_text = " ".join(texts["organisation"][MailKind.INVITATION][1].split())
    assert "nodigt je als contactpersoon van Gemeente Zandloo uit" in organisation_text
    assert "collega's die meewerken" in organisation_text
    assert "de vragenlijst 'Prioriteiten van het samenlevingsbeleid' van Gemeente Zandloo" in (
        " ".join(texts["organisation"][MailKind.REMINDER][1].split())
    )
