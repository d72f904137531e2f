"""The export's workbook: rows streamed straight to sheet XML, the rest by openpyxl.

openpyxl's write-only mode builds a cell object and an lxml element for every
value; for the long sheets of an export (millions of cells) that was most of the
time. Here each sheet's rows are written as XML text to a temporary file as they
come (memory stays flat), and openpyxl writes everything else: the styles, the
sheet's column widths, frozen panes, autofilter and charts, and the package. When
the workbook is saved, each sheet's rows are spliced into the sheet part openpyxl
wrote around an empty ``<sheetData>``.

Every value is written exactly as ``cells.fit`` allows: text is always an inline
string and never a formula (one that starts like a formula gets Excel's quote
prefix, so it stays text when edited too), numbers stay numbers, dates are real
dates. What had to be written as text is counted per column (``as_text``), for the
codebook. Column widths follow the longest text written in each column, capped.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import IO, Any, NamedTuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart._chart import ChartBase
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet import _writer as sheet_writer

from intake.services.spreadsheet import cells

# Cell styles by name: (number format, bold, wrapped, quote prefix). Every one aligns
# its text to the top, so a row with wrapped text reads from its first line.
STYLES: dict[str, tuple[str, bool, bool, bool]] = {
    "top": ("General", False, False, False),
    "header": ("General", True, True, False),
    "title": ("General", True, False, False),
    "title_wrap": ("General", True, True, False),
    "percent": ("0%", False, False, False),
    "decimal": ("0.0", False, False, False),
    "wrap": ("General", False, True, False),
    "date": ("yyyy-mm-dd", False, False, False),
    "datetime": ("yyyy-mm-dd h:mm:ss", False, False, False),
    "text": ("General", False, False, True),  # quote prefix: stays text when edited
    "text_wrap": ("General", False, True, True),
}
WRAPPING = {"header", "wrap", "text_wrap", "title_wrap"}
MIN_WIDTH = 6.0
MAX_WIDTH = 60.0  # characters; longer text wraps (where the column wraps) or is cut off
LINE_HEIGHT = 15.0  # points: one line of text in the default font
FONT = "Calibri"  # openpyxl's default font: bold text in the same face
CHARACTERS_PER_UNIT = 1.2  # text characters per unit of column width (an average)
_SMALL = 10**cells.DIGITS  # integers below this Excel holds exactly
_RISKY = re.compile(
    f"^[{re.escape(''.join(cells.TRIGGERS))}]|{ILLEGAL_CHARACTERS_RE.pattern}"
)  # a text that needs care: starts like a formula or holds a control character
_ESCAPE = re.compile("[&<>\r]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_EMPTY_ROWS = (b"<sheetData></sheetData>", b"<sheetData/>", b"<sheetData />")


class Styled(NamedTuple):
    """A value with a cell style of its own (a name in ``STYLES``)."""

    value: Any
    style: str


class Book:
    """A workbook of ``Sheet``s, saved once."""

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)
        self.sheets: list[Sheet] = []
        self._style_ids: dict[str, int] = {}

    def sheet(self, title: str, exact: bool = True) -> Sheet:
        """A new sheet; ``exact`` false for computed figures (no 16th digit needed)."""
        sheet = Sheet(self, title, exact)
        self.sheets.append(sheet)
        return sheet

    def style_id(self, name: str) -> int:
        """The workbook's index of a named cell style, registered on first use."""
        known = self._style_ids.get(name)
        if known is not None:
            return known
        number_format, bold, wrap, quote = STYLES[name]
        cell = WriteOnlyCell(self.sheets[0].ws)
        cell.number_format = number_format
        if bold:
            cell.font = Font(name=FONT, size=11, bold=True)
        cell.alignment = Alignment(wrap_text=wrap, vertical="top")
        if quote:
            cell.quotePrefix = True
        self._style_ids[name] = cell.style_id
        return cell.style_id

    def save(self, target: IO[bytes]) -> None:
        for sheet in self.sheets:
            sheet.finish()
        self.workbook.save(target)


class Sheet:
    """One sheet: rows appended as XML text to a temporary file, in order."""

    def __init__(self, book: Book, title: str, exact: bool) -> None:
        self.book = book
        # openpyxl's write-only sheet; Any, as its stubs lack what it has at run time
        # (page_setup, column_dimensions, merged_cells, freeze_panes: see Worksheet._setup).
        self.ws: Any = book.workbook.create_sheet(title)
        self.title = title
        self.exact = exact
        self.rows = 0
        self.as_text: dict[int, Counter[str]] = {}  # column → why values were written as text
        self.widths: list[int] = []  # longest text (in characters) per column
        self.column_styles: dict[int, str] = {}  # column → style of its data cells
        self.fixed_widths: dict[int, float] = {}  # column → width, whatever its content
        self.base_style: str | None = None  # the style of every other data cell
        self.max_width = MAX_WIDTH
        self._lines = 1  # the lines of wrapped text in the row being written
        self._letters: list[str] = []
        self._spool = tempfile.TemporaryFile("w+b")
        self._file = io.TextIOWrapper(self._spool, encoding="utf-8", errors="replace", newline="")

    # ----------------------------------------------------------------- rows

    def append(self, row: Sequence[Any], style: str | None = None, lines: int = 1) -> None:
        """Write one row; ``style`` applies to each of its cells (e.g. a header);
        ``lines``: at least this many lines high."""
        self.rows += 1
        number = str(self.rows)
        letters = self._letters
        if len(row) > len(letters):
            letters.extend(get_column_letter(i) for i in range(len(letters) + 1, len(row) + 1))
            self.widths.extend([0] * (len(row) - len(self.widths)))
        widths = self.widths
        risky, small = _RISKY.search, _SMALL
        self._lines = lines
        if style is not None or self.column_styles or self.base_style:
            parts = [self._cell(value, index, number, style) for index, value in enumerate(row)
                     if value is not None]  # fmt: skip
        else:
            parts = []
            add = parts.append
            for index, value in enumerate(row):
                kind = value.__class__
                if kind is str:
                    if len(value) <= cells.MAX_TEXT and not risky(value):
                        if len(value) > widths[index]:
                            widths[index] = len(value)
                        add(f'<c r="{letters[index]}{number}" t="inlineStr">{_text(value)}</c>')
                        continue
                elif kind is int:
                    if -small < value < small:
                        add(f'<c r="{letters[index]}{number}"><v>{value}</v></c>')
                        continue
                elif value is None:
                    continue
                add(self._cell(value, index, number, None))
        if self._lines > 1:  # wrapped text: Excel and LibreOffice keep a row's height
            height = f' ht="{self._lines * LINE_HEIGHT:g}" customHeight="1"'
            self._file.write(f'<row r="{number}"{height}>{"".join(parts)}</row>')
        else:
            self._file.write(f'<row r="{number}">{"".join(parts)}</row>')

    def header(self, row: Sequence[Any]) -> None:
        self.append(row, "header")

    def caption(self, text: str, columns: int) -> None:
        """A bold title over the first ``columns`` columns (merged), wrapped."""
        width = sum(self.width_of(i) for i in range(columns)) - 2
        lines = sum(max(1, math.ceil(len(part) * 1.15 / width)) for part in text.split("\n"))
        self.append([Styled(text, "title_wrap")], lines=lines)
        self.ws.merged_cells.add(f"A{self.rows}:{get_column_letter(columns)}{self.rows}")

    def _cell(self, value: Any, index: int, number: str, style: str | None) -> str:
        """Any value, the careful way: ``cells.fit`` decides what Excel can hold."""
        if value.__class__ is Styled:
            value, style = value.value, value.style
            if value is None:
                return ""
        elif style is None:
            style = self.column_styles.get(index, self.base_style)
        reference = f"{self._letters[index]}{number}"
        value, reason = cells.fit(value, self.exact)
        if reason is not None:
            self.as_text.setdefault(index, Counter())[reason] += 1
        kind = value.__class__
        if kind is str:
            if len(value) > self.widths[index]:
                self.widths[index] = len(value)
            if style in WRAPPING and style != "title_wrap":  # a caption's lines: see ``caption``
                self._lines = max(self._lines, self._wrapped(value, index, style == "header"))
            if value.startswith(cells.TRIGGERS):
                style = "text_wrap" if style in WRAPPING else "text"
            return f'<c r="{reference}"{self._s(style)} t="inlineStr">{_text(value)}</c>'
        if kind is bool:
            return f'<c r="{reference}"{self._s(style)} t="b"><v>{int(value)}</v></c>'
        if kind is int or kind is float:
            return f'<c r="{reference}"{self._s(style)}><v>{value!r}</v></c>'
        if kind is dt.datetime or kind is dt.date:
            if style is None or STYLES[style][0] == "General":  # a date needs a date format
                style = "datetime" if kind is dt.datetime else "date"
            serial = to_excel(value)
            return f'<c r="{reference}"{self._s(style)}><v>{serial!r}</v></c>'
        return self._cell(str(value), index, number, style)

    def _wrapped(self, text: str, index: int, bold: bool) -> int:
        """The lines a wrapped text takes in its column (an estimate on the safe side)."""
        width = self.width_of(index) - 1.5
        per_line = max(1.0, width * CHARACTERS_PER_UNIT / (1.15 if bold else 1.0))
        return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))

    def width_of(self, index: int) -> float:
        """The width a column will get: fixed, or as wide as its text up to the cap (a
        text that wraps is longer than the cap, so then the cap)."""
        return self.fixed_widths.get(index, self.max_width)

    def _s(self, style: str | None) -> str:
        return "" if style is None else f' s="{self.book.style_id(style)}"'

    # ----------------------------------------------------------------- layout

    def widen(self, index: int, characters: int) -> None:
        """Make room for at least ``characters`` in a column (e.g. a chart's labels)."""
        while len(self.widths) <= index:
            self.widths.append(0)
            self._letters.append(get_column_letter(len(self._letters) + 1))
        self.widths[index] = max(self.widths[index], characters)

    def table(
        self, header_rows: int = 1, columns: int | None = None, freeze: str | None = None
    ) -> None:
        """The sheet is one table: its header rows frozen (and the columns left of
        ``freeze``), an autofilter on the last header row."""
        columns = columns or len(self.widths) or 1
        self.ws.freeze_panes = freeze or f"A{header_rows + 1}"
        last = get_column_letter(columns)
        self.ws.auto_filter.ref = f"A{header_rows}:{last}{max(header_rows, self.rows)}"

    def fit_to_width(self) -> None:
        """Printed (or saved as PDF) landscape, one page wide: a sheet to read."""
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = "9"  # A4
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True

    def add_chart(self, chart: ChartBase, anchor: str) -> None:
        self.ws.add_chart(chart, anchor)

    def finish(self) -> None:
        """Set the column widths, let openpyxl write the sheet around an empty
        ``<sheetData>``, and splice the rows in."""
        for index, characters in enumerate(self.widths):
            fitted = min(max(MIN_WIDTH, characters + 2), self.max_width)
            width = self.fixed_widths.get(index, fitted)
            self.ws.column_dimensions[get_column_letter(index + 1)].width = round(width, 1)
        self.ws.close()
        writer = self.ws._writer
        assert writer is not None
        with open(writer.out, "rb") as handle:
            skeleton = handle.read()
        marker = next(m for m in _EMPTY_ROWS if m in skeleton)
        head, tail = skeleton.split(marker, 1)
        spliced = sheet_writer.create_temporary_file()  # openpyxl removes it after saving
        self._file.flush()
        self._spool.seek(0)
        with open(spliced, "wb") as out:
            out.write(head + b"<sheetData>")
            shutil.copyfileobj(self._spool, out, 1024 * 1024)
            out.write(b"</sheetData>" + tail)
        self._file.close()
        writer.cleanup()
        writer.out = spliced


def _text(value: str) -> str:
    """An inline string's XML: escaped, its surrounding white space kept."""
    if _ESCAPE.search(value):
        value = _ESCAPE.sub(lambda m: _ENTITIES[m.group()], value)
    if value[:1].isspace() or value[-1:].isspace():
        return f'<is><t xml:space="preserve">{value}</t></is>'
    return f"<is><t>{value}</t></is>"


def text_width(values: Iterable[Any]) -> int:
    """The number of characters of the longest of ``values`` as text."""
    return max((len(str(v)) for v in values if v is not None), default=0)
