"""Intake: survey intake and questionnaire engine for VVSG.

``create_app`` builds the Flask application (see ``intake.app``). It is imported
lazily so that the questionnaire engine (``intake.questionnaire``) can be used
without Flask being imported at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from config import Config


def create_app(config: Config | dict[str, Any] | None = None) -> Flask:
    """Build the Flask application; see ``intake.app.create_app``."""
    from intake.app import create_app as _create_app

    return _create_app(config)
