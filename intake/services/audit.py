"""The audit log: who (coordinator or admin) did what to which response, and when.

``record`` only adds the event to the session: it is committed together with the
change it describes, so there is never a change without its event or the reverse.
``audit_sentences`` reads it back as sentences.
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import Select, or_, select

from intake.extensions import db
from intake.models import AuditEvent, Questionnaire, Respondent
from intake.services import safe_csv
from intake.services.scope import WITH_TEST

ACTIONS = {
    "save": "antwoorden opgeslagen",
    "submit": "ingediend",
    "reopen": "heropend",
    "link_issued": "nieuwe persoonlijke link",
    "link_revoked": "link ingetrokken",
    "registry_import": "register geïmporteerd",
    "responses_import": "antwoorden geïmporteerd",
    "export": "export",
    "export_identities": "export met identiteiten",
    "invitation": "uitnodigingen verstuurd",
    "reminder": "herinneringen verstuurd",
    "settings": "instellingen gewijzigd",
    "questionnaire_update": "vragenlijstversie bijgewerkt (alleen wat de export weglaat)",
    "respondent_list": "lijst van organisaties gedownload",
    "open_link_created": "open link gemaakt",
    "open_link_changed": "open link gewijzigd",
    "open_link_revoked": "open link ingetrokken",
}


def record(
    action: str,
    actor: str,
    *,
    questionnaire: Questionnaire | None = None,
    respondent: Respondent | None = None,
    **detail: Any,
) -> None:
    """Add an event to the current transaction (the caller commits).

    An author's preview (a test respondent) is logged like any respondent, but the log
    never lists it (``events``) and wiping the preview deletes its events."""
    assert action in ACTIONS, action
    questionnaire_id: int | None = None
    if questionnaire is not None:
        questionnaire_id = questionnaire.id
    elif respondent is not None:
        questionnaire_id = respondent.questionnaire_id
    db.session.add(
        AuditEvent(
            actor=actor[:200],
            action=action,
            questionnaire_id=questionnaire_id,
            respondent_id=respondent.id if respondent is not None else None,
            detail=detail,
        )
    )


def test_respondents() -> Select[int]:
    """The ids of the test respondents of authors' previews (whose events are not listed);
    the query using it must run with ``WITH_TEST``, or the scope hook hides them."""
    return select(Respondent.id).where(Respondent.is_test.is_(True))


def events(
    questionnaire: Questionnaire | None = None, limit: int | None = 500, offset: int = 0
) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.respondent_id.is_(None),
                AuditEvent.respondent_id.not_in(test_respondents()),
            )
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .execution_options(**WITH_TEST)
    )
    if questionnaire is not None:
        query = query.where(AuditEvent.questionnaire_id == questionnaire.id)
    if limit:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return list(db.session.scalars(query))


def as_csv(questionnaire: Questionnaire | None = None) -> str:
    """The whole log as CSV (UTF-8), oldest first, safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = safe_csv.writer(buffer)
    writer.writerow(["tijdstip_utc", "wie", "actie", "vragenlijst", "organisatie", "details"])
    for event in reversed(events(questionnaire, limit=None)):
        writer.writerow([
            event.at, event.actor, event.action, event.questionnaire_id, event.respondent_id,
            "; ".join(f"{k}={v}" for k, v in sorted(event.detail.items())),
        ])  # fmt: skip
    return buffer.getvalue()
