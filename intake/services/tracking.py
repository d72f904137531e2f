"""Response tracking for VVSG: figures from aggregate queries, never from loading rows.

A respondent's status is one SQL expression (``status_column``) used by every
figure and by the respondent list, so they always agree:
not_invited → invited (mailed) → opened (link used) → in_progress → submitted.
Every figure is a set of respondents the list can show (``STATUS_FILTERS``, kind,
any attribute the rate is broken down by, item), so each count on the dashboard links
to exactly that many; respondents without a value form a group of their own
(``EMPTY``). The response rate counts invited respondents only: one never invited
cannot answer. Numbers (a cost) are summarised per status set (``number_summaries``),
and a covering list (an IGS's member municipalities) counts the units each item's
respondents stand for (``ItemRow.covered_invited``). The respondent list itself is read
a page at a time (``list_page``: a count and one page of rows, in SQL): only the
database's count and sort see the whole registry, never Python or the page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
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
# The group (and list filter) of respondents without a value for a kind or attribute.
EMPTY = "(leeg)"
EMPTY_LABEL = N_("onbekend")
# The status sets a number attribute is summarised over, in the order they are shown.
SUMMARY_SETS: tuple[tuple[str, str], ...] = (
    (EVER_INVITED, N_("alle uitgenodigden")),
    (TrackingStatus.SUBMITTED.value, N_("ingediend")),
    (NOT_SUBMITTED, N_("niet ingediend")),
)


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
    # With an open link: its answers against the expected population; None without one.
    open_rate: OpenLinkRate | None = None
    personal: bool = True  # reached through personal links (the registry's rate applies)


def questionnaire_row(questionnaire: Questionnaire) -> QuestionnaireRow:
    """A line of the overview: the registry's rate, and the open link's when it has one."""
    population = questionnaires.population(questionnaire)
    return QuestionnaireRow(
        questionnaire,
        overview(questionnaire),
        questionnaires.deadline(questionnaire),
        open_link_rate(questionnaire) if population.open_link else None,
        population.personal_link,
    )


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


def _group_order(keys: list[Any], declared: list[Any]) -> list[Any]:
    """Groups as declared (choices, kinds), then any other value sorted, then none: the
    same order on every backend (SQLite sorts NULL first, PostgreSQL last)."""
    rank = {value: index for index, value in enumerate(declared)}
    return sorted(keys, key=lambda k: (k is None, k not in rank, rank.get(k, 0), str(k)))


def by_column(questionnaire: Questionnaire, column: str) -> list[GroupRate]:
    """The response rate per kind or per value of an attribute (invited respondents), and
    how many of each were never invited. Respondents without a value form the group
    ``EMPTY`` ("onbekend"), which the list filters on too."""
    population = questionnaires.population(questionnaire)
    expr: ColumnElement[Any]
    labels: dict[Any, str]
    if column == "kind":
        expr = Respondent.kind  # type: ignore[assignment]
        labels = dict(population.kind_labels)
    else:
        attribute = population.attribute(column)
        if attribute is None:
            return []
        expr = attribute_expr(attribute)
        labels = {c.value: str(c.label) for c in attribute.choices}
    rows = {
        key: (int(sub or 0), int(inv or 0), int(nin or 0))
        for key, sub, inv, nin in db.session.execute(
            _base(questionnaire, expr, *_counted()).group_by(expr)
        )
    }
    return [
        GroupRate(
            EMPTY if key is None else key,
            str(EMPTY_LABEL) if key is None else labels.get(key, str(key)),
            Rate(rows[key][0], rows[key][1]),
            rows[key][2],
        )
        for key in _group_order(list(rows), list(labels))
    ]


def breakdowns(questionnaire: Questionnaire) -> list[tuple[Attribute, list[GroupRate]]]:
    """The response rate by every attribute it is broken down by (choices and whole
    numbers), in the order the population declares them."""
    return [
        (attribute, by_column(questionnaire, attribute.id))
        for attribute in questionnaires.population(questionnaire).breakdowns
    ]


@dataclass(frozen=True)
class NumberSummary:
    """A number attribute (a cost) over one status set: how many have a value, and the
    smallest, the median and the largest value (None when nobody has one)."""

    key: str  # a key of STATUS_FILTERS, for the list of the respondents counted
    label: str
    n: int
    minimum: float | None
    median: float | None
    maximum: float | None


def number_summary(questionnaire: Questionnaire, attribute: Attribute) -> list[NumberSummary]:
    """``attribute`` summarised over the invited, the submitted and the not submitted
    respondents, in SQL: the median is the mean of the one or two middle values of the
    ordered values (window functions, the same on SQLite and PostgreSQL)."""
    expr = attribute_expr(attribute)
    value = expr.label("value")
    status = status_column()
    result = []
    for key, label in SUMMARY_SETS:
        wanted = [s.value for s in STATUS_FILTERS[key]]
        ranked = (
            _base(questionnaire, value,
                  func.row_number().over(order_by=value).label("rank"),
                  func.count().over().label("n"))
            .where(status.in_(wanted), expr.is_not(None))
            .subquery()
        )  # fmt: skip
        # (n + 1) / 2 and (n + 2) / 2 in whole numbers: the middle one, or the middle two.
        lower, upper = (ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2
        middle = case((ranked.c.rank.in_([lower, upper]), ranked.c.value))
        n, low, median, high = db.session.execute(
            select(func.count(), func.min(ranked.c.value), func.avg(middle),
                   func.max(ranked.c.value))
        ).one()  # fmt: skip
        result.append(
            NumberSummary(key, str(label), int(n or 0), _number(low), _number(median),
                          _number(high))
        )  # fmt: skip
    return result


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def number_summaries(
    questionnaire: Questionnaire,
) -> list[tuple[Attribute, list[NumberSummary]]]:
    """``number_summary`` of every number attribute of the population, as declared."""
    population = questionnaires.population(questionnaire)
    return [(a, number_summary(questionnaire, a)) for a in population.attributes
            if a.handler.summarised]  # fmt: skip


@dataclass(frozen=True)
class ItemRow:
    code: str
    title: str
    invited: int  # invited respondents linked to the item
    submitted: int  # submitted respondents linked to it
    not_invited: int = 0  # linked respondents never invited
    # The units (local governments) the invited and the submitted respondents stand for,
    # with a covering attribute: each name of its list, or one without a list; else None.
    covered_invited: int | None = None
    covered_submitted: int | None = None

    @property
    def waiting(self) -> int:
        return self.invited - self.submitted

    @property
    def rate(self) -> Rate:
        return Rate(self.submitted, self.invited)


def covered_units(attribute: Attribute) -> ColumnElement[Any]:
    """How many units one respondent stands for: the length of its covering list, or 1
    without one (or with an empty list). SQLite and PostgreSQL measure JSON arrays
    differently; a value that is not a list counts as none."""
    element: Any = Respondent.attributes[attribute.id]
    length: ColumnElement[Any]
    if db.session.get_bind().dialect.name == "postgresql":
        length = case(
            (func.json_typeof(element) == "array", func.json_array_length(element)), else_=0
        )
    else:
        path = '$."' + attribute.id + '"'  # ids are lowercase letters, digits and '_'
        length = func.coalesce(func.json_array_length(Respondent.attributes, path), 0)
    return case((length > 0, length), else_=1)


def by_item(questionnaire: Questionnaire) -> dict[str, list[ItemRow]]:
    """Per catalogue entry: the invited respondents linked to it and those who submitted,
    and with a covering attribute the units each of these two groups stands for."""
    version = live_version(questionnaire)
    if version is None:
        return {}
    model = model_of(version)
    covering = model.population.covering
    columns = list(_counted())
    if covering is not None:
        status, units = status_column(), covered_units(covering)
        invited = [s.value for s in GROUPS[EVER_INVITED]]
        columns += [
            func.sum(case((status.in_(invited), units), else_=0)),
            func.sum(case((status == TrackingStatus.SUBMITTED.value, units), else_=0)),
        ]
    rows = db.session.execute(
        _base(questionnaire, RespondentItem.catalogue, RespondentItem.code, *columns)
        .join(RespondentItem, RespondentItem.respondent_id == Respondent.id)
        .group_by(RespondentItem.catalogue, RespondentItem.code)
    ).all()
    counts: dict[tuple[str, str], tuple[Any, ...]] = {}
    for cat, code, sub, inv, nin, *covered in rows:
        counts[(cat, code)] = (int(inv or 0), int(sub or 0), int(nin or 0),
                               *(int(c or 0) for c in covered))  # fmt: skip
    empty = (0, 0, 0) if covering is None else (0, 0, 0, 0, 0)
    result: dict[str, list[ItemRow]] = {}
    for name, catalogue in model.catalogues.items():
        result[name] = [
            ItemRow(item.code, item.title.get(), *counts.get((name, item.code), empty))
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


@dataclass(frozen=True)
class ListFilter:
    """What the respondent list is filtered on, as text from a query string: ``status`` a
    key of ``STATUS_FILTERS`` (one status or a set such as "not_submitted"), ``kind`` a kind
    of the population, ``attributes`` attribute ids → a value, ``item`` a filter as
    ``item_filter`` reads it, ``search`` part of a name or code. ``EMPTY`` selects the
    respondents without a kind or value."""

    status: str | None = None
    kind: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    item: str | None = None
    search: str | None = None

    def read(self, questionnaire: Questionnaire) -> tuple[list[ColumnElement[bool]], list[str]]:
        """The filter as SQL conditions on ``Respondent`` (with the outer join on Response),
        and the keys of the values that are no value of their filter (an unknown status or
        kind, "abc" for a year): those filter nothing, and the list says so (``ignored``)."""
        where: list[ColumnElement[bool]] = []
        ignored: list[str] = []
        population = questionnaires.population(questionnaire)
        if self.status in STATUS_FILTERS:
            where.append(status_column().in_([s.value for s in STATUS_FILTERS[self.status]]))
        elif self.status:
            ignored.append("status")
        if self.kind == EMPTY:
            where.append(Respondent.kind.is_(None))
        elif self.kind and population.kind(self.kind):
            where.append(Respondent.kind == self.kind)
        elif self.kind:
            ignored.append("kind")
        for attribute_id, wanted in self.attributes.items():
            attribute = population.attribute(attribute_id)
            if attribute is None or not wanted:
                continue
            expr = attribute_expr(attribute)
            if wanted == EMPTY:
                where.append(expr.is_(None))
                continue
            value, problem = attribute.handler.read(attribute, wanted)
            if problem is None:
                where.append(expr == value)
            else:
                ignored.append(attribute_id)
        if self.item:
            catalogue, code = item_filter(self.item)
            linked = exists().where(
                RespondentItem.respondent_id == Respondent.id, RespondentItem.code == code
            )
            if catalogue:
                linked = linked.where(RespondentItem.catalogue == catalogue)
            where.append(linked)
        if self.search:
            pattern = f"%{self.search.lower()}%"
            where.append(or_(func.lower(Respondent.name).like(pattern),
                             func.lower(Respondent.code).like(pattern)))  # fmt: skip
        return where, ignored

    def ignored(self, questionnaire: Questionnaire) -> list[str]:
        """The keys (``status``, ``kind``, attribute ids) whose value filters nothing."""
        return self.read(questionnaire)[1]


def respondent_rows(
    questionnaire: Questionnaire,
    *,
    status: str | None = None,
    kind: str | None = None,
    attributes: Mapping[str, str] | None = None,
    item: str | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[RespondentRow]:
    """The respondent list with status, last activity and reminders, filtered in SQL (as
    ``ListFilter`` says; a value that is no value of its filter filters nothing)."""
    chosen = ListFilter(status, kind, attributes or {}, item, search)
    return list_rows(questionnaire, chosen, limit=limit)


def list_rows(
    questionnaire: Questionnaire, chosen: ListFilter, *, limit: int | None = None,
    offset: int = 0,
) -> list[RespondentRow]:  # fmt: skip
    """The respondents ``chosen`` selects, by name (then id: a stable order to page in),
    ``limit`` of them from ``offset`` on (all without a limit)."""
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
    where, _ignored = chosen.read(questionnaire)
    query = (
        _base(questionnaire, Respondent.id, Respondent.code, Respondent.name, Respondent.kind,
              Respondent.attributes, status_column(), ResponseRow.updated_at, opened, reminders)
        .where(*where)
        .order_by(Respondent.name, Respondent.id)
        .limit(limit)
        .offset(offset or None)
    )  # fmt: skip
    result = []
    for row in db.session.execute(query):
        updated, last_opened = row[6], row[7]
        moments = [m for m in (updated, last_opened) if m is not None]
        result.append(
            RespondentRow(row[0], row[1], row[2], row[3], row[4] or {}, TrackingStatus(row[5]),
                          max(moments) if moments else None, int(row[8] or 0))
        )  # fmt: skip
    return result


def list_count(questionnaire: Questionnaire, chosen: ListFilter) -> int:
    """How many respondents ``chosen`` selects: the list's caption, whatever page it shows."""
    where, _ignored = chosen.read(questionnaire)
    return int(db.session.scalar(_base(questionnaire, func.count()).where(*where)) or 0)


PAGE_SIZE = 100  # respondents per page of the list


def page_count(total: int, size: int) -> int:
    """How many pages of ``size`` rows ``total`` rows fill: one, even when there are none."""
    return max(1, -(-total // size))


@dataclass(frozen=True)
class ListPage:
    """One page of the respondent list: its rows, and where it lies in all ``total``."""

    rows: list[RespondentRow]
    number: int  # from 1
    size: int
    total: int  # every respondent the filter selects

    @property
    def pages(self) -> int:
        return page_count(self.total, self.size)

    @property
    def first(self) -> int:
        """The position of the page's first row (1 for the first page; 0 when empty)."""
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)


def list_page(
    questionnaire: Questionnaire, chosen: ListFilter, number: int, size: int = PAGE_SIZE
) -> ListPage:
    """Page ``number`` of the list, paged in SQL: a count, then one page of rows. A number
    past the end shows the last page, one below 1 the first."""
    total = list_count(questionnaire, chosen)
    number = min(max(number, 1), page_count(total, size))
    rows = list_rows(questionnaire, chosen, limit=size, offset=(number - 1) * size)
    return ListPage(rows, number, size, total)


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
