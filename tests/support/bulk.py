"""Many submitted responses of the plan-samenleven questionnaire, fast: for the export
benchmark and for tests that need an export that takes a while."""

from __future__ import annotations

import random

from sqlalchemy import insert, select

from intake.extensions import db
from intake.models import Answer, Questionnaire, Respondent, RespondentItem, Response, utcnow
from intake.services import questionnaires

ACTIONS = [str(n) for n in range(1, 25) if n not in (1, 3, 4, 12)]
# One text in twenty looks like a formula: it must be written as (quote-prefixed) text.
TEXTS = [
    "Dankzij de middelen konden we het aanbod verbreden en nieuwe doelgroepen bereiken.",
    "Zonder cofinanciering hadden we deze actie niet kunnen opstarten.",
    "Het thema staat nu steviger in ons meerjarenplan; de samenwerking werd structureel.",
    "De vraag blijft groot: er ontstonden wachtlijsten.",
    "Collega's uit cultuur, onderwijs en welzijn zoeken elkaar nu actiever op.",
] * 4 + ["=SUM(A1:A3) is geen formule maar tekst"]


def responses(q: Questionnaire, count: int, seed: int = 3) -> None:
    """``count`` respondents of the plan, each with a submitted response on 10 actions,
    written with bulk inserts (answers as the portal stores them), in an app context."""
    rng = random.Random(seed)
    version = questionnaires.live_version(q)
    now = utcnow()
    kinds = ["centrumstad", "stad", "gemeente", "igs"]
    db.session.execute(insert(Respondent), [
        {"questionnaire_id": q.id, "code": f"B{i:05d}", "name": f"Bestuur {i:05d}",
         "kind": kinds[i % 4], "attributes": {"province": "Limburg"}, "created_at": now,
         "updated_at": now}
        for i in range(count)
    ])  # fmt: skip
    ids = db.session.scalars(select(Respondent.id).order_by(Respondent.id)).all()
    chosen = {respondent_id: rng.sample(ACTIONS, 10) for respondent_id in ids}
    db.session.execute(insert(RespondentItem), [
        {"respondent_id": respondent_id, "catalogue": "actions", "code": code}
        for respondent_id, codes in chosen.items() for code in codes
    ])  # fmt: skip
    db.session.execute(insert(Response), [
        {"respondent_id": respondent_id, "questionnaire_version_id": version.id,
         "status": "submitted", "revision": 1, "started_at": now, "updated_at": now,
         "submitted_at": now}
        for respondent_id in ids
    ])  # fmt: skip
    response_of = dict(db.session.execute(select(Response.respondent_id, Response.id)).all())
    cofin = [
        "niet_opgestart",
        "innovatie_actie",
        "innovatie_integratiebeleid",
        "innovatie_gelijkekansenbeleid",
        "innovatie_andere_acties",
        "voortzetting",
    ]
    rows = []
    for respondent_id, codes in chosen.items():
        add = _adder(rows, response_of[respondent_id], now)

        add("organisatie", "naam", f"Bestuur {respondent_id}")
        add("organisatie", "type", kinds[respondent_id % 4])
        add("organisatie", "provincie", "Limburg")
        add("organisatie", "via_igs", "nee")
        add("organisatie", "contact_naam", "Ann Peeters")
        add("organisatie", "contact_email", "ann@voorbeeld.be")
        add("organisatie", "acties", sorted(codes, key=int))
        for code in codes:
            add("actie", "succes", rng.choice([5, 4, 4, 3, 2]), code)
            add("actie", "succes_toelichting", rng.choice(TEXTS), code)
            add("actie", "cofinanciering", rng.sample(cofin, 2), code)
            add("actie", "verankering", rng.choice(TEXTS), code)
        add("zonder_cofinanciering", "acties", ["4", "12"])
        add("partners", "beoordeling", 4)
        add("agii", "tevredenheid", 4)
        add("agii", "zelf_beheren", "ja")
        add("planlast", "stelling", 4)
        add("meerwaarde", "meerwaarde", ["financiele_middelen", "ondersteuning"])
        add("stopzetting", "gevolgen", ["minder_ruimte"])
        add("afsluiting", "opmerkingen", rng.choice(TEXTS))
        if len(rows) >= 50_000:
            db.session.execute(insert(Answer), rows)
            rows = []
    if rows:
        db.session.execute(insert(Answer), rows)
    db.session.commit()


def _adder(rows: list[dict], response_id: int, now: object):  # noqa: ANN202
    def add(section: str, question: str, value: object, item: str = "") -> None:
        rows.append({"response_id": response_id, "section": section, "item": item,
                     "question": question, "value": value, "is_valid": True, "revision": 1,
                     "updated_at": now})  # fmt: skip

    return add
