"""Questionnaire versions in the database: store checked definitions, find the live one;
the settings that live on the questionnaire (open, live version, deadline)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from sqlalchemy import select

from intake.extensions import db
from intake.models import Questionnaire, QuestionnaireVersion
from intake.questionnaire import LoadResult, from_definition, load_file
from intake.questionnaire import Questionnaire as QuestionnaireModel
from intake.questionnaire.loader import EXPORT_ONLY_KEYS, asked_content
from intake.questionnaire.model import MailSettings, Population
from intake.questionnaire.population import DEFAULT as DEFAULT_POPULATION
from intake.services import audit

# "updated": the version was stored with other export-only keys (``identifying``); it
# now has the new ones, in place (what respondents are asked did not change).
Stored = Literal["stored", "updated", "unchanged"]


class VersionConflict(Exception):
    """The same questionnaire id and version is already stored with other content."""


def store(
    result: LoadResult, source: str, actor: str = "system"
) -> tuple[QuestionnaireVersion, Stored]:
    """Store a checked definition as a version; returns (version, what happened).

    Loading the same content again changes nothing. The same id and version with
    different content is refused: responses point at a version, so what it asks may
    never change under them. A new ``version`` number is stored beside the old. Only
    a change to export-only keys (``identifying``: whether an answer may stand next
    to a pseudonymous code) is taken in place: it changes no question and no stored
    answer, only what the next export leaves out, and it is recorded in the audit log.
    """
    model = result.questionnaire
    questionnaire = db.session.scalar(select(Questionnaire).where(Questionnaire.slug == model.id))
    if questionnaire is None:
        questionnaire = Questionnaire(slug=model.id, title=model.title.get())
        db.session.add(questionnaire)
        db.session.flush()
    existing = db.session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id,
            QuestionnaireVersion.version == model.version,
        )
    )
    if existing is not None:
        db.session.rollback()
        if existing.content_hash == result.content_hash:
            return existing, "unchanged"
        if asked_content(existing.definition) == asked_content(result.definition):
            existing.definition = result.definition
            existing.source = source
            existing.content_hash = result.content_hash
            keys = ", ".join(sorted(EXPORT_ONLY_KEYS))
            audit.record("questionnaire_update", actor, questionnaire=existing.questionnaire,
                         version=model.version, keys=keys)  # fmt: skip
            db.session.commit()
            return existing, "updated"
        raise VersionConflict(
            f"{model.id} version {model.version} is already stored with different content; "
            f"give the changed file a higher 'version' (responses keep the version they "
            f"started on)"
        )
    version = QuestionnaireVersion(
        questionnaire=questionnaire,
        version=model.version,
        source=source,
        definition=result.definition,
        content_hash=result.content_hash,
    )
    db.session.add(version)
    if model.version >= max((v.version for v in questionnaire.versions), default=0):
        questionnaire.title = model.title.get()
    db.session.commit()
    return version, "stored"


def store_file(path: str | Path, actor: str = "system") -> tuple[QuestionnaireVersion, Stored]:
    """Check a YAML file and store it (see ``store``); raises DefinitionErrors when invalid."""
    result = load_file(path)
    return store(result, Path(path).read_text(encoding="utf-8"), actor)


def get_by_slug(slug: str) -> Questionnaire | None:
    return db.session.scalar(select(Questionnaire).where(Questionnaire.slug == slug))


def live_version(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    """The version new responses start on: the chosen live one, else the highest."""
    versions = questionnaire.versions
    if questionnaire.live_version is not None:
        chosen = [v for v in versions if v.version == questionnaire.live_version]
        if chosen:
            return chosen[0]
    return max(versions, key=lambda v: v.version, default=None)


def set_open(questionnaire: Questionnaire, is_open: bool, actor: str = "system") -> None:
    """Open or close a questionnaire for responses."""
    questionnaire.is_open = is_open
    audit.record("settings", actor, questionnaire=questionnaire, is_open=is_open)
    db.session.commit()


def set_live(questionnaire: Questionnaire, version: int, actor: str = "system") -> None:
    """Choose the version new responses start on; responses keep the version they have."""
    if version not in {v.version for v in questionnaire.versions}:
        known = ", ".join(str(v.version) for v in questionnaire.versions)
        raise ValueError(f"{questionnaire.slug} has no version {version} (stored: {known})")
    questionnaire.live_version = version
    audit.record("settings", actor, questionnaire=questionnaire, live_version=version)
    db.session.commit()


def model_of(version: QuestionnaireVersion) -> QuestionnaireModel:
    """The engine model of a stored version, built once per content hash.

    Stored definitions never change (see ``store``), so the cache needs no expiry.
    """
    model = _MODELS.get(version.content_hash)
    if model is None:
        model = _MODELS[version.content_hash] = from_definition(version.definition)
    return model


_MODELS: dict[str, QuestionnaireModel] = {}


def population(questionnaire: Questionnaire) -> Population:
    """Who answers: the population the live version declares (the default before a
    version is stored)."""
    version = live_version(questionnaire)
    return model_of(version).population if version is not None else DEFAULT_POPULATION


def deadline(questionnaire: Questionnaire) -> dt.date | None:
    """The date answers are due: the admin's, else the live version's file's, else None.
    Every page and mail that shows a deadline asks here."""
    if questionnaire.deadline is not None:
        return questionnaire.deadline
    return file_deadline(questionnaire)


def file_deadline(questionnaire: Questionnaire) -> dt.date | None:
    """The deadline the live version's file gives (``deadline:``), whatever the admin set."""
    version = live_version(questionnaire)
    return model_of(version).deadline if version is not None else None


def set_deadline(questionnaire: Questionnaire, due: dt.date | None, actor: str = "system") -> None:
    """Set the admin's deadline; None goes back to the file's."""
    questionnaire.deadline = due
    audit.record("settings", actor, questionnaire=questionnaire,
                 deadline=due.isoformat() if due else None)  # fmt: skip
    db.session.commit()


def mail_settings(questionnaire: Questionnaire) -> MailSettings:
    """The live version's mail texts and reminder rules (defaults when it has none)."""
    version = live_version(questionnaire)
    return model_of(version).mail if version is not None else MailSettings()
