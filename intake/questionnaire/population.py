"""Who answers a questionnaire: the ``respondents:`` block.

A questionnaire's population is organisations or persons, reached through personal
links, an open link, or both; its kinds (each with the code its pseudonyms start with)
and the typed attributes of its registry. Without the block, a questionnaire has
today's population: local governments of four kinds, with a province and, for an IGS,
its member municipalities, each invited through a personal link.

The registry import, the dashboard's breakdowns, conditions and the export all read
their columns from here (``Population``), never from a fixed list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.questionnaire.attribute_types import ATTRIBUTE_TYPES
from intake.questionnaire.model import ANONYMOUS_CODE, Attribute, Choice, Kind, Population, Text
from intake.questionnaire.schema import (
    CHOICE_LIST_SCHEMA,
    INVALID,
    Check,
    Checked,
    Context,
    FlagCheck,
    IdCheck,
    JsonSchema,
    Key,
    Keys,
    TextCheck,
    Where,
    WholeCheck,
    object_schema,
    read,
    read_choices,
)
from intake.questionnaire.source import line_of
from intake.questionnaire.vocabulary import KINDS, PROVINCES

UNITS = ("organisation", "person")
PERSONAL_LINK = "personal_link"
OPEN_LINK = "open_link"
ACCESS = (PERSONAL_LINK, OPEN_LINK)
# What a registry row has besides its attributes: an attribute may not take these names.
RESERVED = frozenset({"code", "name", "kind", "contact", "contacts", "email", "items"})


def _nl(text: str) -> Text:
    return Text({"nl": text}, "nl")


DEFAULT_KINDS = tuple(
    Kind(value, _nl(label), code)
    for (value, label), code in zip(KINDS.items(), ("CS", "S", "G", "IGS"), strict=True)
)
PERSON_KINDS = (Kind("deelnemer", _nl("Deelnemer"), "D"),)
PROVINCE = Attribute(
    "province",
    _nl("Provincie"),
    "choice",
    choices=tuple(Choice(p, _nl(p)) for p in PROVINCES),
    required=True,
    headers=("provincie", "province"),
)
MEMBERS = Attribute(  # identifying: an IGS's members give it away behind its pseudonym
    "members",
    _nl("Gemeenten"),
    "list",
    identifying=True,
    headers=("gemeenten", "members", "deelnemende gemeenten"),
)


DEFAULT = Population(
    "organisation", (PERSONAL_LINK,), None, DEFAULT_KINDS, (PROVINCE, MEMBERS), declared=False
)


# --------------------------------------------------------------------------- checking


class _OneOf(Check):
    def __init__(self, values: tuple[str, ...]) -> None:
        self.values = values

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if value not in self.values:
            ctx.error("E-VALUE", at.line, at.says(f"must be one of {', '.join(self.values)}"))
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        return {"enum": list(self.values)}


class _AccessCheck(Check):
    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(v in ACCESS for v in value):
            ctx.error("E-VALUE", at.line, at.says(f"must be a list of {' and '.join(ACCESS)}"))
            return INVALID
        return tuple(a for a in ACCESS if a in value)

    def schema(self) -> JsonSchema:
        return {"type": "array", "items": {"enum": list(ACCESS)}, "minItems": 1,
                "uniqueItems": True}  # fmt: skip


class _CodeCheck(Check):
    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if not isinstance(value, str) or not value.isascii() or not value.isalpha() \
                or not value.isupper() or len(value) > 5:  # fmt: skip
            ctx.error("E-VALUE", at.line, at.says("must be 1 to 5 capital letters, e.g. CS"))
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        return {"type": "string", "pattern": "^[A-Z]{1,5}$"}


class _ChoicesCheck(Check):
    """A choice list's name (resolved by ``resolve``) or choices written inline."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if isinstance(value, str):
            return value
        choices = read_choices(ctx, value, at.line, f"{at.what}: choices")
        return choices or INVALID

    def schema(self) -> JsonSchema:
        return {"anyOf": [{"type": "string"}, CHOICE_LIST_SCHEMA]}


class _HeadersCheck(Check):
    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            ctx.error("E-VALUE", at.line, at.says("must be a list of column headers"))
            return INVALID
        return tuple(v.strip().lower() for v in value)

    def schema(self) -> JsonSchema:
        return {"type": "array", "items": {"type": "string", "minLength": 1}}


KIND_KEYS = Keys(
    Key("value", IdCheck(), "what the registry's 'soort' column holds, e.g. "
        "deelnemer", required=True),
    Key("label", TextCheck(), "what the dashboard and exports show", required=True),
    Key("code", _CodeCheck(), "1 to 5 capital letters pseudonyms start with, e.g. CS",
        required=True),
)  # fmt: skip
ATTRIBUTE_KEYS = Keys(
    Key("id", IdCheck(), "the attribute's id, used in conditions as respondent.<id>",
        required=True),
    Key("label", TextCheck(), "the column header of the registry, dashboard and exports",
        required=True),
    Key("type", _OneOf(tuple(ATTRIBUTE_TYPES)), "; ".join(
        f"{name}: {t.doc}" for name, t in ATTRIBUTE_TYPES.items()), required=True),
    Key("choices", _ChoicesCheck(), "for a choice attribute: a choice list's name, or "
        "inline choices"),
    Key("required", FlagCheck(), "true: every registry row must give a value"),
    Key("covers", FlagCheck(), "for a list attribute: the units this respondent stands for "
        "(e.g. an IGS's member municipalities), counted per item on the dashboard"),
    Key("identifying", FlagCheck(), "true: exported only in the identities sheet"),
    Key("headers", _HeadersCheck(), "other column headers the registry import accepts"),
)  # fmt: skip


class _KindsCheck(Check):
    """The kinds: values and codes unique, ``R`` kept for anonymous answers."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if not isinstance(value, list) or not value:
            ctx.error("E-STRUCTURE", at.line, at.says("must be a non-empty list of kinds"))
            return INVALID
        kinds: list[Kind] = []
        values: set[str] = set()
        codes: set[str] = set()
        for index, entry in enumerate(value):
            line = line_of(value, index)
            what = f"{at.what}: kind {index + 1}"
            node = read(ctx, entry, KIND_KEYS, what, line=line, named=f"{at.what}: kind '{{}}'")
            if node is None or not {"value", "label", "code"} <= set(node.values):
                continue
            kind = Kind(node.values["value"], node.values["label"], node.values["code"])
            if kind.value in values:
                ctx.error("E-DUPLICATE-VALUE", line, f"{node.what}: the value appears twice")
            elif kind.code in codes:
                ctx.error("E-DUPLICATE-VALUE", line, f"{node.what}: code '{kind.code}' is "
                          "already another kind's")  # fmt: skip
            elif kind.code == ANONYMOUS_CODE:
                ctx.error("E-VALUE", node.line("code"), f"{node.what}: code 'R' is kept for "
                          "open-link answers without a kind")  # fmt: skip
            else:
                values.add(kind.value)
                codes.add(kind.code)
                kinds.append(kind)
        return tuple(kinds) or INVALID

    def schema(self) -> JsonSchema:
        return {"type": "array", "minItems": 1, "items": object_schema(KIND_KEYS)}


@dataclass
class _AttributeDraft:
    """An attribute as written; a choice list's name is resolved by ``resolve``."""

    node: Checked


class _AttributesCheck(Check):
    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if not isinstance(value, list):
            ctx.error("E-STRUCTURE", at.line, at.says("must be a list of attributes"))
            return INVALID
        drafts: list[_AttributeDraft] = []
        seen: set[str] = set()
        for index, entry in enumerate(value):
            line = line_of(value, index)
            node = read(ctx, entry, ATTRIBUTE_KEYS, f"{at.what}: attribute {index + 1}",
                        line=line, named=f"{at.what}: attribute '{{}}'")  # fmt: skip
            if node is None or "id" not in node.values:
                continue
            attribute_id = node.values["id"]
            if attribute_id in RESERVED:
                ctx.error("E-VALUE", node.line("id"), f"{node.what}: '{attribute_id}' is a "
                          "column every registry has; choose another id")  # fmt: skip
            elif attribute_id in seen:
                ctx.error("E-DUPLICATE-ID", node.line("id"), f"{node.what}: id already used")
            else:
                seen.add(attribute_id)
                drafts.append(_AttributeDraft(node))
        return tuple(drafts)

    def schema(self) -> JsonSchema:
        return {"type": "array", "items": object_schema(ATTRIBUTE_KEYS)}


RESPONDENTS_KEYS = Keys(
    Key("unit", _OneOf(UNITS), "organisation (default) or person"),
    Key("access", _AccessCheck(), "how respondents reach the questionnaire: personal_link "
        "(a link per respondent of the registry; the default) and/or open_link (one public "
        "link; each visitor starts an anonymous response)"),
    Key("expected", WholeCheck(1), "with open_link: the population size the response rate "
        "is counted against, e.g. 315 participants"),
    Key("kinds", _KindsCheck(), "kinds of respondent with the codes their pseudonyms start "
        "with (default: centrumstad CS, stad S, gemeente G, igs IGS; for persons: "
        "deelnemer D)"),
    Key("attributes", _AttributesCheck(), "registry columns besides code, name, kind, "
        "contacts and linked items: imported, checked, usable in conditions as "
        "respondent.<id> and in breakdowns (default: province and members)"),
)  # fmt: skip


@dataclass(frozen=True)
class Draft:
    """The checked ``respondents:`` block, before choice lists are resolved."""

    node: Checked


class RespondentsCheck(Check):
    """The ``respondents:`` block of a questionnaire."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        node = read(ctx, value, RESPONDENTS_KEYS, "respondents", line=line_of(at.data, at.key))
        return INVALID if node is None else Draft(node)

    def schema(self) -> JsonSchema:
        return object_schema(RESPONDENTS_KEYS)


def resolve(
    draft: Draft | None, choice_lists: dict[str, tuple[Choice, ...]], ctx: Context
) -> Population:
    """The population of a questionnaire: the default without a block; else the block
    with its choice lists resolved and its keys checked against each other."""
    if draft is None:
        return DEFAULT
    values = draft.node.values
    unit = values.get("unit", "organisation")
    access = values.get("access", (PERSONAL_LINK,))
    expected = values.get("expected")
    if expected is not None and OPEN_LINK not in access:
        ctx.error("E-VALUE", draft.node.line("expected"), "respondents: 'expected' counts "
                  "open-link answers; add open_link to 'access' or leave it out")  # fmt: skip
    kinds = values.get("kinds") or (PERSON_KINDS if unit == "person" else DEFAULT_KINDS)
    attributes = tuple(
        a
        for a in (_attribute(d, choice_lists, ctx) for d in values.get("attributes", ()))
        if a is not None
    )
    covering = [a for a in attributes if a.covers]
    if len(covering) > 1:
        ctx.error("E-VALUE", draft.node.line("attributes"), "respondents: only one attribute "
                  f"may cover units; {', '.join(a.id for a in covering)} all do")  # fmt: skip
    return Population(unit, access, expected, kinds, attributes, declared=True)


def _attribute(
    draft: _AttributeDraft, choice_lists: dict[str, tuple[Choice, ...]], ctx: Context
) -> Attribute | None:
    node = draft.node
    values = node.values
    if not {"id", "label", "type"} <= set(values):
        return None
    kind = values["type"]
    raw = values.get("choices")
    choices: tuple[Choice, ...] = ()
    source = None
    handler = ATTRIBUTE_TYPES[kind]
    if handler.has_choices:
        if raw is None:
            ctx.error("E-MISSING-KEY", node.line(), f"{node.what}: a choice attribute needs "
                      "'choices' (a choice list's name, or inline choices)")  # fmt: skip
            return None
        if isinstance(raw, str):
            if raw not in choice_lists:
                known = ", ".join(sorted(choice_lists)) or "none defined"
                ctx.error("E-UNKNOWN-LIST", node.line("choices"), f"{node.what}: unknown "
                          f"choice list '{raw}' (choice lists: {known})")  # fmt: skip
                return None
            choices, source = choice_lists[raw], raw
        else:
            choices = raw
    elif raw is not None:
        ctx.error("E-CHOICES", node.line("choices"), f"{node.what}: only a choice attribute "
                  "has choices")  # fmt: skip
    if values.get("covers") and not handler.covers:
        ctx.error("E-VALUE", node.line("covers"), f"{node.what}: 'covers' needs a list "
                  "attribute (the units this respondent stands for)")  # fmt: skip
    return Attribute(
        id=values["id"],
        label=values["label"],
        type=kind,
        choices=choices,
        choices_source=source,
        required=values.get("required", False),
        covers=values.get("covers", False) and handler.covers,
        identifying=values.get("identifying", False),
        headers=values.get("headers", ()),
    )


# --------------------------------------------------------------------------- values


def read_kind(population: Population, raw: str) -> str | None:
    """The kind a registry cell names (its value, label or code, any case); None if none."""
    text = raw.strip().lower()
    for kind in population.kinds:
        names = {
            kind.value.lower(),
            kind.code.lower(),
            *(v.lower() for v in kind.label.values.values()),
        }
        if text in names:
            return kind.value
    if text == "intergemeentelijk" and population.kind("igs") is not None:
        return "igs"
    return None


def read_value(attribute: Attribute, raw: str) -> tuple[Any, str | None]:
    """An attribute's typed value from a registry cell, or a Dutch reason it is wrong.

    An empty cell is None (a problem only when the attribute is required)."""
    text = raw.strip()
    if not text:
        missing = f"geen {attribute.label.get().lower()} ingevuld"
        return None, (missing if attribute.required else None)
    return attribute.handler.read(attribute, text)


def headers_of(attribute: Attribute) -> tuple[str, ...]:
    """The column headers (lowercase) a registry may give the attribute under."""
    return (attribute.id.lower(), *(v.lower() for v in attribute.label.values.values()),
            *attribute.headers)  # fmt: skip
