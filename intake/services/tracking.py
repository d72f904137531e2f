"""Response tracking for VVSG: figures from aggregate queries, never from loading rows.

A respondent's status is one SQL expression (``status_column``) used by every
figure and by the respondent list, so they always agree:
not_invited → invited (mailed) → opened (link used) → in_progress → submitted.
Every figure is a set of respondents the list can show (``STATUS_FILTERS``, kind,
province, item), so each count on the dashboard links to exactly that many. The
response rate counts invited respondents only: one never invited cannot answer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, exists, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from intake.extensions import db
from intake.models import Invitation, MailLog, Questionnaire, Respondent, RespondentItem
from intake.models import Response as ResponseRow
from intake.questionnaire.model import Attribute
from intake.questionnaire.model import Questionnaire as QuestionnaireModel
from intake.questionnaire.values import N_
from intake.services import questionnaires
from intake.services.mailing import invitation_mailed, link_opened
from intake.services.questionnaires import live_version, model_of
from intake.statuses import MailKind, ResponseStatus, TrackingStatus

STATUSES = tuple(TrackingStatus)
# Labels are marked for translation; pages translate them with ``_()``.
STATUS_LABELS = {
    TrackingStatus.NOT_INVITED: N_("niet uitgenodigd"),
    TrackingStatus.INVITED: N_("uitgenodigd"),
    TrackingStatus.OPENED: N_("link geopend"),
    TrackingStatus.IN_PROGRESS: N_("bezig"),
    TrackingStatus.SUBMITTED: N_("ingediend"),
}
# Sets of statuses the respondent list filters on besides each single one.
NOT_SUBMITTED = "not_submitted"  # everyone still missing, invited or not
WAITING = "waiting"  # invited and not submitted: whom a reminder or a phone call may reach
EVER_INVITED = "ever_invited"  # the denominator of the response rate
GROUPS: dict[str, tuple[TrackingStatus, ...]] = {
    NOT_SUBMITTED: STATUSES[:-1],
    WAITING: STATUSES[1:-1],
    EVER_INVITED: STATUSES[1:],
}
GROUP_LABELS = {
    NOT_SUBMITTED: N_("niet ingediend"),
    WAITING: N_("uitgenodigd, nog niet ingediend"),
    EVER_INVITED: N_("uitgenodigd (alle)"),
}
STATUS_FILTERS: dict[str, tuple[TrackingStatus, ...]] = {
    **{status.value: (status,) for status in STATUSES},
    **GROUPS,
}
FILTER_LABELS = {**{status.value: label for status, label in STATUS_LABELS.items()},
                 **GROUP_LABELS}  # fmt: skip


def status_column() -> ColumnElement[str]:
    """The status of ``Respondent`` as a SQL expression (needs the outer join on Response)."""
    mailed = invitation_mailed()
    opened = link_opened()
    return case(
        (ResponseRow.status == ResponseStatus.SUBMITTED, literal(TrackingStatus.SUBMITTED.value)),
        (ResponseRow.id.is_not(None), literal(TrackingStatus.IN_PROGRESS.value)),
        (opened, literal(TrackingStatus.OPENED.value)),
        (mailed, literal(TrackingStatus.INVITED.value)),
        else_=literal(TrackingStatus.NOT_INVITED.value),
    )


def _base(questionnaire: Questionnaire, *columns: Any) -> Select[Any]:
    """The registry's respondents: anonymous answers through a public link are counted
    apart (``open_link_rate``), never as invited respondents."""
    return (
        select(*columns)
        .select_from(Respondent)
        .outerjoin(ResponseRow, ResponseRow.respondent_id == Respondent.id)
        .where(Respondent.questionnaire_id == questionnaire.id, Respondent.open_link_id.is_(None))
    )


@dataclass(frozen=True)
class Rate:
    """Submitted among invited respondents: the figure the report opens with (42/57 = 74%).
    Respondents never invited are not in ``invited``."""

    submitted: int
    invited: int

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.invited) if self.invited else 0

    def __str__(self) -> str:
        return f"{self.submitted}/{self.invited} ({self.percent}%)"


@dataclass(frozen=True)
class Overview:
    counts: dict[TrackingStatus, int]

    @property
    def total(self) -> int:
        """All respondents in the registry."""
        return sum(self.counts.values())

    @property
    def invited(self) -> int:
        """Respondents mailed an invitation: the denominator of the response rate."""
        return self.total - self.counts[TrackingStatus.NOT_INVITED]

    @property
    def not_submitted(self) -> int:
        return self.total - self.counts[TrackingStatus.SUBMITTED]

    @property
    def rate(self) -> Rate:
        return Rate(self.counts[TrackingStatus.SUBMITTED], self.invited)


@dataclass(frozen=True)
class QuestionnaireRow:
    """A line of the admin's overview of all questionnaires."""

    questionnaire: Questionnaire
    overview: Overview
    deadline: dt.date | None  # questionnaires.deadline: the admin's, else the file's


def overview(questionnaire: Questionnaire) -> Overview:
    status = status_column().label("status")
    rows = db.session.execute(_base(questionnaire, status, func.count()).group_by(status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({TrackingStatus(row[0]): row[1] for row in rows})
    return Overview(counts)


def _counted() -> tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
    """Aggregates of a group: submitted, invited (submitted included) and never invited."""
    status = status_column()

    def count(*statuses: TrackingStatus) -> ColumnElement[Any]:
        return func.sum(case((status.in_([s.value for s in statuses]), 1), else_=0))

    return (
        count(TrackingStatus.SUBMITTED),
        count(*GROUPS[EVER_INVITED]),
        count(TrackingStatus.NOT_INVITED),
    )


@dataclass(frozen=True)
class GroupRate:
    key: str
    label: str
    rate: Rate
    not_invited: int = 0

    @property
    def waiting(self) -> int:
        """Invited and not submitted yet."""
        return self.rate.invited - self.rate.submitted


def attribute_expr(attribute: Attribute) -> ColumnElement[Any]:
    """An attribute's value in SQL, typed as the declaration says (the same on SQLite and
    PostgreSQL)."""
    element: Any = Respondent.attributes[attribute.id]
    typed: ColumnElement[Any]
    sql = attribute.handler.sql(attribute)
    if sql == "int":
        typed = element.as_integer()
    elif sql == "float":
        typed = element.as_float()
    else:
        typed = element.as_string()
    return typed


def by_column(questionnaire: Questionnaire, column: str) -> list[GroupRate]:
    """The response rate per kind or per value of an attribute (invited respondents), and
    how many of each were never invited."""
    population = questionnaires.population(questionnaire)
    labels: dict[Any, str] = {}
    expr: ColumnElement[Any]
    if column == "kind":
        expr = Respondent.kind  # type: ignore[assignment]
        labels = {k.value: str(k.label) for k in population.kinds}
    else:
        attribute = population.attribute(column)
        if attribute is None:
            return []
        expr = attribute_expr(attribute)
        labels = {c.value: str(c.label) for c in attribute.choices}
    rows = db.session.execute(
        _base(questionnaire, expr, *_counted()).group_by(expr).order_by(expr)
    ).all()
    return [
        GroupRate(key, labels.get(key, str(key)), Rate(int(sub or 0), int(inv or 0)),
                  int(nin or 0))
        for key, sub, inv, nin in rows
    ]  # fmt: skip


def breakdowns(questionnaire: Questionnaire) -> list[tuple[Attribute, list[GroupRate]]]:
    """The response rate by every attribute it is broken down by (choices and whole
    numbers), in the order the population declares them."""
    return [
        (attribute, by_column(questionnaire, attribute.id))
        for attribute in questionnaires.population(questionnaire).breakdowns
    ]


@dataclass(frozen=True)
class ItemRow:
    code: str
    title: str
    invited: int  # invited respondents linked to the item
    submitted: int  # submitted respondents linked to it
    not_invited: int = 0  # linked respondents never invited

    @property
    def waiting(self) -> int:
        return self.invited - self.submitted

    @property
    def rate(self) -> Rate:
        return Rate(self.submitted, self.invited)


def by_item(questionnaire: Questionnaire) -> dict[str, list[ItemRow]]:
    """Per catalogue entry: the invited respondents linked to it and those who submitted."""
    version = live_version(questionnaire)
    if version is None:
        return {}
    model = model_of(version)
    rows = db.session.execute(
        _base(questionnaire, RespondentItem.catalogue, RespondentItem.code, *_counted())
        .join(RespondentItem, RespondentItem.respondent_id == Respondent.id)
        .group_by(RespondentItem.catalogue, RespondentItem.code)
    ).all()
    counts = {
        (cat, code): (int(inv or 0), int(sub or 0), int(nin or 0))
        for cat, code, sub, inv, nin in rows
    }
    result: dict[str, list[ItemRow]] = {}
    for name, catalogue in model.catalogues.items():
        result[name] = [
            ItemRow(item.code, item.title.get(), *counts.get((name, item.code), (0, 0, 0)))
            for item in catalogue.items
            if item.surveyed or (name, item.code) in counts
        ]
    return result


_PLACEHOLDER = re.compile(r"\{item\.(code|title)\}.*", re.S)


def catalogue_label(model: QuestionnaireModel, name: str, language: str | None = None) -> str:
    """What one entry of a catalogue is called, in the questionnaire's own words: the title
    of the section repeated per entry, up to its first placeholder ("Actie {item.code}:
    ..." gives "Actie", "Workshop: {item.title}" gives "Workshop"); "Onderdeel" if none."""
    for section in model.sections:
        source = section.repeat_for
        if source is None:
            continue
        question = model.question(*source.question) if source.question else None
        if source.catalogue == name or (question and question.choices_source == name):
            label = _PLACEHOLDER.sub("", section.title.get(language)).strip(" :-–,")
            if label:
                return label
    return N_("Onderdeel")


def catalogue_labels(questionnaire: Questionnaire) -> dict[str, str]:
    """``catalogue_label`` of each catalogue of the live version."""
    version = live_version(questionnaire)
    if version is None:
        return {}
    model = model_of(version)
    return {name: catalogue_label(model, name) for name in model.catalogues}


def item_filter(value: str) -> tuple[str | None, str]:
    """``catalogue:code`` or a bare ``code`` (of any catalogue), as the list's item filter."""
    catalogue, _, code = value.rpartition(":")
    return catalogue or None, code


@dataclass(frozen=True)
class RespondentRow:
    id: int
    code: str
    name: str
    kind: str | None
    attributes: dict[str, Any]
    status: TrackingStatus
    last_activity: dt.datetime | None
    reminders: int

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def respondent_rows(
    questionnaire: Questionnaire,
    *,
    status: str | None = None,
    kind: str | None = None,
    attributes: dict[str, str] | None = None,
    item: str | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[RespondentRow]:
    """The respondent list with status, last activity and reminders, filtered in SQL.

    ``status`` is a key of ``STATUS_FILTERS`` (one status or a set such as "not_submitted"),
    ``attributes`` maps attribute ids to a value as text (from a query string), ``item`` a
    filter as ``item_filter`` reads it; unknown values filter nothing."""
    status_expr = status_column()
    reminders = (
        select(func.count())
        .where(
            MailLog.respondent_id == Respondent.id, MailLog.kind == MailKind.REMINDER, MailLog.ok
        )
        .scalar_subquery()
    )
    opened = (
        select(func.max(Invitation.last_opened_at))
        .where(Invitation.respondent_id == Respondent.id)
        .scalar_subquery()
    )
    query = _base(
        questionnaire,
        Respondent.id, Respondent.code, Respondent.name, Respondent.kind,
        Respondent.attributes, status_expr, ResponseRow.updated_at, opened, reminders,
    ).order_by(Respondent.name)  # fmt: skip
    if status in STATUS_FILTERS:
        query = query.where(status_expr.in_([s.value for s in STATUS_FILTERS[status]]))
    if kind:
        query = query.where(Respondent.kind == kind)
    population = questionnaires.population(questionnaire) if attributes else None
    for attribute_id, wanted in (attributes or {}).items():
        attribute = population.attribute(attribute_id) if population else None
        if attribute is None or not wanted:
            continue
        value, problem = attribute.handler.read(attribute, wanted)
        if problem is not None:
            continue
        expr = attribute_expr(attribute)
        query = query.where(expr == value)
    if item:
        catalogue, code = item_filter(item)
        linked = exists().where(
            RespondentItem.respondent_id == Respondent.id, RespondentItem.code == code
        )
        if catalogue:
            linked = linked.where(RespondentItem.catalogue == catalogue)
        query = query.where(linked)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(func.lower(Respondent.name).like(pattern),
                func.lower(Respondent.code).like(pattern))
        )  # fmt: skip
    if limit:
        query = query.limit(limit)
    result = []
    for row in db.session.execute(query):
        updated, last_opened = row[6], row[7]
        moments = [m for m in (updated, last_opened) if m is not None]
        result.append(
            RespondentRow(row[0], row[1], row[2], row[3], row[4] or {}, TrackingStatus(row[5]),
                          max(moments) if moments else None, int(row[8] or 0))
        )  # fmt: skip
    return result


@dataclass(frozen=True)
class OpenLinkRate:
    """Answers through the public link against the population's ``expected`` size
    ("117 van 315 verwachte deelnemers"); ``expected`` None: no rate, only counts."""

    submitted: int
    in_progress: int  # started and not submitted
    expected: int | None

    @property
    def percent(self) -> int | None:
        return round(100 * self.submitted / self.expected) if self.expected else None


def open_link_rate(questionnaire: Questionnaire) -> OpenLinkRate:
    """The response through public links: submitted and started anonymous responses."""
    submitted = func.sum(case((ResponseRow.status == ResponseStatus.SUBMITTED, 1), else_=0))
    started = func.count(ResponseRow.id)
    row = db.session.execute(
        select(submitted, started)
        .select_from(Respondent)
        .join(ResponseRow, ResponseRow.respondent_id == Respondent.id)
        .where(Respondent.questionnaire_id == questionnaire.id,
               Respondent.open_link_id.is_not(None))
    ).one()  # fmt: skip
    done, total = int(row[0] or 0), int(row[1] or 0)
    expected = questionnaires.population(questionnaire).expected
    return OpenLinkRate(done, total - done, expected)
