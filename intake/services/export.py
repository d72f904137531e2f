"""The analysis export: one workbook (openpyxl write-only) or a zip of CSV tables.

Sheets: Overzicht, Antwoorden (wide, one row per response), one long sheet per
repeated section (e.g. "Per actie"), Frequenties (with a bar chart per question),
Open antwoorden (ready to quote by pseudonymous code), Codeboek, and only on
request Respondenten (the key from code to respondent).

Everything a respondent typed is written as text and neutralised against
formula injection; numbers stay numbers and dates real dates, except where Excel
cannot hold them exactly (``excel.fit``): those are text, and the codebook says so.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, Literal, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from intake.extensions import db
from intake.models import Questionnaire, utcnow
from intake.questionnaire import Variable
from intake.questionnaire.codebook import question_variables
from intake.questionnaire.types import QUESTION_TYPES
from intake.questionnaire.values import MAX_TEXT
from intake.services import audit, excel, pseudonyms, safe_csv, tracking
from intake.services.export_data import ExportRow, ExportSource, is_closed
from intake.services.sheets import ANSWERS, local_time

Format = Literal["xlsx", "csv"]
DANGEROUS = safe_csv.TRIGGERS  # a text cell starting with one is written as literal text
# A text that needs care in a cell: it starts like a formula or holds a control character.
_RISKY = re.compile(f"^[{re.escape(''.join(DANGEROUS))}]|{ILLEGAL_CHARACTERS_RE.pattern}")
_SMALL = 10**excel.DIGITS  # integers below this Excel holds exactly
_COMPUTED = {"Overzicht", "Frequenties"}  # figures, not answers: no need for a 16th digit
KIND_NAMES = {"centrumstad": "centrumstad", "stad": "stad", "gemeente": "gemeente", "igs": "IGS"}


class _Sheet(Protocol):
    def append(self, row: Iterable[Any]) -> None: ...


class XlsxSheet:
    """A write-only worksheet whose text cells can never become formulas, and whose
    cells keep every value exactly: what Excel cannot hold as it is (``excel.fit``)
    is written as text, counted per column in ``as_text`` for the codebook.
    ``exact`` is false for computed figures (percentages need no 16th digit)."""

    def __init__(self, workbook: Workbook, title: str, exact: bool = True) -> None:
        self.sheet = workbook.create_sheet(title)
        self.exact = exact
        self.rows = 0
        self.as_text: dict[int, Counter[str]] = {}

    def append(self, row: Iterable[Any]) -> None:
        risky, small, cell = _RISKY.search, _SMALL, self._cell
        self.sheet.append([
            value
            if value is None
            or (value.__class__ is int and -small < value < small)
            or (value.__class__ is str and len(value) <= MAX_TEXT and not risky(value))
            else cell(value, index)  # anything else: excel.fit decides
            for index, value in enumerate(row)
        ])  # fmt: skip
        self.rows += 1

    def _cell(self, value: Any, index: int | None = None) -> Any:
        value, reason = excel.fit(value, self.exact)
        if reason is not None and index is not None:
            self.as_text.setdefault(index, Counter())[reason] += 1
        if value.__class__ is str and value.startswith(DANGEROUS):
            cell = WriteOnlyCell(self.sheet, value)
            cell.data_type = "s"  # text, never a formula
            cell.quotePrefix = True  # and stays text when edited in Excel
            return cell
        return value

    def header(self, row: Iterable[Any]) -> None:
        cells = []
        for value in row:
            cell = self._cell(value)
            if not isinstance(cell, Cell):
                cell = WriteOnlyCell(self.sheet, cell)
            cell.font = Font(bold=True)
            cells.append(cell)
        self.sheet.append(cells)
        self.rows += 1


class _CsvSheet:
    """One CSV table, spooled to a temporary file until the zip is assembled
    (a zip takes one open entry at a time; the tables fill in parallel)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.handle = tempfile.TemporaryFile("w+b")
        self.text = io.TextIOWrapper(self.handle, encoding="utf-8", newline="")
        self.writer = safe_csv.writer(self.text)
        self.rows = 0
        self.as_text: dict[int, Counter[str]] = {}  # CSV has no cell limits: always empty

    def append(self, row: Iterable[Any]) -> None:
        self.writer.writerow(row)
        self.rows += 1

    header = append

    def add_to(self, archive: zipfile.ZipFile) -> None:
        self.text.flush()
        self.handle.seek(0)
        with archive.open(self.name, "w", force_zip64=True) as entry:
            shutil.copyfileobj(self.handle, entry, 1024 * 1024)
        self.text.close()


@dataclass
class ExportOptions:
    include_drafts: bool = False
    with_identities: bool = False


class _Frequencies:
    """Counts per closed variable, gathered while the rows stream past."""

    def __init__(self, variables: list[Variable]) -> None:
        self.closed = [v for v in variables if is_closed(v)]
        self.counts: dict[str, Counter[Any]] = {v.name: Counter() for v in self.closed}

    def add(self, row: ExportRow) -> None:
        counts = self.counts
        for name, value in row.values.items():
            if name in counts:
                counts[name][value] += 1


def _tables(source: ExportSource) -> dict[str, tuple[str, list[Variable]]]:
    """Per repeated section of the live version: (sheet name, its per-item variables)."""
    result: dict[str, tuple[str, list[Variable]]] = {}
    for section in source.live.sections:
        if section.repeat_for is None:
            continue
        variables: list[Variable] = []
        for question in section.questions:
            variables.extend(question_variables(section, "#", None, question))
        name = f"Per {section.id.replace('_', ' ')}"[:31]
        result[section.id] = (name, variables)
    return result


def _long_name(variable: Variable, section_id: str) -> str:
    return variable.name.removeprefix(f"{section_id}[#].")


def write(
    questionnaire: Questionnaire,
    target: IO[bytes],
    fmt: Format = "xlsx",
    options: ExportOptions | None = None,
    actor: str = "system",
) -> int:
    """Write the export to ``target``; returns the number of responses exported."""
    options = options or ExportOptions()
    pseudonyms.assign(questionnaire)
    db.session.commit()
    source = ExportSource.load(questionnaire, options.include_drafts)
    # Names and e-mail addresses a respondent gave stay out unless identities are asked for.
    variables = [v for v in source.variables if options.with_identities or not v.identifying]
    hidden = {v.name for v in source.variables} - {v.name for v in variables}
    tables = _tables(source)
    sheet_names = ["Overzicht", ANSWERS, *(name for name, _ in tables.values()),
                   "Frequenties", "Open antwoorden", "Codeboek"]  # fmt: skip
    if options.with_identities:
        sheet_names.append("Respondenten")

    workbook: Workbook | None = None
    sheets: dict[str, Any] = {}
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        for name in sheet_names:
            sheets[name] = XlsxSheet(workbook, name, exact=name not in _COMPUTED)
    else:
        for name in sheet_names:
            sheets[name] = _CsvSheet(name.lower().replace(" ", "_") + ".csv")

    first = ["code", "status", "versie", "ingediend_op"] if options.include_drafts else [
        "code", "versie", "ingediend_op"
    ]  # fmt: skip
    answers = sheets[ANSWERS]
    if workbook is not None:
        answers.sheet.freeze_panes = "B2"  # before the first row: write-only writes it first
    answers.header([*first, *(v.name for v in variables)])
    for section_id, (name, table_vars) in tables.items():
        sheets[name].header(
            ["code", "item", "item_titel", *(_long_name(v, section_id) for v in table_vars)]
        )
    open_sheet = sheets["Open antwoorden"]
    open_sheet.header(["code", "soort", "item", "item_titel", "variabele", "vraag", "antwoord"])

    frequencies = _Frequencies(variables)
    count = 0
    names = [v.name for v in variables]
    suffixes = {
        section_id: [_long_name(v, section_id) for v in table_vars]
        for section_id, (_, table_vars) in tables.items()
    }
    for row in source.rows():
        count += 1
        frequencies.add(row)
        get = row.values.get
        lead = [row.code, row.status, row.version, row.submitted_at] if options.include_drafts \
            else [row.code, row.version, row.submitted_at]  # fmt: skip
        answers.append([*lead, *map(get, names)])
        for section_id, (name, _) in tables.items():
            for item, title in row.items.get(section_id, []):
                prefix = f"{section_id}[{item}]."
                values = [get(prefix + suffix) for suffix in suffixes[section_id]]
                sheets[name].append([row.code, item, title, *values])
        for answer in row.open_answers:
            if answer.variable in hidden:
                continue
            open_sheet.append([row.code, KIND_NAMES[row.kind], answer.item, answer.item_title,
                               answer.variable, answer.question, answer.text])  # fmt: skip

    _overview(sheets["Overzicht"], questionnaire, source, count, options)
    _frequency_sheet(sheets["Frequenties"], frequencies, fmt == "xlsx")
    as_text = sheets[ANSWERS].as_text  # column → why values were written as text
    remarks = {variables[i - len(first)].name: _remark(c) for i, c in as_text.items()
               if i >= len(first)}  # fmt: skip
    _codebook_sheet(sheets["Codeboek"], variables, remarks)
    if options.with_identities:
        _identities(sheets["Respondenten"], source)

    if workbook is not None:
        sheet = sheets[ANSWERS].sheet
        last = get_column_letter(len(first) + len(variables))
        sheet.auto_filter.ref = f"A1:{last}{max(1, sheets[ANSWERS].rows)}"
        workbook.save(target)
    else:
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for sheet in sheets.values():
                sheet.add_to(archive)
    # Logged once the file is written: an export that failed was not made.
    action = "export_identities" if options.with_identities else "export"
    audit.record(action, actor, questionnaire=questionnaire, format=fmt,
                 drafts=options.include_drafts)  # fmt: skip
    db.session.commit()
    return count


def _overview(
    sheet: _Sheet,
    questionnaire: Questionnaire,
    source: ExportSource,
    count: int,
    options: ExportOptions,
) -> None:
    versions = ", ".join(str(m.version) for m in sorted(source.models.values(),
                                                          key=lambda m: m.version))  # fmt: skip
    sheet.append(["Vragenlijst", questionnaire.title])
    sheet.append(["Id", questionnaire.slug])
    sheet.append(["Versie(s)", versions])
    sheet.append(["Geëxporteerd op", local_time(utcnow())])
    sheet.append(["Antwoorden in deze export", count])
    sheet.append(["Met onvolledige (draft) antwoorden", "ja" if options.include_drafts else "nee"])
    overview = tracking.overview(questionnaire)
    sheet.append([])
    sheet.append(["Respons", "Ingediend", "Uitgenodigd", "Responsgraad"])
    sheet.append(["Totaal", overview.rate.submitted, overview.rate.invited,
                  overview.rate.percent / 100])  # fmt: skip
    for title, column in (("Per soort", "kind"), ("Per provincie", "province")):
        sheet.append([])
        sheet.append([title, "Ingediend", "Uitgenodigd", "Responsgraad"])
        for group in tracking.by_column(questionnaire, column):
            sheet.append([group.label, group.rate.submitted, group.rate.invited,
                          group.rate.percent / 100])  # fmt: skip
    for catalogue, rows in tracking.by_item(questionnaire).items():
        sheet.append([])
        sheet.append([f"Per item ({catalogue})", "Titel", "Indieners", "Respondenten"])
        for item in rows:
            sheet.append([item.code, item.title, item.invited, item.submitted])


def _frequency_groups(closed: list[Variable]) -> list[list[Variable]]:
    """The counted variables of one question (for one item) together, in order."""
    groups: list[list[Variable]] = []
    for variable in closed:
        key = (variable.section, variable.item, variable.question, variable.question_type)
        previous = groups[-1][0] if groups else None
        if (
            previous is not None
            and (previous.section, previous.item, previous.question, previous.question_type) == key
        ):
            groups[-1].append(variable)
        else:
            groups.append([variable])
    return groups


def _frequency_sheet(sheet: Any, frequencies: _Frequencies, charts: bool) -> None:
    """Per closed question (and per item) the tables its type gives: counts and
    percentages of those who answered, per value, with n, and a bar chart each (a
    multiple-choice question is one table: how many of those who answered it chose
    each option)."""
    sheet.append(["variabele", "vraag", "waarde", "antwoord", "aantal", "percentage", "n"])
    row_number = 1
    for group in _frequency_groups(frequencies.closed):
        qtype = QUESTION_TYPES[group[0].question_type]
        for table in qtype.frequency_tables(group, frequencies.counts):
            name, label, n = table.name, table.label, table.n
            start = row_number + 1
            for value, text, count in table.lines:
                sheet.append([name, label, value, text, count, count / n if n else None, n])
                row_number += 1
            for text, number, share in table.summary:
                sheet.append([name, label, None, text, number, share, n])
                row_number += 1
            if charts and n:
                chart = BarChart()
                chart.type = "bar"
                chart.title = name
                chart.legend = None
                chart.height, chart.width = 5, 12
                end = start + len(table.lines) - 1
                chart.add_data(Reference(sheet.sheet, min_col=6, min_row=start, max_row=end))
                chart.set_categories(Reference(sheet.sheet, min_col=4, min_row=start, max_row=end))
                sheet.sheet.add_chart(chart, f"I{start}")
            sheet.append([])
            row_number += 1


def _codebook_sheet(sheet: _Sheet, variables: list[Variable], remarks: dict[str, str]) -> None:
    sheet.append(["variabele", "label", "type", "waardelabels", "sectie", "item", "vraag",
                  "opmerking"])  # fmt: skip
    for variable in variables:
        labels = "; ".join(f"{value} = {label}" for value, label in variable.value_labels)
        sheet.append([variable.name, variable.label.get(), variable.type, labels,
                      variable.section, variable.item, variable.question,
                      remarks.get(variable.name)])  # fmt: skip


def _remark(reasons: Counter[str]) -> str:
    """Which values of a variable the workbook holds as text, and why."""
    return "; ".join(
        f"{count} {'waarde' if count == 1 else 'waarden'} als tekst geschreven: "
        f"{excel.REASONS[reason]}"
        for reason, count in sorted(reasons.items())
    )


def _identities(sheet: _Sheet, source: ExportSource) -> None:
    sheet.append(["code", "registercode", "naam", "soort", "provincie", "contactpersonen",
                  "e-mailadressen"])  # fmt: skip
    for respondent in source.identities():
        sheet.append([
            respondent.pseudonym, respondent.code, respondent.name, respondent.kind,
            respondent.province, "; ".join(c.name for c in respondent.contacts),
            "; ".join(c.email for c in respondent.contacts),
        ])  # fmt: skip
