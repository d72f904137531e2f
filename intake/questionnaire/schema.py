"""Table-driven keys: what each kind of mapping in a questionnaire file may hold.

A ``Key`` names a key, the ``Check`` its value must pass, whether it must be
given and what it means. ``read`` checks one mapping against a table of keys —
is it a mapping, unknown keys, missing keys, each value — reporting every
problem with its line and code (never only the first) and returning what passed.
The same tables give the JSON Schema that editors use (``Check.schema``,
assembled by ``intake.questionnaire.structure.json_schema``), so the checker and
the schema cannot drift apart. Question types declare their own keys with these
checks (``QuestionType.keys``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from intake.questionnaire import conditions
from intake.questionnaire.dates import is_iso_date
from intake.questionnaire.errors import Report
from intake.questionnaire.model import Choice, Text
from intake.questionnaire.source import line_of
from intake.questionnaire.vocabulary import ITEMS_PREFILL, PREFILL_SOURCES

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
LANGUAGE = re.compile(r"^[a-z]{2}$")

JsonSchema = dict[str, Any]


class _Invalid:
    """What a check returns for a value it refused (after reporting why)."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()


@dataclass
class Context:
    """Where problems go, and what checks need to know about the file so far."""

    report: Report
    languages: tuple[str, ...] = ("nl",)

    def error(self, code: str, line: int | None, message: str) -> None:
        self.report.error(code, line, message)

    def warn(self, code: str, line: int | None, message: str) -> None:
        self.report.warn(code, line, message)


class Where:
    """The key a value is found under: for messages ("section 's': 'title' ...") and lines
    (looked up only when a message needs one)."""

    __slots__ = ("what", "key", "data", "required")

    def __init__(self, what: str, key: str, data: Mapping[str, Any], required: bool) -> None:
        self.what = what
        self.key = key
        self.data = data
        self.required = required

    @property
    def line(self) -> int | None:
        return line_of(self.data, self.key)

    def says(self, text: str) -> str:
        return f"{self.what}: '{self.key}' {text}"


class Check:
    """How one key's value is checked and converted, and its JSON Schema."""

    # A value of None (``key:`` with nothing after it) counts as not given.
    none_is_missing: ClassVar[bool] = False

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        """The checked value, or INVALID after reporting why (``at.data`` is the whole
        mapping, for a check that depends on another key)."""
        raise NotImplementedError

    def schema(self) -> JsonSchema:
        raise NotImplementedError


@dataclass(frozen=True)
class Key:
    """One key of a mapping: its check, whether it must be given, and what it means.

    ``store``: the checked value goes to the model attribute of the same name
    (false for keys resolved or used otherwise, such as ``choices``).
    """

    name: str
    check: Check
    doc: str
    required: bool = False
    missing: str | None = None  # the message when a required key is missing
    store: bool = True


class Checked:
    """One mapping of the file after ``read``: the values that passed, and where they are."""

    __slots__ = ("what", "data", "values")

    def __init__(self, what: str, data: Mapping[str, Any], values: dict[str, Any]) -> None:
        self.what = what
        self.data = data
        self.values = values

    def line(self, key: str | None = None) -> int | None:
        return line_of(self.data, key) if key is not None else line_of(self.data)


def kind_of(value: Any) -> str:
    """A value as a message names it."""
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float | Decimal):
        return f"the number {value}"
    return type(value).__name__


def mapping(ctx: Context, value: Any, line: int | None, what: str) -> Mapping[str, Any] | None:
    if not isinstance(value, dict):
        ctx.error(
            "E-STRUCTURE", line, f"{what} must be a mapping of keys to values, not {kind_of(value)}"
        )
        return None
    return value


class Keys:
    """The table of keys of one kind of mapping, indexed for reading."""

    __slots__ = ("keys", "by_name", "required", "known")

    def __init__(self, *keys: Key) -> None:
        self.keys = keys
        self.by_name = {key.name: key for key in keys}
        self.required = tuple(key for key in keys if key.required)
        self.known = ", ".join(sorted(self.by_name))

    def __iter__(self) -> Iterator[Key]:
        return iter(self.keys)


def read_key(ctx: Context, data: Mapping[str, Any], key: Key, what: str) -> Any:
    """One key's checked value; INVALID when it is refused, or not given (a problem
    only when the key is required)."""
    name = key.name
    given = data.get(name)
    if given is None and (name not in data or key.check.none_is_missing):
        if key.required:
            _missing(ctx, data, key, what)
        return INVALID
    return key.check.read(ctx, given, Where(what, name, data, key.required))


def _missing(ctx: Context, data: Mapping[str, Any], key: Key, what: str) -> None:
    message = f"{what}: {key.missing}" if key.missing else f"{what}: '{key.name}' is missing"
    ctx.error("E-MISSING-KEY", line_of(data), message)


def read(
    ctx: Context,
    value: Any,
    keys: Keys,
    what: str,
    *,
    line: int | None = None,
    hint: str = "",
    named: str | None = None,
    done: Mapping[str, Any] | None = None,
) -> Checked | None:
    """Check a mapping against its keys; None when it is not a mapping at all.

    With ``named`` (a template such as ``"section '{}'"``), the first key of the
    table names the mapping in the messages about the other keys: ``section 1``
    becomes ``section 'slot'``. Keys in ``done`` were read already
    and are only taken as allowed.
    """
    if not isinstance(value, dict):
        mapping(ctx, value, line if line is not None else line_of(value), what)
        return None
    data: dict[str, Any] = value
    values: dict[str, Any] = {}
    skip: Mapping[str, Any] = done or {}
    first = ""  # read before the others, when it names the mapping
    if named is not None:
        first = keys.keys[0].name
        result = read_key(ctx, data, keys.keys[0], what)
        if result is not INVALID:
            values[first] = result
            what = named.format(result)
    by_name = keys.by_name
    for name, given in data.items():
        if name == first or name in skip:
            continue
        found = by_name.get(name)
        if found is None:
            ctx.error(
                "E-UNKNOWN-KEY",
                line_of(data, name),
                f"{what}: unknown key '{name}'{hint} (allowed here: {keys.known})",
            )
            continue
        if given is None and found.check.none_is_missing:
            if found.required:
                _missing(ctx, data, found, what)
            continue
        result = found.check.read(ctx, given, Where(what, name, data, found.required))
        if result is not INVALID:
            values[name] = result
    for key in keys.required:
        if key.name not in data and key.name not in skip and key.name != first:
            _missing(ctx, data, key, what)
    if done:
        values.update((name, given) for name, given in done.items() if given is not INVALID)
    return Checked(what, data, values)


def object_schema(keys: Keys, **extra: Any) -> JsonSchema:
    """A JSON Schema object for a mapping with these keys (no others)."""
    schema: JsonSchema = {
        "type": "object",
        "properties": {key.name: {**key.check.schema(), "description": key.doc} for key in keys},
        "additionalProperties": False,
    }
    required = [key.name for key in keys if key.required]
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


# --------------------------------------------------------------------------- checks


class TextCheck(Check):
    """A user-facing text: a string in the default language, or a mapping of language
    to text that holds the default language."""

    none_is_missing = True

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        default = ctx.languages[0]
        if isinstance(value, str):
            if not value.strip() and at.required:
                ctx.error("E-VALUE", at.line, at.says("is empty"))
            return Text({default: value}, default)
        if isinstance(value, dict):
            texts: dict[str, str] = {}
            for lang, translated in value.items():
                if lang not in ctx.languages:
                    ctx.error(
                        "E-LANGUAGE",
                        line_of(value, lang),
                        at.says(
                            f"has text in '{lang}', which is not among the questionnaire's "
                            f"languages ({', '.join(ctx.languages)})"
                        ),
                    )
                elif not isinstance(translated, str):
                    ctx.error(
                        "E-VALUE",
                        line_of(value, lang),
                        f"{at.what}: '{at.key}.{lang}' must be text",
                    )
                else:
                    texts[lang] = translated
            if default not in texts or not texts[default].strip():
                ctx.error(
                    "E-LANGUAGE",
                    at.line,
                    at.says(f"has no text in the default language '{default}'"),
                )
                return INVALID
            return Text(texts, default)
        ctx.error("E-VALUE", at.line, at.says("must be text or a mapping of language to text"))
        return INVALID

    def schema(self) -> JsonSchema:
        return dict(TEXT_SCHEMA)


TEXT_SCHEMA: JsonSchema = {
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "propertyNames": {"pattern": LANGUAGE.pattern},
            "additionalProperties": {"type": "string"},
        },
    ],
}


class FlagCheck(Check):
    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if not isinstance(value, bool):
            ctx.error("E-VALUE", at.line, at.says("must be true or false"))
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        return {"type": "boolean"}


@dataclass(frozen=True)
class WholeCheck(Check):
    """A whole number, optionally within bounds."""

    minimum: int | None = None
    maximum: int | None = None
    message: str | None = None  # replaces both messages below, e.g. for 'version'

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            ctx.error("E-VALUE", at.line, at.says(self.message or "must be a whole number"))
            return INVALID
        low = self.minimum if self.minimum is not None else value
        high = self.maximum if self.maximum is not None else value
        if not low <= value <= high:
            if self.message:
                ctx.error("E-VALUE", at.line, at.says(self.message))
            else:
                ctx.error("E-RANGE", at.line, at.says(f"must be {low} to {high}"))
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        schema: JsonSchema = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


@dataclass(frozen=True)
class NumberCheck(Check):
    """A number; a whole number when the key ``integer_if`` of the same mapping is true."""

    integer_if: str = "integer"

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        integer = at.data.get(self.integer_if) is True
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok:
            kind = "a whole number" if integer else "a number"
            ctx.error("E-VALUE", at.line, at.says(f"must be {kind}"))
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        return {"type": "number"}


class DateCheck(Check):
    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if not (isinstance(value, str) and is_iso_date(value)):
            ctx.error("E-VALUE", at.line, at.says("must be a date as YYYY-MM-DD"))
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        return {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


class IdCheck(Check):
    """An id: lowercase letters, digits and '_', starting with a letter."""

    none_is_missing = True

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if not isinstance(value, str) or not IDENT.match(value):
            ctx.error(
                "E-VALUE",
                at.line,
                f"{at.what}: id {value!r} must start with a lowercase letter and hold only "
                "lowercase letters, digits and '_'",
            )
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        return {"type": "string", "pattern": IDENT.pattern}


class SlugCheck(Check):
    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if not isinstance(value, str) or not SLUG.match(value):
            ctx.error(
                "E-VALUE",
                at.line,
                at.says(
                    "must be a slug such as plan-samenleven-2025 (lowercase letters, digits "
                    "and '-')"
                ),
            )
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        return {"type": "string", "pattern": SLUG.pattern}


class LanguagesCheck(Check):
    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and LANGUAGE.match(v) for v in value)
        ):
            ctx.error(
                "E-VALUE",
                at.line,
                at.says("must be a list of two-letter codes, the default first, e.g. [nl, en]"),
            )
            return INVALID
        if len(set(value)) != len(value):
            ctx.error("E-DUPLICATE-VALUE", at.line, f"{at.what}: a language is listed twice")
        return tuple(value)

    def schema(self) -> JsonSchema:
        return {
            "type": "array",
            "items": {"type": "string", "pattern": LANGUAGE.pattern},
            "minItems": 1,
            "uniqueItems": True,
        }


class ConditionCheck(Check):
    """A condition in the language of ``intake.questionnaire.conditions``, parsed here;
    its names are checked against the questionnaire later (``references``)."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if not isinstance(value, str):
            ctx.error("E-CONDITION", at.line, at.says("must be a condition written as text"))
            return INVALID
        try:
            return conditions.parse(value)
        except conditions.ConditionError as exc:
            column = f" (column {exc.column})" if exc.column else ""
            ctx.error("E-CONDITION", at.line, f"{at.what}: {at.key}: {exc.message}{column}")
            return INVALID

    def schema(self) -> JsonSchema:
        return {"type": "string"}


class PrefillCheck(Check):
    """A registry field; whether it fits the question is checked later (``references``)."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if isinstance(value, str) and (value in PREFILL_SOURCES or value.startswith(ITEMS_PREFILL)):
            return value
        sources = ", ".join([*PREFILL_SOURCES, f"{ITEMS_PREFILL}<catalogue>"])
        ctx.error(
            "E-PREFILL", at.line, f"{at.what}: unknown prefill {value!r} (possible: {sources})"
        )
        return INVALID

    def schema(self) -> JsonSchema:
        return {
            "anyOf": [
                {"enum": list(PREFILL_SOURCES)},
                {"type": "string", "pattern": "^" + re.escape(ITEMS_PREFILL) + IDENT.pattern[1:]},
            ]
        }


@dataclass(frozen=True)
class NameCheck(Check):
    """The name of something defined elsewhere in the file (a catalogue, a question);
    ``references`` resolves it."""

    json: JsonSchema = field(default_factory=lambda: {"type": "string"})

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        return value

    def schema(self) -> JsonSchema:
        return dict(self.json)


@dataclass(frozen=True)
class Nested(Check):
    """A list or mapping of further mappings, read by ``intake.questionnaire.structure``."""

    json: JsonSchema = field(default_factory=dict)

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        return value

    def schema(self) -> JsonSchema:
        return dict(self.json)


# --------------------------------------------------------------------------- choices


class ChoiceValueCheck(Check):
    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if isinstance(value, bool) or not (
            (isinstance(value, str) and VALUE.match(value)) or isinstance(value, int)
        ):
            ctx.error(
                "E-VALUE",
                at.line,
                at.says(
                    "must be a whole number or a short code of letters, digits, '_' and '-' "
                    f"(found {value!r})"
                ),
            )
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        return {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": VALUE.pattern}]}


CHOICE_KEYS = Keys(
    Key("value", ChoiceValueCheck(), "what is stored and exported: a whole number or a short "
        "code", required=True),
    Key("label", TextCheck(), "what the respondent reads", required=True),
)  # fmt: skip
CHOICE_LIST_SCHEMA: JsonSchema = {
    "type": "array",
    "items": {"$ref": "#/definitions/choice"},
    "minItems": 1,
}


def read_choices(ctx: Context, raw: Any, line: int | None, what: str) -> tuple[Choice, ...]:
    """A non-empty list of choices with unique values (what passes of it)."""
    if not isinstance(raw, list) or not raw:
        ctx.error(
            "E-STRUCTURE", line, f"{what}: must be a non-empty list of choices with value and label"
        )
        return ()
    choices: list[Choice] = []
    seen: set[Any] = set()
    for index, entry in enumerate(raw):
        entry_line = line_of(raw, index)
        entry_what = f"{what}, choice {index + 1}"
        node = read(ctx, entry, CHOICE_KEYS, entry_what, line=entry_line,
                    named=entry_what + " ({})")  # fmt: skip
        if node is None or len(node.values) < 2:
            continue
        value = node.values["value"]
        if value in seen:
            ctx.error("E-DUPLICATE-VALUE", entry_line, f"{what}: value {value!r} appears twice")
            continue
        seen.add(value)
        choices.append(Choice(value, node.values["label"]))
    return tuple(choices)
