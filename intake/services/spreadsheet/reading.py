"""Reading spreadsheets: the rows of an .xlsx sheet or a CSV file as a stream, bounded.

openpyxl reads a whole row before it yields it, pads every row to the sheet's
widest, and keeps every shared string: a 190 kB upload with 4,000 cells a row
kept a worker busy for minutes. ``xlsx_rows`` parses the sheet XML as a stream
(lxml, no DTDs, no entities, no network), counts every cell as it passes, and
stops at the first cell past a limit, even in the middle of one huge row.
Values come back as text as openpyxl's ``values_only`` would give them (numbers
without a needless ``.0``, booleans as True/False, the cached result of a formula),
or, with ``typed``, as the values a cell holds: int, float, bool, a datetime for
a number with a date format, text; None for an empty cell.

``csv_rows`` reads a UTF-8 CSV file with ';' (Excel in Belgium) or ','.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Literal

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict Open XML
)
_RELATIONSHIP_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)


def _tags(name: str) -> frozenset[str]:
    return frozenset(f"{{{ns}}}{name}" for ns in _NAMESPACES)


_ROW, _CELL, _VALUE, _TEXT, _INLINE, _RUN, _ITEM, _XF, _NUMFMT, _CELL_XFS = map(
    _tags, ("row", "c", "v", "t", "is", "r", "si", "xf", "numFmt", "cellXfs")
)


class SheetError(Exception):
    """The workbook cannot be read (``limit`` is None) or passes a limit (its name)."""

    def __init__(self, message: str, limit: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.limit = limit
        self.row = row


@dataclass(frozen=True)
class Limits:
    columns: int  # no value may stand right of this column
    cells: int  # cell elements read in all, empty ones included
    deadline: float  # time.monotonic() by which reading must be done


def sheet_names(archive: zipfile.ZipFile) -> list[str]:
    """The names of the workbook's sheets, in order."""
    root = _parse(archive, _workbook_path(archive))
    return [sheet.get("name", "") for sheet in root.iter(*_tags("sheet"))]


def xlsx_rows(
    archive: zipfile.ZipFile, limits: Limits, sheet: str | None = None, typed: bool = False
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells up to the last non-empty one) of a sheet (by name; the first
    by default): texts ("" when empty), or with ``typed`` the values (None when empty)."""
    strings = _shared_strings(archive, limits)
    dates = _date_styles(archive) if typed else None
    epoch = _epoch(archive) if typed else CALENDAR_WINDOWS_1900
    empty = None if typed else ""
    cells_read = 0
    number = position = 0
    values: list[Any] = []
    with archive.open(_sheet_path(archive, sheet)) as source:
        for _, element in _iterparse(source, _ROW | _CELL):
            if element.tag in _ROW:
                number = _int(element.get("r"), number + 1)
                _drop(element)
                if time.monotonic() > limits.deadline:
                    raise SheetError("too slow", "time", number)
                yield number, values
                values, position = [], 0
                continue
            cells_read += 1  # every cell counts, empty or not: it all takes work
            if cells_read > limits.cells:
                raise SheetError("too many cells", "cells", _row_of(element, number))
            if not cells_read & 4095 and time.monotonic() > limits.deadline:
                raise SheetError("too slow", "time", _row_of(element, number))
            reference = element.get("r")
            position = _column(reference, position + 1) if reference else position + 1
            if len(element):  # an empty cell has no children
                value = _value(element, strings)
                if value:
                    if position > limits.columns:
                        raise SheetError("too many columns", "columns", _row_of(element, number))
                    if position > len(values) + 1:
                        values.extend([empty] * (position - len(values) - 1))
                    values.append(value if dates is None else _typed(element, value, dates, epoch))
            _drop(element)


def _row_of(cell: etree._Element, previous: int) -> int:
    """The number of the row a cell is in (its row ends after it)."""
    row = cell.getparent()
    return _int(row.get("r") if row is not None else None, previous + 1)


def _iterparse(
    source: IO[bytes], tags: frozenset[str], events: tuple[Literal["start", "end"], ...] = ("end",)
) -> Iterator[tuple[str, etree._Element]]:
    try:
        yield from etree.iterparse(
            source, events=events, tag=tuple(tags), resolve_entities=False, load_dtd=False,
            no_network=True, huge_tree=False, remove_comments=True,
        )  # fmt: skip
    except etree.LxmlError as exc:
        raise SheetError(f"invalid XML: {exc}") from None


def _drop(element: etree._Element) -> None:
    """Free a parsed element and the siblings before it: memory stays flat."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _shared_strings(archive: zipfile.ZipFile, limits: Limits) -> list[str]:
    path = _part(archive, "sharedStrings")
    if path is None:
        return []
    strings: list[str] = []
    with archive.open(path) as source:
        for _, item in _iterparse(source, _ITEM):
            if len(strings) >= limits.cells:  # more strings than cells can use
                raise SheetError("too many shared strings", "cells")
            strings.append(_text(item))
            _drop(item)
            if len(strings) % 4096 == 0 and time.monotonic() > limits.deadline:
                raise SheetError("too slow", "time")
    return strings


def _text(item: etree._Element) -> str:
    """The text of a string item: its <t>, or its rich-text runs (phonetic hints left out)."""
    parts = [child.text or "" for child in item if child.tag in _TEXT]
    for run in item:
        if run.tag in _RUN:
            parts.extend(t.text or "" for t in run if t.tag in _TEXT)
    return "".join(parts)


def _value(cell: etree._Element, strings: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = next((child for child in cell if child.tag in _INLINE), None)
        return _text(inline) if inline is not None else ""
    raw = next((child.text for child in cell if child.tag in _VALUE), None)
    if raw is None:
        return ""
    if kind == "s":
        index = _int(raw, -1)
        if not 0 <= index < len(strings):
            raise SheetError(f"shared string {raw} does not exist")
        return strings[index]
    if kind == "b":
        return "True" if raw.strip() in {"1", "true"} else "False"
    if kind == "n":
        return _number(raw)
    return raw  # str (a formula's text result), e (an error such as #N/A), d (ISO date)


def _typed(cell: etree._Element, text: str, dates: list[bool], epoch: dt.datetime) -> Any:
    """The value a cell holds, from its text (``_value``) and its type and style."""
    kind = cell.get("t", "n")
    if kind == "b":
        return text == "True"
    if kind != "n":
        return text
    try:
        number: int | float = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return text
    style = _int(cell.get("s"), 0)
    if 0 <= style < len(dates) and dates[style]:
        try:
            return from_excel(number, epoch)
        except (ValueError, OverflowError):
            return number
    return number


def _date_styles(archive: zipfile.ZipFile) -> list[bool]:
    """Per cell style (its index): whether its number format shows a date."""
    path = _part(archive, "styles")
    if path is None:
        return []
    root = _parse(archive, path)
    formats = dict(BUILTIN_FORMATS)
    for element in root.iter(*_NUMFMT):
        formats[_int(element.get("numFmtId"), -1)] = element.get("formatCode", "")
    result: list[bool] = []
    for group in root.iter(*_CELL_XFS):
        for xf in group:
            if xf.tag in _XF:
                result.append(is_date_format(formats.get(_int(xf.get("numFmtId"), 0), "")))
    return result


def _epoch(archive: zipfile.ZipFile) -> dt.datetime:
    """1904 for workbooks that say so (old Mac Excel), else 1900."""
    root = _parse(archive, _workbook_path(archive))
    for properties in root.iter(*_tags("workbookPr")):
        if properties.get("date1904") in {"1", "true"}:
            return CALENDAR_MAC_1904
    return CALENDAR_WINDOWS_1900


def _number(raw: str) -> str:
    text = raw.strip()
    try:
        return str(int(text))
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else str(number)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _column(reference: str | None, default: int) -> int:
    """The column number of a reference such as 'AB12'."""
    if not reference:
        return default
    number = 0
    for char in reference:
        if "A" <= char <= "Z":
            number = number * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            number = number * 26 + ord(char) - 96
        else:
            break
    return number or default


# --------------------------------------------------------------------------- package


def _sheet_path(archive: zipfile.ZipFile, name: str | None = None) -> str:
    """The path of the sheet called ``name`` (the first sheet when None), as the
    workbook's relationships name it."""
    workbook = _workbook_path(archive)
    targets = _relationships(archive, workbook)
    root = _parse(archive, workbook)
    for sheet in root.iter(*_tags("sheet")):
        if name is not None and sheet.get("name") != name:
            continue
        for namespace in _RELATIONSHIP_NAMESPACES:
            relationship = sheet.get(f"{{{namespace}}}id")
            if relationship in targets:
                return _member(archive, targets[relationship][1])
        break
    raise SheetError("the workbook has no sheet" if name is None else f"no sheet '{name}'")


def _part(archive: zipfile.ZipFile, kind: str) -> str | None:
    """The path of a workbook part such as sharedStrings, or None."""
    for relationship_type, target in _relationships(archive, _workbook_path(archive)).values():
        if relationship_type.rsplit("/", 1)[-1] == kind:
            return _member(archive, target)
    return None


def _workbook_path(archive: zipfile.ZipFile) -> str:
    if "_rels/.rels" in archive.namelist():
        for relationship_type, target in _relationships(archive, "").values():
            if relationship_type.endswith("/officeDocument"):
                return _member(archive, target)
    if "xl/workbook.xml" in archive.namelist():
        return "xl/workbook.xml"
    raise SheetError("no workbook in the package")


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target path) for a part ('' for the package)."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels not in archive.namelist():
        return {}
    result = {}
    for element in _parse(archive, rels):
        target = element.get("Target", "")
        if not target.startswith("/"):
            target = posixpath.normpath(posixpath.join(folder, target))
        result[element.get("Id", "")] = (element.get("Type", ""), target)
    return result


def _member(archive: zipfile.ZipFile, target: str) -> str:
    path = target.lstrip("/")
    if path not in archive.namelist():
        raise SheetError(f"the package has no part {path}")
    return path


def _parse(archive: zipfile.ZipFile, path: str) -> etree._Element:
    """A small part (workbook, relationships) parsed whole; sheets are streamed."""
    info = archive.getinfo(path)
    if info.file_size > 5 * 1024 * 1024:
        raise SheetError(f"{path} is implausibly large")
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                             remove_comments=True)  # fmt: skip
    try:
        return etree.fromstring(archive.read(path), parser)
    except etree.XMLSyntaxError as exc:
        raise SheetError(f"invalid XML in {path}: {exc}") from None


# --------------------------------------------------------------------------- CSV


class CsvError(Exception):
    """A CSV file that cannot be read, in words for the person who saved it (Dutch);
    ``row`` is where reading stopped, when known."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


def csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The rows of a UTF-8 CSV file (';' or ',', a BOM or none), decoded and parsed as
    they stream."""
    _refuse_nul(data)
    reader = csv.reader(
        io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""),
        delimiter=delimiter(data),
    )
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except UnicodeDecodeError:  # decoded ahead of the reader: no row number to give
        raise CsvError(
            "het CSV-bestand is niet in UTF-8 bewaard; kies in Excel 'CSV UTF-8 (door "
            "komma's gescheiden)' of bewaar als .xlsx"
        ) from None
    except csv.Error as exc:
        raise CsvError(f"het CSV-bestand is onleesbaar: {exc}", number + 1) from None


def _refuse_nul(data: bytes) -> None:
    """A NUL byte anywhere: a binary file, or text saved as UTF-16 ('Unicode text')."""
    position = data.find(b"\x00")
    if position != -1:
        raise CsvError(
            "het bestand bevat NUL-tekens: het is geen tekstbestand (CSV); bewaar het in Excel "
            "als 'CSV UTF-8' of als .xlsx",
            data.count(b"\n", 0, position) + 1,
        )


def delimiter(data: bytes) -> str:
    """';' (Excel in Belgium) or ',', by the first non-empty line."""
    start = data[:65_536].decode("utf-8-sig", errors="ignore")
    first = next((line for line in start.splitlines() if line.strip()), "")
    return ";" if first.count(";") >= first.count(",") and ";" in first else ","
