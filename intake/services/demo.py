"""Demo data: the questionnaires, 59 fictional respondents of Plan Samenleven and a
spread of responses; the inspiration day's anonymous answers through its public link;
AgII's training survey with 3,557 fictional participants.

Names, codes and people are invented. Answers are generated from the
questionnaire model itself (``plausible_answers``), so they always validate. Plan
Samenleven's go through the same ``save_page``/``submit`` services as a coordinator's;
AgII's 871 are parsed the same way but written in bulk (``load_agii``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select

from intake.extensions import db
from intake.models import (
    Answer,
    Contact,
    Invitation,
    MailLog,
    OpenLink,
    Questionnaire,
    Respondent,
    RespondentItem,
    Response,
    utcnow,
)
from intake.paths import QUESTIONNAIRES_DIR
from intake.questionnaire.model import Questionnaire as QuestionnaireModel
from intake.questionnaire.types import type_of
from intake.questionnaire.types.base import Samples
from intake.questionnaire.vocabulary import PROVINCES
from intake.security import hash_token, new_token
from intake.services import invitations, open_links, questionnaires, response_state, responses
from intake.services.response_state import Page, RespondentProfile, ResponseState, Stored
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
    state: ResponseState,
    page: Page,
    rng: random.Random,
    *,
    complete: bool = True,
    samples: Samples | None = None,
) -> PostedPage:
    """Valid answers for every question of a page, generated from the model: each
    question type draws its own (``QuestionType.sample_answer``), from ``samples`` (by
    default Plan Samenleven's job titles and sentences)."""
    samples = samples or Samples(
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


# --------------------------------------------------------------------------- AgII

AGII_FILE = "agii-vormingen.yaml"
AGII_PARTICIPANTS = 3557  # seed 004: "3.557 vormingsdeelnemers ontvingen een e-mail"
AGII_SUBMITTED = 871  # "871 respondenten namen deel aan de bevraging"
# Trainings per region and year (seed 004, table 2; 2021: the first half, as 2020).
AGII_REGIONS = {
    2019: {"antwerpen": 60, "brussel": 44, "limburg": 122, "oost-vlaanderen": 57,
           "vlaams-brabant": 28, "west-vlaanderen": 89, "regio-overschrijdend": 13},
    2020: {"antwerpen": 46, "brussel": 21, "limburg": 45, "oost-vlaanderen": 28,
           "vlaams-brabant": 36, "west-vlaanderen": 61, "regio-overschrijdend": 39},
    2021: {"antwerpen": 25, "brussel": 12, "limburg": 24, "oost-vlaanderen": 15,
           "vlaams-brabant": 18, "west-vlaanderen": 30, "regio-overschrijdend": 20},
}  # fmt: skip
# How many took each training of the catalogue, relatively: language trainings drew the most.
AGII_TRAININGS = [9, 8, 6, 5, 4, 5, 3, 7, 3, 4, 5, 3, 4, 3, 4, 3, 5, 2]
AGII_YEARS = {2019: 1700, 2020: 1150, 2021: 707}  # participants per year: 3,557 in all
# AgII organises; in some regions with the city's agency, elsewhere with an external partner.
AGII_PARTNERS = {"antwerpen": "agii_atlas", "brussel": "agii_huis_nl",
                 "oost-vlaanderen": "agii_ingent"}  # fmt: skip
# How readily each kind of participant answers (the mean is what the seed reports).
AGII_EAGERNESS = {"lokaal_bestuur": 1.2, "organisatie": 0.8}
AGII_YEAR_EAGERNESS = {2019: 0.8, 2020: 1.2, 2021: 1.1}
AGII_ORGANISATIONS = ["CAW", "vzw Buurtwerk", "Huis van het Kind", "Basisschool",
                      "Welzijnsschakel", "Jeugdhuis", "Taalpunt"]  # fmt: skip
AGII_TEXTS = {
    "toepassing_hoe": [
        "Ik schrijf onze brieven in duidelijker Nederlands; er komen minder vragen aan het loket.",
        "We gebruiken de taaliconen in het onthaal.",
        "Ik schakel sneller een tolk in, ook telefonisch.",
        "We organiseren nu elke maand een praatcafé als oefenkans Nederlands.",
        "In gesprekken vraag ik meer door en controleer ik of de boodschap begrepen is.",
    ],
    "toepassing_drempel": [
        "Er is te weinig tijd om het in ons team op te nemen.",
        "Mijn leidinggevende ziet het nut er nog niet van in.",
        "Het materiaal past niet goed bij onze doelgroep.",
    ],
    "opmerkingen": [
        "Heel praktisch, met veel voorbeelden uit de praktijk.",
        "De lesgever kende het terrein goed en ging in op onze vragen.",
        "Wat kort voor zoveel inhoud; een tweede sessie zou helpen.",
        "Online werkte goed, maar ik miste de uitwisseling in de pauze.",
        "Graag meer oefeningen en minder theorie.",
    ],
    "themas": [
        "Omgaan met polarisatie in de buurt.",
        "Werken met vrijwilligers als taalbuddy.",
        "Beeldvorming in onze communicatie.",
        "Meertaligheid in de kinderopvang.",
    ],
}
# The seed's figure: 94% satisfied to very satisfied overall.
AGII_OVERALL = {"5": 45, "4": 50, "3": 3.5, "2": 1, "1": 0.5}


@dataclass
class AgiiResult:
    participants: int
    invited: int
    submitted: int


def _weighted(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    return rng.choices(list(weights), list(weights.values()))[0]


def _agii_registry(
    questionnaire_id: int, model: QuestionnaireModel, rng: random.Random
) -> list[dict[str, Any]]:
    """The fictional participants as rows for a bulk insert, with their contact and
    trainings under private keys."""
    codes = [item.code for item in model.catalogues["vormingen"].items]
    places = [p + s for p in PREFIXES for s in SUFFIXES]
    now = utcnow()
    rows = []
    number = 0
    for year, count in AGII_YEARS.items():
        for _ in range(count):
            number += 1
            region = _weighted(rng, AGII_REGIONS[year])
            organisers = {"agii": 80, "agii_extern": 8}
            if region in AGII_PARTNERS:
                organisers[AGII_PARTNERS[region]] = 15
            organiser = _weighted(rng, organisers)
            kind = "lokaal_bestuur" if rng.random() < 0.62 else "organisatie"
            place = rng.choice(places)
            employer = (
                f"{rng.choice(['Gemeente', 'Stad', 'OCMW'])} {place}"
                if kind == "lokaal_bestuur"
                else f"{rng.choice(AGII_ORGANISATIONS)} {place}"
            )
            wanted = rng.choices([1, 2, 3], [70, 22, 8])[0]
            trainings: set[str] = set()
            while len(trainings) < wanted:
                trainings.add(rng.choices(codes, AGII_TRAININGS)[0])
            webinar = year >= 2020 and rng.random() < 0.1
            cost = 0 if webinar else sum(rng.choice([25, 25, 50]) for _ in trainings)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}.{number}@{place}.voorbeeld.be".lower().replace(" ", "")
            rows.append({
                "questionnaire_id": questionnaire_id, "code": f"AGII-{number:05d}",
                "name": f"{first} {last}", "kind": kind, "created_at": now, "updated_at": now,
                "attributes": {"organisatie": employer, "regio": region, "jaar": year,
                               "organisator": organiser, "kostprijs": cost},
                "_contact": (f"{first} {last}", email),
                "_trainings": sorted(trainings, key=codes.index),
            })  # fmt: skip
    return rows


def _agii_answers(
    model: QuestionnaireModel, row: dict[str, Any], rng: random.Random
) -> tuple[dict[tuple[str, str, str], Stored], int]:
    """A complete response generated from the model, as the portal would store it: each
    page is answered (``plausible_answers``) and parsed (``parse_page``) in order, on a
    read model held in memory, and must end without a problem (as ``submit`` demands).
    Returns the answers and the response's revision (one per page saved)."""
    contact_name, email = row["_contact"]
    profile = RespondentProfile(row["name"], row["kind"], row["attributes"], contact_name,
                                email, {"vormingen": row["_trainings"]})  # fmt: skip
    state = ResponseState(model, None, profile, None)
    state.answers = {
        key: Stored(p.value, p.raw, p.is_valid, 0)
        for key, p in response_state.prefilled(model, profile).items()
    }
    samples = Samples(rng, paragraphs=AGII_TEXTS["opmerkingen"], email=email,
                      other_text="Via een lokaal netwerk")  # fmt: skip
    done: list[tuple[str, str]] = []  # saved in this order: the n-th save is revision n
    while pending := [p for p in state.pages() if (p.section.id, p.item_key) not in done]:
        page = pending[0]
        posted = dict(plausible_answers(state, page, rng, complete=False, samples=samples))
        for question_id in posted.keys() & AGII_TEXTS.keys():
            posted[question_id] = rng.choice(AGII_TEXTS[question_id]), None
        if page.section.id == "algemeen":
            posted["tevredenheid"] = _weighted(rng, AGII_OVERALL), None
        _visible, parsed = responses.parse_page(state, page, posted)
        for key, answer in parsed.items():
            if not answer.is_empty:
                state.answers[(page.section.id, page.item_key, key)] = Stored(
                    answer.value, answer.raw, answer.is_valid, len(done) + 1
                )
        done.append((page.section.id, page.item_key))
    problems = [(p.title(), pr) for p in state.pages() if (pr := state.problems(p))]
    assert not problems, problems
    return state.answers, len(done)


def load_agii(seed: int = 2019) -> AgiiResult:
    """Load the AgII training survey (seed 004) with 3,557 fictional participants, all
    mailed an invitation, of whom 871 submitted: written in bulk, so the demo stays quick
    (no audit events: nobody acted). Safe to run again (it resets the questionnaire's
    respondents)."""
    rng = random.Random(seed)
    version = questionnaires.store_file(QUESTIONNAIRES_DIR / AGII_FILE)[0]
    questionnaire = version.questionnaire
    live = questionnaires.live_version(questionnaire)
    assert live is not None
    model = questionnaires.model_of(live)
    db.session.execute(delete(Respondent).where(Respondent.questionnaire_id == questionnaire.id))
    db.session.commit()

    rows = _agii_registry(questionnaire.id, model, rng)
    assert len(rows) == AGII_PARTICIPANTS
    db.session.execute(insert(Respondent), [
        {k: v for k, v in row.items() if not k.startswith("_")} for row in rows
    ])  # fmt: skip
    ids = dict(
        db.session.execute(
            select(Respondent.code, Respondent.id).where(
                Respondent.questionnaire_id == questionnaire.id
            )
        ).all()
    )
    for row in rows:
        row["id"] = ids[row["code"]]
    db.session.execute(insert(Contact), [
        {"respondent_id": r["id"], "position": 0, "name": r["_contact"][0],
         "email": r["_contact"][1]} for r in rows
    ])  # fmt: skip
    db.session.execute(insert(RespondentItem), [
        {"respondent_id": r["id"], "catalogue": "vormingen", "code": code}
        for r in rows for code in r["_trainings"]
    ])  # fmt: skip

    # Everyone was mailed a personal link three weeks ago (its token is not kept).
    mailed = utcnow() - dt.timedelta(days=21)
    subject = "Jouw mening over de vorming van het AgII"
    db.session.execute(insert(MailLog), [
        {"respondent_id": r["id"], "kind": MailKind.INVITATION, "recipient": r["_contact"][1],
         "subject": subject, "sent_at": mailed, "ok": True} for r in rows
    ])  # fmt: skip

    # Who answered: drawn with weights by kind and year (Efraimidis–Spirakis), so the
    # rate differs a little per kind, region, year and organiser, as in real data.
    def key(row: dict[str, Any]) -> float:
        weight = AGII_EAGERNESS[row["kind"]] * AGII_YEAR_EAGERNESS[row["attributes"]["jaar"]]
        return float(rng.random() ** (1 / weight))

    ranked = sorted(rows, key=key, reverse=True)
    answered, silent = ranked[:AGII_SUBMITTED], ranked[AGII_SUBMITTED:]
    opened_only = {id(r) for r in rng.sample(silent, len(silent) // 10)}
    submitted_at = {id(r): mailed + dt.timedelta(hours=rng.randint(1, 20 * 24)) for r in answered}
    db.session.execute(insert(Invitation), [
        {"respondent_id": r["id"], "token_hash": hash_token(new_token()), "created_at": mailed,
         "sent_at": mailed, **({"first_opened_at": submitted_at.get(id(r), mailed),
                                "last_opened_at": submitted_at.get(id(r), mailed)}
                               if id(r) in submitted_at or id(r) in opened_only else {})}
        for r in rows
    ])  # fmt: skip

    generated = [_agii_answers(model, r, rng) for r in answered]
    db.session.execute(insert(Response), [
        {"respondent_id": r["id"], "questionnaire_version_id": live.id,
         "status": ResponseStatus.SUBMITTED, "revision": revision,
         "started_at": submitted_at[id(r)], "updated_at": submitted_at[id(r)],
         "submitted_at": submitted_at[id(r)]}
        for r, (_answers, revision) in zip(answered, generated, strict=True)
    ])  # fmt: skip
    response_of = dict(
        db.session.execute(
            select(Response.respondent_id, Response.id)
            .join(Respondent, Respondent.id == Response.respondent_id)
            .where(Respondent.questionnaire_id == questionnaire.id)
        ).all()
    )
    answers = []
    for r, (generated_answers, _revision) in zip(answered, generated, strict=True):
        when = submitted_at[id(r)]
        for (section, item, question), stored in generated_answers.items():
            answers.append({
                "response_id": response_of[r["id"]], "section": section, "item": item,
                "question": question, "value": stored.value, "raw": stored.raw,
                "is_valid": stored.is_valid, "revision": stored.revision or 1,
                "updated_at": when, "updated_by": "prefill" if stored.revision == 0 else "demo",
            })  # fmt: skip
    db.session.execute(insert(Answer), answers)
    db.session.commit()
    return AgiiResult(len(rows), len(rows), len(answered))
