"""Demo data: both questionnaires, 59 fictional respondents and a spread of responses;
the inspiration day's anonymous answers through its public link.

Names, codes and people are invented. Answers are generated from the
questionnaire model itself (``plausible_answers``), so they always validate,
and go through the same ``save_page``/``submit`` services as a coordinator's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert

from intake.extensions import db
from intake.models import (
    Answer,
    Contact,
    MailLog,
    OpenLink,
    Questionnaire,
    Respondent,
    RespondentItem,
    Response,
    utcnow,
)
from intake.paths import QUESTIONNAIRES_DIR
from intake.questionnaire.types import type_of
from intake.questionnaire.types.base import Samples
from intake.questionnaire.vocabulary import PROVINCES
from intake.services import invitations, open_links, questionnaires, response_state, responses
from intake.services.response_state import Page, ResponseState, Stored
from intake.services.responses import PostedPage
from intake.statuses import MailKind, ResponseStatus

QUESTIONNAIRES = ("plan-samenleven-2025.yaml", "inspiratiedag-2022.yaml")
FLEMISH = PROVINCES[:5]
PREFIXES = ["Ander", "Bever", "Dender", "Eike", "Heide", "Kalm", "Laar", "Maas", "Nete", "Oost",
            "Rijke", "Schel", "Ter", "Vlier", "Wester", "Zand", "Beek", "Bos", "Linde", "Moer",
            "Grave", "Hoog", "Kemp", "Leie", "Ruisel"]  # fmt: skip
SUFFIXES = ["dam", "dijk", "gem", "hout", "kerke", "loo", "mont", "veld", "voorde", "zele",
            "hoven", "brugge", "rode", "beke", "lare"]  # fmt: skip
FIRST = [
    "Ann",
    "Bart",
    "Charlotte",
    "Dirk",
    "Els",
    "Fatima",
    "Geert",
    "Hanne",
    "Ilse",
    "Jonas",
    "Karim",
    "Lies",
    "Mohamed",
    "Nele",
    "Olivier",
    "Pieter",
    "Rania",
    "Sofie",
    "Tom",
    "Yusuf",
]
LAST = [
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "El Amrani",
    "Dubois",
    "Vermeulen",
    "Aydin",
    "Hermans",
]
# How often respondents chose each surveyed action (action 5 is by far the most common).
ACTION_WEIGHTS = {"2": 19, "5": 45, "6": 1, "7": 7, "8": 12, "9": 18, "10": 4, "11": 6, "13": 24,
                  "14": 9, "15": 20, "16": 8, "17": 14, "18": 12, "19": 6, "20": 7, "21": 1,
                  "22": 9, "23": 18, "24": 22}  # fmt: skip
JOB_TITLES = ["Beleidsmedewerker samenleven", "Diensthoofd welzijn", "Expert"]
SENTENCES = [
    "Dankzij de middelen konden we het aanbod verbreden en nieuwe doelgroepen bereiken.",
    "De samenwerking met lokale partners werd sterker en meer structureel.",
    "Zonder cofinanciering hadden we deze actie niet kunnen opstarten.",
    "We zetten de werking voort, maar de personeelsinzet blijft een uitdaging.",
    "Het thema staat nu steviger in ons meerjarenplan.",
    "Als de subsidie stopt, valt het aanbod terug naar dat van vóór Plan Samenleven.",
    "De vraag blijft groot: er ontstonden wachtlijsten.",
    "Collega's uit cultuur, onderwijs en welzijn zoeken elkaar nu actiever op.",
    "De ondersteuning was nabij en praktisch, al wisselde de contactpersoon vaak.",
    "We pleiten voor structurele financiering om de opgebouwde expertise te behouden.",
]


@dataclass
class DemoResult:
    respondents: int
    submitted: int
    drafts: int
    links: list[tuple[str, str]]  # (respondent name, link): fresh ones first
    states: dict[str, str] = field(default_factory=dict)  # respondent name -> where it is
    # (questionnaire title, public link path, what it holds): see ``load_open_link``
    open_links: list[tuple[str, str, str]] = field(default_factory=list)


def _names(rng: random.Random, count: int) -> list[str]:
    combos = [p + s for p in PREFIXES for s in SUFFIXES]
    rng.shuffle(combos)
    return combos[:count]


def build_registry(questionnaire_id: int, rng: random.Random) -> list[Respondent]:
    """59 fictional respondents: 13 central cities, 16 cities, 25 municipalities, 5 IGS."""
    kinds = ["centrumstad"] * 13 + ["stad"] * 16 + ["gemeente"] * 25 + ["igs"] * 5
    names = _names(rng, len(kinds) + 15)
    respondents = []
    codes = list(ACTION_WEIGHTS)
    weights = list(ACTION_WEIGHTS.values())
    for index, kind in enumerate(kinds):
        place = names[index]
        label = {"centrumstad": "Stad", "stad": "Stad", "gemeente": "Gemeente"}.get(kind)
        name = f"{label} {place}" if label else f"IGS Samenleven {place}"
        code = f"IGS-{index:02d}" if kind == "igs" else str(10000 + 1000 * (index % 5) + index)
        attributes: dict[str, Any] = {"province": FLEMISH[index % 5]}
        if kind == "igs":
            attributes["members"] = [f"Gemeente {m}"
                                     for m in names[len(kinds) + (index % 5) * 3:][:3]]  # fmt: skip
        respondent = Respondent(
            questionnaire_id=questionnaire_id, code=code, name=name, kind=kind,
            attributes=attributes,
        )  # fmt: skip
        person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"{person.lower().replace(' ', '.')}@{place.lower()}.voorbeeld.be"
        respondent.contacts = [Contact(name=person, email=email, position=0)]
        count = {"centrumstad": 6, "stad": 4, "gemeente": 3, "igs": 4}[kind] + rng.randint(-1, 2)
        chosen: set[str] = set()
        while len(chosen) < count:
            chosen.add(rng.choices(codes, weights)[0])
        respondent.items = [
            RespondentItem(catalogue="actions", code=c) for c in sorted(chosen, key=int)
        ]
        respondents.append(respondent)
    db.session.add_all(respondents)
    db.session.commit()
    return respondents


def plausible_answers(
    state: ResponseState, page: Page, rng: random.Random, *, complete: bool = True
) -> PostedPage:
    """Valid answers for every question of a page, generated from the model: each
    question type draws its own (``QuestionType.sample_answer``)."""
    samples = Samples(
        rng,
        lines=JOB_TITLES,
        paragraphs=SENTENCES,
        email=state.profile.contact_email or "info@voorbeeld.be",
        other_text="Een eigen initiatief rond ontmoeting",
    )
    posted: dict[str, tuple[Any, str | None]] = {}
    for question in page.section.questions:
        qtype = type_of(question)
        if not qtype.has_answer:
            continue
        stored = state.value(page.section.id, page.item_key, question.id)
        if stored is not None and question.prefill:
            continue  # keep what the registry prefilled
        if not complete and not question.required and rng.random() < 0.5:
            continue
        if question.id == "via_igs":  # about a third of the respondents work through an IGS
            posted[question.id] = ("ja" if rng.random() < 0.3 else "nee"), None
            continue
        posted[question.id] = qtype.sample_answer(question, samples)
    return posted


def fill(respondent: Respondent, rng: random.Random, *, submit: bool) -> None:
    """Fill in every page the respondent sees (and submit), through the services."""
    state = response_state.load_state(respondent)
    done: set[tuple[str, str]] = set()
    while True:
        pending = [p for p in state.pages() if (p.section.id, p.item_key) not in done]
        if not pending:
            break
        page = pending[0]
        posted = plausible_answers(state, page, rng, complete=submit)
        outcome = responses.save_page(
            respondent, page.section.id, page.item, posted, state.revision, "demo"
        )
        assert outcome.status == responses.SaveStatus.SAVED, outcome.status
        done.add((page.section.id, page.item_key))
        state = response_state.load_state(respondent)
        if not submit and len(done) >= 3:
            return
    if submit:
        submitted = responses.submit(respondent, "demo")
        assert submitted.status == responses.SubmitStatus.SUBMITTED, submitted


def load(seed: int = 2025) -> DemoResult:
    """Load the demo into the current database; safe to run again (it resets demo data)."""
    rng = random.Random(seed)
    loaded = [
        questionnaires.store_file(QUESTIONNAIRES_DIR / name)[0].questionnaire
        for name in QUESTIONNAIRES
    ]
    plan = loaded[0]
    # Start over: the database cascades to responses, answers, links and mail logs.
    db.session.execute(delete(Respondent).where(Respondent.questionnaire_id == plan.id))
    db.session.commit()

    respondents = build_registry(plan.id, rng)
    order = list(respondents)
    rng.shuffle(order)
    submitted, drafts, opened = order[:42], order[42:49], order[49:53]
    now = utcnow()
    for respondent in order[:57]:  # the last two were added late and are not invited yet
        db.session.add(MailLog(respondent_id=respondent.id, kind=MailKind.INVITATION,
                               recipient=respondent.contacts[0].email,
                               subject="Uitnodiging"))  # fmt: skip
        invitation, _ = invitations.add_link(respondent)  # the mailed link (its token is not kept)
        invitation.sent_at = now
        if respondent in submitted or respondent in drafts or respondent in opened:
            invitation.first_opened_at = invitation.last_opened_at = now
    db.session.commit()
    for respondent in submitted:
        fill(respondent, rng, submit=True)
    for respondent in drafts:
        fill(respondent, rng, submit=False)
        db.session.add(MailLog(respondent_id=respondent.id, kind=MailKind.REMINDER,
                               recipient=respondent.contacts[0].email,
                               subject="Herinnering"))  # fmt: skip
    db.session.commit()

    # Links to try every state: two fresh respondents (invited, never opened), one not
    # invited yet, one that opened its link, one started and one submitted.
    invited_only = order[53:57]
    shown = [
        (invited_only[0], "nieuw: uitgenodigd, nog niet geopend"),
        (invited_only[1], "nieuw: uitgenodigd, nog niet geopend"),
        (order[-1], "nieuw: nog niet uitgenodigd"),
        (opened[0], "link geopend, nog niets ingevuld"),
        (drafts[0], "bezig"),
        (submitted[0], "ingediend"),
    ]
    links = [(r.name, f"/t/{invitations.issue_link(r, 'demo')}") for r, _state in shown]
    states = {r.name: state for r, state in shown}
    result = DemoResult(len(respondents), len(submitted), len(drafts), links, states)
    result.open_links.append(load_open_link(loaded[1], rng))
    return result


# The inspiration day's evaluation: 117 of the 315 participants answered (seed 000).
OPEN_SUBMITTED = 117
OPEN_IN_PROGRESS = 6


def load_open_link(questionnaire: Questionnaire, rng: random.Random) -> tuple[str, str, str]:
    """The inspiration day through its public link: a fresh link, 117 anonymous responses
    submitted and a few started, filled in through the same services as the portal's.
    Returns (title, link path, what it holds)."""
    db.session.execute(delete(Respondent).where(Respondent.questionnaire_id == questionnaire.id))
    db.session.execute(delete(OpenLink).where(OpenLink.questionnaire_id == questionnaire.id))
    db.session.commit()
    link = open_links.create(questionnaire, "demo")
    started = [open_links.start(link).respondent for _ in range(OPEN_SUBMITTED + OPEN_IN_PROGRESS)]
    version = questionnaires.live_version(questionnaire)
    assert version is not None
    now = utcnow()
    answers: list[dict[str, Any]] = []
    for number, respondent in enumerate(started):
        submit = number < OPEN_SUBMITTED
        response = Response(respondent_id=respondent.id, questionnaire_version_id=version.id,
                            status=ResponseStatus.SUBMITTED if submit else ResponseStatus.DRAFT,
                            submitted_at=now if submit else None)  # fmt: skip
        db.session.add(response)
        db.session.flush()
        answers += [
            {"response_id": response.id, "section": section, "item": item, "question": key,
             "value": stored.value, "raw": stored.raw, "is_valid": stored.is_valid,
             "revision": 1, "updated_at": now, "updated_by": "demo"}
            for (section, item, key), stored in answered(respondent, rng, submit=submit).items()
        ]  # fmt: skip
        if submit:
            open_links.forget(respondent)
    db.session.execute(insert(Answer), answers)
    db.session.commit()
    held = f"{OPEN_SUBMITTED} ingediend, {OPEN_IN_PROGRESS} bezig"
    return questionnaire.title, f"/o/{link.slug}", held


def answered(
    respondent: Respondent, rng: random.Random, *, submit: bool
) -> dict[tuple[str, str, str], Stored]:
    """What ``fill`` would store, worked out in memory (no save per page): every page the
    answers make apply, or the first three for a response still in progress. Many
    responses are then written in one go."""
    state = response_state.load_state(respondent)
    done: set[tuple[str, str]] = set()
    while pending := [p for p in state.pages() if (p.section.id, p.item_key) not in done]:
        page = pending[0]
        _visible, parsed = responses.parse_page(state, page, plausible_answers(state, page, rng))
        for key, new in parsed.items():
            if not new.is_empty:
                state.answers[(page.section.id, page.item_key, key)] = Stored(
                    new.value, new.raw, new.is_valid, 1
                )
        done.add((page.section.id, page.item_key))
        if not submit and len(done) >= 3:
            break
    return {key: stored for key, stored in state.answers.items() if not stored.is_empty}
