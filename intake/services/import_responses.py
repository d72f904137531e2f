"""Import answers in the layout of the "Antwoorden" sheet (answers collected on paper
or in another tool, or an export going back in): every value checked against the
questionnaire, every problem reported by row and column, all or nothing.

The sheet is read by the shared streaming reader (``spreadsheet.reading``) as the
values its cells hold, within limits: no more columns than Excel has, at most
``MAX_CELLS`` cells and ``MAX_SECONDS`` of reading."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from intake.extensions import db
from intake.models import Answer, Questionnaire, QuestionnaireVersion, Respondent, Response
from intake.questionnaire import Variable, codebook
from intake.questionnaire.model import Questionnaire as Model
from intake.questionnaire.types import parse, type_of
from intake.questionnaire.types.base import CellError
from intake.questionnaire.values import Parsed
from intake.services import audit
from intake.services.problems import RowProblem
from intake.services.questionnaires import live_version, model_of, population
from intake.services.sheets import ANSWERS, BRUSSELS
from intake.services.spreadsheet import reading
from intake.statuses import ResponseStatus

LEAD = {"code", "status", "versie", "ingediend_op"}
MAX_COLUMNS = 16_384  # as many as Excel has
MAX_CELLS = 50_000_000  # cells read, empty ones included: an export of 100,000 responses
MAX_SECONDS = 600.0


@dataclass
class ImportedResponse:
    respondent: Respondent
    version: QuestionnaireVersion
    status: str
    submitted_at: dt.datetime | None
    answers: dict[tuple[str, str, str], Parsed] = field(default_factory=dict)


@dataclass
class ResponsesImportReport:
    problems: list[RowProblem] = field(default_factory=list)
    imported: int = 0
    written: bool = False


def import_workbook(
    questionnaire: Questionnaire, data: bytes, actor: str = "system"
) -> ResponsesImportReport:
    """Check every row of the Antwoorden sheet; write all of them, or none."""
    report = ResponsesImportReport()
    try:
        rows = _read(data)
    except _NoSheet:
        report.problems.append(RowProblem(None, None, f"er is geen blad '{ANSWERS}'"))
        return report
    except reading.SheetError as exc:
        message = "het bestand is geen Excel-werkmap (.xlsx)"
        if exc.limit is not None:
            message = f"het blad '{ANSWERS}' is te groot om in te lezen ({exc.limit})"
        report.problems.append(RowProblem(exc.row, None, message))
        return report
    if not rows:
        report.problems.append(RowProblem(None, None, f"het blad '{ANSWERS}' is leeg"))
        return report
    imported = _check(questionnaire, rows, report)
    if report.problems:
        return report
    audit.record("responses_import", actor, questionnaire=questionnaire, rows=len(imported))
    _write(imported, _covered(questionnaire, rows[0]))
    report.imported = len(imported)
    report.written = True
    return report


class _NoSheet(Exception):
    pass


def _read(data: bytes) -> list[tuple[Any, ...]]:
    """The rows of the Antwoorden sheet as the values its cells hold (empty rows too,
    so row numbers are those Excel shows)."""
    limits = reading.Limits(MAX_COLUMNS, MAX_CELLS, time.monotonic() + MAX_SECONDS)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if ANSWERS not in reading.sheet_names(archive):
                raise _NoSheet
            rows: list[tuple[Any, ...]] = []
            for number, cells in reading.xlsx_rows(archive, limits, ANSWERS, typed=True):
                rows.extend(() for _ in range(number - len(rows) - 1))
                rows.append(tuple(cells))
            return rows
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
        raise reading.SheetError(type(exc).__name__) from None


def _versions(questionnaire: Questionnaire) -> dict[int, tuple[QuestionnaireVersion, Model]]:
    return {v.version: (v, model_of(v)) for v in questionnaire.versions}


def _check(
    questionnaire: Questionnaire, rows: list[tuple[Any, ...]], report: ResponsesImportReport
) -> list[ImportedResponse]:
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    versions = _versions(questionnaire)
    live = live_version(questionnaire)
    assert live is not None
    known: dict[str, Variable] = {}
    for _, model in versions.values():
        for variable in codebook(model):
            known.setdefault(variable.name, variable)
    if not header or header[0] != "code":
        report.problems.append(RowProblem(1, header[0] if header else None,
                                          "de eerste kolom moet 'code' heten"))  # fmt: skip
        return []
    # The registry's attributes (after the code in an export) are no answers: skipped.
    register = {a.id for a in population(questionnaire).attributes}
    for name in header:
        if name and name not in LEAD and name not in register and name not in known:
            report.problems.append(RowProblem(1, name, "onbekende variabele"))
    respondents = {
        o.pseudonym or o.code: o
        for o in db.session.scalars(
            select(Respondent).where(Respondent.questionnaire_id == questionnaire.id)
        )
    }
    by_code = {o.code: o for o in respondents.values()}
    result: list[ImportedResponse] = []
    seen: set[int] = set()
    for number, cells in enumerate(rows[1:], start=2):
        values = {header[i]: cells[i] if i < len(cells) else None
                  for i in range(len(header)) if header[i]}  # fmt: skip
        if all(v is None or v == "" for v in values.values()):
            continue
        code = str(values.get("code") or "").strip()
        respondent = respondents.get(code) or by_code.get(code)
        if respondent is None:
            report.problems.append(RowProblem(number, "code", f"onbekende code '{code}'"))
            continue
        if respondent.id in seen:
            report.problems.append(RowProblem(number, "code", f"'{code}' staat er twee keer in"))
            continue
        seen.add(respondent.id)
        version_number = values.get("versie") or live.version
        if not isinstance(version_number, int) or version_number not in versions:
            report.problems.append(RowProblem(number, "versie",
                                              f"onbekende versie '{version_number}'"))  # fmt: skip
            continue
        version, model = versions[version_number]
        status = str(values.get("status") or ResponseStatus.SUBMITTED)
        if status not in set(ResponseStatus):
            report.problems.append(RowProblem(number, "status", "kies submitted of draft"))
            continue
        submitted_at = values.get("ingediend_op")
        if submitted_at is not None and not isinstance(submitted_at, dt.datetime):
            report.problems.append(RowProblem(number, "ingediend_op", "geen datum en tijd"))
            continue
        imported = ImportedResponse(
            respondent, version, status,
            submitted_at.replace(tzinfo=BRUSSELS).astimezone(dt.UTC) if submitted_at else None,
        )  # fmt: skip
        _answers(model, values, number, imported, report)
        result.append(imported)
    return result


def _answers(
    model: Model,
    values: dict[str, Any],
    number: int,
    imported: ImportedResponse,
    report: ResponsesImportReport,
) -> None:
    """Turn one row's cells back into answers, checked by the same rules as the portal."""
    by_question: dict[tuple[str, str, str], list[Variable]] = defaultdict(list)
    for variable in codebook(model):
        by_question[(variable.section, variable.item or "", variable.question)].append(variable)
    for (section_id, item, question_id), variables in by_question.items():
        cells = {v.name: values.get(v.name) for v in variables}
        if all(c is None or c == "" for c in cells.values()):
            continue
        question = model.question(section_id, question_id)
        assert question is not None
        qtype = type_of(question)
        try:
            posted, other = qtype.from_cells(question, variables, cells)
        except CellError as problem:
            report.problems.append(RowProblem(number, problem.column, problem.message))
            continue
        if posted is None and other is None:
            continue
        for key, parsed in parse(question, posted, other).items():
            if parsed.problem is not None:
                column = qtype.problem_column(key, variables)
                report.problems.append(RowProblem(number, column, parsed.problem.message()))
            elif not parsed.is_empty:
                imported.answers[(section_id, item, key)] = parsed


def _covered(questionnaire: Questionnaire, header: tuple[Any, ...]) -> set[tuple[str, str, str]]:
    """The questions (section, item, question) the file has columns for."""
    names = {str(h) for h in header if h}
    covered = set()
    for _, model in _versions(questionnaire).values():
        for variable in codebook(model):
            if variable.name in names:
                covered.add((variable.section, variable.item or "", variable.question))
    return covered


def _write(imported: list[ImportedResponse], covered: set[tuple[str, str, str]]) -> None:
    """Replace the answers the file covers; answers it has no column for stay (e.g. the
    names and e-mail addresses an export without identities leaves out)."""
    for item in imported:
        response = item.respondent.response
        if response is None:
            response = Response(respondent=item.respondent)
            db.session.add(response)
        else:
            stale = [
                a.id
                for a in db.session.scalars(select(Answer).where(Answer.response_id == response.id))
                if (a.section, a.item, a.question.split(".")[0]) in covered
            ]
            db.session.execute(delete(Answer).where(Answer.id.in_(stale)))
        response.questionnaire_version = item.version
        response.status = item.status
        response.submitted_at = item.submitted_at
        db.session.flush()
        for (section, item_code, key), parsed in item.answers.items():
            db.session.add(
                Answer(response_id=response.id, section=section, item=item_code, question=key,
                       value=parsed.value, raw=parsed.raw, is_valid=True, updated_by="import")
            )  # fmt: skip
    db.session.commit()
