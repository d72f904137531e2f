"""Every CSV Intake writes is safe to open in a spreadsheet, whatever separator it assumes.

A value such as ``geen;=cmd|' /C calc'!A0`` has no comma, so a comma-separated
writer leaves it unquoted; Belgian Excel opens the file with ';' as separator and
the second half becomes a formula. The files are read back here under each common
separator convention (with quotes honoured, and with quotes taken literally, as a
naive split would) and no field may start with a formula trigger.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.extensions import db
from intake.models import Questionnaire
from intake.services import audit, export, response_state, responses, safe_csv
from tests.support import factory

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
SEPARATORS = (",", ";", "\t", "|")
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")

# Each hides a formula behind a separator, a line break, spaces or quotes.
HOSTILE = [
    "geen;=cmd|' /C calc'!A0",
    "een, +SUM(1;2)",
    "tab\t@SUM(A1)",
    "pijp|-2+3",
    'aanhalingsteken;"=1+1"',
    'regel\n=HYPERLINK("http://x")',
    "terugloop\r=1",
    "spatie;   =1",
    "\uff1d1+1 (volle breedte)",
    "ok; \uff0b1",
    "\t=1",
]


def fields(text: str) -> list[str]:
    """Every field of ``text`` under every separator, quotes honoured or taken literally."""
    found: list[str] = []
    for separator in SEPARATORS:
        for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE):
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator,
                                quoting=quoting)  # fmt: skip
            found.extend(field for row in reader for field in row)
    return found


def formulas(text: str) -> list[str]:
    """Fields a spreadsheet could take for a formula (numbers are numbers, not formulas)."""
    risky = []
    for field in fields(text):
        start = field.lstrip(' "')
        if start.startswith(TRIGGERS) and not NUMBER.fullmatch(field.strip()):
            risky.append(field)
    return risky


def test_the_reading_finds_what_an_unsafe_writer_leaves() -> None:
    """The check itself: a plain csv.writer's output does show the formulas."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[value, 1] for value in HOSTILE])
    assert len({f.lstrip(' "') for f in formulas(buffer.getvalue())}) >= len(HOSTILE)


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_leaves_no_field_that_starts_a_formula(value: str) -> None:
    buffer = io.StringIO()
    safe_csv.writer(buffer).writerow(["code", value, 12, -3, 2.5])
    text = buffer.getvalue()
    assert formulas(text) == [], text
    row = next(csv.reader(io.StringIO(text, newline="")))
    assert row[2:] == ["12", "-3", "2.5"]  # numbers stay plain numbers
    assert row[1] != value and row[1].replace("'", "") == value.replace(
        "'", ""
    )  # apostrophes added


@pytest.mark.parametrize("value", ["", "gewone tekst", "2024-05-01", "a-b", "x=y", "e@mail.be"])
def test_harmless_text_is_written_unchanged(value: str) -> None:
    assert safe_csv.neutralise(value) == value


def _hostile_responses(app: Flask) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(q, "G01", name=HOSTILE[0], kind="gemeente",
                                   contact=(HOSTILE[1], "ann@lindeloo.be"),
                                   items={"actions": ["5"]})  # fmt: skip
        pages = {
            ("organisatie", None): {"via_igs": ("nee", None),
                                    "contact_functie": (HOSTILE[2], None)},
            ("actie", "5"): {"succes": ("4", None), "succes_toelichting": (HOSTILE[3], None),
                             "verankering": (HOSTILE[4], None),
                             "cofinanciering": (["voortzetting", "other"], HOSTILE[5])},
            ("planlast", None): {"stelling": ("4", None), "toelichting": (HOSTILE[6], None)},
            ("partners", None): {"welke": (HOSTILE[7], None), "toelichting": (HOSTILE[8], None)},
            ("agii", None): {"tevredenheid_toelichting": ("\n".join(HOSTILE), None)},
        }  # fmt: skip
        for (section, item), posted in pages.items():
            state = response_state.load_state(respondent)
            outcome = responses.save_page(
                respondent, section, item, posted, state.revision, HOSTILE[9]
            )
            assert outcome.status == "saved" and not outcome.problems, outcome.problems


def test_csv_export_zip_has_no_formula_under_any_separator(app: Flask) -> None:
    _hostile_responses(app)
    buffer = io.BytesIO()
    with app.app_context():
        q = db.session.scalar(select(Questionnaire))
        options = export.ExportOptions(include_drafts=True, with_identities=True)
        export.write(q, buffer, "csv", options, actor=HOSTILE[10])
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    assert "respondenten.csv" in texts
    everything = "\n".join(texts.values())
    for value in HOSTILE[:9]:  # every hostile value made it into the export, neutralised
        assert value.split("\n")[0][:4] in everything, value
    for name, text in texts.items():
        assert formulas(text) == [], name


def test_audit_log_csv_has_no_formula_under_any_separator(
    app: Flask, admin_client: FlaskClient
) -> None:
    _hostile_responses(app)
    with app.app_context():
        q = db.session.scalar(select(Questionnaire))
        for value in HOSTILE:
            audit.record("export", value, questionnaire=q, file=value, format="csv")
        db.session.commit()
        text = audit.as_csv(q)
    assert text.count("\n") > len(HOSTILE)
    assert formulas(text) == []
    admin = admin_client
    download = admin.get("/admin/logboek?format=csv").get_data(as_text=True)
    assert "cmd" in download and formulas(download) == []
