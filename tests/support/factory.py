"""Build registry data for tests through the application's own models and services."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from intake.extensions import db
from intake.models import Contact, Organisation, OrganisationItem, Questionnaire
from intake.services import invitations, questionnaires

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "questionnaires" / "plan-samenleven-2025.yaml"
INSPIRATIE = ROOT / "questionnaires" / "inspiratiedag-2022.yaml"


def load_questionnaire(path: Path = PLAN) -> Questionnaire:
    version, _ = questionnaires.store_file(path)
    return version.questionnaire


def organisation(
    questionnaire: Questionnaire,
    code: str,
    *,
    name: str | None = None,
    kind: str = "stad",
    province: str = "Antwerpen",
    items: dict[str, list[str]] | None = None,
    contact: tuple[str, str] = ("Ann Peeters", "ann.peeters@example.be"),
) -> Organisation:
    org = Organisation(
        questionnaire=questionnaire,
        code=code,
        name=name or f"Bestuur {code}",
        kind=kind,
        province=province,
    )
    org.contacts.append(Contact(name=contact[0], email=contact[1]))
    for catalogue, codes in (items or {}).items():
        for item_code in codes:
            org.items.append(OrganisationItem(catalogue=catalogue, code=item_code))
    db.session.add(org)
    db.session.commit()
    return org


def link(org: Organisation) -> str:
    """A fresh personal-link path for the organisation."""
    return f"/t/{invitations.issue_link(org)}"


def by_code(questionnaire: Questionnaire, code: str) -> Organisation:
    return db.session.scalar(
        select(Organisation).where(
            Organisation.questionnaire_id == questionnaire.id, Organisation.code == code
        )
    )
