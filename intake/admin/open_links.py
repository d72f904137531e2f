"""Admin views of a questionnaire's public link: make it, set its opening and closing
times and its cap, revoke it (``services.open_links``). The questionnaire page shows it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from intake.admin.open_link_panel import zone
from intake.admin.routes import _actor, _questionnaire, bp
from intake.auth.access import admin_required
from intake.services import open_links


def _moment(name: str) -> dt.datetime | None:
    """A ``datetime-local`` field (Belgian time) as a moment; empty: None."""
    text = request.form.get(name, "").strip()
    if not text:
        return None
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone()).astimezone(dt.UTC)


def _settings() -> dict[str, Any]:
    """The form's opening, closing and cap; ``ValueError`` (Dutch) when unreadable."""
    try:
        opens_at, closes_at = _moment("opens_at"), _moment("closes_at")
    except ValueError:
        raise ValueError(_("Opening en sluiting moeten een datum en uur zijn.")) from None
    cap = request.form.get("max_responses", "").strip()
    if cap and not cap.isdigit():
        raise ValueError(_("Het maximum aantal antwoorden moet een geheel getal zijn."))
    return {"opens_at": opens_at, "closes_at": closes_at,
            "max_responses": int(cap) if cap else None}  # fmt: skip


def _back(slug: str) -> ResponseReturnValue:
    return redirect(url_for("admin.questionnaire", slug=slug) + "#open-link")


@bp.route("/vragenlijsten/<slug>/open-link", methods=["POST"])
@admin_required
def create_open_link(slug: str) -> ResponseReturnValue:
    """Make the questionnaire's public link (with the form's times and cap)."""
    questionnaire = _questionnaire(slug)
    try:
        open_links.create(questionnaire, _actor(), **_settings())
    except ValueError as exc:
        flash(str(exc), "error")
        return _back(slug)
    flash(_("De open link is gemaakt. Deel hem met wie de vragenlijst mag invullen."), "success")
    return _back(slug)


@bp.route("/vragenlijsten/<slug>/open-link/instellingen", methods=["POST"])
@admin_required
def update_open_link(slug: str) -> ResponseReturnValue:
    questionnaire = _questionnaire(slug)
    link = open_links.current(questionnaire)
    if link is None:
        flash(_("Er is geen open link meer: maak eerst een nieuwe."), "error")
        return _back(slug)
    try:
        open_links.update(link, _actor(), **_settings())
    except ValueError as exc:
        flash(str(exc), "error")
        return _back(slug)
    flash(_("De instellingen van de open link zijn bewaard."), "success")
    return _back(slug)


@bp.route("/vragenlijsten/<slug>/open-link/intrekken", methods=["POST"])
@admin_required
def revoke_open_link(slug: str) -> ResponseReturnValue:
    """Revoke the link for good; a new one gets another address."""
    questionnaire = _questionnaire(slug)
    link = open_links.current(questionnaire)
    if link is not None:
        open_links.revoke(link, _actor())
        flash(_("De open link is ingetrokken: niemand kan er nog mee invullen."), "success")
    return _back(slug)
