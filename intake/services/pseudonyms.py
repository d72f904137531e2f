"""Pseudonymous codes per kind (CS04, S05, G02, IGS01), fixed once per questionnaire.

Each kind's code comes from the questionnaire's population (``Population.kinds``); an
open-link answer without a kind gets ``R``.

Numbers are drawn in a random order, so a code reveals nothing about which
respondent it is (not its name, code, province or registry order). A
respondent keeps its code for good; respondents added later get the next
free numbers of their kind, again in random order.

The work is done in SQL: only the ids of respondents without a code are read,
and codes are written in batches, so assigning costs the same memory for 100
respondents or 100,000.
"""

from __future__ import annotations

import random
import re

from sqlalchemy import func, or_, select, update

from intake.extensions import db
from intake.models import Questionnaire, Respondent
from intake.questionnaire.model import ANONYMOUS_CODE
from intake.services.questionnaires import population as population_of

BATCH = 1_000  # codes written per statement


def assign(questionnaire: Questionnaire) -> int:
    """Give every respondent of the questionnaire a code; returns how many were new."""
    rng = random.SystemRandom()
    new = 0
    population = population_of(questionnaire)
    prefixes: dict[str | None, str] = {k.value: k.code for k in population.kinds}
    for kind, prefix in [*prefixes.items(), (None, ANONYMOUS_CODE)]:
        unassigned = select(Respondent.id).where(
            Respondent.questionnaire_id == questionnaire.id, Respondent.pseudonym.is_(None)
        )
        if kind is None:  # no kind, or one the population no longer declares
            unassigned = unassigned.where(
                or_(Respondent.kind.is_(None), Respondent.kind.not_in(list(prefixes)))
            )
        else:
            unassigned = unassigned.where(Respondent.kind == kind)
        pending = list(db.session.scalars(unassigned))
        if not pending:
            continue
        rng.shuffle(pending)
        start = _highest(questionnaire.id, prefix)
        for offset in range(0, len(pending), BATCH):
            db.session.execute(
                update(Respondent),
                [
                    {"id": respondent_id, "pseudonym": f"{prefix}{start + number:02d}"}
                    for number, respondent_id in enumerate(
                        pending[offset : offset + BATCH], start=offset + 1
                    )
                ],
            )
        new += len(pending)
    if new:
        db.session.commit()
    return new


def _highest(questionnaire_id: int, prefix: str) -> int:
    """The highest number used with ``prefix`` in this questionnaire (0 if none). Codes
    are compared by length, then text: 'CS100' is higher than 'CS99'. A respondent whose
    kind changed keeps its code, so codes are found by prefix, not by kind."""
    pattern = re.compile(rf"{prefix}(\d+)")
    candidates = db.session.scalars(
        select(Respondent.pseudonym)
        .where(
            Respondent.questionnaire_id == questionnaire_id,
            Respondent.pseudonym.like(f"{prefix}%"),
        )
        .order_by(func.length(Respondent.pseudonym).desc(), Respondent.pseudonym.desc())
        .limit(50)
    )
    for code in candidates:
        match = pattern.fullmatch(code or "")
        if match:
            return int(match.group(1))
    return 0
