"""The CSV dialects and the SPSS file, read back as their users' tools read them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pyreadstat
import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from intake.extensions import db
from intake.models import Questionnaire
from intake.services import export, spss
from tests.support import factory
from tests.support.workbook import rows
from tests.test_csv_injection import HOSTILE, TRIGGERS, _hostile_responses
from tests.test_export import EXACT, LONG, NUMBERS, _respond, _store

# A number as Belgian Excel reads it: digits with a decimal comma (and an exponent).
BELGIAN_NUMBER = r"-?\d+(,\d+)?([eE][+-]?\d+)?"


def _write(app: Flask, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    with app.app_context():
        q = db.session.scalar(select(Questionnaire).where(Questionnaire.slug != "exact"))
        export.write(q, buffer, fmt, export.ExportOptions(**options))  # type: ignore[arg-type]
    return buffer.getvalue()


def _excel_number(text: str) -> float | None:
    return float(text.replace(",", ".")) if re.fullmatch(BELGIAN_NUMBER, text) else None


def test_excel_dialect_opens_in_belgian_excel_with_every_value_intact(app: Flask) -> None:
    """Opened with a double click in Belgian Excel: UTF-8 (BOM), ';' between fields, a
    decimal comma; every value as in the workbook, no field that starts a formula."""
    _hostile_responses(app)
    workbook = load_workbook(io.BytesIO(_write(app, "xlsx", include_drafts=True)))
    archive = zipfile.ZipFile(io.BytesIO(_write(app, "csv", include_drafts=True)))
    for name in archive.namelist():
        data = archive.read(name)
        assert data.startswith(b"\xef\xbb\xbf"), name
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"):
            for field in row:
                assert not field.lstrip(' "').startswith(TRIGGERS) or _excel_number(field), field
    table = list(csv.reader(io.StringIO(archive.read("antwoorden.csv").decode("utf-8-sig"),
                                        newline=""), delimiter=";"))  # fmt: skip
    sheet = rows(workbook["Antwoorden"])
    assert table[0] == list(sheet[0]) and len(table) == len(sheet) == 2
    compared = 0
    for field, value in zip(table[1], sheet[1], strict=True):
        if value is None:
            assert field == ""
        elif isinstance(value, str):
            # Accents intact; neutralised text only gains apostrophes.
            assert field.replace("'", "") == value.replace("'", ""), (field, value)
        elif isinstance(value, dt.datetime):
            assert dt.datetime.fromisoformat(field) == value
        else:
            assert _excel_number(field) == value, (field, value)
        compared += 1
    assert compared > 300
    assert any(value in field for field in table[1] for value in ("cmd", "HYPERLINK"))
    frequencies = archive.read("frequenties.csv").decode("utf-8-sig")
    assert ";0,5;" in frequencies or ";1;" in frequencies  # shares with a decimal comma


def test_plain_dialect_round_trips_exact_values(app: Flask, tmp_path: Path) -> None:
    """RFC 4180 for R and SPSS: ',' and '.', UTF-8 without BOM, values exactly as
    stored: hostile text unchanged, every digit, the whole of a long text."""
    _hostile_responses(app)
    source = tmp_path / "exact.yaml"
    source.write_text(EXACT)
    with app.app_context():
        q = factory.load_questionnaire(source)
        respondent = factory.respondent(q, "G1", kind="gemeente")
        posted = {"datum": ("01/01/1850", None), "getal": ("1", None), "tekst": ("x", None)}
        _respond(respondent, {("s", None): posted}, submit=True)
        _store(respondent.response, "getal", NUMBERS[1])
        _store(respondent.response, "tekst", LONG)
        db.session.commit()
        buffer = io.BytesIO()
        export.write(q, buffer, "csv", export.ExportOptions(csv="plain"))
    exact = zipfile.ZipFile(buffer).read("antwoorden.csv")
    assert not exact.startswith(b"\xef\xbb\xbf") and b"\r\n" in exact
    header, row = list(csv.reader(io.StringIO(exact.decode("utf-8"), newline="")))
    values = dict(zip(header, row, strict=True))
    assert values["s.getal"] == str(NUMBERS[1]) and values["s.tekst"] == LONG
    assert values["s.datum"] == "1850-01-01"

    plain = zipfile.ZipFile(io.BytesIO(_write(app, "csv", csv="plain", include_drafts=True)))
    header, row = list(csv.reader(io.StringIO(plain.read("antwoorden.csv").decode("utf-8"),
                                              newline="")))  # fmt: skip
    values = dict(zip(header, row, strict=True))
    assert values["actie[5].succes_toelichting"] == HOSTILE[3]  # exactly as typed
    assert values["actie[5].verankering"] == HOSTILE[4]
    assert values["actie[5].succes"] == "4"
    assert dt.datetime.fromisoformat(values["ingediend_op"]) if values["ingediend_op"] else True


def test_sav_has_variable_and_value_labels(app: Flask, tmp_path: Path) -> None:
    _hostile_responses(app)
    data = _write(app, "sav", include_drafts=True)
    path = tmp_path / "export.sav"
    path.write_bytes(data)
    frame, meta = pyreadstat.read_sav(str(path))
    workbook = load_workbook(io.BytesIO(_write(app, "xlsx", include_drafts=True)))
    sheet = rows(workbook["Antwoorden"])
    names = spss.spss_names(sheet[0])
    assert list(frame.columns) == [names[n] for n in sheet[0]]
    labels = meta.column_names_to_labels
    assert labels["actie_5.succes"] == (
        "Hoe succesvol was deze actie in je bestuur? – Actie 5: Oefenkansen Nederlands organiseren"
    )
    assert labels["actie_5.cofinanciering.voortzetting"].endswith(
        ": Voortzetting van een bestaande werking"
    )
    value_labels = meta.variable_value_labels
    assert value_labels["actie_5.succes"][5] == "Zeer succesvol"
    assert value_labels["actie_5.cofinanciering.voortzetting"] == {0: "niet gekozen", 1: "gekozen"}
    assert value_labels["organisatie.via_igs"] == {"ja": "Ja", "nee": "Nee"}  # a text choice
    assert meta.variable_measure["actie_5.succes"] == "ordinal"
    assert meta.variable_measure["actie_5.cofinanciering.voortzetting"] == "nominal"
    record = frame.iloc[0]
    expected = dict(zip(sheet[0], sheet[1], strict=True))
    assert record["actie_5.succes"] == expected["actie[5].succes"] == 4
    assert record["actie_5.cofinanciering.voortzetting"] == 1
    assert record["actie_5.cofinanciering.other_text"] == HOSTILE[5]  # exactly, not neutralised
    assert record["actie_5.verankering"] == HOSTILE[4]
    assert record["code"] == expected["code"] and record["status"] == "draft"
    assert record["organisatie.via_igs"] == "nee"
    assert meta.original_variable_types["actie_5.succes"].startswith("F")
    assert meta.original_variable_types["actie_5.verankering"].startswith("A")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("actie[5].succes", "actie_5.succes"),
        ("organisatie.acties.5", "organisatie.acties.5"),
        ("s[w-1].q", "s_w_1.q"),
        ("1abc", "v_1abc"),
        ("with", "v_with"),
        ("x." + "a" * 80, None),
    ],
)
def test_spss_names_follow_spss_rules(name: str, expected: str | None) -> None:
    mapped = spss.spss_name(name)
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]*", mapped) and not mapped.endswith(".")
    assert len(mapped.encode()) <= 64 and mapped.upper() not in spss.RESERVED
    if expected is not None:
        assert mapped == expected
    assert spss.spss_name(name) == mapped  # stable


def test_spss_names_are_unique_regardless_of_case() -> None:
    names = spss.spss_names(["a[5].b", "a_5.b", "A_5.B", "x." + "a" * 80, "x." + "a" * 81])
    assert len({v.upper() for v in names.values()}) == 5
    assert names["a[5].b"] == "a_5.b"  # the first keeps the plain form
