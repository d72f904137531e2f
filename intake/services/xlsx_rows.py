"""Stream the rows of an .xlsx workbook's first sheet, with bounded work.

openpyxl reads a whole row before it yields it, pads every row to the sheet's
widest, and keeps every shared string: a 190 kB upload with 4,000 cells a row
kept a worker busy for minutes. This reader parses the sheet XML as a stream
(lxml, no DTDs, no entities, no network), counts every cell as it passes, and
stops at the first cell past a limit, even in the middle of one huge row.
Values come back as text as openpyxl's ``values_only`` would give them (numbers
without a needless ``.0``, booleans as True/False, the cached result of a formula).
"""

from __future__ import annotations

import posixpath
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Literal

from lxml import etree

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


_ROW, _CELL, _VALUE, _TEXT, _INLINE, _RUN, _ITEM = map(
    _tags, ("row", "c", "v", "t", "is", "r", "si")
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


def rows(archive: zipfile.ZipFile, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts up to the last non-empty one) of the first sheet."""
    strings = _shared_strings(archive, limits)
    cells_read = 0
    number = position = 0
    values: list[str] = []
    with archive.open(_first_sheet(archive)) as source:
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
                        values.extend([""] * (position - len(values) - 1))
                    values.append(value)
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


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The path of the workbook's first sheet, as its relationships name it."""
    workbook = _workbook_path(archive)
    targets = _relationships(archive, workbook)
    root = _parse(archive, workbook)
    for sheet in root.iter(*_tags("sheet")):
        for namespace in _RELATIONSHIP_NAMESPACES:
            relationship = sheet.get(f"{{{namespace}}}id")
            if relationship in targets:
                return _member(archive, targets[relationship][1])
        break
    raise SheetError("the workbook has no sheet")


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
