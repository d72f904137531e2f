"""What the export writes, computed once per response while streaming from the database.

``ExportSource.rows`` yields one ``ExportRow`` per response: the value of every
codebook variable that applies, by its position in ``ExportSource.variables``
(hidden questions and unselected items stay empty), the items of each repeated
section, the questions it was asked, and its quotable open answers. Answers are
streamed in one ordered query per batch and decoded once, never loaded all at
once, so memory does not grow with the number of responses.

What does not depend on the response is worked out once, not per row: per version,
section and item a ``PagePlan`` holds each question's type, answer keys and the
positions of its variables.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Text, cast, select, type_coerce
from sqlalchemy.orm import selectinload

from intake.extensions import db
from intake.models import (
    Answer,
    Questionnaire,
    QuestionnaireVersion,
    Respondent,
    RespondentItem,
    Response,
)
from intake.questionnaire import Variable, codebook
from intake.questionnaire.codebook import question_variables
from intake.questionnaire.model import Question
from intake.questionnaire.model import Questionnaire as Model
from intake.questionnaire.types import QUESTION_TYPES, type_of
from intake.questionnaire.types.base import QuestionType
from intake.services.questionnaires import live_version, model_of
from intake.services.response_state import Page, RespondentProfile, ResponseState, Stored
from intake.services.sheets import local_time
from intake.statuses import ResponseStatus

BATCH = 500  # responses per batch: bounds memory, whatever the total
AnswerKey = tuple[str, str, str]  # (section, item, answer key), as stored
Asked = tuple[str, str | None, str]  # (section, item, question): a question a response was asked


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


def is_closed(variable: Variable) -> bool:
    """Variables that get a frequency table (choices, scales, options, matrix rows):
    their question type says so."""
    return QUESTION_TYPES[variable.question_type].counted(variable)


def quotable(variable: Variable, question: Question) -> bool:
    """Whether an answer may be quoted next to the pseudonymous code: open text that
    does not identify the respondent and did not come from the registry."""
    return (
        type_of(question).quotable(variable)
        and not variable.identifying
        and not question.identifying
        and question.prefill is None
    )


class ResponseRow(Protocol):
    """What ``ExportSource.rows`` reads of a response and its respondent."""

    questionnaire_version_id: int
    status: str
    submitted_at: dt.datetime | None
    pseudonym: str | None
    code: str
    kind: str | None
    attributes: dict[str, Any]


@dataclass
class ExportRow:
    code: str
    kind: str | None
    status: str
    version: int
    submitted_at: dt.datetime | None
    values: list[Any]  # by position in ExportSource.variables; None when empty
    attributes: dict[str, Any] = field(default_factory=dict)  # the registry's, by id
    items: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # section → (code, title)
    asked: list[Asked] = field(default_factory=list)
    quotes: list[tuple[int, str]] = field(default_factory=list)  # (variable position, text)


@dataclass(frozen=True)
class QuestionPlan:
    """A question on one page of one version, as the export needs it."""

    question: Question
    qtype: QuestionType
    keys: tuple[str, ...]
    asked: Asked
    cells: tuple[tuple[int, Variable, bool], ...]  # (position, the version's variable, quotable)


@dataclass(frozen=True)
class PagePlan:
    title: str  # the item's title ('' without an item)
    questions: dict[str, QuestionPlan]


@dataclass
class ExportSource:
    """The questionnaire and its versions, ready to stream responses batch by batch.

    Nothing that grows with the number of responses is kept: each batch reads its
    responses, respondents and answers with Core queries (no ORM identity map)
    and is dropped before the next.
    """

    questionnaire: Questionnaire
    models: dict[int, Model]  # version id → model
    live: Model
    variables: list[Variable]
    include_drafts: bool
    positions: dict[str, int] = field(default_factory=dict)
    total: int | None = None  # responses in the export, once ``rows`` has started
    _plans: dict[tuple[int, str, str | None], PagePlan] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.positions = {v.name: i for i, v in enumerate(self.variables)}

    @classmethod
    def load(cls, questionnaire: Questionnaire, include_drafts: bool = False) -> ExportSource:
        version_ids = set(
            db.session.scalars(
                select(Response.questionnaire_version_id)
                .join(Respondent)
                .where(Respondent.questionnaire_id == questionnaire.id)
                .distinct()
            )
        )
        live = live_version(questionnaire)
        assert live is not None, "questionnaire without a version"
        versions = db.session.scalars(
            select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(version_ids | {live.id}))
        ).all()
        models = {v.id: model_of(v) for v in versions}
        return cls(
            questionnaire, models, model_of(live), merged_codebook(list(models.values())),
            include_drafts,
        )  # fmt: skip

    @property
    def statuses(self) -> list[ResponseStatus]:
        return list(ResponseStatus) if self.include_drafts else [ResponseStatus.SUBMITTED]

    def response_ids(self) -> list[int]:
        """Response ids in pseudonym order (a list of ints: a few bytes per response)."""
        return list(
            db.session.scalars(
                select(Response.id)
                .join(Respondent)
                .where(
                    Respondent.questionnaire_id == self.questionnaire.id,
                    Response.status.in_(self.statuses),
                )
                .order_by(Respondent.pseudonym, Response.id)
            )
        )

    def rows(self) -> Iterator[ExportRow]:
        """One ExportRow per response, in pseudonym order, streaming the answers."""
        ids = self.response_ids()
        self.total = len(ids)
        for start in range(0, len(ids), BATCH):
            # Per batch: a consumer may commit between batches (a job records its progress).
            connection = db.session.connection()
            batch_ids = ids[start : start + BATCH]
            responses = {
                r.id: r
                for r in connection.execute(
                    select(
                        Response.id,
                        Response.questionnaire_version_id,
                        Response.status,
                        Response.submitted_at,
                        Respondent.id.label("respondent_id"),
                        Respondent.pseudonym,
                        Respondent.code,
                        Respondent.kind,
                        Respondent.attributes,
                    )
                    .join(Respondent)
                    .where(Response.id.in_(batch_ids))
                )  # fmt: skip
            }
            items: dict[int, dict[str, list[str]]] = defaultdict(dict)
            for respondent_id, catalogue, code in connection.execute(
                select(RespondentItem.respondent_id, RespondentItem.catalogue,
                       RespondentItem.code)
                .where(RespondentItem.respondent_id.in_(
                    [r.respondent_id for r in responses.values()]))
                .order_by(RespondentItem.id)
            ):  # fmt: skip
                items[respondent_id].setdefault(catalogue, []).append(code)
            # JSON as text, decoded here once: the same on every backend, and half the cost.
            answers = connection.execute(
                select(Answer.response_id, Answer.section, Answer.item, Answer.question,
                       _json_text(connection))
                .where(Answer.response_id.in_(batch_ids), Answer.is_valid)
                .order_by(Answer.response_id)
                .execution_options(yield_per=2_000)
            )  # fmt: skip
            grouped = {
                response_id: {
                    (section, item, question): Stored(
                        json.loads(value) if value.__class__ is str else value, None, True, 0
                    )
                    for _, section, item, question, value in rows
                }
                for response_id, rows in itertools.groupby(answers, key=lambda a: a[0])
            }
            for response_id in batch_ids:
                response = responses[response_id]
                yield self.row(
                    response, items[response.respondent_id], grouped.get(response_id, {})
                )

    def row(
        self, response: ResponseRow, items: dict[str, list[str]], answers: dict[AnswerKey, Stored]
    ) -> ExportRow:
        version_id = response.questionnaire_version_id
        model = self.models[version_id]
        attributes = response.attributes or {}
        profile = RespondentProfile("", response.kind, attributes, "", "", items)
        state = ResponseState(model, None, profile, None, answers)
        row = ExportRow(
            code=response.pseudonym or response.code,
            kind=response.kind,
            status=response.status,
            version=model.version,
            submitted_at=local_time(response.submitted_at),
            values=[None] * len(self.variables),
            attributes=attributes,
        )
        values, asked, quotes = row.values, row.asked, row.quotes
        get = answers.get
        for page in state.pages():
            plan = self.plan(version_id, page)
            section_id, item = page.section.id, page.item_key
            if page.item is not None:
                row.items.setdefault(section_id, []).append((page.item, plan.title))
            for question in state.visible(page):
                entry = plan.questions.get(question.id)
                if entry is None:
                    continue  # no answer (a note)
                asked.append(entry.asked)
                given = {}
                for key in entry.keys:
                    stored = get((section_id, item, key))
                    if stored is not None:
                        given[key] = stored.value
                if not given:
                    continue
                cell = entry.qtype.cell
                for position, variable, quote in entry.cells:
                    value = cell(variable, given)
                    if value is not None:
                        values[position] = value
                        if quote:
                            quotes.append((position, value))
        return row

    def plan(self, version_id: int, page: Page) -> PagePlan:
        """What the export needs of a page's questions, worked out once per version."""
        key = (version_id, page.section.id, page.item)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        questions: dict[str, QuestionPlan] = {}
        for question in page.section.questions:
            qtype = type_of(question)
            if not qtype.has_answer:
                continue
            # Marked identifying in any version (the newest is in the merged codebook):
            # never quoted.
            cells = tuple(
                (position, variable,
                 quotable(variable, question) and not self.variables[position].identifying)
                for variable in question_variables(
                    page.section, page.item, page.item_title, question
                )
                if (position := self.positions.get(variable.name)) is not None
            )  # fmt: skip
            questions[question.id] = QuestionPlan(
                question, qtype, qtype.answer_keys(question),
                (page.section.id, page.item, question.id), cells,
            )  # fmt: skip
        title = page.item_title.get() if page.item_title else (page.item or "")
        plan = self._plans[key] = PagePlan(title, questions)
        return plan

    def identities(self) -> Iterator[Respondent]:
        """Every respondent with its contacts, in pseudonym order, in batches."""
        offset = 0
        while True:
            batch = db.session.scalars(
                select(Respondent)
                .where(Respondent.questionnaire_id == self.questionnaire.id)
                .options(selectinload(Respondent.contacts))
                .order_by(Respondent.pseudonym, Respondent.id)
                .offset(offset)
                .limit(BATCH)
            ).all()
            if not batch:
                return
            yield from batch
            for respondent in batch:
                db.session.expunge(respondent)
            offset += BATCH


def _json_text(connection: Connection) -> ColumnElement[Any]:
    """Answer.value as JSON text to decode. SQLite stores a bare number in a JSON column
    as a number, and CAST would print a float with only 15 digits: there the driver's
    own int, float or text comes through as it is."""
    if connection.dialect.name == "sqlite":
        return type_coerce(Answer.value, Text)
    return cast(Answer.value, Text)
