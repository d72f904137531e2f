"""The applicant registry: read an .xlsx or .csv file, check every row, write all or nothing.

One row per applicant organisation. Re-importing updates organisations by code
and never deletes one, nor any response. Every problem is reported with its row
number, column and reason, in Dutch, for VVSG staff.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from intake.extensions import db
from intake.models import Contact, Organisation, OrganisationItem, Questionnaire
from intake.questionnaire.model import Questionnaire as QuestionnaireModel
from intake.questionnaire.values import clean_text
from intake.questionnaire.vocabulary import KINDS, PROVINCES
from intake.services import audit
from intake.services.questionnaires import live_version, model_of

MAX_ROWS = 50_000
MAX_CELL = 2_000

# Canonical column → accepted headers (lowercase). Dutch first, English accepted.
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code",),
    "name": ("naam", "name"),
    "kind": ("soort", "kind", "type"),
    "province": ("provincie", "province"),
    "members": ("gemeenten", "members", "deelnemende gemeenten"),
    "contact_names": ("contactpersoon", "contactpersonen", "contact", "contact_name"),
    "emails": ("e-mail", "email", "e-mailadres", "contact_email"),
}
REQUIRED = ("code", "name", "kind", "province", "emails")
LABELS = {
    "code": "code",
    "name": "naam",
    "kind": "soort",
    "province": "provincie",
    "members": "gemeenten",
    "contact_names": "contactpersoon",
    "emails": "e-mail",
}
_KIND_ALIASES = {k: k for k in KINDS} | {"igs": "igs", "intergemeentelijk": "igs"}
_PROVINCE_ALIASES = {p.lower(): p for p in PROVINCES} | {"brussels": "Brussel", "bru": "Brussel"}
_SPLIT = re.compile(r"[;\n,]+")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class RowProblem:
    row: int | None  # 1-based row number as Excel shows it; None for the whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"rij {self.row}")
        if self.column is not None:
            where.append(f"kolom '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


@dataclass
class Applicant:
    row: int
    code: str
    name: str
    kind: str
    province: str
    members: list[str]
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
    """The file as a whole cannot be read (not a spreadsheet, empty, wrong columns)."""


# --------------------------------------------------------------------------- reading


def read_rows(filename: str, data: bytes) -> list[tuple[int, list[str]]]:
    """The non-empty rows of an .xlsx or .csv file as (row number, cells as text)."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx" or data[:4] == b"PK\x03\x04":
        rows = _read_xlsx(data)
    elif suffix in {".csv", ".txt", ""}:
        rows = _read_csv(data)
    else:
        raise RegistryFileError(
            f"'{Path(filename).name}' is geen .xlsx- of .csv-bestand; bewaar het register "
            "in Excel als .xlsx of als CSV (UTF-8)"
        )
    result = []
    for number, cells in rows:
        if number > MAX_ROWS + 1:
            raise RegistryFileError(f"het bestand heeft meer dan {MAX_ROWS} rijen")
        cells = [clean_text(cell) for cell in cells]  # no control characters, as in answers
        if any(cells):
            result.append((number, cells))
    if not result:
        raise RegistryFileError("het bestand is leeg")
    return result


MAX_XLSX_UNPACKED = 200 * 1024 * 1024  # a workbook that unpacks larger is refused unread


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        unpacked = 0  # load_workbook below explains what is wrong
    if unpacked > MAX_XLSX_UNPACKED:
        raise RegistryFileError(
            f"de werkmap is uitgepakt groter dan {MAX_XLSX_UNPACKED // 1024 // 1024} MB; "
            "een register van enkele honderden rijen is veel kleiner"
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RegistryFileError(
            "het bestand is geen geldige Excel-werkmap (.xlsx); open het in Excel en bewaar "
            f"het opnieuw als .xlsx ({type(exc).__name__})"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:
                raise RegistryFileError(f"het bestand heeft meer dan {MAX_ROWS} rijen")
            rows.append((number, [_cell_text(v) for v in values]))
        return iter(rows)
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)[:MAX_CELL].strip()


def _read_csv(data: bytes) -> Iterator[tuple[int, list[str]]]:
    if b"\x00" in data[:4096]:
        raise RegistryFileError("het bestand is geen tekstbestand (CSV) en geen Excel-werkmap")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegistryFileError(
            "het CSV-bestand is niet in UTF-8 bewaard; kies in Excel 'CSV UTF-8 (door "
            "komma's gescheiden)' of bewaar als .xlsx"
        ) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [c[:MAX_CELL].strip() for c in cells]
    except csv.Error as exc:
        raise RegistryFileError(f"het CSV-bestand is onleesbaar: {exc}") from None


# --------------------------------------------------------------------------- checking


def _item_columns(model: QuestionnaireModel) -> dict[str, str]:
    """Accepted headers for item codes → catalogue name."""
    headers = {name.lower(): name for name in model.catalogues}
    if len(model.catalogues) == 1:
        (only,) = model.catalogues
        for alias in ("acties", "items", "workshops", "codes"):
            headers.setdefault(alias, only)
    return headers


def check_rows(
    rows: list[tuple[int, list[str]]], model: QuestionnaireModel
) -> tuple[list[Applicant], list[RowProblem]]:
    """Check every row; returns the valid applicants and every problem found."""
    header_number, header = rows[0]
    names = [h.strip().lower() for h in header]
    positions: dict[str, int] = {}
    problems: list[RowProblem] = []
    item_headers = _item_columns(model)
    item_positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            continue
        canonical = next((c for c, aliases in COLUMNS.items() if name in aliases), None)
        if canonical is not None:
            if canonical in positions:
                problems.append(
                    RowProblem(header_number, header[index], "kolom staat er twee keer")
                )
            positions[canonical] = index
        elif name in item_headers:
            item_positions[item_headers[name]] = index
        else:
            known = ", ".join([*(a[0] for a in COLUMNS.values()), *model.catalogues])
            problems.append(
                RowProblem(header_number, header[index],
                           f"onbekende kolom (verwacht: {known})")
            )  # fmt: skip
    missing = [LABELS[c] for c in REQUIRED if c not in positions]
    if missing:
        problems.append(
            RowProblem(header_number, None,
                       f"verplichte kolommen ontbreken: {', '.join(missing)}; de eerste rij "
                       "moet de kolomnamen bevatten")
        )  # fmt: skip
        return [], problems

    applicants: list[Applicant] = []
    seen: dict[str, int] = {}
    for number, cells in rows[1:]:
        row = _Row(number, cells, positions)
        applicant = row.check(seen, item_positions, header, model)
        problems.extend(row.problems)
        if applicant is not None:
            applicants.append(applicant)
    if len(rows) == 1:
        problems.append(RowProblem(None, None, "het bestand bevat alleen kolomnamen, geen rijen"))
    return applicants, problems


class _Row:
    """One data row being checked; collects its problems."""

    def __init__(self, number: int, cells: list[str], positions: dict[str, int]) -> None:
        self.number = number
        self.cells = cells
        self.positions = positions
        self.problems: list[RowProblem] = []

    def cell(self, column: str) -> str:
        index = self.positions.get(column)
        return self.cells[index].strip() if index is not None and index < len(self.cells) else ""

    def problem(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.number, LABELS.get(column, column), message))

    def check(
        self,
        seen: dict[str, int],
        item_positions: dict[str, int],
        header: list[str],
        model: QuestionnaireModel,
    ) -> Applicant | None:
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
        raw_kind = self.cell("kind")
        kind = _KIND_ALIASES.get(raw_kind.lower())
        if kind is None and not raw_kind:
            self.problem("kind", "de soort ontbreekt")
        elif kind is None:
            self.problem("kind", f"onbekende soort '{raw_kind}' (kies uit centrumstad, stad, "
                                 "gemeente, IGS)")  # fmt: skip
        raw_province = self.cell("province")
        province = _PROVINCE_ALIASES.get(raw_province.lower())
        if province is None and not raw_province:
            self.problem("province", "de provincie ontbreekt")
        elif province is None:
            self.problem("province", f"onbekende provincie '{raw_province}' (kies uit "
                                     f"{', '.join(PROVINCES)})")  # fmt: skip
        members = [m.strip() for m in re.split(r"[;\n]+", self.cell("members")) if m.strip()]
        contacts = self._contacts()
        items = self._items(item_positions, header, model)
        if self.problems:
            return None
        assert kind is not None and province is not None
        return Applicant(self.number, code, name, kind, province, members, contacts, items)

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
    """Check a registry file and write it (all or nothing unless ``skip_invalid``)."""
    report = ImportReport()
    version = live_version(questionnaire)
    if version is None:
        report.problems.append(RowProblem(None, None, "de vragenlijst heeft nog geen versie"))
        return report
    try:
        rows = read_rows(filename, data)
    except RegistryFileError as exc:
        report.problems.append(RowProblem(None, None, str(exc)))
        return report
    applicants, problems = check_rows(rows, model_of(version))
    report.problems = problems
    file_level = any(p.row is None or p.row == rows[0][0] for p in problems)
    if problems and (not skip_invalid or file_level):
        return report
    report.skipped_rows = sorted({p.row for p in problems if p.row is not None})
    audit.record("registry_import", actor, questionnaire=questionnaire,
                 file=Path(filename).name, summary=report.summary)  # fmt: skip
    _write(questionnaire, applicants, report)
    return report


def _write(questionnaire: Questionnaire, applicants: list[Applicant], report: ImportReport) -> None:
    existing = {
        org.code: org
        for org in db.session.scalars(
            select(Organisation)
            .where(Organisation.questionnaire_id == questionnaire.id)
            .options(selectinload(Organisation.contacts), selectinload(Organisation.items))
        )
    }
    for applicant in applicants:
        org = existing.get(applicant.code)
        if org is None:
            org = Organisation(questionnaire=questionnaire, code=applicant.code)
            db.session.add(org)
            report.created += 1
        elif _same(org, applicant):
            report.unchanged += 1
            continue
        else:
            report.updated += 1
        org.name = applicant.name
        org.kind = applicant.kind
        org.province = applicant.province
        org.members = applicant.members
        org.contacts = [
            Contact(name=name, email=email, position=index)
            for index, (name, email) in enumerate(applicant.contacts)
        ]
        # Update links in place: replacing the list would insert before it deletes.
        wanted = [(cat, code) for cat, codes in applicant.items.items() for code in codes]
        for link in list(org.items):
            if (link.catalogue, link.code) not in wanted:
                org.items.remove(link)
        have = {(link.catalogue, link.code) for link in org.items}
        org.items.extend(
            OrganisationItem(catalogue=cat, code=code)
            for cat, code in wanted
            if (cat, code) not in have
        )
    db.session.commit()
    report.written = True


def _same(org: Organisation, applicant: Applicant) -> bool:
    items: dict[str, list[str]] = {}
    for link in org.items:
        items.setdefault(link.catalogue, []).append(link.code)
    return (
        org.name == applicant.name
        and org.kind == applicant.kind
        and org.province == applicant.province
        and list(org.members or []) == applicant.members
        and [(c.name, c.email) for c in org.contacts] == applicant.contacts
        and {k: sorted(v) for k, v in items.items()}
        == {k: sorted(v) for k, v in applicant.items.items() if v}
    )


def template_workbook(questionnaire: Questionnaire) -> bytes:
    """An .xlsx with the expected columns and two example rows, for VVSG to fill in."""
    version = live_version(questionnaire)
    catalogues = list(model_of(version).catalogues) if version else []
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Register"
    header = ["code", "naam", "soort", "provincie", "gemeenten", "contactpersoon", "e-mail"]
    header += ["acties" if len(catalogues) == 1 and c == "actions" else c for c in catalogues]
    sheet.append(header)
    example_items = ["2;5;15"] * len(catalogues)
    sheet.append(["CS01", "Stad Voorbeeld", "centrumstad", "Antwerpen", "",
                  "Ann Peeters", "ann.peeters@voorbeeld.be", *example_items])  # fmt: skip
    sheet.append(["IGS01", "IGS Voorbeeldregio", "IGS", "Limburg", "Gemeente A; Gemeente B",
                  "Bart Claes; Eva Jans", "bart@igs.be; eva@igs.be", *example_items])  # fmt: skip
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 22
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
