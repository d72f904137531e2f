"""The figures a report is written from, computed once from the export's rows.

VVSG's report has a chapter per item (per action): it opens with how many answered
(of how many asked), the share who found the action (very) successful, what the
co-financing made possible (options by share), and quotes by pseudonymous code.
``Collector`` gathers what those figures need while ``ExportSource.rows`` stream
past (counts only, and the quotes spooled to disk), and ``Collector.figures``
returns them as plain data, for the workbook and CSV export and for the .docx
draft report (``report_docx``) alike:

- ``tables``: a frequency table per closed question and item, each followed by
  nothing else, and per question of a repeated section one pooled table over all
  items (its n counts answers, not respondents);
- ``items``: per repeated section one row per item: respondents linked to it in
  the registry, n answered and the base asked, and per question the figures its
  type gives (``QuestionType.figures``: the top 2 and mean of a scale, the share
  of each option of a multiple choice);
- ``overall``: the same figures for the questions that are not repeated;
- ``quotes``: open answers that are safe to quote, by item and question.

Options can be listed by share (the report's order: largest first, "other" last)
or in questionnaire order; the order of a scale never changes.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, select

from intake.extensions import db
from intake.models import Respondent, RespondentItem, Response
from intake.questionnaire import Variable, repeat_items
from intake.questionnaire.codebook import question_variables
from intake.questionnaire.model import Questionnaire as Model
from intake.questionnaire.model import Section
from intake.questionnaire.types import QUESTION_TYPES
from intake.questionnaire.types.base import Figure, FrequencyTable
from intake.questionnaire.types.choice import OTHER_VALUE
from intake.services.export_data import Asked, ExportRow, ExportSource, is_closed
from intake.services.tracking import covered_units

Order = Literal["share", "questionnaire"]
ORDERS: tuple[Order, ...] = ("share", "questionnaire")
# The kind of a respondent, as the report names it beside a code.
KIND_LABELS = {"centrumstad": "Centrumstad", "stad": "Stad", "gemeente": "Gemeente", "igs": "IGS"}
_PLACEHOLDER = re.compile(r"\s*\(\{item\.(?:code|title)\}\)|\s*'\{item\.(?:code|title)\}'|"
                          r"\s*\{item\.(?:code|title)\}")  # fmt: skip


def without_item(label: str) -> str:
    """A label with its ``{item.code}``/``{item.title}`` left out: the question as it
    reads for all items together ("Hoe succesvol was actie in je bestuur?")."""
    text = _PLACEHOLDER.sub("", label)
    return re.sub(r"\s+([?.,:;!])", r"\1", text).strip()


@dataclass(frozen=True)
class Table:
    """One frequency table: a line per value (value, label, count), summary lines
    (text, number, share of n), n who answered and the base who were asked."""

    name: str  # the variable, or for a pooled table its name with the item as '*'
    label: str  # the question (with its item, or without for a pooled table)
    section: str
    item: str | None
    question: str
    question_type: str
    lines: list[tuple[Any, str, int]]
    n: int
    base: int
    summary: list[tuple[str, float | int, float | None]] = field(default_factory=list)
    pooled: bool = False

    @property
    def title(self) -> str:
        """The label with n, as a chart or a report shows it."""
        if self.pooled:
            return f"{self.label} – alle items samen (gepoold, n = {self.n} antwoorden)"
        return f"{self.label} (n = {self.n})"

    def share(self, count: int) -> float | None:
        return count / self.n if self.n else None


@dataclass(frozen=True)
class Column:
    """A column of a summary: the question it belongs to and what it holds."""

    group: str  # the question (without item), or "Item" / "Register"
    label: str  # "n", "van", "top 2: …", "gemiddelde", an option
    kind: str  # "text", "count", "share" or "mean"


@dataclass(frozen=True)
class ItemRow:
    code: str
    title: str
    applicants: int | None  # registry respondents linked to the item (None: not a catalogue)
    respondents: int | None  # of those, respondents whose response is in the export
    values: list[Any]  # per figure column of the summary
    # With a covering attribute (an IGS's members): the units (local governments) the
    # applicants and the respondents stand for; else None.
    covered_applicants: int | None = None
    covered_respondents: int | None = None


@dataclass(frozen=True)
class ItemSummary:
    """One row per item of a repeated section: what each chapter opens with."""

    section: str
    title: str
    columns: list[Column]  # the figure columns (after code, title and the register)
    rows: list[ItemRow]


@dataclass(frozen=True)
class OverallLine:
    """One figure of a question that is not repeated."""

    name: str
    label: str
    figure: Figure
    n: int
    base: int


@dataclass(frozen=True)
class Quote:
    item: str | None
    item_title: str
    question: str  # its label
    code: str
    kind: str  # the kind of respondent, as a reader knows it ("Centrumstad")
    text: str
    variable: str
    section: str = ""
    question_id: str = ""


@dataclass
class ReportFigures:
    responses: int
    tables: list[Table]
    items: list[ItemSummary]
    overall: list[OverallLine]
    quotes: Quotes

    def close(self) -> None:
        self.quotes.close()

    def __enter__(self) -> ReportFigures:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sort_lines(table: Table, order: Order) -> Table:
    """The table's lines by share (largest first, "other" last) when ``order`` asks
    for it and its type allows it (a scale keeps its order)."""
    if order != "share" or not QUESTION_TYPES[table.question_type].sortable:
        return table
    lines = sorted(table.lines, key=lambda line: (line[0] == OTHER_VALUE, -line[2]))
    return replace(table, lines=lines)


class Quotes:
    """Quotable answers spooled to a temporary SQLite file as rows stream past, read
    back by item and question (codebook order), then by code: memory stays flat."""

    def __init__(self, source: ExportSource) -> None:
        self.source = source
        handle, self.path = tempfile.mkstemp(prefix="intake-quotes-", suffix=".sqlite")
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -4000;"
            "CREATE TABLE quotes (position INTEGER, code TEXT, kind TEXT, text TEXT);"
        )
        self.pending: list[tuple[int, str, str | None, str]] = []
        self.count = 0

    def add(self, row: ExportRow) -> None:
        for position, text in row.quotes:
            self.pending.append((position, row.code, row.kind, text))
        if len(self.pending) >= 5_000:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.db.executemany("INSERT INTO quotes VALUES (?, ?, ?, ?)", self.pending)
            self.count += len(self.pending)
            self.pending = []

    def __iter__(self) -> Iterator[Quote]:
        self._flush()
        variables = self.source.variables
        live = self.source.live
        described: dict[int, tuple[str | None, str, str, str, str, str]] = {}
        cursor = self.db.execute("SELECT position, code, kind, text FROM quotes "
                                 "ORDER BY position, rowid")  # fmt: skip
        for position, code, kind, text in cursor:
            about = described.get(position)
            if about is None:
                variable = variables[position]
                section = live.section(variable.section)
                title = (
                    live.item_title(section, variable.item).get()
                    if section is not None and variable.item is not None
                    else ""
                )
                # The item has a column of its own: the question as asked on its page.
                asked = live.question(variable.section, variable.question)
                label = (
                    asked.label.format_item(variable.item, title).get()
                    if asked is not None and variable.item is not None
                    else variable.label.get()
                )
                about = described[position] = (
                    variable.item,
                    title,
                    label,
                    variable.name,
                    variable.section,
                    variable.question,
                )
            item, title, question, name, section_id, question_id = about
            yield Quote(item, title, question, code, KIND_LABELS.get(kind, kind), text, name,
                        section_id, question_id)  # fmt: skip

    def close(self) -> None:
        self.db.close()
        if os.path.exists(self.path):
            os.remove(self.path)


class Collector:
    """Counts what the figures need while the export's rows stream past."""

    def __init__(self, source: ExportSource, hidden: set[int] | None = None) -> None:
        self.source = source
        hidden = hidden or set()
        self.closed = [
            i for i, v in enumerate(source.variables) if is_closed(v) and i not in hidden
        ]
        self.counts: dict[int, Counter[Any]] = {i: Counter() for i in self.closed}
        self.asked: Counter[Asked] = Counter()
        self.responses = 0
        self.quotes = Quotes(source)

    def add(self, row: ExportRow) -> None:
        self.responses += 1
        values, counts = row.values, self.counts
        for position in self.closed:
            value = values[position]
            if value is not None:
                counts[position][value] += 1
        self.asked.update(row.asked)
        self.quotes.add(row)

    def figures(self, order: Order = "share") -> ReportFigures:
        """Every table and summary, from the counts gathered."""
        tables, pooled = self._tables(order)
        items = [
            self._item_summary(section, tables, pooled, order)
            for section in self.source.live.sections
            if section.repeat_for is not None
        ]
        overall = [
            OverallLine(table.name, table.label, figure, table.n, table.base)
            for table in tables
            if table.item is None and not table.pooled
            for figure in _figures(table)
        ]
        return ReportFigures(self.responses, tables, items, overall, self.quotes)

    # ----------------------------------------------------------------- tables

    def _tables(self, order: Order) -> tuple[list[Table], dict[tuple[str, str], list[Table]]]:
        """Frequency tables in codebook order, each repeated section's pooled tables
        before its first item; and the pooled tables by (section, question)."""
        variables = self.source.variables
        counts = {variables[i].name: c for i, c in self.counts.items()}
        result: list[Table] = []
        pooled: dict[tuple[str, str], list[Table]] = {}
        sections: set[str] = set()
        for group in _groups([variables[i] for i in self.closed]):
            first = group[0]
            if first.item is not None and first.section not in sections:
                sections.add(first.section)
                for question, tables in self._pooled(first.section, order).items():
                    pooled[(first.section, question)] = tables
                    result.extend(tables)
            qtype = QUESTION_TYPES[first.question_type]
            base = self.asked[(first.section, first.item, first.question)]
            for table in qtype.frequency_tables(group, counts):
                result.append(sort_lines(_table(table, first, base), order))
        return result, pooled

    def _pooled(self, section_id: str, order: Order) -> dict[str, list[Table]]:
        """Per question of a repeated section: its tables over all items together."""
        section = self.source.live.section(section_id)
        if section is None:
            return {}
        variables = self.source.variables
        by_suffix: dict[str, Counter[Any]] = defaultdict(Counter)
        for position in self.closed:
            variable = variables[position]
            if variable.section == section_id and variable.item is not None:
                suffix = variable.name.removeprefix(f"{section_id}[{variable.item}]")
                by_suffix[suffix].update(self.counts[position])
        result: dict[str, list[Table]] = {}
        for question in section.questions:
            template = [v for v in question_variables(section, "*", None, question)
                        if is_closed(v)]  # fmt: skip
            if not template:
                continue
            counts = {v.name: by_suffix[v.name.removeprefix(f"{section_id}[*]")]
                      for v in template}  # fmt: skip
            base = sum(c for (s, _, q), c in self.asked.items()
                       if s == section_id and q == question.id)  # fmt: skip
            qtype = QUESTION_TYPES[question.type]
            result[question.id] = [
                sort_lines(replace(_table(table, template[0], base),
                                   label=without_item(table.label), pooled=True), order)
                for table in qtype.frequency_tables(template, counts)
            ]  # fmt: skip
        return result

    # ----------------------------------------------------------------- per item

    def _item_summary(
        self,
        section: Section,
        tables: list[Table],
        pooled: dict[tuple[str, str], list[Table]],
        order: Order,
    ) -> ItemSummary:
        """One row per item that can be asked: the register, then per closed question
        n, the base and its figures (columns in the pooled table's order)."""
        live = self.source.live
        by_item: dict[tuple[str | None, str], list[Table]] = defaultdict(list)
        for table in tables:
            if table.section == section.id and not table.pooled:
                by_item[(table.item, table.question)].append(table)
        columns: list[Column] = []
        layout: list[tuple[str, list[tuple[int, str]]]] = []  # question → (table, figure)
        for question in section.questions:
            shapes = pooled.get((section.id, question.id))
            if not shapes:
                continue
            group = without_item(question.label.get())
            columns += [Column(group, "n", "count"), Column(group, "van", "count")]
            figures: list[tuple[int, str]] = []
            for index, table in enumerate(shapes):
                prefix = _part(table, group)
                for figure in _figures(table):
                    figures.append((index, figure.label))
                    columns.append(Column(group, prefix + figure.label, figure.kind))
            layout.append((question.id, figures))
        linked = _linked(self.source, live, section)
        rows = []
        for code, title in repeat_items(live, section):
            values: list[Any] = []
            for question_id, figures in layout:
                item_tables = by_item.get((code, question_id), [])
                n = item_tables[0].n if item_tables else 0
                base = self.asked[(section.id, code, question_id)]
                values += [n, base]
                found = [{f.label: f.value for f in _figures(t)} for t in item_tables]
                values += [
                    found[index].get(label) if index < len(found) else None
                    for index, label in figures
                ]
            none = 0 if live.population.covering is not None else None
            applicants, respondents, by_applicants, by_respondents = (
                linked.get(code, (0, 0, none, none)) if linked is not None
                else (None, None, None, None)
            )  # fmt: skip
            rows.append(ItemRow(code, title.get(), applicants, respondents, values,
                                by_applicants, by_respondents))  # fmt: skip
        return ItemSummary(section.id, without_item(section.title.get()), columns, rows)


def _table(table: FrequencyTable, first: Variable, base: int) -> Table:
    return Table(
        table.name, table.label, first.section, first.item, first.question,
        first.question_type, list(table.lines), table.n, base, list(table.summary),
    )  # fmt: skip


def _figures(table: Table) -> list[Figure]:
    """The figures of a table, as its question type gives them, in the table's order."""
    frequency = FrequencyTable(table.name, table.label, table.lines, table.n, table.summary)
    return QUESTION_TYPES[table.question_type].figures(frequency)


def _part(table: Table, question: str) -> str:
    """What sets one of a question's tables apart (a matrix row, a ranked choice)."""
    label = without_item(table.label)
    return "" if label == question else label.removeprefix(question).lstrip(": ") + ": "


def _groups(closed: list[Variable]) -> list[list[Variable]]:
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


def _linked(
    source: ExportSource, live: Model, section: Section
) -> dict[str, tuple[int, int, int | None, int | None]] | None:
    """Per item: registry respondents linked to it, and how many of them have a
    response in the export, then the units these two stand for (with a covering
    attribute, else None); None when the items do not come from a catalogue, or the
    registry links nobody to its entries."""
    repeat = section.repeat_for
    assert repeat is not None
    catalogue = repeat.catalogue
    if catalogue is None and repeat.question is not None:
        question = live.question(*repeat.question)
        if question is not None and question.choices_source in live.catalogues:
            catalogue = question.choices_source
    if catalogue is None:
        return None
    exported = func.count(Response.id)
    covering = live.population.covering
    covered: list[ColumnElement[Any]] = []
    if covering is not None:
        per_respondent = covered_units(covering)
        covered = [func.sum(per_respondent),
                   func.sum(case((Response.id.is_not(None), per_respondent), else_=0))]  # fmt: skip
    rows = db.session.execute(
        select(RespondentItem.code, func.count(RespondentItem.id), exported, *covered)
        .join(Respondent, Respondent.id == RespondentItem.respondent_id)
        .outerjoin(Response, (Response.respondent_id == Respondent.id)
                   & Response.status.in_(source.statuses))
        .where(Respondent.questionnaire_id == source.questionnaire.id,
               RespondentItem.catalogue == catalogue)
        .group_by(RespondentItem.code)
    ).all()  # fmt: skip
    # No respondent linked to any entry: the registry does not say (items chosen in the
    # questionnaire only, as the workshops of a day), so the columns stay empty.
    result: dict[str, tuple[int, int, int | None, int | None]] = {}
    for code, total, responded, *units in rows:
        by_applicants, by_respondents = (int(u or 0) for u in units) if units else (None, None)
        result[code] = (total, responded, by_applicants, by_respondents)
    return result or None


def compute(
    questionnaire: Any, include_drafts: bool = False, order: Order = "share"
) -> ReportFigures:
    """The report's figures straight from the database (what the export computes while
    it writes, for a writer that needs only the figures). Close the result when done."""
    source = ExportSource.load(questionnaire, include_drafts)
    hidden = {i for i, v in enumerate(source.variables) if v.identifying}
    collector = Collector(source, hidden)
    for row in source.rows():
        collector.add(row)
    return collector.figures(order)
