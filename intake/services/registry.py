"""The entry registry: read an .xlsx or .csv file, check every row, write all or nothing.

One row per entry respondent. Re-importing updates respondents by code
and never deletes one, nor any response. Every problem is reported with its row
number, column and reason, in Dutch, for VVSG staff.

Work is bounded whatever the upload: rows stream from the file (never read whole),
are checked as they pass and written in chunks with bulk statements, all in one
transaction that is rolled back if anything is wrong; reading stops with a clear
message past MAX_ROWS rows, MAX_COLUMNS columns, MAX_CELLS cells, MAX_SECONDS
seconds or (for a workbook) MAX_XLSX_UNPACKED bytes unpacked.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import delete, insert, select, update

from intake.extensions import db
from intake.models import Contact, Questionnaire, Respondent, RespondentItem, utcnow
from intake.questionnaire.model import Attribute, Population
from intake.questionnaire.model import Questionnaire as QuestionnaireModel
from intake.questionnaire.population import DEFAULT, headers_of, read_kind, read_value
from intake.questionnaire.values import clean_text
from intake.services import audit
from intake.services.problems import RowProblem
from intake.services.questionnaires import live_version, model_of
from intake.services.spreadsheet import reading
from intake.services.tracking import catalogue_label

MAX_ROWS = 50_000
MAX_COLUMNS = 100  # a register has about ten
MAX_CELLS = 1_000_000  # cells read, empty ones included
MAX_SECONDS = 20.0  # reading and checking, well within a worker's timeout
MAX_XLSX_UNPACKED = 50 * 1024 * 1024  # a workbook that unpacks larger is refused unread
MAX_CELL = 2_000  # characters kept of one cell
MAX_PROBLEMS = 1_000  # reported one by one; the rest are counted
CHUNK = 500  # respondents per bulk write

# The columns every registry has: canonical name → accepted headers (lowercase), Dutch
# first (the template's header), English accepted. The population's attributes add
# theirs (``describe``).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code",),
    "name": ("naam", "name"),
    "kind": ("soort", "kind", "type"),
    "contact_names": ("contactpersoon", "contactpersonen", "contact", "contact_name"),
    "emails": ("e-mail", "email", "e-mailadres", "contact_email"),
}
MAX_SHOWN_CODES = 12  # item codes listed in a column's description
_SPLIT = re.compile(r"[;\n,]+")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(slots=True)
class RegistryRow:
    row: int
    code: str
    name: str
    kind: str
    attributes: dict[str, Any]
    contacts: list[tuple[str, str]]
    items: dict[str, list[str]]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)
    written: bool = False

    @property
    def summary(self) -> str:
        text = f"{self.created} nieuw, {self.updated} bijgewerkt, {self.unchanged} ongewijzigd"
        if self.skipped_rows:
            text += f", {len(self.skipped_rows)} rijen overgeslagen"
        return text


class RegistryFileError(Exception):
    """The file as a whole cannot be read (not a spreadsheet, empty, wrong columns,
    past a limit); ``row`` is where reading stopped, when known."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


# --------------------------------------------------------------------------- reading


def read_rows(filename: str, data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The non-empty rows of an .xlsx or .csv file as (row number, cells as clean text),
    streamed; raises RegistryFileError (also midway) if the file cannot be read or
    passes a limit."""
    suffix = Path(filename).suffix.lower()
    deadline = time.monotonic() + MAX_SECONDS
    if suffix == ".xlsx" or data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data, deadline)
    elif suffix in {".csv", ".txt", ""}:
        rows = _csv_rows(data)
    else:
        raise RegistryFileError(
            f"'{Path(filename).name}' is geen .xlsx- of .csv-bestand; bewaar het register "
            "in Excel als .xlsx of als CSV (UTF-8)"
        )
    cells_read = 0
    empty = True
    for number, cells in rows:
        if number > MAX_ROWS + 1:
            raise RegistryFileError(f"het bestand heeft meer dan {MAX_ROWS} rijen")
        cells_read += len(cells)
        if cells_read > MAX_CELLS:
            raise _past_limit("cells", number)
        if len(cells) > MAX_COLUMNS and any(c.strip() for c in cells[MAX_COLUMNS:]):
            raise _past_limit("columns", number)
        if time.monotonic() > deadline:  # checking and writing the rows so far included
            raise _past_limit("time", number)
        # No control characters, as in answers.
        cleaned = [clean_text(cell[:MAX_CELL]) for cell in cells]
        if any(cleaned):
            empty = False
            yield number, cleaned
    if empty:
        raise RegistryFileError("het bestand is leeg")


def _number(value: int) -> str:
    return f"{value:_}".replace("_", ".")


def _past_limit(limit: str, row: int | None) -> RegistryFileError:
    messages = {
        "columns": f"het bestand heeft meer dan {MAX_COLUMNS} kolommen; een register heeft er "
        "een tiental",
        "cells": f"het bestand heeft meer dan {_number(MAX_CELLS)} cellen; een register van "
        f"{_number(MAX_ROWS)} rijen heeft er hoogstens enkele honderdduizenden",
        "time": f"het lezen duurde langer dan {MAX_SECONDS:g} seconden; is dit wel het "
        "register, met één rij per respondent?",
    }
    return RegistryFileError(messages[limit], row)


def _xlsx_rows(data: bytes, deadline: float) -> Iterator[tuple[int, list[str]]]:
    """The rows of the first sheet, streamed with bounded work (``spreadsheet.reading``)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _not_a_workbook("geen zip-archief") from None
    with archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED:
            raise RegistryFileError(
                f"de werkmap is uitgepakt groter dan {MAX_XLSX_UNPACKED // 1024 // 1024} MB; "
                "een register van enkele honderden rijen is veel kleiner"
            )
        limits = reading.Limits(MAX_COLUMNS, MAX_CELLS, deadline)
        try:
            yield from reading.xlsx_rows(archive, limits)
        except reading.SheetError as exc:
            if exc.limit is not None:
                raise _past_limit(exc.limit, exc.row) from None
            raise _not_a_workbook(str(exc)) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
            raise _not_a_workbook(type(exc).__name__) from None


def _not_a_workbook(reason: str) -> RegistryFileError:
    return RegistryFileError(
        "het bestand is geen geldige Excel-werkmap (.xlsx); open het in Excel en bewaar "
        f"het opnieuw als .xlsx ({reason[:200]})"
    )


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The rows of a UTF-8 CSV file (';' or ','), decoded and parsed as they stream."""
    try:
        yield from reading.csv_rows(data)
    except reading.CsvError as exc:
        raise RegistryFileError(str(exc), exc.row) from None


# --------------------------------------------------------------------------- checking


def _item_columns(model: QuestionnaireModel, name: str) -> tuple[str, ...]:
    """The headers accepted for a catalogue's item codes: its name, and with one
    catalogue a few common words."""
    aliases = ("acties", "items", "workshops", "vormingen", "codes")
    return (name.lower(), *(aliases if len(model.catalogues) == 1 else ()))


@dataclass(frozen=True)
class Column:
    """One column a questionnaire's registry may have: ``key`` is ``code``, ``name``,
    ``kind``, ``contact_names``, ``emails``, ``attribute:<id>`` or ``items:<catalogue>``;
    ``header`` is the template's header, ``accepted`` every header the import reads
    (lowercase), ``description`` what it holds, in Dutch, for the admin page and the
    template's explanation sheet."""

    key: str
    header: str
    accepted: tuple[str, ...]
    required: bool
    description: str


def describe(model: QuestionnaireModel | None) -> list[Column]:
    """The columns of the registry of a questionnaire (of the default population before
    a version is stored), in the template's order."""
    population = model.population if model is not None else DEFAULT
    several_kinds = len(population.kinds) > 1
    kinds = "; ".join(f"{k.value} ({k.label}, {k.code})" for k in population.kinds)
    columns = [
        Column("code", "code", COLUMNS["code"], True,
               "unieke code, bv. G01 (letters, cijfers, '-', '_', '.'); een nieuwe import "
               "werkt de rij met dezelfde code bij"),
        Column("name", "naam", COLUMNS["name"], True,
               "de naam zoals ze in de mails en op het dashboard staat"),
        Column("kind", "soort", COLUMNS["kind"], several_kinds,
               f"één van: {kinds} (de waarde, het label of de code)" if several_kinds
               else f"mag ontbreken: er is maar één soort, {kinds}"),
    ]  # fmt: skip
    columns += [_attribute_column(a) for a in population.attributes]
    columns += [
        Column("contact_names", "contactpersoon", COLUMNS["contact_names"], False,
               "naam of namen, gescheiden door ';', in de volgorde van de e-mailadressen"),
        Column("emails", "e-mail", COLUMNS["emails"], True,
               "een of meer e-mailadressen, gescheiden door ';'; elk krijgt de mails"),
    ]  # fmt: skip
    catalogues = model.catalogues if model is not None else {}
    for name, catalogue in catalogues.items():
        assert model is not None
        codes = [i.code for i in catalogue.items]
        shown = ", ".join(codes[:MAX_SHOWN_CODES]) + (", …" if len(codes) > MAX_SHOWN_CODES else "")
        header = "acties" if name == "actions" and len(catalogues) == 1 else name.lower()
        accepted = tuple(dict.fromkeys([header, *_item_columns(model, name)]))
        columns.append(Column(
            f"items:{name}", header, accepted, False,
            f"de codes van de gekoppelde items ({catalogue_label(model, name).lower()}), "
            f"gescheiden door ';' of spaties (codes: {shown})",
        ))  # fmt: skip
    return columns


def columns(questionnaire: Questionnaire) -> list[Column]:
    """The registry columns of a questionnaire's live version (``describe``)."""
    version = live_version(questionnaire)
    return describe(model_of(version) if version is not None else None)


def _attribute_column(attribute: Attribute) -> Column:
    choices = ", ".join(str(c.label) for c in attribute.choices[:MAX_SHOWN_CODES])
    if len(attribute.choices) > MAX_SHOWN_CODES:
        choices += ", …"
    description = attribute.handler.cell.format(choices=choices)
    if not attribute.required:
        description += "; mag leeg blijven"
    if attribute.identifying:
        description += "; identificerend: staat enkel in het identiteitenblad van de export"
    return Column(f"attribute:{attribute.id}", attribute.label.get().lower(),
                  headers_of(attribute), attribute.required, description)  # fmt: skip


class _Header:
    """The header row: where each column is, and what is wrong with it."""

    def __init__(self, number: int, cells: list[str], model: QuestionnaireModel) -> None:
        self.cells = cells
        self.positions: dict[str, int] = {}
        self.item_positions: dict[str, int] = {}
        self.problems: list[RowProblem] = []
        columns = describe(model)
        for index, name in enumerate(h.strip().lower() for h in cells):
            if not name:
                continue
            column = next((c for c in columns if name in c.accepted), None)
            if column is None:
                known = ", ".join(c.header for c in columns)
                self.problems.append(
                    RowProblem(number, cells[index], f"onbekende kolom (verwacht: {known})")
                )
                continue
            if column.key in self.positions:
                self.problems.append(RowProblem(number, cells[index], "kolom staat er twee keer"))
            self.positions[column.key] = index
            if column.key.startswith("items:"):
                self.item_positions[column.key.removeprefix("items:")] = index
        missing = [c.header for c in columns if c.required and c.key not in self.positions]
        self.usable = not missing
        if missing:
            self.problems.append(
                RowProblem(number, None,
                           f"verplichte kolommen ontbreken: {', '.join(missing)}; de eerste rij "
                           "moet de kolomnamen bevatten")
            )  # fmt: skip


class _Row:
    """One data row being checked; collects its problems."""

    def __init__(
        self, number: int, cells: list[str], positions: dict[str, int], header: list[str]
    ) -> None:
        self.number = number
        self.cells = cells
        self.positions = positions
        self.header = header
        self.problems: list[RowProblem] = []

    def cell(self, column: str) -> str:
        index = self.positions.get(column)
        return self.cells[index].strip() if index is not None and index < len(self.cells) else ""

    def problem(self, column: str, message: str) -> None:
        """A problem in ``column``, named as the file's header names it (as the template
        does, when the file has no such column)."""
        index = self.positions.get(column)
        name = self.header[index].strip() if index is not None and index < len(self.header) else ""
        if not name:
            name = COLUMNS[column][0] if column in COLUMNS else column.partition(":")[2]
        self.problems.append(RowProblem(self.number, name, message))

    def check(
        self,
        seen: dict[str, int],
        item_positions: dict[str, int],
        header: list[str],
        model: QuestionnaireModel,
    ) -> RegistryRow | None:
        if any(cell.strip() for cell in self.cells[len(header) :]):
            self.problems.append(RowProblem(
                self.number, None,
                "de rij heeft meer cellen dan er kolommen zijn; staat er een puntkomma in een "
                "cel zonder aanhalingstekens?",
            ))  # fmt: skip
        code = self.cell("code")
        if not code:
            self.problem("code", "de code ontbreekt")
        elif not _CODE.match(code) or len(code) > 50:
            self.problem("code", f"'{code}' is geen geldige code (letters, cijfers, '-', '_', '.')")
        elif code in seen:
            self.problem("code", f"code '{code}' staat ook al op rij {seen[code]}")
        else:
            seen[code] = self.number
        name = " ".join(self.cell("name").split())  # no line breaks in names (mail headers)
        if not name:
            self.problem("name", "de naam ontbreekt")
        elif len(name) > 200:
            self.problem("name", "de naam is langer dan 200 tekens")
        population = model.population
        raw_kind = self.cell("kind")
        kind = read_kind(population, raw_kind) if raw_kind else population.only_kind()
        if kind is None and not raw_kind:
            self.problem("kind", "de soort ontbreekt")
        elif kind is None:
            kinds = ", ".join(k.value for k in population.kinds)
            self.problem("kind", f"onbekende soort '{raw_kind}' (kies uit {kinds})")
        attributes: dict[str, Any] = {}
        for attribute in population.attributes:
            column = f"attribute:{attribute.id}"
            value, problem = read_value(attribute, self.cell(column))
            if problem is not None:
                self.problem(column, problem)
            elif value not in (None, []):
                attributes[attribute.id] = value
        contacts = self._contacts()
        items = self._items(item_positions, header, model)
        if self.problems:
            return None
        assert kind is not None
        return RegistryRow(self.number, code, name, kind, attributes, contacts, items)

    def _contacts(self) -> list[tuple[str, str]]:
        emails = [e.strip() for e in _SPLIT.split(self.cell("emails")) if e.strip()]
        names = [
            " ".join(n.split())
            for n in re.split(r"[;\n]+", self.cell("contact_names"))
            if n.strip()
        ]
        if not emails:
            self.problem("emails", "er is geen e-mailadres")
        elif len(names) > len(emails):
            self.problem("contact_names", "er zijn meer contactpersonen dan e-mailadressen")
        if any(len(name) > 200 for name in names):
            self.problem("contact_names", "een naam is langer dan 200 tekens")
        contacts: list[tuple[str, str]] = []
        for index, email in enumerate(emails):
            try:
                normal = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                self.problem("emails", f"'{email}' is geen geldig e-mailadres")
                continue
            contacts.append((names[index] if index < len(names) else "", normal))
        return contacts

    def _items(
        self, item_positions: dict[str, int], header: list[str], model: QuestionnaireModel
    ) -> dict[str, list[str]]:
        items: dict[str, list[str]] = {}
        for catalogue, index in item_positions.items():
            raw = self.cells[index] if index < len(self.cells) else ""
            entries = model.catalogues[catalogue].items
            known = {i.code for i in entries}
            for code in (c.strip() for c in re.split(r"[;,\s]+", raw) if c.strip()):
                normal = code.removesuffix(".0")
                if normal not in known:
                    self.problems.append(RowProblem(
                        self.number, header[index],
                        f"onbekende code '{code}' (bestaande codes: "
                        f"{', '.join(i.code for i in entries)})",
                    ))  # fmt: skip
                elif normal not in items.setdefault(catalogue, []):
                    items[catalogue].append(normal)
        return items


# --------------------------------------------------------------------------- writing


def import_file(
    questionnaire: Questionnaire,
    filename: str,
    data: bytes,
    *,
    skip_invalid: bool = False,
    actor: str = "system",
) -> ImportReport:
    """Check a registry file and write it (all or nothing unless ``skip_invalid``).

    Rows are checked as they stream from the file and written in chunks, in one
    transaction that is rolled back when a problem means nothing may be written."""
    report = ImportReport()
    version = live_version(questionnaire)
    if version is None:
        report.problems.append(RowProblem(None, None, "de vragenlijst heeft nog geen versie"))
        return report
    model = model_of(version)
    try:
        complete = _check_and_write(read_rows(filename, data), model, questionnaire, report,
                                    skip_invalid)  # fmt: skip
    except RegistryFileError as exc:
        db.session.rollback()
        return ImportReport(problems=[RowProblem(exc.row, None, str(exc))])
    except BaseException:
        db.session.rollback()
        raise
    if not complete:
        db.session.rollback()  # nothing of what was written so far stays
        return ImportReport(problems=report.problems)
    audit.record("registry_import", actor, questionnaire=questionnaire,
                 file=Path(filename).name, summary=report.summary)  # fmt: skip
    db.session.commit()
    report.written = True
    return report


def _check_and_write(
    rows: Iterable[tuple[int, list[str]]],
    model: QuestionnaireModel,
    questionnaire: Questionnaire,
    report: ImportReport,
    skip_invalid: bool,
) -> bool:
    """Check the rows as they stream, writing the valid ones while that may still
    be wanted; True if what was written may be committed."""
    rows = iter(rows)
    header = _Header(*next(rows), model)
    problems = _Problems(report)
    problems.extend(header.problems)
    if not header.usable:
        return False
    writing = not header.problems  # a wrong header: check every row, write none
    writer = _Writer(questionnaire, report)
    seen: dict[str, int] = {}
    data_rows = 0
    for number, cells in rows:
        data_rows += 1
        row = _Row(number, cells, header.positions, header.cells)
        entry = row.check(seen, header.item_positions, header.cells, model)
        if row.problems:
            problems.extend(row.problems)
            writing = writing and skip_invalid
        elif writing and entry is not None:
            writer.add(entry)
    if not data_rows:
        problems.extend([RowProblem(None, None, "het bestand bevat alleen kolomnamen, geen rijen")])
    problems.close()
    if not writing or not data_rows:
        return False
    writer.flush()
    return True


class _Problems:
    """Collects problems into the report: the first MAX_PROBLEMS one by one, the rest
    counted (a hostile file can have a problem in every cell); rows with one are skipped."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.more = 0
        self.rows: set[int] = set()

    def extend(self, problems: list[RowProblem]) -> None:
        for problem in problems:
            if problem.row is not None:
                self.rows.add(problem.row)
            if len(self.report.problems) < MAX_PROBLEMS:
                self.report.problems.append(problem)
            else:
                self.more += 1

    def close(self) -> None:
        if self.more:
            self.report.problems.append(RowProblem(
                None, None, f"en nog {_number(self.more)} problemen; los eerst die hierboven op"
            ))  # fmt: skip
        self.report.skipped_rows = sorted(self.rows)


class _Writer:
    """Writes checked respondents in chunks with bulk statements (no object per row),
    in the session's transaction: the caller commits or rolls back the whole."""

    def __init__(self, questionnaire: Questionnaire, report: ImportReport) -> None:
        self.questionnaire_id = questionnaire.id
        self.report = report
        self.pending: list[RegistryRow] = []

    def add(self, entry: RegistryRow) -> None:
        self.pending.append(entry)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        chunk, self.pending = self.pending, []
        if not chunk:
            return
        existing = {
            row.code: row
            for row in db.session.execute(
                select(Respondent.id, Respondent.code, Respondent.name, Respondent.kind,
                       Respondent.attributes)
                .where(Respondent.questionnaire_id == self.questionnaire_id,
                       Respondent.code.in_([a.code for a in chunk]))
            )
        }  # fmt: skip
        ids = [row.id for row in existing.values()]
        contacts: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for respondent_id, name, email in db.session.execute(
            select(Contact.respondent_id, Contact.name, Contact.email)
            .where(Contact.respondent_id.in_(ids))
            .order_by(Contact.respondent_id, Contact.position, Contact.id)
        ):
            contacts[respondent_id].append((name, email))
        links: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
        for link_id, respondent_id, catalogue, code in db.session.execute(
            select(RespondentItem.id, RespondentItem.respondent_id,
                   RespondentItem.catalogue, RespondentItem.code)
            .where(RespondentItem.respondent_id.in_(ids))
        ):  # fmt: skip
            links[respondent_id].append((link_id, catalogue, code))

        new: list[RegistryRow] = []
        changed: list[tuple[int, RegistryRow]] = []
        for entry in chunk:
            row = existing.get(entry.code)
            if row is None:
                new.append(entry)
            elif _same(row, contacts[row.id], links[row.id], entry):
                self.report.unchanged += 1
            else:
                changed.append((row.id, entry))
        self.report.created += len(new)
        self.report.updated += len(changed)

        respondent_ids = {a.code: i for i, a in changed}
        if new:
            inserted = db.session.execute(
                insert(Respondent).returning(Respondent.id, Respondent.code),
                [{"questionnaire_id": self.questionnaire_id, "code": a.code, "name": a.name,
                  "kind": a.kind, "attributes": a.attributes} for a in new],
            )  # fmt: skip
            respondent_ids.update({code: id_ for id_, code in inserted})
        if changed:
            now = utcnow()
            db.session.execute(
                update(Respondent),
                [{"id": i, "name": a.name, "kind": a.kind, "attributes": a.attributes,
                  "updated_at": now} for i, a in changed],
            )  # fmt: skip
            db.session.execute(delete(Contact).where(Contact.respondent_id.in_(
                [i for i, _ in changed])))  # fmt: skip
        written = [*new, *(a for _, a in changed)]
        contact_rows = [
            {"respondent_id": respondent_ids[a.code], "name": name, "email": email,
             "position": position}
            for a in written for position, (name, email) in enumerate(a.contacts)
        ]  # fmt: skip
        if contact_rows:
            db.session.execute(insert(Contact), contact_rows)
        self._write_links(written, respondent_ids, links)

    def _write_links(
        self,
        written: list[RegistryRow],
        respondent_ids: dict[str, int],
        links: dict[int, list[tuple[int, str, str]]],
    ) -> None:
        """Item links: those no longer wanted deleted, missing ones added, the rest kept."""
        stale: list[int] = []
        added: list[dict[str, Any]] = []
        for entry in written:
            respondent_id = respondent_ids[entry.code]
            wanted = [(cat, code) for cat, codes in entry.items.items() for code in codes]
            have = set()
            for link_id, catalogue, code in links.get(respondent_id, []):
                if (catalogue, code) in wanted:
                    have.add((catalogue, code))
                else:
                    stale.append(link_id)
            added += [{"respondent_id": respondent_id, "catalogue": cat, "code": code}
                      for cat, code in wanted if (cat, code) not in have]  # fmt: skip
        if stale:
            db.session.execute(delete(RespondentItem).where(RespondentItem.id.in_(stale)))
        if added:
            db.session.execute(insert(RespondentItem), added)


def _same(
    row: Any, contacts: list[tuple[str, str]], links: list[tuple[int, str, str]],
    entry: RegistryRow,
) -> bool:  # fmt: skip
    items: dict[str, list[str]] = {}
    for _, catalogue, code in links:
        items.setdefault(catalogue, []).append(code)
    return (
        row.name == entry.name
        and row.kind == entry.kind
        and (row.attributes or {}) == entry.attributes
        and contacts == entry.contacts
        and {k: sorted(v) for k, v in items.items()}
        == {k: sorted(v) for k, v in entry.items.items() if v}
    )


def template_workbook(questionnaire: Questionnaire) -> bytes:
    """An .xlsx with the columns this questionnaire's population declares, two example
    rows that import as they are, and a sheet explaining every column."""
    version = live_version(questionnaire)
    model = model_of(version) if version else None
    population = model.population if model else DEFAULT
    described = describe(model)
    columns = [c for c in described if c.required or c.key != "kind"]
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one worksheet
    sheet.title = "Register"
    sheet.append([c.header for c in columns])
    for number in (1, 2):
        sheet.append([_example(c, number, model, population) for c in columns])
    for index in range(1, len(columns) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 22
    explained = workbook.create_sheet("Uitleg")
    explained.append(["kolom", "verplicht", "wat erin staat"])
    for column in described:
        explained.append([column.header, "ja" if column.required else "nee", column.description])
    explained.column_dimensions["A"].width = 22
    explained.column_dimensions["C"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _example(
    column: Column, number: int, model: QuestionnaireModel | None, population: Population
) -> Any:
    """An example value of a column for the template's rows (valid for its import)."""
    kind = population.kinds[(number - 1) % len(population.kinds)]
    if column.key == "code":
        return f"{kind.code}{number:02d}"
    if column.key == "name":
        return f"{kind.label} Voorbeeld {number}"
    if column.key == "kind":
        return kind.value
    if column.key == "contact_names":
        return f"Contact {number}"
    if column.key == "emails":
        return f"contact{number}@voorbeeld.be"
    if column.key.startswith("items:"):
        assert model is not None  # only a stored version has catalogues
        codes = [i.code for i in model.catalogues[column.key.removeprefix("items:")].items]
        return ";".join(codes[:2]) if number == 1 else codes[-1]
    attribute = population.attribute(column.key.removeprefix("attribute:"))
    assert attribute is not None
    return attribute.handler.example(attribute, number)
