"""The writers of responses: ``save_page``, ``submit`` and ``reopen``.

``save_page`` and ``submit`` are the only writers of answers and submissions. Both
refuse to overwrite a colleague's newer answers silently and retry on a lost race
(``_retrying``), so no acknowledged save is ever lost. When the database refuses the
write, they raise ``WriteRefused`` and the caller keeps what was typed. What they read
and check comes from the read model (``services.response_state``).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from intake.extensions import db
from intake.models import (
    Answer,
    QuestionnaireVersion,
    Respondent,
    Response,
    SavedPage,
    utcnow,
)
from intake.questionnaire import conditions
from intake.questionnaire.model import Question, Questionnaire
from intake.questionnaire.types import answer_keys, parse
from intake.questionnaire.values import Parsed, Posted, Problem
from intake.services import audit, open_links
from intake.services.questionnaires import live_version
from intake.services.response_state import (
    Page,
    RespondentProfile,
    ResponseState,
    Stored,
    load_state,
    prefilled,
)
from intake.services.transactions import WriteRefused, lost_race
from intake.statuses import ResponseStatus

RETRIES = 20


@dataclass
class Conflict:
    question: Question
    theirs: Stored


class SaveStatus(StrEnum):
    """What became of a page save."""

    SAVED = "saved"
    CONFLICT = "conflict"  # a colleague saved other answers since: nothing stored
    SUBMITTED = "submitted"  # the response was submitted already: nothing stored
    CLOSED = "closed"  # the questionnaire is closed: nothing stored
    UNKNOWN_PAGE = "unknown_page"
    NOT_APPLICABLE = "not_applicable"  # the page does not apply (now): nothing stored


@dataclass
class SaveOutcome:
    status: SaveStatus
    problems: dict[str, Problem] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    revision: int = 0
    # The state the save was checked against; once saved, with what was written applied
    # (``None`` after the first save of a response: read it again when needed).
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
    state: ResponseState | None = None,
) -> SaveOutcome:
    """Store a page as typed: valid values typed, invalid ones as raw text, flagged.

    Refuses (status ``conflict``) when a colleague saved different answers on the
    same page after ``seen_revision``; the caller shows both versions, and saving
    again with the newer revision is a deliberate overwrite. Refuses a page that does
    not apply to the response (status ``not_applicable``): the caller shows what was typed.

    ``state``: the respondent's state as the caller just read it, checked against
    instead of reading it again; a save that loses a race reads it again. That is safe
    however old the state is: the response's revision is checked in the UPDATE.
    """
    first = [state]

    def once() -> SaveOutcome:
        current = first.pop() if first else None
        return _save_page_once(respondent, section_id, item, posted, seen_revision, actor, current)

    return _retrying(once)


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
    state: ResponseState | None,
) -> SaveOutcome:
    if state is None:
        state = load_state(respondent)
    page = state.page(section_id, item)
    if page is None:
        return SaveOutcome(SaveStatus.UNKNOWN_PAGE, state=state)
    if state.is_submitted:
        return SaveOutcome(SaveStatus.SUBMITTED, revision=state.revision, state=state)
    if not state.is_open:
        return SaveOutcome(SaveStatus.CLOSED, revision=state.revision, state=state)
    if page not in state.pages():
        # An item not selected (or just deselected by a colleague), a section whose
        # condition does not hold: nothing there would ever be shown, so nothing is stored.
        return SaveOutcome(SaveStatus.NOT_APPLICABLE, revision=state.revision, state=state)

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
        return SaveOutcome(SaveStatus.CONFLICT, problems, conflicts, state.revision, state)

    now = utcnow()
    if state.response is None:
        return _start_with_page(respondent, state, page, parsed, problems, actor, now)
    response = state.response
    new_revision = response.revision + 1
    # What changed, against the answers the state read (their rows by id): no need to
    # read the rows again. Were the state out of date, the revision check below fails
    # and everything is read and checked again.
    written: dict[str, Stored] = {}
    added: dict[str, Answer] = {}
    changed: list[dict[str, Any]] = []
    for key, new in parsed.items():
        stored = state.stored(page.section.id, page.item_key, key)
        if stored is None or stored.id is None:
            if new.is_empty:
                continue
            added[key] = Answer(
                response_id=response.id, section=page.section.id, item=page.item_key,
                question=key, value=new.value, raw=new.raw, is_valid=new.is_valid,
                revision=new_revision, updated_at=now, updated_by=actor,
            )  # fmt: skip
            db.session.add(added[key])
        elif (stored.value, stored.raw, stored.is_valid) == (new.value, new.raw, new.is_valid):
            continue
        else:
            changed.append(
                {"id": stored.id, "value": new.value, "raw": new.raw, "is_valid": new.is_valid,
                 "revision": new_revision, "updated_at": now, "updated_by": actor}
            )  # fmt: skip
        written[key] = Stored(new.value, new.raw, new.is_valid, new_revision, stored and stored.id)
    if changed:
        db.session.execute(update(Answer), changed)  # by primary key, in one statement
    response.updated_at = now  # always an UPDATE, so the revision check always runs
    _record_save(respondent, state, page, actor, len(parsed))
    commit_keeping_loaded()
    for key, answer in added.items():
        written[key] = written[key]._replace(id=answer.id)
    state.apply(page, written)
    return SaveOutcome(SaveStatus.SAVED, problems, [], new_revision, state)


def _start_with_page(
    respondent: Respondent,
    state: ResponseState,
    page: Page,
    parsed: Mapping[str, Parsed],
    problems: dict[str, Problem],
    actor: str,
    now: dt.datetime,
) -> SaveOutcome:
    """The first save of a response: the response starts (with what the registry
    prefills) and the page's answers go in with it."""
    version = live_version(respondent.questionnaire)
    assert version is not None
    response = start_response(respondent, version, state.questionnaire, state.profile, now)
    existing = {
        a.question: a for a in response.answers
        if a.section == page.section.id and a.item == page.item_key
    }  # fmt: skip
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
        answer.revision = 1
        answer.updated_at = now
        answer.updated_by = actor
    _record_save(respondent, state, page, actor, len(parsed))
    commit_keeping_loaded()
    # Read again when needed: the prefilled answers came with it.
    return SaveOutcome(SaveStatus.SAVED, problems, [], 1)


def _record_save(
    respondent: Respondent, state: ResponseState, page: Page, actor: str, answers: int
) -> None:
    """Log the save, and note the page as saved when it has no ``SavedPage`` row yet (two
    first saves at once: the response's revision check refuses one, which retries and finds
    the row; the row's unique key refuses a duplicate all the same)."""
    audit.record("save", actor, respondent=respondent, section=page.section.id,
                 item=page.item, answers=answers)  # fmt: skip
    if (page.section.id, page.item_key) not in state.noted:
        db.session.add(
            SavedPage(respondent_id=respondent.id, section=page.section.id, item=page.item_key)
        )


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: what was just written is what the
    objects hold, and reading it all back would cost the request a query per object.
    (The request ends soon after; the next one reads afresh.)"""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def start_response(
    respondent: Respondent,
    version: QuestionnaireVersion,
    questionnaire: Questionnaire,
    profile: RespondentProfile,
    now: dt.datetime,
) -> Response:
    """A new response on ``version`` (whose model is ``questionnaire``), holding the
    answers prefilled from the registry; added to the session, not committed."""
    response = Response(respondent=respondent, questionnaire_version=version)
    db.session.add(response)
    for (sec, itm, key), value in prefilled(questionnaire, profile).items():
        response.answers.append(
            Answer(section=sec, item=itm, question=key, value=value.value,
                   revision=1, updated_at=now, updated_by="prefill")
        )  # fmt: skip
    return response


class SubmitStatus(StrEnum):
    """What became of a submit."""

    SUBMITTED = "submitted"
    ALREADY_SUBMITTED = "already_submitted"
    INCOMPLETE = "incomplete"  # pages with problems: nothing changed
    CLOSED = "closed"
    NOT_STARTED = "not_started"  # nothing saved yet


@dataclass
class SubmitOutcome:
    status: SubmitStatus
    problems: list[tuple[Page, dict[str, Problem]]] = field(default_factory=list)


def submit(respondent: Respondent, actor: str) -> SubmitOutcome:
    """Submit the response once every page is complete; a second submit is a no-op."""
    return _retrying(lambda: _submit_once(respondent, actor))


def _submit_once(respondent: Respondent, actor: str) -> SubmitOutcome:
    state = load_state(respondent)
    if state.response is None:
        return SubmitOutcome(SubmitStatus.NOT_STARTED)
    if state.is_submitted:
        return SubmitOutcome(SubmitStatus.ALREADY_SUBMITTED)
    if not state.is_open:
        return SubmitOutcome(SubmitStatus.CLOSED)
    incomplete = [(p, pr) for p in state.pages() if (pr := state.problems(p))]
    if incomplete:
        return SubmitOutcome(SubmitStatus.INCOMPLETE, incomplete)
    state.response.status = ResponseStatus.SUBMITTED
    state.response.submitted_at = utcnow()
    state.response.updated_at = state.response.submitted_at
    open_links.forget(respondent)  # an open-link respondent's resume code and address
    audit.record("submit", actor, respondent=respondent)
    db.session.commit()
    return SubmitOutcome(SubmitStatus.SUBMITTED)


def reopen(response: Response, actor: str) -> None:
    """Let the coordinator edit a submitted response again (admin only)."""
    response.status = ResponseStatus.DRAFT
    response.reopened_at = utcnow()
    response.updated_at = response.reopened_at
    audit.record("reopen", actor, respondent=response.respondent)
    db.session.commit()
