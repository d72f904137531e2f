"""The audit log as the admin reads it: one Dutch sentence per event, written by one
rendering function per action ("Stad Hoogkerke bewaarde de pagina 'Je bestuur'
(8 antwoorden)"), with names and page titles instead of ids, and nothing that is not
there: no "None", no raw actor or respondent number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, select

from intake.extensions import db
from intake.models import AuditEvent, Invitation, Questionnaire, Respondent
from intake.questionnaire.model import Questionnaire as QuestionnaireModel
from intake.services import questionnaires
from intake.services.audit import ACTIONS, events


@dataclass(frozen=True)
class Line:
    """One event as the admin reads it."""

    at: dt.datetime
    text: str
    respondent_id: int | None
    respondent: str | None  # its name
    questionnaire: str | None  # its title


@dataclass
class _Context:
    """What the sentences name: respondents, sign-ins (invitations) and page titles."""

    respondents: dict[int, str]
    invitations: dict[int, str]  # invitation id -> its respondent's name
    models: dict[int, QuestionnaireModel]
    titles: dict[int, str]

    def who(self, event: AuditEvent) -> str:
        kind, _sep, rest = event.actor.partition(":")
        if kind == "coordinator":
            name = self.invitations.get(int(rest)) if rest.isdigit() else None
            return name or _("Een coördinator")
        if kind == "admin" and rest:
            return rest
        return {
            "cli": _("Een beheerder op de opdrachtregel"),
            "demo": _("De demo"),
            "system": _("Intake"),
        }.get(event.actor, event.actor)

    def by_respondent(self, event: AuditEvent) -> bool:
        """Whether the respondent itself (its coordinator) did it."""
        name = self.respondents.get(event.respondent_id or 0)
        return event.actor.startswith("coordinator:") and self.who(event) == name

    def page(self, event: AuditEvent) -> str | None:
        """The title of the saved page as its coordinator saw it; None if it is gone."""
        section_id, item = event.detail.get("section"), event.detail.get("item")
        model = self.models.get(event.questionnaire_id or 0)
        section = model.section(str(section_id)) if model and section_id else None
        if model is None or section is None:
            return None
        title = section.title
        if item is not None:
            title = title.format_item(str(item), model.item_title(section, str(item)).get())
        return title.get()


def _count(detail: dict[str, Any], key: str) -> int:
    value = detail.get(key)
    return value if isinstance(value, int) else 0


def _save(e: AuditEvent, c: _Context, args: dict[str, Any]) -> str:
    page = c.page(e)
    what = _("de pagina '%(page)s'", page=page) if page else _("een pagina")
    text = _("%(who)s bewaarde %(what)s", what=what, **args)
    if "respondent" in args and not c.by_respondent(e):
        text += " " + _("van %(respondent)s", **args)
    n = _count(e.detail, "answers")
    return f"{text} ({ngettext('%(num)s antwoord', '%(num)s antwoorden', n)})"


def _submit(e: AuditEvent, c: _Context, args: dict[str, Any]) -> str:
    if c.by_respondent(e) or "respondent" not in args:
        return _("%(who)s diende de vragenlijst in", **args)
    return _("%(who)s diende de vragenlijst van %(respondent)s in", **args)


def _about(message: str, without: str) -> Renderer:
    """An admin's action on one respondent; ``without`` when the respondent is gone."""

    def render(e: AuditEvent, c: _Context, args: dict[str, Any]) -> str:
        return _(message if "respondent" in args else without, **args)

    return render


def _imported_registry(e: AuditEvent, c: _Context, args: dict[str, Any]) -> str:
    file, summary = e.detail.get("file"), e.detail.get("summary")
    text = (
        _("%(who)s importeerde het register '%(file)s'", file=file, **args)
        if file
        else _("%(who)s importeerde het register", **args)
    )
    return f"{text}: {summary}" if summary else text


def _imported_responses(e: AuditEvent, c: _Context, args: dict[str, Any]) -> str:
    n = _count(e.detail, "rows")
    return ngettext(
        "%(who)s importeerde %(n)s antwoord uit een werkmap",
        "%(who)s importeerde %(n)s antwoorden uit een werkmap",
        n,
        n=n,
        **args,
    )


def _exported(e: AuditEvent, c: _Context, args: dict[str, Any]) -> str:
    fmt = {"csv": _("CSV-tabellen"), "sav": _("SPSS-bestand")}.get(
        str(e.detail.get("format")), _("Excel-werkmap")
    )
    if e.action == "export_identities":
        text = _("%(who)s downloadde de export met identiteiten (%(format)s)", format=fmt, **args)
    else:
        text = _("%(who)s downloadde de export (%(format)s)", format=fmt, **args)
    if e.detail.get("drafts"):
        text += ", " + _("ook niet-ingediende antwoorden")
    return text


def _mailed(e: AuditEvent, c: _Context, args: dict[str, Any]) -> str:
    figures = {key: _count(e.detail, key) for key in ("sent", "failed", "skipped")}
    if e.action == "reminder":
        text = _("%(who)s verstuurde herinneringen: %(sent)s verstuurd", **figures, **args)
    else:
        text = _("%(who)s verstuurde uitnodigingen: %(sent)s verstuurd", **figures, **args)
    if figures["failed"]:
        text += ", " + _("%(failed)s mislukt", **figures)
    if figures["skipped"]:
        text += ", " + _("%(skipped)s overgeslagen", **figures)
    return text


def _settings(e: AuditEvent, c: _Context, args: dict[str, Any]) -> str:
    if "is_open" in e.detail:
        if e.detail["is_open"]:
            return _("%(who)s opende de vragenlijst voor antwoorden", **args)
        return _("%(who)s sloot de vragenlijst af", **args)
    if "live_version" in e.detail:
        return _("%(who)s koos versie %(v)s voor nieuwe antwoorden",
                 v=e.detail["live_version"], **args)  # fmt: skip
    return _("%(who)s wijzigde de instellingen", **args)


def _updated(e: AuditEvent, c: _Context, args: dict[str, Any]) -> str:
    return _("%(who)s werkte versie %(v)s bij (alleen wat de export weglaat: %(keys)s)",
             v=e.detail.get("version", "?"), keys=e.detail.get("keys", ""), **args)  # fmt: skip


def _listed(e: AuditEvent, c: _Context, args: dict[str, Any]) -> str:
    n = _count(e.detail, "rows")
    return ngettext(
        "%(who)s downloadde de lijst van %(n)s organisatie",
        "%(who)s downloadde de lijst van %(n)s organisaties",
        n,
        n=n,
        **args,
    )


def _open_link(e: AuditEvent, c: _Context, args: dict[str, Any]) -> str:
    slug = e.detail.get("slug", "")
    if e.action == "open_link_created":
        return _("%(who)s maakte de open link /o/%(slug)s", slug=slug, **args)
    if e.action == "open_link_revoked":
        return _("%(who)s trok de open link /o/%(slug)s in", slug=slug, **args)
    return _("%(who)s wijzigde de opening, sluiting of het maximum van de open link /o/%(slug)s",
             slug=slug, **args)  # fmt: skip


Renderer = Callable[[AuditEvent, _Context, dict[str, Any]], str]
RENDERERS: dict[str, Renderer] = {
    "save": _save,
    "submit": _submit,
    "reopen": _about("%(who)s heropende de vragenlijst van %(respondent)s",
                     "%(who)s heropende een vragenlijst"),
    "link_issued": _about("%(who)s maakte een nieuwe persoonlijke link voor %(respondent)s",
                          "%(who)s maakte een nieuwe persoonlijke link"),
    "link_revoked": _about("%(who)s trok de persoonlijke link van %(respondent)s in",
                           "%(who)s trok een persoonlijke link in"),
    "registry_import": _imported_registry,
    "responses_import": _imported_responses,
    "export": _exported,
    "export_identities": _exported,
    "invitation": _mailed,
    "reminder": _mailed,
    "settings": _settings,
    "respondent_list": _listed,
    "questionnaire_update": _updated,
    "open_link_created": _open_link,
    "open_link_changed": _open_link,
    "open_link_revoked": _open_link,
}  # fmt: skip


def describe(event: AuditEvent, context: _Context) -> str:
    """The event as one sentence; an action without its own renderer gets its label."""
    args: dict[str, Any] = {"who": context.who(event)}
    name = context.respondents.get(event.respondent_id or 0)
    if name:
        args["respondent"] = name
    render = RENDERERS.get(event.action)
    if render is None:
        return _("%(who)s: %(what)s", what=ACTIONS.get(event.action, event.action), **args)
    return render(event, context, args)


def _pairs(query: Select[int, str]) -> dict[int, str]:
    return {row[0]: row[1] for row in db.session.execute(query)}


def _context(found: list[AuditEvent]) -> _Context:
    invitation_ids = {
        int(rest)
        for e in found
        for kind, _sep, rest in [e.actor.partition(":")]
        if kind == "coordinator" and rest.isdigit() and len(rest) < 12
    }
    invitations = _pairs(
        select(Invitation.id, Respondent.name)
        .join(Respondent, Respondent.id == Invitation.respondent_id)
        .where(Invitation.id.in_(invitation_ids))
    )
    respondent_ids = {e.respondent_id for e in found if e.respondent_id}
    respondents = _pairs(
        select(Respondent.id, Respondent.name).where(Respondent.id.in_(respondent_ids))
    )
    models: dict[int, QuestionnaireModel] = {}
    titles: dict[int, str] = {}
    for questionnaire_id in {e.questionnaire_id for e in found if e.questionnaire_id}:
        questionnaire = db.session.get(Questionnaire, questionnaire_id)
        if questionnaire is None:
            continue
        titles[questionnaire_id] = questionnaire.title
        version = questionnaires.live_version(questionnaire)
        if version is not None:
            models[questionnaire_id] = questionnaires.model_of(version)
    return _Context(respondents, invitations, models, titles)


PAGE_SIZE = 100  # events on a page of the log


def lines(
    questionnaire: Questionnaire | None = None, limit: int | None = PAGE_SIZE, offset: int = 0
) -> list[Line]:
    """The latest events (past ``offset``), newest first, as sentences."""
    found = events(questionnaire, limit, offset)
    context = _context(found)
    return [
        Line(e.at, describe(e, context), e.respondent_id,
             context.respondents.get(e.respondent_id or 0),
             context.titles.get(e.questionnaire_id or 0))
        for e in found
    ]  # fmt: skip
