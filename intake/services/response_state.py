"""The read model of a response: what a coordinator sees of one respondent's response.

``ResponseState`` holds its pages (a repeated section once per item), which questions
are visible, what is answered, what is still wrong, and the progress. ``load_state``
reads it; it writes nothing (the writers are in ``services.responses``). The export
builds the same state from rows it streams, without a respondent (``respondent=None``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from sqlalchemy import Integer, bindparam, inspect, literal_column, select, union_all
from sqlalchemy.orm import joinedload, load_only
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.base import Executable

from intake.extensions import db
from intake.models import (
    Answer,
    Contact,
    QuestionnaireVersion,
    Respondent,
    RespondentItem,
    Response,
    SavedPage,
)
from intake.questionnaire import conditions, repeat_items
from intake.questionnaire.model import Choice, Question, Questionnaire, Section, Text
from intake.questionnaire.types import answer_keys, missing, parse
from intake.questionnaire.values import Parsed, Posted, Problem
from intake.services.open_links import accepts_answers
from intake.services.questionnaires import live_version, model_of
from intake.statuses import ResponseStatus

# A page is complete only once it was saved (by a coordinator, an import, or as part of a
# submitted response) and has no problems: prefilled answers are for checking, not done.
# "to_check": answers the coordinator did not save yet (prefilled from the registry).
PageStatus = Literal["not_started", "to_check", "in_progress", "complete"]
PREFILL = "prefill"  # Answer.updated_by of answers a response started with


@dataclass(frozen=True)
class Page:
    """One page of the portal: a section, or one item of a repeated section."""

    section: Section
    item: str | None = None
    item_title: Text | None = None
    # The questionnaire, for labels that depend on other sections (see ``choice_label``).
    questionnaire: Questionnaire | None = field(default=None, compare=False, repr=False)

    @property
    def item_key(self) -> str:
        return self.item or ""

    def title(self, language: str | None = None) -> str:
        if self.item is None or self.item_title is None:
            return self.section.title.get(language)
        return self.section.title.format_item(self.item, self.item_title.get(language)).get(
            language
        )

    def text(self, text: Text | None, language: str | None = None) -> str:
        """A text of this page with {item.code} and {item.title} filled in."""
        if text is None:
            return ""
        if self.item is not None and self.item_title is not None:
            text = text.format_item(self.item, self.item_title.get(language))
        return text.get(language)

    def choice_label(self, question: Question, choice: Choice, language: str | None = None) -> str:
        """A choice's label; an item of a catalogue is named as its own page names it
        ("Actie 9: ..."), so a checkbox and the page it leads to match."""
        if self.questionnaire is not None and question.choices_source is not None:
            title = self.questionnaire.item_label(question.choices_source, str(choice.value))
            if title is not None:
                return title.get(language)
        return self.text(choice.label, language)


class Stored(NamedTuple):
    """A stored answer as the read model sees it (a tuple: cheap to build in bulk)."""

    value: Any
    raw: str | None
    is_valid: bool
    revision: int
    id: int | None = None  # the Answer row's id, when read from one (a save updates it)

    @property
    def is_empty(self) -> bool:
        return self.value is None and not self.raw


class Progress(NamedTuple):
    """How far a response is: pages complete out of the pages that apply, and the first
    page that is not complete (None when every page is)."""

    done: int
    total: int
    first_incomplete: Page | None


@dataclass(frozen=True)
class RespondentProfile:
    """The registry data a questionnaire can prefill from and condition on."""

    name: str
    kind: str | None
    attributes: dict[str, Any]
    contact_name: str
    contact_email: str
    items: dict[str, list[str]]

    @classmethod
    def of(cls, respondent: Respondent) -> RespondentProfile:
        contact = respondent.contacts[0] if respondent.contacts else None
        items: dict[str, list[str]] = {}
        for link in respondent.items:
            items.setdefault(link.catalogue, []).append(link.code)
        return cls(
            name=respondent.name,
            kind=respondent.kind,
            attributes=respondent.attributes or {},
            contact_name=contact.name if contact else "",
            contact_email=contact.email if contact else "",
            items=items,
        )

    @classmethod
    def read(cls, respondent: Respondent) -> RespondentProfile:
        """The profile of a respondent; when its contacts and items are not loaded, they
        are read in one query of plain rows (far cheaper than loading them as objects)."""
        info = inspect(respondent)
        if info.identity is None or not (info.unloaded & {"contacts", "items"}):
            return cls.of(respondent)
        rows = _rows(_PROFILE_ROWS, respondent_id=info.identity[0])
        contact = next((row for row in rows if row[0] == 0), None)
        linked: dict[str, list[str]] = {}
        for kind, catalogue, code, _position, _id in rows:
            if kind == 1:
                linked.setdefault(catalogue, []).append(code)
        return cls(
            name=respondent.name,
            kind=respondent.kind,
            attributes=respondent.attributes or {},
            contact_name=contact[1] if contact else "",
            contact_email=contact[2] if contact else "",
            items=linked,
        )

    def prefill(self, source: str) -> Any:
        if source.startswith("respondent.items."):
            return self.items.get(source.removeprefix("respondent.items."), [])
        fixed = {
            "respondent.name": self.name,
            "respondent.kind": self.kind,
            "respondent.contact.name": self.contact_name,
            "respondent.contact.email": self.contact_email,
        }
        if source in fixed:
            return fixed[source]
        return self.attributes.get(source.removeprefix("respondent."))


def _rows(statement: Executable, **params: Any) -> Sequence[Any]:
    """The plain rows of one of the statements below, built once (building a statement
    and its cache key cost more than running it): through the session's connection,
    after what the session holds is flushed, as its own queries would."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params).all()


# A respondent's contacts and items in one round trip, as rows of the same shape, contacts
# first, each in the order of its relationship on Respondent.
_PROFILE_ROWS = union_all(
    select(
        literal_column("0", Integer).label("kind"),
        Contact.name,
        Contact.email,
        Contact.position.label("position"),
        Contact.id.label("id"),
    ).where(Contact.respondent_id == bindparam("respondent_id")),
    select(
        literal_column("1", Integer),
        RespondentItem.catalogue,
        RespondentItem.code,
        literal_column("0", Integer),
        RespondentItem.id,
    ).where(RespondentItem.respondent_id == bindparam("respondent_id")),
).order_by("kind", "position", "id")

# A response's answers as plain rows, not Answer objects: this runs on every page.
_ANSWER_ROWS = select(
    Answer.section, Answer.item, Answer.question,
    Answer.value, Answer.raw, Answer.is_valid, Answer.revision, Answer.updated_by, Answer.id,
).where(Answer.response_id == bindparam("response_id"))  # fmt: skip

# The pages of a respondent's response saved at least once.
_SAVED_PAGES = select(SavedPage.section, SavedPage.item).where(
    SavedPage.respondent_id == bindparam("respondent_id")
)

AnswerKey = tuple[str, str, str]  # (section, item, answer key)


def prefilled(questionnaire: Questionnaire, profile: RespondentProfile) -> dict[AnswerKey, Parsed]:
    """The answers a new response starts with, taken from the registry."""
    result: dict[AnswerKey, Parsed] = {}
    for section in questionnaire.sections:
        if section.repeat_for is not None:
            continue
        for question in section.questions:
            if question.prefill is None:
                continue
            value = profile.prefill(question.prefill)
            posted: Posted = [str(v) for v in value] if isinstance(value, list) else value
            parsed = parse(question, posted).get(question.id)
            if parsed is not None and not parsed.is_empty and parsed.is_valid:
                result[(section.id, "", question.id)] = parsed
    return result


@dataclass
class ResponseState:
    """Everything the portal shows about one respondent's response."""

    questionnaire: Questionnaire
    respondent: Respondent | None  # None for a read-only view, as in the export
    profile: RespondentProfile
    response: Response | None
    answers: dict[AnswerKey, Stored] = field(default_factory=dict)
    # The pages saved at least once, as (section, item key): see ``saved_pages``. ``noted``:
    # those with a ``SavedPage`` row, which a page's first save writes (``saved`` also
    # holds pages that only imported answers make saved).
    saved: set[tuple[str, str]] = field(default_factory=set)
    noted: set[tuple[str, str]] = field(default_factory=set)

    def apply(self, page: Page, written: Mapping[str, Stored]) -> None:
        """Take in a save of ``page`` that was just committed, as reading the response
        again would show it: the answers written (their values as the JSON column gives
        them back), and the page as saved."""
        for key, stored in written.items():
            value = json.loads(json.dumps(stored.value))
            self.answers[(page.section.id, page.item_key, key)] = stored._replace(value=value)
        self.saved.add((page.section.id, page.item_key))
        self.noted.add((page.section.id, page.item_key))

    # ----------------------------------------------------------------- reading

    @property
    def revision(self) -> int:
        return self.response.revision if self.response is not None else 0

    @property
    def is_submitted(self) -> bool:
        return self.response is not None and self.response.status == ResponseStatus.SUBMITTED

    @property
    def is_open(self) -> bool:
        """Whether answers may change: the questionnaire is open (and, for an answer
        through a public link, that link still takes answers), or this is an author's
        preview (a test respondent), which works on closed questionnaires too."""
        respondent = self.respondent
        if respondent is None:
            return False
        if respondent.is_test:
            return True
        link = respondent.open_link  # no query without a link: its key is NULL
        return respondent.questionnaire.is_open and (link is None or accepts_answers(link))

    @property
    def is_editable(self) -> bool:
        return self.is_open and not self.is_submitted

    def stored(self, section: str, item: str, key: str) -> Stored | None:
        return self.answers.get((section, item, key))

    def value(self, section: str, item: str, key: str) -> Any:
        """The valid value of an answer, or None."""
        stored = self.answers.get((section, item, key))
        return stored.value if stored is not None and stored.is_valid else None

    def lookup(self, page: Page, overlay: Mapping[str, Any] | None = None) -> Callable[..., Any]:
        """The name lookup for conditions evaluated on ``page``."""

        def resolve(parts: tuple[str, ...]) -> Any:
            if parts[0] == "q":
                section, question = parts[1], parts[2]
                if overlay is not None and section == page.section.id and question in overlay:
                    value = overlay[question]
                else:
                    item = page.item_key if section == page.section.id else ""
                    value = self.value(section, item, question)
                if len(parts) == 4:
                    return value.get(parts[3]) if isinstance(value, dict) else None
                return value
            if parts == ("item", "code"):
                return page.item
            if parts == ("item", "title"):
                return page.item_title.get() if page.item_title else None
            if parts == ("respondent", "kind"):
                return self.profile.kind
            if parts[0] == "respondent" and len(parts) == 2:
                return self.profile.attributes.get(parts[1])
            return None

        return resolve

    def items_of(self, section: Section) -> list[tuple[str, Text]]:
        """The items this respondent answers a repeated section for, in order."""
        possible = repeat_items(self.questionnaire, section)
        source = section.repeat_for
        assert source is not None
        if source.catalogue is not None:
            chosen = set(self.profile.items.get(source.catalogue, []))
        else:
            assert source.question is not None
            value = self.value(source.question[0], "", source.question[1]) or []
            chosen = {str(v) for v in value}
        return [(code, title) for code, title in possible if code in chosen]

    def pages(self) -> list[Page]:
        """The pages that apply to this respondent now, in order."""
        pages: list[Page] = []
        for section in self.questionnaire.sections:
            candidates = (
                [Page(section, questionnaire=self.questionnaire)]
                if section.repeat_for is None
                else [
                    Page(section, code, title, self.questionnaire)
                    for code, title in self.items_of(section)
                ]
            )
            for page in candidates:
                if section.relevant is None or conditions.evaluate(
                    section.relevant, self.lookup(page)
                ):
                    pages.append(page)
        return pages

    def page(self, section_id: str, item: str | None) -> Page | None:
        """A page of this questionnaire, whether or not it applies now."""
        section = self.questionnaire.section(section_id)
        if section is None or (section.repeat_for is None) != (item is None):
            return None
        if item is None:
            return Page(section, questionnaire=self.questionnaire)
        for code, title in repeat_items(self.questionnaire, section):
            if code == item:
                return Page(section, code, title, self.questionnaire)
        return None

    def visible(self, page: Page, overlay: Mapping[str, Any] | None = None) -> list[Question]:
        """The questions of a page whose conditions hold, given the answers so far."""
        lookup = self.lookup(page, overlay)
        return [
            q
            for q in page.section.questions
            if q.relevant is None or conditions.evaluate(q.relevant, lookup)
        ]

    def problems(self, page: Page) -> dict[str, Problem]:
        """Unanswered required questions and invalid answers of a page, by question id."""
        problems: dict[str, Problem] = {}
        for question in self.visible(page):
            answers: dict[str, Parsed] = {}
            for key in answer_keys(question):
                stored = self.stored(page.section.id, page.item_key, key)
                if stored is None:
                    continue
                if not stored.is_valid:
                    problems[question.id] = revalidate(question, key, stored)
                    break
                answers[key] = Parsed(stored.value, stored.raw)
            else:
                problem = missing(question, answers)
                if problem is not None:
                    problems[question.id] = problem
        return problems

    def is_saved(self, page: Page) -> bool:
        """Whether the page was saved: a submitted response counts as saved throughout."""
        return self.is_submitted or (page.section.id, page.item_key) in self.saved

    def status(self, page: Page) -> PageStatus:
        """Complete only once saved without problems; until then, prefilled answers are
        "to check" and a page nobody saved is "not started", even if nothing is required."""
        if self.is_saved(page):
            return "in_progress" if self.problems(page) else "complete"
        answered = any(
            not stored.is_empty
            for q in page.section.questions
            if (stored := self.answers.get((page.section.id, page.item_key, q.id))) is not None
        )
        return "to_check" if answered else "not_started"

    def progress(self, pages: list[Page] | None = None) -> Progress:
        """Pages complete (saved, without problems) out of the pages that apply, and the
        first that is not complete: where "Begin of ga verder" leads."""
        pages = self.pages() if pages is None else pages
        complete = [self.status(p) == "complete" for p in pages]
        first = next((p for p, done in zip(pages, complete, strict=True) if not done), None)
        return Progress(sum(complete), len(pages), first)


def revalidate(question: Question, key: str, stored: Stored) -> Problem:
    """The problem of a stored invalid answer, found again by parsing what was typed
    (the main answer, or the second input such as the specify-text of "other")."""
    if key == question.id:
        parsed = parse(question, stored.raw if stored.raw is not None else stored.value)
    else:
        parsed = parse(question, None, stored.raw or "")
    return parsed[key].problem or Problem("invalid_choice")


# What the read model needs of a version: the model comes from the cache by content hash,
# so the YAML source and the JSON definition are read only when the cache misses.
_VERSION_COLUMNS = (
    QuestionnaireVersion.id,
    QuestionnaireVersion.questionnaire_id,
    QuestionnaireVersion.version,
    QuestionnaireVersion.content_hash,
)


# Loader options for what ``load_state`` reads of a respondent as objects: its
# questionnaire, response and version, joined in. The user loader applies them, so a
# portal request reads no relationship lazily.
RESPONDENT_LOADS = (
    joinedload(Respondent.questionnaire),
    joinedload(Respondent.open_link),
    joinedload(Respondent.response)
    .joinedload(Response.questionnaire_version)
    .load_only(*_VERSION_COLUMNS),
)


def _load_respondent(respondent: Respondent) -> None:
    """Load the questionnaire, response and version of a persistent respondent in one
    query, when any is not loaded (read without ``RESPONDENT_LOADS``, or expired by a
    commit)."""
    info = inspect(respondent)
    if info.identity is None:
        return  # not stored yet: its relationships are what was put in them
    missing = info.unloaded & {"questionnaire", "response"}
    response = None if "response" in info.unloaded else respondent.response
    if not missing and (
        response is None or "questionnaire_version" not in inspect(response).unloaded
    ):
        return
    db.session.execute(
        select(Respondent).where(Respondent.id == info.identity[0]).options(*RESPONDENT_LOADS)
    ).all()


def _load_versions(respondent: Respondent) -> None:
    """The questionnaire's versions without their source and definition (a new response
    starts on the live one, and only its content hash is needed)."""
    questionnaire = respondent.questionnaire
    info = inspect(questionnaire)
    if info.identity is None or "versions" not in info.unloaded:
        return
    versions = db.session.scalars(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == info.identity[0])
        .options(load_only(*_VERSION_COLUMNS))
    ).all()
    set_committed_value(questionnaire, "versions", list(versions))


def load_state(respondent: Respondent) -> ResponseState:
    """Read one respondent's response (or what a new one would start with).

    Two queries of plain rows (contacts with items, answers) when the respondent came with
    ``RESPONDENT_LOADS``, as from the user loader; else one more for the respondent, its
    response and version."""
    _load_respondent(respondent)
    response = respondent.response
    if response is not None:
        questionnaire = model_of(response.questionnaire_version)
    else:
        _load_versions(respondent)
        version = live_version(respondent.questionnaire)
        if version is None:
            raise LookupError(f"questionnaire {respondent.questionnaire.slug} has no version")
        questionnaire = model_of(version)
    profile = RespondentProfile.read(respondent)
    state = ResponseState(questionnaire, respondent, profile, response)
    if response is None:
        state.answers = {
            key: Stored(p.value, p.raw, p.is_valid, 0)
            for key, p in prefilled(questionnaire, profile).items()
        }
    else:
        rows = _rows(_ANSWER_ROWS, response_id=response.id)
        state.answers = {
            (section, item, key): Stored(value, raw, is_valid, revision, answer_id)
            for section, item, key, value, raw, is_valid, revision, _by, answer_id in rows
        }
        state.noted = {tuple(row) for row in _rows(_SAVED_PAGES, respondent_id=respondent.id)}
        state.saved = saved_pages(state.noted, [(row[0], row[1], row[7]) for row in rows])
    return state


def saved_pages(
    noted: set[tuple[str, str]], answers: list[tuple[str, str, str | None]]
) -> set[tuple[str, str]]:
    """The pages of a response saved at least once, as (section, item key): those
    ``noted`` (a page's first save writes its ``SavedPage`` row in the same transaction,
    even a save that changed nothing), and those with answers that came in another way
    than prefill (an import); ``answers`` holds (section, item key, updated_by) of each."""
    return noted | {(section, item) for section, item, by in answers if by not in (None, PREFILL)}
