"""Pseudonymous codes per kind (CS04, S05, G02, IGS01), fixed once per questionnaire.

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

from sqlalchemy import func, select, update

from intake.extensions import db
from intake.models import Questionnaire, Respondent

PREFIXES = {"centrumstad": "CS", "stad": "S", "gemeente": "G", "igs": "IGS"}
BATCH = 1_000  # codes written per statement


def assign(questionnaire: Questionnaire) -> int:
    """Give every respondent of the questionnaire a code; returns how many were new."""
    rng = random.SystemRandom()
    new = 0
    for kind, prefix in PREFIXES.items():
        pending = list(
            db.session.scalars(
                select(Respondent.id).where(
                    Respondent.questionnaire_id == questionnaire.id,
                    Respondent.kind == kind,
                    Respondent.pseudonym.is_(None),
                )
            )
        )
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
