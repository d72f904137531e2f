"""The shared spreadsheet module: reading sheets as typed values, writing cells exactly."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from intake.services.spreadsheet import reading
from intake.services.spreadsheet.xlsx import Book, Styled


def _limits() -> reading.Limits:
    """Generous limits whose clock starts now (not when the module was collected)."""
    return reading.Limits(100, 10_000, time.monotonic() + 60)


def _workbook(epoch_1904: bool = False) -> zipfile.ZipFile:
    workbook = Workbook()
    if epoch_1904:
        workbook.epoch = dt.datetime(1904, 1, 1)
    workbook.active.title = "Eerst"
    workbook.active.append(["niet dit blad"])
    sheet = workbook.create_sheet("Antwoorden")
    sheet.append(["code", "getal", "komma", "datum", "tijdstip", "waar", "tekst"])
    sheet.append(["CS01", 5, 2.5, dt.date(2026, 11, 23), dt.datetime(2025, 5, 1, 14, 30),
                  True, "12"])  # fmt: skip
    sheet.append(["G01", None, -0.125, None, None, False, "=1+1 als tekst"])
    sheet["G3"].data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("epoch_1904", [False, True])
def test_a_sheet_by_name_as_the_values_its_cells_hold(epoch_1904: bool) -> None:
    archive = _workbook(epoch_1904)
    assert reading.sheet_names(archive) == ["Eerst", "Antwoorden"]
    rows = list(reading.xlsx_rows(archive, _limits(), "Antwoorden", typed=True))
    assert rows == [
        (1, ["code", "getal", "komma", "datum", "tijdstip", "waar", "tekst"]),
        (2, ["CS01", 5, 2.5, dt.datetime(2026, 11, 23), dt.datetime(2025, 5, 1, 14, 30), True,
             "12"]),
        (3, ["G01", None, -0.125, None, None, False, "=1+1 als tekst"]),
    ]  # fmt: skip
    assert list(reading.xlsx_rows(archive, _limits()))[0] == (1, ["niet dit blad"])  # the first
    with pytest.raises(reading.SheetError):
        list(reading.xlsx_rows(archive, _limits(), "Bestaat niet"))


def test_the_writer_keeps_every_value_and_type() -> None:
    book = Book()
    sheet = book.sheet("Blad")
    values = ["code", " spatie ", "a & b < c > d", "regel\r\nregel", "=SUM(A1)", 7, 2.5,
              10**16 + 1, dt.datetime(2025, 1, 2, 3, 4, 5), dt.date(1899, 12, 31), True,
              "é😀"]  # fmt: skip
    sheet.append(values)
    sheet.append([Styled(0.25, "percent"), None, Styled("vet", "header")])
    buffer = io.BytesIO()
    book.save(buffer)
    cells = list(load_workbook(io.BytesIO(buffer.getvalue()))["Blad"].iter_rows())
    assert [c.value for c in cells[0]] == [
        "code", " spatie ", "a & b < c > d", "regel\r\nregel", "=SUM(A1)", 7, 2.5,
        "10000000000000001", dt.datetime(2025, 1, 2, 3, 4, 5), "1899-12-31", True, "é😀",
    ]  # fmt: skip
    assert cells[0][4].data_type == "s" and cells[0][4].quotePrefix  # text, never a formula
    assert sheet.as_text == {7: {"number": 1}, 9: {"date": 1}}
    assert cells[1][0].number_format == "0%" and cells[1][1].value is None
    assert cells[1][2].font.b
