"""The question-type registries: the engine's and the web side's cover the same types,
and each web type names a template that exists."""

from __future__ import annotations

from pathlib import Path

from intake.forms.types import WEB_TYPES
from intake.questionnaire.types import QUESTION_TYPES

ROOT = Path(__file__).resolve().parents[1]


def test_every_engine_type_has_a_web_side_with_a_template() -> None:
    assert list(WEB_TYPES) == list(QUESTION_TYPES)
    for name, web in WEB_TYPES.items():
        assert (ROOT / "templates" / web.template).is_file(), name
