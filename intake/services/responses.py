"""Responses: what a coordinator sees, saves and submits.

``ResponseState`` is a read model of one respondent's response: its pages
(a repeated section once per item), which questions are visible, what is
answered, and what is still wrong. ``save_page`` and ``submit`` are the only
writers; both refuse to overwrite a colleague's newer answers silently and
retry on a lost race, so no acknowledged save is ever lost. When the database
refuses the write, they raise ``WriteRefused`` and the caller keeps what was typed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from intake.extensions import db
from intake.models import Answer, Respondent, Response, utcnow
from intake.questionnaire import conditions, repeat_items
from intake.questionnaire.model import Question, Questionnaire, Section, Text
from intake.questionnaire.types import answer_keys, missing, parse
from intake.questionnaire.values import Parsed, Posted, Problem
from intake.services import audit
from intake.services.questionnaires import live_version, model_of
from intake.services.transactions import WriteRefused, lost_race
from intake.statuses import ResponseStatus

# "optional": nothing answered yet, but nothing on the page is required either.
PageStatus = Literal["not_started", "optional", "in_progress", "complete"]
DONE = frozenset({"complete", "optional"})
RETRIES = 20


@dataclass(frozen=True)
class Page:
    """One page of the portal: a section, or one item of a repeated section."""

    section: Section
    item: str | None = None
    item_title: Text | None = None

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


class Stored(NamedTuple):
    """A stored answer as the read model sees it (a tuple: cheap to build in bulk)."""

    value: Any
    raw: str | None
    is_valid: bool
    revision: int

    @property
    def is_empty(self) -> bool:
        return self.value is None and not self.raw


@dataclass(frozen=True)
class RespondentProfile:
    """The registry data a questionnaire can prefill from and condition on."""

    name: str
    kind: str
    province: str
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
            province=respondent.province,
            contact_name=contact.name if contact else "",
            contact_email=contact.email if contact else "",
            items=items,
        )

    def prefill(self, source: str) -> Any:
        if source.startswith("respondent.items."):
            return self.items.get(source.removeprefix("respondent.items."), [])
        return {
            "respondent.name": self.name,
            "respondent.kind": self.kind,
            "respondent.province": self.province,
            "respondent.contact.name": self.contact_name,
            "respondent.contact.email": self.contact_email,
        }[source]


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

    # ----------------------------------------------------------------- reading

    @property
    def revision(self) -> int:
        return self.response.revision if self.response is not None else 0

    @property
    def is_submitted(self) -> bool:
        return self.response is not None and self.response.status == ResponseStatus.SUBMITTED

    @property
    def is_open(self) -> bool:
        return self.respondent is not None and self.respondent.questionnaire.is_open

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
            if parts == ("respondent", "province"):
                return self.profile.province
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
                [Page(section)]
                if section.repeat_for is None
                else [Page(section, code, title) for code, title in self.items_of(section)]
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
            return Page(section)
        for code, title in repeat_items(self.questionnaire, section):
            if code == item:
                return Page(section, code, title)
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

    def status(self, page: Page) -> PageStatus:
        answered = any(
            not self.answers[(page.section.id, page.item_key, q.id)].is_empty
            for q in page.section.questions
            if (page.section.id, page.item_key, q.id) in self.answers
        )
        if not answered:
            return "optional" if not self.problems(page) else "not_started"
        return "complete" if not self.problems(page) else "in_progress"

    def progress(self, pages: list[Page] | None = None) -> tuple[int, int]:
        """Pages done (complete, or optional and untouched) out of the pages that apply."""
        pages = self.pages() if pages is None else pages
        return sum(1 for p in pages if self.status(p) in DONE), len(pages)


def revalidate(question: Question, key: str, stored: Stored) -> Problem:
    """The problem of a stored invalid answer, found again by parsing what was typed
    (the main answer, or the second input such as the specify-text of "other")."""
    if key == question.id:
        parsed = parse(question, stored.raw if stored.raw is not None else stored.value)
    else:
        parsed = parse(question, None, stored.raw or "")
    return parsed[key].problem or Problem("invalid_choice")


def load_state(respondent: Respondent) -> ResponseState:
    """Read one respondent's response (or what a new one would start with)."""
    response = respondent.response
    if response is not None:
        questionnaire = model_of(response.questionnaire_version)
    else:
        version = live_version(respondent.questionnaire)
        if version is None:
            raise LookupError(f"questionnaire {respondent.questionnaire.slug} has no version")
        questionnaire = model_of(version)
    profile = RespondentProfile.of(respondent)
    state = ResponseState(questionnaire, respondent, profile, response)
    if response is None:
        state.answers = {
            key: Stored(p.value, p.raw, p.is_valid, 0)
            for key, p in prefilled(questionnaire, profile).items()
        }
    else:
        rows = db.session.scalars(select(Answer).where(Answer.response_id == response.id))
        state.answers = {
            (a.section, a.item, a.question): Stored(a.value, a.raw, a.is_valid, a.revision)
            for a in rows
        }
    return state


# --------------------------------------------------------------------------- writing


@dataclass
class Conflict:
    question: Question
    theirs: Stored


@dataclass
class SaveOutcome:
    status: Literal["saved", "conflict", "submitted", "closed", "unknown_page", "not_applicable"]
    problems: dict[str, Problem] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    revision: int = 0
    state: ResponseState | None = None


# Question id → (input, other specify-text), for the questions the user's form showed.
PostedPage = Mapping[str, tuple[Posted, str | None]]


def parse_page(
    state: ResponseState, page: Page, posted: PostedPage
) -> tuple[list[Question], dict[str, Parsed]]:
    """Parse the posted inputs of the visible questions, evaluating conditions as it goes.

    A question's condition sees the answers posted above it on the same page, so
    what is shown after saving is what the posted answers imply. Only questions in
    ``posted`` change: a question the user's form did not show is left as stored.
    """
    overlay: dict[str, Any] = {}
    parsed: dict[str, Parsed] = {}
    visible: list[Question] = []
    lookup = state.lookup(page, overlay)
    for question in page.section.questions:
        if question.relevant is not None and not conditions.evaluate(question.relevant, lookup):
            continue
        visible.append(question)
        if not answer_keys(question):
            continue
        if question.id not in posted:
            # Not on the form the user saw (e.g. shown since): keep what is stored.
            overlay[question.id] = state.value(page.section.id, page.item_key, question.id)
            continue
        main, other = posted[question.id]
        answers = parse(question, main, other)
        parsed.update(answers)
        main_answer = answers[question.id]
        overlay[question.id] = main_answer.value if main_answer.is_valid else None
    return visible, parsed


def save_page(
    respondent: Respondent,
    section_id: str,
    item: str | None,
    posted: PostedPage,
    seen_revision: int,
    actor: str,
) -> SaveOutcome:
    """Store a page as typed: valid values typed, invalid ones as raw text, flagged.

    Refuses (status ``conflict``) when a colleague saved different answers on the
    same page after ``seen_revision``; the caller shows both versions, and saving
    again with the newer revision is a deliberate overwrite. Refuses a page that does
    not apply to the response (status ``not_applicable``): the caller shows what was typed.
    """
    return _retrying(
        lambda: _save_page_once(respondent, section_id, item, posted, seen_revision, actor)
    )


T = TypeVar("T")


def _retrying(write: Callable[[], T]) -> T:
    """Run a read-check-write transaction, again from the start when it lost a race.

    Another save may commit between our read and our write: the revision check
    (StaleDataError), the unique response per respondent (IntegrityError) or a
    busy database then refuses ours, and we re-read and re-check. A database that
    refuses writes (read-only, disk full, connection gone) raises ``WriteRefused``
    at once: retrying would only keep the user waiting.
    """
    for attempt in range(RETRIES):
        try:
            return write()
        except (StaleDataError, DBAPIError) as error:
            db.session.rollback()
            db.session.expire_all()
            if not lost_race(error):
                raise WriteRefused(str(getattr(error, "orig", None) or error)) from error
            if attempt == RETRIES - 1:
                raise
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
    raise AssertionError("unreachable")


def _save_page_once(
    respondent: Respondent,
    section_id: str,
    item: str | None,
    posted: PostedPage,
    seen_revision: int,
    actor: str,
) -> SaveOutcome:
    state = load_state(respondent)
    page = state.page(section_id, item)
    if page is None:
        return SaveOutcome("unknown_page", state=state)
    if state.is_submitted:
        return SaveOutcome("submitted", revision=state.revision, state=state)
    if not state.is_open:
        return SaveOutcome("closed", revision=state.revision, state=state)
    if page not in state.pages():
        # An item not selected (or just deselected by a colleague), a section whose
        # condition does not hold: nothing there would ever be shown, so nothing is stored.
        return SaveOutcome("not_applicable", revision=state.revision, state=state)

    visible, parsed = parse_page(state, page, posted)
    problems = {key.split(".")[0]: p.problem for key, p in parsed.items() if p.problem is not None}

    conflicts: list[Conflict] = []
    if state.response is not None and state.revision != seen_revision:
        by_id = {q.id: q for q in visible}
        for key, new in parsed.items():
            theirs = state.stored(page.section.id, page.item_key, key)
            if theirs is None or theirs.revision <= seen_revision:
                continue
            if (theirs.value, theirs.raw or None) != (new.value, new.raw or None):
                question = by_id[key.split(".")[0]]
                if all(c.question.id != question.id for c in conflicts):
                    conflicts.append(Conflict(question, theirs))
    if conflicts:
        return SaveOutcome("conflict", problems, conflicts, state.revision, state)

    now = utcnow()
    response = state.response
    if response is None:
        version = live_version(respondent.questionnaire)
        assert version is not None
        response = Response(respondent=respondent, questionnaire_version=version)
        db.session.add(response)
        new_revision = 1
        for (sec, itm, key), value in prefilled(state.questionnaire, state.profile).items():
            response.answers.append(
                Answer(section=sec, item=itm, question=key, value=value.value,
                       revision=1, updated_at=now, updated_by="prefill")
            )  # fmt: skip
        existing: dict[str, Answer] = {
            a.question: a for a in response.answers
            if a.section == page.section.id and a.item == page.item_key
        }  # fmt: skip
    else:
        new_revision = response.revision + 1
        existing = {
            a.question: a
            for a in db.session.scalars(
                select(Answer).where(
                    Answer.response_id == response.id,
                    Answer.section == page.section.id,
                    Answer.item == page.item_key,
                )
            )
        }
    for key, new in parsed.items():
        answer = existing.get(key)
        if answer is None:
            if new.is_empty:
                continue
            answer = Answer(section=page.section.id, item=page.item_key, question=key)
            response.answers.append(answer)
        elif (answer.value, answer.raw, answer.is_valid) == (new.value, new.raw, new.is_valid):
            continue
        answer.value = new.value
        answer.raw = new.raw
        answer.is_valid = new.is_valid
        answer.revision = new_revision
        answer.updated_at = now
        answer.updated_by = actor
    response.updated_at = now  # always an UPDATE, so the revision check always runs
    audit.record("save", actor, respondent=respondent, section=page.section.id,
                 item=page.item, answers=len(parsed))  # fmt: skip
    db.session.commit()
    return SaveOutcome("saved", problems, [], response.revision, state)


@dataclass
class SubmitOutcome:
    status: Literal["submitted", "already_submitted", "incomplete", "closed", "not_started"]
    problems: list[tuple[Page, dict[str, Problem]]] = field(default_factory=list)


def submit(respondent: Respondent, actor: str) -> SubmitOutcome:
    """Submit the response once every page is complete; a second submit is a no-op."""
    return _retrying(lambda: _submit_once(respondent, actor))


def _submit_once(respondent: Respondent, actor: str) -> SubmitOutcome:
    state = load_state(respondent)
    if state.response is None:
        return SubmitOutcome("not_started")
    if state.is_submitted:
        return SubmitOutcome("already_submitted")
    if not state.is_open:
        return SubmitOutcome("closed")
    incomplete = [(p, pr) for p in state.pages() if (pr := state.problems(p))]
    if incomplete:
        return SubmitOutcome("incomplete", incomplete)
    state.response.status = ResponseStatus.SUBMITTED
    state.response.submitted_at = utcnow()
    state.response.updated_at = state.response.submitted_at
    audit.record("submit", actor, respondent=respondent)
    db.session.commit()
    return SubmitOutcome("submitted")


def reopen(response: Response, actor: str) -> None:
    """Let the coordinator edit a submitted response again (admin only)."""
    response.status = ResponseStatus.DRAFT
    response.reopened_at = utcnow()
    response.updated_at = response.reopened_at
    audit.record("reopen", actor, respondent=response.respondent)
    db.session.commit()
