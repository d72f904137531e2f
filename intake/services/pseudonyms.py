"""Pseudonymous codes per kind (CS04, S05, G02, IGS01), fixed once per questionnaire.

Numbers are drawn in a random order, so a code reveals nothing about which
respondent it is (not its name, code, province or registry order). An
respondent keeps its code for good; respondents added later get the next
free numbers of their kind, again in random order.
"""

from __future__ import annotations

import random
import re

from sqlalchemy import select

from intake.extensions import db
from intake.models import Questionnaire, Respondent

PREFIXES = {"centrumstad": "CS", "stad": "S", "gemeente": "G", "igs": "IGS"}


def assign(questionnaire: Questionnaire) -> int:
    """Give every respondent of the questionnaire a code; returns how many were new."""
    respondents = db.session.scalars(
        select(Respondent).where(Respondent.questionnaire_id == questionnaire.id)
    ).all()
    rng = random.SystemRandom()
    new = 0
    for kind, prefix in PREFIXES.items():
        of_kind = [o for o in respondents if o.kind == kind]
        used = [o.pseudonym for o in respondents if o.pseudonym]
        numbers = [
            int(m.group(1)) for code in used if (m := re.fullmatch(rf"{prefix}(\d+)", code or ""))
        ]
        pending = [o for o in of_kind if not o.pseudonym]
        rng.shuffle(pending)
        start = max(numbers, default=0)
        for offset, respondent in enumerate(pending, start=1):
            respondent.pseudonym = f"{prefix}{start + offset:02d}"
            new += 1
    if new:
        db.session.commit()
    return new
