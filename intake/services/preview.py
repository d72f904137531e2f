"""An author's preview: walk a questionnaire version as an imaginary respondent.

A preview is a test respondent (``Respondent.is_test``) with a response pinned to the
chosen version, so the portal's own pages, conditions, repeats and saving work as for a
coordinator, on any stored version, open or closed. ``services.scope`` keeps test
respondents out of every figure, export and mailing; ``wipe`` deletes them. A preview
never touches a real respondent: one taken as example is only copied (name, kind,
attributes, linked items), and no personal link is issued or revoked. Its one contact is
the previewing admin, so no mail of a preview can reach a real coordinator.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select

from intake.extensions import db
from intake.models import (
    AuditEvent,
    Contact,
    Questionnaire,
    QuestionnaireVersion,
    Respondent,
    RespondentItem,
    User,
    utcnow,
)
from intake.questionnaire.model import Questionnaire as QuestionnaireModel
from intake.questionnaire.population import read_value
from intake.services.questionnaires import model_of
from intake.services.response_state import RespondentProfile
from intake.services.responses import start_response
from intake.services.scope import WITH_TEST

CODE_PREFIX = "voorbeeld-"


class PreviewError(ValueError):
    """A preview that cannot start; the message says why, in Dutch."""


@dataclass(frozen=True)
class Persona:
    """Who the preview plays: what conditions, repeats and prefill know of a respondent."""

    name: str
    kind: str | None
    attributes: dict[str, Any] = field(default_factory=dict)  # typed, by attribute id
    items: dict[str, list[str]] = field(default_factory=dict)  # catalogue → codes

    @classmethod
    def of(cls, respondent: Respondent) -> Persona:
        """A copy of a real respondent's registry data (nothing of it is changed)."""
        items: dict[str, list[str]] = {}
        for link in respondent.items:
            items.setdefault(link.catalogue, []).append(link.code)
        return cls(respondent.name, respondent.kind, dict(respondent.attributes or {}), items)

    @classmethod
    def typed(
        cls, model: QuestionnaireModel, name: str, kind: str, attributes: dict[str, str],
        items: dict[str, list[str]],
    ) -> Persona:  # fmt: skip
        """A persona from what an admin typed; an attribute value that the registry would
        refuse is refused here too (PreviewError, in Dutch)."""
        values: dict[str, Any] = {}
        for attribute in model.population.attributes:
            value, problem = read_value(attribute, attributes.get(attribute.id, ""))
            if problem is not None and value is None and attributes.get(attribute.id, ""):
                raise PreviewError(f"{attribute.label}: {problem}")
            if value not in (None, []):
                values[attribute.id] = value
        return cls(name, kind, values, items)

    def check(self, model: QuestionnaireModel) -> None:
        """Refuse a kind or item the registry could not hold."""
        if model.population.kind(self.kind) is None:
            raise PreviewError(f"Onbekende soort: {self.kind}")
        for catalogue, codes in self.items.items():
            known = model.catalogues.get(catalogue)
            unknown = [c for c in codes if known is None or known.get(c) is None]
            if unknown:
                raise PreviewError(f"Onbekend item in {catalogue}: {', '.join(unknown)}")


def versions(questionnaire: Questionnaire) -> list[QuestionnaireVersion]:
    """Every stored version, newest first: each can be previewed."""
    return sorted(questionnaire.versions, key=lambda v: v.version, reverse=True)


def version_of(questionnaire: Questionnaire, number: int) -> QuestionnaireVersion | None:
    return next((v for v in questionnaire.versions if v.version == number), None)


def start(version: QuestionnaireVersion, persona: Persona, admin: User) -> Respondent:
    """A new test respondent playing ``persona``, with a response on ``version``."""
    model = model_of(version)
    persona.check(model)
    respondent = Respondent(
        questionnaire_id=version.questionnaire_id,
        code=f"{CODE_PREFIX}{secrets.token_hex(6)}",
        name=persona.name.strip()[:200] or "Voorbeeldbestuur",
        kind=persona.kind,
        attributes=persona.attributes,
        is_test=True,
    )
    respondent.contacts.append(Contact(name=admin.name or admin.email, email=admin.email))
    for catalogue, codes in persona.items.items():
        for code in dict.fromkeys(codes):
            respondent.items.append(RespondentItem(catalogue=catalogue, code=code))
    db.session.add(respondent)
    start_response(respondent, version, model, RespondentProfile.of(respondent), utcnow())
    db.session.commit()
    return respondent


def find(questionnaire: Questionnaire, respondent_id: int) -> Respondent | None:
    """A test respondent of this questionnaire (never a real one), or None."""
    return db.session.scalar(
        select(Respondent)
        .where(
            Respondent.id == respondent_id,
            Respondent.questionnaire_id == questionnaire.id,
            Respondent.is_test.is_(True),
        )
        .execution_options(**WITH_TEST)
    )


def count(questionnaire: Questionnaire) -> int:
    """How many test respondents (previews, with their answers) the questionnaire has."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Respondent)
            .where(Respondent.questionnaire_id == questionnaire.id, Respondent.is_test.is_(True))
            .execution_options(**WITH_TEST)
        )
        or 0
    )


def wipe(questionnaire: Questionnaire | None = None) -> int:
    """Delete test respondents with their responses and answers (of one questionnaire,
    or of all); returns how many. Real respondents are never touched."""
    which: list[ColumnElement[bool]] = [Respondent.is_test.is_(True)]
    if questionnaire is not None:
        which.append(Respondent.questionnaire_id == questionnaire.id)
    # Their events first: the log keeps no trace of a preview once it is wiped.
    tests = select(Respondent.id).where(*which)
    db.session.execute(
        delete(AuditEvent)
        .where(AuditEvent.respondent_id.in_(tests))
        .execution_options(synchronize_session=False, **WITH_TEST)
    )
    statement = delete(Respondent).where(*which)
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
