"""Turn what a respondent typed into stored answer values, with Dutch problems.

Used by the portal (save, next, submit) and by imports, so every path accepts
and refuses exactly the same values. Nothing here drops what was typed: a value
that does not validate comes back as ``raw`` with a problem, for the caller to
store and flag.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email

from intake.questionnaire.loader import OTHER_TEXT, OTHER_VALUE
from intake.questionnaire.model import MAX_TEXT, Question


def N_(message: str) -> str:
    """Mark a message for translation without translating it here (no Flask in the engine)."""
    return message


MESSAGES = {
    "required": N_("Beantwoord deze vraag."),
    "required_rows": N_("Beantwoord elke rij."),
    "invalid_choice": N_("Kies een van de mogelijke antwoorden."),
    "not_a_number": N_("Vul een getal in, bijvoorbeeld 12 of 2,5."),
    "not_an_integer": N_("Vul een geheel getal in, zonder komma."),
    "too_many_digits": N_("Vul een getal in van hoogstens 15 cijfers."),
    "below_min": N_("Vul een getal in van minstens %(min)s."),
    "above_max": N_("Vul een getal in van hoogstens %(max)s."),
    "bad_date": N_("Vul een datum in als dd/mm/jjjj, bijvoorbeeld 23/11/2026."),
    "date_before": N_("Vul een datum in vanaf %(min)s."),
    "date_after": N_("Vul een datum in tot en met %(max)s."),
    "bad_email": N_("Vul een geldig e-mailadres in, zoals naam@gemeente.be."),
    "too_long": N_("Gebruik hoogstens %(max)s tekens; je tekst telt er nu %(length)s."),
    "too_few": N_("Kies minstens %(min)s antwoorden."),
    "too_many": N_("Kies hoogstens %(max)s antwoorden."),
    "other_missing": N_("Vul in wat je bedoelt met '%(label)s'."),
}


@dataclass(frozen=True)
class Problem:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return MESSAGES[self.code]

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


# Significant digits a number answer may have: what Excel (and SQLite) keep exactly.
DIGITS = 15

# What a form posts for one question: the main input, and the other specify-text.
Posted = str | list[str] | Mapping[str, str] | None

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Normalise line endings, drop invisible control characters (NUL and the like,
    which no one types and PostgreSQL cannot store) and trim."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def parse(question: Question, posted: Posted, other_text: str | None = None) -> dict[str, Parsed]:
    """Parse one question's posted input into answers keyed by answer key.

    The main answer's key is the question id; the specify-text of "other" is
    ``<id>.other_text``. Required-ness is not checked here (see ``missing``):
    a draft may be incomplete.
    """
    qtype = question.type
    if qtype == "note":
        return {}
    if qtype in {"single_choice", "scale"}:
        result = {question.id: _choice(question, _one(posted))}
    elif qtype == "multiple_choice":
        result = {question.id: _multiple(question, posted)}
    elif qtype == "matrix":
        result = {question.id: _matrix(question, posted)}
    elif qtype == "number":
        result = {question.id: _number(question, _one(posted))}
    elif qtype == "date":
        result = {question.id: _date(question, _one(posted))}
    elif qtype == "email":
        result = {question.id: _email(_one(posted))}
    else:
        result = {question.id: _text(_one(posted), question.max_length)}
    if question.other is not None:
        result[f"{question.id}.{OTHER_TEXT}"] = _other_text(other_text)
    return result


def missing(question: Question, answers: Mapping[str, Parsed]) -> Problem | None:
    """What is still missing for a question to be complete, else None.

    A required question needs an answer (a required matrix, every row); whoever
    chooses "other" must say what they mean, required or not.
    """
    if question.type == "note":
        return None
    main = answers.get(question.id) or Parsed()
    if question.other is not None and main.is_valid:
        chosen = main.value if isinstance(main.value, list) else [main.value]
        other = answers.get(f"{question.id}.{OTHER_TEXT}") or Parsed()
        if OTHER_VALUE in chosen and other.is_empty:
            return Problem("other_missing", {"label": question.other.get()})
    if not question.required:
        return None
    if main.is_empty:
        return Problem("required")
    if question.type == "matrix" and main.is_valid:
        if any(main.value.get(row.id) is None for row in question.rows):
            return Problem("required_rows")
    return None


def to_form(question: Question, value: Any) -> Posted:
    """A stored value back into what the form shows (the inverse of ``parse``)."""
    if value is None:
        return None
    if question.type == "multiple_choice":
        return [str(v) for v in value]
    if question.type == "matrix":
        return {row: str(v) for row, v in value.items() if v is not None}
    if question.type == "number":
        return format_number(value)
    return str(value)


def format_number(value: int | float) -> str:
    """A number as a Flemish reader writes it: decimal comma, no trailing zeros."""
    if isinstance(value, int):
        return str(value)
    text = f"{value:f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


# --------------------------------------------------------------------------- types


def _one(posted: Posted) -> str:
    if posted is None:
        return ""
    if isinstance(posted, list):
        return posted[0] if posted else ""
    if isinstance(posted, Mapping):
        return ""
    return str(posted)


def _choice_value(question: Question, text: str) -> str | int | None:
    for choice in question.choices:
        if str(choice.value) == text:
            return choice.value
    if question.other is not None and text == OTHER_VALUE:
        return OTHER_VALUE
    return None


def _choice(question: Question, text: str) -> Parsed:
    text = text.strip()
    if not text:
        return Parsed()
    value = _choice_value(question, text)
    if value is None:
        # Choices are clicked, not typed: a value outside the list is not kept.
        return Parsed(problem=Problem("invalid_choice"))
    return Parsed(value)


def _multiple(question: Question, posted: Posted) -> Parsed:
    if posted is None:
        posted = []
    texts = [posted] if isinstance(posted, str) else [str(p) for p in posted]
    selected: set[str | int] = set()
    for text in texts:
        if not text.strip():
            continue
        value = _choice_value(question, text.strip())
        if value is None:
            return Parsed(problem=Problem("invalid_choice"))
        selected.add(value)
    if not selected:
        return Parsed()
    order = [*question.choice_values, OTHER_VALUE]
    value = [v for v in order if v in selected]
    if question.min is not None and len(value) < question.min:
        return Parsed(value, problem=Problem("too_few", {"min": question.min}))
    if question.max is not None and len(value) > question.max:
        return Parsed(value, problem=Problem("too_many", {"max": question.max}))
    return Parsed(value)


def _matrix(question: Question, posted: Posted) -> Parsed:
    rows = posted if isinstance(posted, Mapping) else {}
    value: dict[str, Any] = {}
    for row in question.rows:
        text = str(rows.get(row.id, "") or "").strip()
        if not text:
            continue
        chosen = _choice_value(question, text)
        if chosen is None:
            return Parsed(problem=Problem("invalid_choice"))
        value[row.id] = chosen
    return Parsed(value) if value else Parsed()


def _text(text: str, limit: int | None) -> Parsed:
    text = clean_text(text)
    if not text:
        return Parsed()
    # Longer than MAX_TEXT is flagged (and kept), whatever max_length says.
    limit = min(limit, MAX_TEXT) if limit is not None else MAX_TEXT
    if len(text) > limit:
        return Parsed(raw=text, problem=Problem("too_long", {"max": limit, "length": len(text)}))
    return Parsed(text)


def _number(question: Question, text: str) -> Parsed:
    text = clean_text(text)
    if not text:
        return Parsed()
    if len(text) > 40:
        return Parsed(raw=text, problem=Problem("not_a_number"))
    normal = text.replace(" ", "").replace("\u00a0", "")
    if "," in normal and "." in normal:
        normal = normal.replace(".", "")  # 1.250,5 → 1250,5
    normal = normal.replace(",", ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", normal):
        return Parsed(raw=text, problem=Problem("not_a_number"))
    try:
        number = Decimal(normal)
    except InvalidOperation:
        return Parsed(raw=text, problem=Problem("not_a_number"))
    if abs(number) >= 10**DIGITS or len(number.normalize().as_tuple().digits) > DIGITS:
        return Parsed(raw=text, problem=Problem("too_many_digits"))
    if question.integer and number != number.to_integral_value():
        return Parsed(raw=text, problem=Problem("not_an_integer"))
    if question.min is not None and number < Decimal(str(question.min)):
        return Parsed(raw=text, problem=Problem("below_min", {"min": question.min}))
    if question.max is not None and number > Decimal(str(question.max)):
        return Parsed(raw=text, problem=Problem("above_max", {"max": question.max}))
    value: int | float = int(number) if number == number.to_integral_value() else float(number)
    return Parsed(value)


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def _date(question: Question, text: str) -> Parsed:
    text = clean_text(text)
    if not text:
        return Parsed()
    parsed: dt.date | None = None
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, fmt).date()
            break
        except ValueError:
            continue
    if parsed is None:
        return Parsed(raw=text, problem=Problem("bad_date"))
    iso = parsed.isoformat()
    if question.min is not None and iso < str(question.min):
        return Parsed(raw=text, problem=Problem("date_before", {"min": _nl_date(question.min)}))
    if question.max is not None and iso > str(question.max):
        return Parsed(raw=text, problem=Problem("date_after", {"max": _nl_date(question.max)}))
    return Parsed(iso)


def _nl_date(iso: object) -> str:
    return dt.date.fromisoformat(str(iso)).strftime("%d/%m/%Y")


def _email(text: str) -> Parsed:
    text = clean_text(text)
    if not text:
        return Parsed()
    try:
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return Parsed(raw=text, problem=Problem("bad_email"))
    return Parsed(valid.normalized)


def _other_text(text: str | None) -> Parsed:
    return _text(text or "", 1000)


def describe(question: Question, value: Any, language: str | None = None) -> str:
    """A stored value as a reader sees it: choice labels, 2,5, 23/11/2026."""
    if value is None:
        return ""
    labels = {c.value: c.label.get(language) for c in question.choices}
    if question.other is not None:
        labels[OTHER_VALUE] = question.other.get(language)
    if question.type == "multiple_choice":
        return "; ".join(labels.get(v, str(v)) for v in value)
    if question.type == "matrix":
        rows = {r.id: r.label.get(language) for r in question.rows}
        return "; ".join(f"{rows.get(r, r)}: {labels.get(v, v)}" for r, v in value.items())
    if question.type in {"single_choice", "scale"}:
        return labels.get(value, str(value))
    if question.type == "number":
        return format_number(value)
    if question.type == "date":
        return _nl_date(value)
    return str(value)
