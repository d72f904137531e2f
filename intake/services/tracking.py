"""Response tracking for VVSG: figures from aggregate queries, never from loading rows.

A respondent's status is one SQL expression (``status_column``) used by every
figure and by the respondent list, so they always agree:
not_invited → invited (mailed) → opened (link used) → in_progress → submitted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, exists, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from intake.extensions import db
from intake.models import Invitation, MailLog, Questionnaire, Respondent, RespondentItem
from intake.models import Response as ResponseRow
from intake.questionnaire.vocabulary import KINDS
from intake.services.questionnaires import live_version, model_of
from intake.statuses import MailKind, ResponseStatus, TrackingStatus

STATUSES = tuple(TrackingStatus)
STATUS_LABELS = {
    TrackingStatus.NOT_INVITED: "niet uitgenodigd",
    TrackingStatus.INVITED: "uitgenodigd",
    TrackingStatus.OPENED: "link geopend",
    TrackingStatus.IN_PROGRESS: "bezig",
    TrackingStatus.SUBMITTED: "ingediend",
}


def status_column() -> ColumnElement[str]:
    """The status of ``Respondent`` as a SQL expression (needs the outer join on Response)."""
    mailed = exists().where(
        MailLog.respondent_id == Respondent.id, MailLog.kind == MailKind.INVITATION, MailLog.ok
    )
    opened = exists().where(
        Invitation.respondent_id == Respondent.id, Invitation.first_opened_at.is_not(None)
    )
    return case(
        (ResponseRow.status == ResponseStatus.SUBMITTED, literal(TrackingStatus.SUBMITTED.value)),
        (ResponseRow.id.is_not(None), literal(TrackingStatus.IN_PROGRESS.value)),
        (opened, literal(TrackingStatus.OPENED.value)),
        (mailed, literal(TrackingStatus.INVITED.value)),
        else_=literal(TrackingStatus.NOT_INVITED.value),
    )


def _base(questionnaire: Questionnaire, *columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Respondent)
        .outerjoin(ResponseRow, ResponseRow.respondent_id == Respondent.id)
        .where(Respondent.questionnaire_id == questionnaire.id)
    )


@dataclass(frozen=True)
class Rate:
    """Respondents among invited: the figure the report opens with (42/59 = 71%)."""

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
    def invited(self) -> int:
        """All respondents in the registry: the denominator of the response rate."""
        return sum(self.counts.values())

    @property
    def rate(self) -> Rate:
        return Rate(self.counts[TrackingStatus.SUBMITTED], self.invited)


def overview(questionnaire: Questionnaire) -> Overview:
    status = status_column().label("status")
    rows = db.session.execute(_base(questionnaire, status, func.count()).group_by(status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({TrackingStatus(row[0]): row[1] for row in rows})
    return Overview(counts)


@dataclass(frozen=True)
class GroupRate:
    key: str
    label: str
    rate: Rate


def by_column(questionnaire: Questionnaire, column: str) -> list[GroupRate]:
    """The response rate per kind or per province."""
    attribute = {"kind": Respondent.kind, "province": Respondent.province}[column]
    submitted = func.sum(case((ResponseRow.status == ResponseStatus.SUBMITTED, 1), else_=0))
    rows = db.session.execute(
        _base(questionnaire, attribute, func.count(), submitted)
        .group_by(attribute)
        .order_by(attribute)
    ).all()
    labels = KINDS if column == "kind" else {}
    return [
        GroupRate(key, labels.get(key, key), Rate(int(sub or 0), total)) for key, total, sub in rows
    ]


@dataclass(frozen=True)
class ItemRow:
    code: str
    title: str
    invited: int  # invited respondents linked to the item
    submitted: int  # submitted respondents linked to it


def by_item(questionnaire: Questionnaire) -> dict[str, list[ItemRow]]:
    """Per catalogue entry: the respondents linked to it, all of them and those who submitted."""
    version = live_version(questionnaire)
    if version is None:
        return {}
    model = model_of(version)
    submitted = func.sum(case((ResponseRow.status == ResponseStatus.SUBMITTED, 1), else_=0))
    rows = db.session.execute(
        _base(questionnaire, RespondentItem.catalogue, RespondentItem.code, func.count(),
              submitted)
        .join(RespondentItem, RespondentItem.respondent_id == Respondent.id)
        .group_by(RespondentItem.catalogue, RespondentItem.code)
    ).all()  # fmt: skip
    counts = {(cat, code): (total, int(sub or 0)) for cat, code, total, sub in rows}
    result: dict[str, list[ItemRow]] = {}
    for name, catalogue in model.catalogues.items():
        result[name] = [
            ItemRow(item.code, item.title.get(), *counts.get((name, item.code), (0, 0)))
            for item in catalogue.items
            if item.surveyed or (name, item.code) in counts
        ]
    return result


@dataclass(frozen=True)
class RespondentRow:
    id: int
    code: str
    name: str
    kind: str
    province: str
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
    province: str | None = None,
    item: str | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[RespondentRow]:
    """The respondent list with status, last activity and reminders, filtered in SQL."""
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
        Respondent.province, status_expr, ResponseRow.updated_at, opened, reminders,
    ).order_by(Respondent.name)  # fmt: skip
    if status in STATUSES:
        query = query.where(status_expr == status)
    if kind:
        query = query.where(Respondent.kind == kind)
    if province:
        query = query.where(Respondent.province == province)
    if item:
        query = query.where(
            exists().where(
                RespondentItem.respondent_id == Respondent.id, RespondentItem.code == item
            )
        )
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
            RespondentRow(row[0], row[1], row[2], row[3], row[4], TrackingStatus(row[5]),
                          max(moments) if moments else None, int(row[8] or 0))
        )  # fmt: skip
    return result
