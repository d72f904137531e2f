"""What every question type's answers are made of: parsed values and Dutch problems.

Each question type (``intake.questionnaire.types``) turns what a respondent typed
into a ``Parsed`` answer with these parts, and the portal and imports go through
those types, so every path accepts and refuses exactly the same values. Nothing
here drops what was typed: a value that does not validate comes back as ``raw``
with a problem, for the caller to store and flag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Mark a message for translation without translating it here (no Flask in the engine)."""
    return message


# Problems every type may report; a type's own problems carry their message with them.
MESSAGES = {
    "required": N_("Beantwoord deze vraag."),
    "invalid_choice": N_("Kies een van de mogelijke antwoorden."),
    "too_long": N_("Gebruik hoogstens %(max)s tekens; je tekst telt er nu %(length)s."),
}

# The longest valid text answer: what one Excel cell holds, so the export never cuts one.
# Longer text is flagged (and kept), whatever max_length says.
MAX_TEXT = 32_767
# Significant digits a number answer may have: what Excel (and SQLite) keep exactly.
DIGITS = 15


@dataclass(frozen=True)
class Problem:
    """Why an answer is not accepted (yet): a code, its values, and the Dutch message."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    template: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.template:
            object.__setattr__(self, "template", MESSAGES[self.code])

    def message(self) -> str:
        """The Dutch message, untranslated (the web layer passes it through gettext)."""
        return self.template % self.params if self.params else self.template


@dataclass(frozen=True)
class Parsed:
    """One stored answer: the typed ``value``, or ``raw`` text with a ``problem``."""

    value: Any = None
    raw: str | None = None
    problem: Problem | None = None

    @property
    def is_empty(self) -> bool:
        return self.value is None and not self.raw

    @property
    def is_valid(self) -> bool:
        return self.problem is None


# What a form posts for one question: the main input, and the other specify-text.
Posted = str | list[str] | Mapping[str, str] | None

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Normalise line endings, drop invisible control characters (NUL and the like,
    which no one types and PostgreSQL cannot store) and trim."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def one(posted: Posted) -> str:
    """The single text of a one-input question (the first, if several were posted)."""
    if posted is None:
        return ""
    if isinstance(posted, list):
        return posted[0] if posted else ""
    if isinstance(posted, Mapping):
        return ""
    return str(posted)


def parse_text(text: str, limit: int | None) -> Parsed:
    """Free text, trimmed; longer than ``limit`` (or MAX_TEXT) is kept as raw and flagged."""
    text = clean_text(text)
    if not text:
        return Parsed()
    limit = min(limit, MAX_TEXT) if limit is not None else MAX_TEXT
    if len(text) > limit:
        return Parsed(raw=text, problem=Problem("too_long", {"max": limit, "length": len(text)}))
    return Parsed(text)


def format_number(value: int | float) -> str:
    """A number as a Flemish reader writes it: decimal comma, no trailing zeros."""
    if isinstance(value, int):
        return str(value)
    text = f"{value:f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")
