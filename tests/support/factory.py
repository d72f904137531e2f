"""Build registry data for tests through the application's own models and services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from intake.extensions import db
from intake.models import Contact, Questionnaire, Respondent, RespondentItem
from intake.services import invitations, questionnaires

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "questionnaires" / "plan-samenleven-2025.yaml"
INSPIRATIE = ROOT / "questionnaires" / "inspiratiedag-2022.yaml"


def load_questionnaire(path: Path = PLAN) -> Questionnaire:
    version, _ = questionnaires.store_file(path)
    return version.questionnaire


def respondent(
    questionnaire: Questionnaire,
    code: str,
    *,
    name: str | None = None,
    kind: str = "stad",
    province: str | None = "Antwerpen",
    attributes: dict[str, Any] | None = None,
    items: dict[str, list[str]] | None = None,
    contact: tuple[str, str] = ("Ann Peeters", "ann.peeters@example.be"),
) -> Respondent:
    respondent = Respondent(
        questionnaire=questionnaire,
        code=code,
        name=name or f"Bestuur {code}",
        kind=kind,
        # The default population's province, unless ``attributes`` says everything.
        attributes=attributes if attributes is not None else {"province": province},
    )
    respondent.contacts.append(Contact(name=contact[0], email=contact[1]))
    for catalogue, codes in (items or {}).items():
        for item_code in codes:
            respondent.items.append(RespondentItem(catalogue=catalogue, code=item_code))
    db.session.add(respondent)
    db.session.commit()
    return respondent


def link(respondent: Respondent) -> str:
    """A fresh personal-link path for the respondent."""
    return f"/t/{invitations.issue_link(respondent)}"


def by_code(questionnaire: Questionnaire, code: str) -> Respondent:
    return db.session.scalar(
        select(Respondent).where(
            Respondent.questionnaire_id == questionnaire.id, Respondent.code == code
        )
    )
