"""What the export writes, computed once per response while streaming from the database.

``collect`` yields one ``ExportRow`` per response: the value of every codebook
variable that applies (hidden questions and unselected items stay empty), the
items of each repeated section, and the open answers. Answers are streamed in
one ordered query, never loaded all at once, so memory does not grow with the
number of responses.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from intake.extensions import db
from intake.models import Answer, Organisation, Questionnaire, QuestionnaireVersion, Response
from intake.questionnaire import Variable, codebook
from intake.questionnaire.codebook import question_variables
from intake.questionnaire.loader import OTHER_TEXT
from intake.questionnaire.model import OPEN_TYPES, Question
from intake.questionnaire.model import Questionnaire as Model
from intake.services.questionnaires import live_version, model_of
from intake.services.responses import Page, Respondent, ResponseState, Stored

BATCH = 5_000
BRUSSELS = ZoneInfo("Europe/Brussels")


def local_time(moment: dt.datetime | None) -> dt.datetime | None:
    """A timestamp as Brussels wall-clock time without zone (Excel has no time zones)."""
    if moment is None:
        return None
    return moment.astimezone(BRUSSELS).replace(tzinfo=None, microsecond=0)


def merged_codebook(models: list[Model]) -> list[Variable]:
    """The variables of every version, newest order first; a variable that a later
    version removed keeps its place after the variable that preceded it."""
    ordered = sorted(models, key=lambda m: m.version, reverse=True)
    result: list[Variable] = list(codebook(ordered[0])) if ordered else []
    names = {v.name for v in result}
    for model in ordered[1:]:
        previous: str | None = None
        for variable in codebook(model):
            if variable.name not in names:
                index = (
                    next(i for i, v in enumerate(result) if v.name == previous) + 1
                    if previous is not None
                    else 0
                )
                result.insert(index, variable)
                names.add(variable.name)
            previous = variable.name
    return result


@dataclass
class OpenAnswer:
    variable: str
    section: str
    item: str | None
    item_title: str
    question: str
    text: str


@dataclass
class ExportRow:
    code: str
    kind: str
    status: str
    version: int
    submitted_at: dt.datetime | None
    values: dict[str, Any] = field(default_factory=dict)
    items: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # section → (code, title)
    open_answers: list[OpenAnswer] = field(default_factory=list)


@dataclass
class ExportSource:
    """The questionnaire, its versions and registry, ready to stream responses."""

    questionnaire: Questionnaire
    models: dict[int, Model]  # version id → model
    live: Model
    variables: list[Variable]
    organisations: dict[int, Organisation]
    include_drafts: bool
    _respondents: dict[int, Respondent] = field(default_factory=dict)
    _variables: dict[tuple[int, str, str | None, str], list[Variable]] = field(default_factory=dict)

    @classmethod
    def load(cls, questionnaire: Questionnaire, include_drafts: bool = False) -> ExportSource:
        version_ids = set(
            db.session.scalars(
                select(Response.questionnaire_version_id)
                .join(Organisation)
                .where(Organisation.questionnaire_id == questionnaire.id)
                .distinct()
            )
        )
        live = live_version(questionnaire)
        assert live is not None, "questionnaire without a version"
        versions = db.session.scalars(
            select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(version_ids | {live.id}))
        ).all()
        models = {v.id: model_of(v) for v in versions}
        organisations = {
            o.id: o
            for o in db.session.scalars(
                select(Organisation)
                .where(Organisation.questionnaire_id == questionnaire.id)
                .options(selectinload(Organisation.contacts), selectinload(Organisation.items))
            )
        }
        return cls(
            questionnaire, models, model_of(live), merged_codebook(list(models.values())),
            organisations, include_drafts,
        )  # fmt: skip

    def responses(self) -> list[Response]:
        statuses = ["submitted", "draft"] if self.include_drafts else ["submitted"]
        return list(
            db.session.scalars(
                select(Response)
                .join(Organisation)
                .where(
                    Organisation.questionnaire_id == self.questionnaire.id,
                    Response.status.in_(statuses),
                )
                .order_by(Organisation.pseudonym, Response.id)
            )
        )

    def rows(self) -> Iterator[ExportRow]:
        """One ExportRow per response, in pseudonym order, streaming the answers."""
        responses = self.responses()
        for start in range(0, len(responses), BATCH):
            batch = {r.id: r for r in responses[start : start + BATCH]}
            answers = db.session.execute(
                select(Answer.response_id, Answer.section, Answer.item, Answer.question,
                       Answer.value, Answer.raw, Answer.is_valid)
                .where(Answer.response_id.in_(list(batch)))
                .order_by(Answer.response_id)
                .execution_options(yield_per=2_000)
            )  # fmt: skip
            grouped = {
                response_id: {
                    (a.section, a.item, a.question): Stored(a.value, a.raw, a.is_valid, 0)
                    for a in rows
                }
                for response_id, rows in itertools.groupby(answers, key=lambda a: a.response_id)
            }
            for response_id, response in batch.items():
                yield self.row(response, grouped.get(response_id, {}))

    def row(self, response: Response, answers: dict[tuple[str, str, str], Stored]) -> ExportRow:
        organisation = self.organisations[response.organisation_id]
        model = self.models[response.questionnaire_version_id]
        state = ResponseState(model, organisation, Respondent.of(organisation), response, answers)
        row = ExportRow(
            code=organisation.pseudonym or organisation.code,
            kind=organisation.kind,
            status=response.status,
            version=model.version,
            submitted_at=local_time(response.submitted_at),
        )
        for page in state.pages():
            if page.item is not None:
                title = page.item_title.get() if page.item_title else page.item
                row.items.setdefault(page.section.id, []).append((page.item, title))
            for question in state.visible(page):
                if question.type != "note":
                    key = (model.version, page.section.id, page.item, question.id)
                    variables = self._variables.get(key)
                    if variables is None:
                        variables = self._variables[key] = question_variables(
                            page.section, page.item, page.item_title, question
                        )
                    _export_question(row, state, page, question, variables)
        return row


def _export_question(
    row: ExportRow, state: ResponseState, page: Page, question: Question, variables: list[Variable]
) -> None:
    main = state.stored(page.section.id, page.item_key, question.id)
    value = main.value if main is not None and main.is_valid else None
    other = state.stored(page.section.id, page.item_key, f"{question.id}.{OTHER_TEXT}")
    other_text = other.value if other is not None and other.is_valid else None
    for variable in variables:
        if variable.type == "option":
            if value is not None:
                row.values[variable.name] = 1 if variable.option in value else 0
        elif variable.type == "other_text":
            if other_text:
                row.values[variable.name] = other_text
                _open(row, variable, page, other_text)
        elif variable.type == "matrix_row":
            if isinstance(value, dict) and value.get(variable.row) is not None:
                row.values[variable.name] = value[variable.row]
        elif value is not None:
            if question.type == "date":
                row.values[variable.name] = dt.date.fromisoformat(value)
            else:
                row.values[variable.name] = value
            if question.type in OPEN_TYPES:
                _open(row, variable, page, value)


def _open(row: ExportRow, variable: Variable, page: Page, text: str) -> None:
    row.open_answers.append(
        OpenAnswer(
            variable=variable.name,
            section=page.section.id,
            item=page.item,
            item_title=page.item_title.get() if page.item_title else "",
            question=variable.label.get(),
            text=text,
        )
    )


def is_closed(variable: Variable) -> bool:
    """Variables that get a frequency table: choices, scales, options, matrix rows."""
    return variable.type in {"single_choice", "scale", "option", "matrix_row"}
