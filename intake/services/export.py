"""The analysis export: one workbook, a zip of CSV tables, or an SPSS file.

Sheets, in the order a report is written from them: Overzicht (response rate),
Samenvatting per item (one row per item: the figures each chapter opens with),
Samenvatting (the same for the questions that are not repeated), Frequenties (a
table per question and item with its chart beside it, and pooled tables over all
items), Open antwoorden (quotable answers by item and question, next to the
pseudonymous code only), then the data: Antwoorden (wide, one row per response,
variable names as headers; the registry's attributes that identify nobody right after
the code, so answers pivot by region or year without a join), one long sheet per
repeated section (e.g. "Per actie"), the Codeboek (labels, value labels, SPSS
names) and only on request Respondenten (the key from code to respondent).

The figures come from ``report_figures`` (computed while the rows stream past);
cells are written by ``spreadsheet.xlsx`` (text never becomes a formula; what
Excel cannot hold exactly is written as text and named in the codebook). A CSV
zip holds the same tables in one of two dialects (``safe_csv``): for Excel in
Belgium, or exact for R and SPSS. The SPSS format writes the Antwoorden table
alone (``spss``); the .docx format a draft report from the same figures (``report_docx``).
"""

from __future__ import annotations

import io
import math
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, Literal

from babel.numbers import format_decimal
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.utils import get_column_letter

from intake.extensions import db
from intake.models import Questionnaire, utcnow
from intake.questionnaire import Variable
from intake.questionnaire.codebook import attribute_cell, attribute_variables, question_variables
from intake.questionnaire.model import Population
from intake.services import audit, pseudonyms, questionnaires, report_docx, safe_csv, spss, tracking
from intake.services.export_data import BATCH, ExportRow, ExportSource
from intake.services.report_figures import (
    Collector,
    ItemSummary,
    Order,
    ReportFigures,
    Table,
)
from intake.services.sheets import ANSWERS, local_time
from intake.services.spreadsheet import cells
from intake.services.spreadsheet.xlsx import Book, Sheet, Styled

Format = Literal["xlsx", "csv", "sav", "docx"]
CsvDialect = Literal["excel", "plain"]
FORMATS: tuple[Format, ...] = ("xlsx", "csv", "sav", "docx")
SUFFIXES: dict[Format, str] = {"xlsx": ".xlsx", "csv": ".zip", "sav": ".sav", "docx": ".docx"}
MIMETYPES: dict[Format, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
    "sav": "application/x-spss-sav",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# Called with (responses read, responses in the export) every PROGRESS_EVERY responses,
# between two batches of the stream (so a job may commit its progress there).
Progress = Callable[[int, int], None]
PROGRESS_EVERY = BATCH
OVERVIEW, SUMMARY, FREQUENCIES, QUOTES = (
    "Overzicht",
    "Samenvatting",
    "Frequenties",
    "Open antwoorden",
)
ITEMS = "Samenvatting per item"
CODEBOOK, IDENTITIES = "Codeboek", "Respondenten"
DATA_WIDTH = 30.0  # data sheets: columns at most this wide, headers wrap
ROW_CM = 0.53  # the height of a default row (15 points), to lay charts out by
CHART_WIDTH_CM = 16


@dataclass
class ExportOptions:
    include_drafts: bool = False
    with_identities: bool = False
    order: Order = "share"  # options by share (the report's order) or as asked
    csv: CsvDialect = "excel"


class _CsvSheet:
    """One CSV table, spooled to a temporary file until the zip is assembled
    (a zip takes one open entry at a time; the tables fill in parallel)."""

    def __init__(self, name: str, dialect: CsvDialect) -> None:
        self.name = name
        self.rows = 0
        self.as_text: dict[int, Counter[str]] = {}  # CSV has no cell limits: always empty
        self.handle = tempfile.TemporaryFile("w+b")
        encoding = "utf-8-sig" if dialect == "excel" else "utf-8"  # a BOM for Excel
        self.text = io.TextIOWrapper(self.handle, encoding=encoding, newline="")
        self.writer = (safe_csv.excel_writer if dialect == "excel" else safe_csv.plain_writer)(
            self.text
        )

    def append(self, row: Sequence[Any], style: str | None = None) -> None:
        self.writer.writerow([v.value if v.__class__ is Styled else v for v in row])
        self.rows += 1

    def header(self, row: Sequence[Any]) -> None:
        self.append(row)

    def add_to(self, archive: zipfile.ZipFile) -> None:
        self.text.flush()
        self.handle.seek(0)
        with archive.open(self.name, "w", force_zip64=True) as entry:
            shutil.copyfileobj(self.handle, entry, 1024 * 1024)
        self.text.close()


AnySheet = Sheet | _CsvSheet


class _Sheets:
    """The sheets of one export, in the workbook or as CSV tables of a zip."""

    def __init__(self, fmt: Format, dialect: CsvDialect) -> None:
        self.book = Book() if fmt == "xlsx" else None
        self.dialect = dialect
        self.sheets: dict[str, AnySheet] = {}

    def add(self, name: str, exact: bool = True) -> AnySheet:
        sheet: AnySheet
        if self.book is not None:
            sheet = self.book.sheet(name, exact)
        else:
            sheet = _CsvSheet(name.lower().replace(" ", "_") + ".csv", self.dialect)
        self.sheets[name] = sheet
        return sheet

    def save(self, target: IO[bytes]) -> None:
        if self.book is not None:
            self.book.save(target)
            return
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for sheet in self.sheets.values():
                assert isinstance(sheet, _CsvSheet)
                sheet.add_to(archive)


def _long_tables(source: ExportSource) -> dict[str, tuple[str, list[str]]]:
    """Per repeated section of the live version: (sheet name, its column suffixes)."""
    result: dict[str, tuple[str, list[str]]] = {}
    for section in source.live.sections:
        if section.repeat_for is None:
            continue
        suffixes = [
            v.name.removeprefix(f"{section.id}[#].")
            for question in section.questions
            for v in question_variables(section, "#", None, question)
        ]
        result[section.id] = (f"Per {section.id.replace('_', ' ')}"[:31], suffixes)
    return result


def write(
    questionnaire: Questionnaire,
    target: IO[bytes],
    fmt: Format = "xlsx",
    options: ExportOptions | None = None,
    actor: str = "system",
    progress: Progress | None = None,
) -> int:
    """Write the export to ``target``; returns the number of responses exported.
    ``progress`` hears how many responses are read, of how many."""
    options = options or ExportOptions()
    pseudonyms.assign(questionnaire)
    source = ExportSource.load(questionnaire, options.include_drafts)
    rows = _rows(source, progress)
    # Names and e-mail addresses a respondent gave stay out unless identities are asked for.
    shown = [i for i, v in enumerate(source.variables)
             if options.with_identities or not v.identifying]  # fmt: skip
    # The registry's attributes after the code; identifying ones only in Respondenten.
    register = attribute_variables(questionnaires.population(questionnaire))
    lead = _Lead(register, options.include_drafts)
    if fmt == "sav":
        count = _write_sav(questionnaire, source, rows, shown, lead, target)
    elif fmt == "docx":
        count = _write_docx(questionnaire, source, rows, options, target)
    else:
        count = _write_tables(questionnaire, source, rows, shown, lead, fmt, options, target)
    # Logged once the file is written: an export that failed was not made.
    action = "export_identities" if options.with_identities else "export"
    audit.record(action, actor, questionnaire=questionnaire, format=fmt,
                 drafts=options.include_drafts)  # fmt: skip
    db.session.commit()
    return count


def _rows(source: ExportSource, progress: Progress | None) -> Iterator[ExportRow]:
    """The source's rows, telling ``progress`` between batches and at the end."""
    count = 0
    for row in source.rows():
        yield row
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count, source.total or count)
    if progress is not None:
        progress(count, count)


def number(value: int) -> str:
    """3557 as '3.557', as the admin reads it."""
    return format_decimal(value, locale="nl_BE")


def progress_message(done: int, total: int) -> str:
    """'1.500 van 10.000 antwoorden geschreven', as the admin and the terminal read it."""
    return f"{number(done)} van {number(total)} antwoorden geschreven"


def format_for(path: str, fmt: str | None = None) -> Format:
    """The format to write to ``path``: ``fmt``, or the one its extension names.
    Raises ValueError when the extension would not match the content (a zip of CSV
    tables is never called .csv)."""
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    for known in FORMATS:
        if (fmt is None or fmt == known) and suffix == SUFFIXES[known]:
            return known
    if fmt is None:
        raise ValueError(
            f"name the output FILE.xlsx, FILE.zip (CSV tables), FILE.sav or FILE.docx, not {path!r}"
        )
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    wanted = SUFFIXES[fmt]
    several = " (a zip of CSV tables, one per sheet)" if fmt == "csv" else ""
    raise ValueError(f"--format {fmt} writes a {wanted} file{several}: name the output "
                     f"FILE{wanted}, not {path!r}")  # fmt: skip


LEAD_LABELS = {"code": "Pseudonieme code", "status": "Status",
               "versie": "Versie van de vragenlijst", "ingediend_op": "Ingediend op"}  # fmt: skip


@dataclass(frozen=True)
class _Lead:
    """The columns of Antwoorden before the answers: the code, the registry's attributes
    (``register``), with drafts the status, then the version and the submission time."""

    register: list[Variable]
    drafts: bool

    @property
    def fixed(self) -> list[str]:
        return ["status", "versie", "ingediend_op"] if self.drafts else ["versie", "ingediend_op"]

    @property
    def names(self) -> list[str]:
        return ["code", *(v.name for v in self.register), *self.fixed]

    def values(self, row: ExportRow) -> list[Any]:
        attributes = row.attributes
        fixed = [row.version, row.submitted_at]
        return [row.code, *(attribute_cell(attributes.get(v.name)) for v in self.register),
                *([row.status, *fixed] if self.drafts else fixed)]  # fmt: skip


def _write_tables(
    questionnaire: Questionnaire,
    source: ExportSource,
    rows: Iterator[ExportRow],
    shown: list[int],
    lead: _Lead,
    fmt: Format,
    options: ExportOptions,
    target: IO[bytes],
) -> int:
    variables = [source.variables[i] for i in shown]
    long_tables = _long_tables(source)
    repeated = [s for s in source.live.sections if s.repeat_for is not None]
    item_sheets = {
        s.id: ITEMS if len(repeated) == 1 else f"Samenvatting per {s.id.replace('_', ' ')}"[:31]
        for s in repeated
    }
    sheets = _Sheets(fmt, options.csv)
    for name in [OVERVIEW, *item_sheets.values(), SUMMARY, FREQUENCIES, QUOTES]:
        report = _xlsx(sheets.add(name, exact=False))
        if report is not None:
            report.base_style = "top"  # sheets to read: rows read from their first line
            report.fit_to_width()
    answers = sheets.add(ANSWERS)
    for name, _ in long_tables.values():
        sheets.add(name)
    sheets.add(CODEBOOK)
    if options.with_identities:
        sheets.add(IDENTITIES)

    for name in [ANSWERS, *(name for name, _ in long_tables.values())]:
        data = _xlsx(sheets.sheets[name])
        if data is not None:
            data.max_width = DATA_WIDTH  # narrow columns; long variable names wrap
    header = [*lead.names, *(v.name for v in variables)]
    answers.header(header)
    positions = source.positions
    long_columns: dict[tuple[str, str], list[int | None]] = {}
    for name, suffixes in long_tables.values():
        sheets.sheets[name].header(["code", "item", "item_titel", *suffixes])

    hidden = set(range(len(source.variables))) - set(shown)
    collector = Collector(source, hidden)
    count = 0
    for row in rows:
        count += 1
        collector.add(row)
        values = row.values
        answers.append([*lead.values(row), *[values[i] for i in shown]])
        for section_id, items in row.items.items():
            name, suffixes = long_tables[section_id]
            long_sheet = sheets.sheets[name]
            for item, title in items:
                columns = long_columns.get((section_id, item))
                if columns is None:
                    columns = long_columns[(section_id, item)] = [
                        positions.get(f"{section_id}[{item}].{suffix}") for suffix in suffixes
                    ]
                row_cells = [None if i is None else values[i] for i in columns]
                long_sheet.append([row.code, item, title, *row_cells])

    with collector.figures(options.order) as figures:
        _overview(sheets.sheets[OVERVIEW], questionnaire, source, count, options)
        for summary in figures.items:
            _item_summary(sheets.sheets[item_sheets[summary.section]], summary)
        _summary(sheets.sheets[SUMMARY], figures)
        _frequencies(sheets.sheets[FREQUENCIES], figures)
        _quotes(sheets.sheets[QUOTES], figures)
    as_text = answers.as_text  # column → why values were written as text
    remarks = {header[i]: _remark(c) for i, c in as_text.items()}
    _codebook(sheets.sheets[CODEBOOK], header, [*lead.register, *variables], remarks)
    if options.with_identities:
        _identities(sheets.sheets[IDENTITIES], source)
    _layout_data(sheets, answers, long_tables)
    sheets.save(target)
    return count


def _write_sav(
    questionnaire: Questionnaire,
    source: ExportSource,
    rows: Iterator[ExportRow],
    shown: list[int],
    lead: _Lead,
    target: IO[bytes],
) -> int:
    table = spss.SavTable(
        [("code", LEAD_LABELS["code"]), *lead.register,
         *((name, LEAD_LABELS[name]) for name in lead.fixed)],
        [source.variables[i] for i in shown],
    )  # fmt: skip
    count = 0
    for row in rows:
        count += 1
        table.append([*lead.values(row), *[row.values[i] for i in shown]])
    table.write(target, questionnaire.title)
    return count


def _write_docx(
    questionnaire: Questionnaire,
    source: ExportSource,
    rows: Iterator[ExportRow],
    options: ExportOptions,
    target: IO[bytes],
) -> int:
    """The draft report: the same figures as the workbook, identifying questions left
    out whatever the options say (a report quotes by code only)."""
    hidden = {i for i, v in enumerate(source.variables) if v.identifying}
    collector = Collector(source, hidden)
    for row in rows:
        collector.add(row)
    with collector.figures(options.order) as figures:
        moment = local_time(utcnow())
        assert moment is not None
        report_docx.write(target, questionnaire, source.live, figures, moment)
    return collector.responses


# --------------------------------------------------------------------------- sheets


def _xlsx(sheet: AnySheet) -> Sheet | None:
    """The workbook sheet, for layout that a CSV table does not have."""
    return sheet if isinstance(sheet, Sheet) else None


def _overview(
    sheet: AnySheet,
    questionnaire: Questionnaire,
    source: ExportSource,
    count: int,
    options: ExportOptions,
) -> None:
    versions = ", ".join(str(m.version) for m in sorted(source.models.values(),
                                                          key=lambda m: m.version))  # fmt: skip
    xlsx = _xlsx(sheet)
    if xlsx is not None:
        xlsx.fixed_widths = {0: 34.0, 1: 50.0, 2: 12.0, 3: 13.0, 4: 13.0, 5: 13.0}
    title = Styled(questionnaire.title, "title")
    sheet.append([Styled("Vragenlijst", "title"), title])
    sheet.append(["Id", questionnaire.slug])
    sheet.append(["Versie(s)", versions])
    sheet.append(["Geëxporteerd op", local_time(utcnow())])
    sheet.append(["Antwoorden in deze export", count])
    sheet.append(["Met onvolledige (draft) antwoorden", "ja" if options.include_drafts else "nee"])
    sheet.append(["Opties gesorteerd", "op aandeel (grootste eerst)"
                  if options.order == "share" else "zoals in de vragenlijst"])  # fmt: skip
    population = questionnaires.population(questionnaire)
    if population.open_link:
        # Anonymous answers through the public link, against the expected population.
        opened = tracking.open_link_rate(questionnaire)
        expected = opened.expected
        rate = Styled(opened.submitted / expected, "percent") if expected else None
        sheet.append([])
        sheet.header(["Via de open link", "Ingediend", "Verwacht", "Responsgraad"])
        sheet.append(["Totaal", opened.submitted, expected, rate])
    if population.personal_link:
        _registry_overview(sheet, questionnaire, population)


def _registry_overview(sheet: AnySheet, questionnaire: Questionnaire, population: Population
                       ) -> None:  # fmt: skip
    """The response of the registry's invited respondents: in total, by kind and by every
    attribute, numbers summarised, and per item (with the units covered)."""
    overview = tracking.overview(questionnaire)
    sheet.append([])
    sheet.header(["Respons", "Ingediend", "Uitgenodigd", "Responsgraad"])
    sheet.append(["Totaal", overview.rate.submitted, overview.rate.invited,
                  Styled(overview.rate.percent / 100, "percent")])  # fmt: skip
    columns = [("Per soort", tracking.by_column(questionnaire, "kind"))]
    columns += [(f"Per {str(a.label).lower()}", groups)
                for a, groups in tracking.breakdowns(questionnaire)]  # fmt: skip
    for title_text, groups in columns:
        sheet.append([])
        sheet.header([title_text, "Ingediend", "Uitgenodigd", "Responsgraad"])
        for group in groups:
            sheet.append([group.label, group.rate.submitted, group.rate.invited,
                          Styled(group.rate.percent / 100, "percent")])  # fmt: skip
    for attribute, summaries in tracking.number_summaries(questionnaire):
        sheet.append([])
        sheet.header([str(attribute.label), "Met waarde", "Minimum", "Mediaan", "Maximum"])
        for summary in summaries:
            values = (summary.minimum, summary.median, summary.maximum)
            styled = [None if v is None else Styled(v, "decimal") for v in values]
            sheet.append([summary.label, summary.n, *styled])
    covering = population.covering
    for catalogue, rows in tracking.by_item(questionnaire).items():
        sheet.append([])
        # With a covering list (an IGS's members): the units each group stands for, as the
        # report says "de indieners dekken 138 lokale besturen, de respondenten 87".
        covered = ["Indieners dekken", "Respondenten dekken"] if covering else []
        sheet.header([f"Per item ({catalogue})", "Titel", "Indieners", "Respondenten",
                      *covered])  # fmt: skip
        for item in rows:
            units = [item.covered_invited, item.covered_submitted] if covering else []
            sheet.append([item.code, item.title, item.invited, item.submitted, *units])


_FORMATS = {"share": "percent", "mean": "decimal"}
COVERED = "Gedekte besturen"


def _item_summary(sheet: AnySheet, summary: ItemSummary) -> None:
    """Two header rows in the workbook (the question over its columns, then what each
    holds); one in a CSV ("question: what")."""
    fixed = [("Item", "code"), ("Item", "titel"), ("Gekoppeld in het register", "indieners"),
             ("Gekoppeld in het register", "respondenten")]  # fmt: skip
    # With a covering list (an IGS's members): the local governments each group stands for.
    covers = any(row.covered_applicants is not None for row in summary.rows)
    if covers:
        fixed += [(COVERED, "door indieners"), (COVERED, "door respondenten")]
    columns = [*fixed, *((c.group, c.label) for c in summary.columns)]
    xlsx = _xlsx(sheet)
    if xlsx is None:
        sheet.header([label if group in {"Item", "Gekoppeld in het register"}
                      else f"{group}: {label}" for group, label in columns])  # fmt: skip
    else:
        xlsx.fixed_widths = {0: 7.0, 1: 34.0, 2: 11.0, 3: 13.0, 4: 11.0, 5: 13.0}
        for index, column in enumerate(summary.columns, start=len(fixed)):
            xlsx.fixed_widths[index] = 7.0 if column.kind == "count" else 15.0
        starts = [i for i in range(len(columns)) if i == 0 or columns[i - 1][0] != columns[i][0]]
        # A question's label spans its columns: its row is as high as the narrowest needs.
        groups = [(start, (starts + [len(columns)])[n + 1] - 1) for n, start in enumerate(starts)]
        lines = max(
            math.ceil(len(columns[first][0]) * 1.15
                      / (sum(xlsx.width_of(i) for i in range(first, last + 1)) - 2))
            for first, last in groups
        )  # fmt: skip
        xlsx.append([Styled(group, "title_wrap") if index in starts else None
                     for index, (group, _) in enumerate(columns)], lines=lines)  # fmt: skip
        for first, last in groups:
            if last > first:
                xlsx.ws.merged_cells.add(_range(first, last, xlsx.rows))
        sheet.header([label for _, label in columns])
        xlsx.column_styles = {
            len(fixed) + i: _FORMATS[c.kind] for i, c in enumerate(summary.columns)
            if c.kind in _FORMATS
        }  # fmt: skip
        xlsx.column_styles[1] = "wrap"
    for row in summary.rows:
        covered = [row.covered_applicants, row.covered_respondents] if covers else []
        sheet.append([row.code, row.title, row.applicants, row.respondents, *covered,
                      *row.values])  # fmt: skip
    if xlsx is not None:
        xlsx.table(header_rows=2, columns=len(columns), freeze="C3")


def _range(first: int, last: int, row: int) -> str:
    return f"{get_column_letter(first + 1)}{row}:{get_column_letter(last + 1)}{row}"


def _summary(sheet: AnySheet, figures: ReportFigures) -> None:
    """One line per figure of each question that is not repeated: the question on its
    first line (in a CSV on every line), what the figure is, its value, n and the base."""
    xlsx = _xlsx(sheet)
    if xlsx is not None:
        xlsx.fixed_widths = {0: 50.0, 1: 44.0, 2: 9.0, 3: 7.0, 4: 7.0, 5: 28.0}
        xlsx.column_styles = {0: "wrap", 1: "wrap"}
    sheet.header(["vraag", "cijfer", "waarde", "n", "van", "variabele"])
    previous = None
    for line in figures.overall:
        label = line.label if xlsx is None or line.name != previous else None
        previous = line.name
        style = _FORMATS.get(line.figure.kind)
        value = line.figure.value
        sheet.append([label, line.figure.label,
                      Styled(value, style) if style and value is not None else value,
                      line.n, line.base, line.name])  # fmt: skip
    if xlsx is not None:
        xlsx.table()


FREQUENCY_COLUMNS = ["antwoord", "aantal", "percentage", "n", "van", "variabele", "waarde"]


def _frequencies(sheet: AnySheet, figures: ReportFigures) -> None:
    """Per table a line per value (count, share of n), summary lines (top 2, mean rank),
    n and the base asked. In the workbook each table has its question (with n) as a
    title row and a bar chart beside it, and blank rows below until the chart has
    ended; a CSV has the question on every line instead."""
    xlsx = _xlsx(sheet)
    if xlsx is None:
        sheet.header(["vraag", *FREQUENCY_COLUMNS])
        for table in figures.tables:
            for value, text, count in table.lines:
                sheet.append([table.title, text, count, table.share(count), table.n, table.base,
                              table.name, value])  # fmt: skip
            for text, number, share in table.summary:
                sheet.append([table.title, text, number, share, table.n, table.base,
                              table.name, None])  # fmt: skip
        return
    xlsx.fixed_widths = {0: 40.0, 1: 8.0, 2: 11.0, 3: 7.0, 4: 7.0, 5: 24.0, 6: 20.0, 7: 2.0}
    xlsx.column_styles = {0: "wrap", 2: "percent"}
    sheet.header(FREQUENCY_COLUMNS)
    for table in figures.tables:
        xlsx.caption(table.title, len(FREQUENCY_COLUMNS))
        start = sheet.rows
        for value, text, count in table.lines:
            sheet.append([text, count, table.share(count), table.n, table.base, table.name, value])
        for text, number, share in table.summary:
            sheet.append([text, number, share, table.n, table.base, table.name, None])
        used = sheet.rows - start + 1
        rows = used
        if table.n:
            chart = _chart(xlsx, table, start + 1)
            xlsx.add_chart(chart, f"I{start}")
            rows = max(used, math.ceil(chart.height / ROW_CM))
        for _ in range(rows - used + 1):  # and one blank row between tables
            sheet.append([])
    xlsx.table(columns=len(FREQUENCY_COLUMNS))


def _chart(sheet: Sheet, table: Table, start: int) -> BarChart:
    """A horizontal bar chart of a table's shares, in the table's order from the top:
    titled with the question and n, the value axis 0–100%, each bar labelled."""
    bars = len(table.lines)
    end = start + bars - 1
    chart = BarChart()
    chart.type = "bar"
    chart.style = 2
    chart.title = _title(table.title)
    chart.legend = None
    chart.gapWidth = 40
    chart.add_data(Reference(sheet.ws, min_col=3, min_row=start, max_row=end))
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=start, max_row=end))
    chart.series[0].graphicalProperties = GraphicalProperties(solidFill="2E6DA4")
    values, categories = chart.y_axis, chart.x_axis
    values.scaling.min, values.scaling.max = 0, 1
    values.majorUnit = 0.25
    values.number_format = "0%"
    values.delete = False
    values.crosses = "max"  # the value axis below the bars (categories run top-down)
    categories.scaling.orientation = "maxMin"  # the table's first line on top
    categories.delete = False
    categories.txPr = _font(800)
    values.txPr = _font(800)
    labels = chart.dataLabels = DataLabelList()
    labels.showVal = True
    labels.showCatName = labels.showSerName = labels.showLegendKey = False
    labels.showPercent = labels.showBubbleSize = False
    labels.numFmt = "0%"
    labels.position = "outEnd"
    labels.txPr = _font(800)
    title_lines = math.ceil(len(table.title) / 75)
    chart.height = round(1.4 + 0.45 * title_lines + 0.62 * bars, 2)
    chart.width = CHART_WIDTH_CM
    return chart


def _title(text: str) -> Title:
    """A chart title in 10-point bold (Excel's 14 points leave no room for a question)."""
    bold = CharacterProperties(sz=1000, b=True)
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=bold), r=[RegularTextRun(t=text)])
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


def _font(size: int) -> RichText:
    """Chart text of ``size`` hundredths of a point."""
    properties = CharacterProperties(sz=size)
    return RichText(
        p=[Paragraph(pPr=ParagraphProperties(defRPr=properties), endParaRPr=properties)]
    )


def _quotes(sheet: AnySheet, figures: ReportFigures) -> None:
    """Quotable answers by item and question, next to the pseudonymous code only."""
    xlsx = _xlsx(sheet)
    if xlsx is not None:
        xlsx.fixed_widths = {0: 6.0, 1: 34.0, 2: 36.0, 3: 8.0, 4: 12.0, 5: 80.0}
        xlsx.column_styles = {1: "wrap", 2: "wrap", 5: "wrap"}
    sheet.header(["item", "item_titel", "vraag", "code", "soort", "antwoord", "variabele"])
    for quote in figures.quotes:
        sheet.append([quote.item, quote.item_title, quote.question, quote.code, quote.kind,
                      quote.text, quote.variable])  # fmt: skip
    if xlsx is not None:
        xlsx.table()


def _codebook(
    sheet: AnySheet, header: list[str], variables: list[Variable], remarks: dict[str, str]
) -> None:
    """A line per variable of Antwoorden (the registry's attributes first, in section
    'register'), with its SPSS name."""
    xlsx = _xlsx(sheet)
    if xlsx is not None:
        xlsx.column_styles = {1: "wrap", 3: "wrap", 7: "wrap"}
        xlsx.fixed_widths = {1: 50.0, 3: 50.0, 7: 40.0}
    sheet.header(["variabele", "label", "type", "waardelabels", "sectie", "item", "vraag",
                  "opmerking", "spss"])  # fmt: skip
    names = spss.spss_names(header)
    for variable in variables:
        labels = "; ".join(f"{value} = {label}" for value, label in variable.value_labels)
        sheet.append([variable.name, variable.label.get(), variable.type, labels,
                      variable.section, variable.item, variable.question,
                      remarks.get(variable.name), names[variable.name]])  # fmt: skip
    if xlsx is not None:
        xlsx.table()


def _remark(reasons: Counter[str]) -> str:
    """Which values of a variable the workbook holds as text, and why."""
    return "; ".join(
        f"{count} {'waarde' if count == 1 else 'waarden'} als tekst geschreven: "
        f"{cells.REASONS[reason]}"
        for reason, count in sorted(reasons.items())
    )


def _identities(sheet: AnySheet, source: ExportSource) -> None:
    """Who is behind each code: every attribute (identifying ones too) and the contacts."""
    attributes = questionnaires.population(source.questionnaire).attributes
    sheet.header(["code", "registercode", "naam", "soort", *(str(a.label) for a in attributes),
                  "contactpersonen", "e-mailadressen"])  # fmt: skip
    for respondent in source.identities():
        values = respondent.attributes or {}
        sheet.append([
            respondent.pseudonym, respondent.code, respondent.name, respondent.kind,
            *(a.display(values.get(a.id)) for a in attributes),
            "; ".join(c.name for c in respondent.contacts),
            "; ".join(c.email for c in respondent.contacts),
        ])  # fmt: skip
    xlsx = _xlsx(sheet)
    if xlsx is not None:
        xlsx.table()


def _layout_data(
    sheets: _Sheets, answers: AnySheet, long_tables: dict[str, tuple[str, list[str]]]
) -> None:
    """The data sheets: a frozen header and code column, an autofilter."""
    for name in [ANSWERS, *(name for name, _ in long_tables.values())]:
        xlsx = _xlsx(sheets.sheets[name])
        if xlsx is not None:
            xlsx.table(freeze="B2")
