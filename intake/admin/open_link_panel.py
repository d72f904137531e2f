"""What the questionnaire page shows of its public link and of the answers through it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, url_for

from intake.models import Questionnaire
from intake.services import open_links, questionnaires, tracking


def context(questionnaire: Questionnaire) -> dict[str, Any]:
    """What the questionnaire page shows of its public link and its response."""
    population = questionnaires.population(questionnaire)
    link = open_links.current(questionnaire) if population.open_link else None
    return {
        "population": population,
        "open_link": link,
        "open_link_url": (
            url_for("portal.open_start", slug=link.slug, _external=True) if link else None
        ),
        "open_link_refusal": open_links.refusal(link) if link else None,
        "open_rate": tracking.open_link_rate(questionnaire) if population.open_link else None,
        "local_input": _local_input,
    }


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _local_input(moment: dt.datetime | None) -> str:
    """A stored moment as a ``datetime-local`` field shows it (Belgian time)."""
    return moment.astimezone(zone()).strftime("%Y-%m-%dT%H:%M") if moment else ""
