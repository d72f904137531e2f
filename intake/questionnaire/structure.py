"""Check the structure of a parsed questionnaire file against its schema.

Each kind of mapping has a table of keys (``schema.Key``): the questionnaire,
choices, catalogue entries and sections here, questions on their type class.
``read_document`` walks the whole file once, reporting every structural problem,
and returns what passed as ``Document`` for ``references``/``builder``.
``json_schema`` turns the same tables into the JSON Schema of the format, for
editors (docs/questionnaire.schema.json, ``intake questionnaire schema``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from intake.questionnaire.errors import DefinitionErrors
from intake.questionnaire.mail import MailCheck
from intake.questionnaire.model import Catalogue, CatalogueItem, Choice
from intake.questionnaire.population import RespondentsCheck
from intake.questionnaire.schema import (
    CHOICE_KEYS,
    CHOICE_LIST_SCHEMA,
    IDENT,
    INVALID,
    TEXT_SCHEMA,
    VALUE,
    Check,
    Checked,
    ConditionCheck,
    Context,
    DateCheck,
    FlagCheck,
    IdCheck,
    JsonSchema,
    Key,
    Keys,
    LanguagesCheck,
    NameCheck,
    Nested,
    SlugCheck,
    TextCheck,
    Where,
    WholeCheck,
    mapping,
    object_schema,
    read,
    read_choices,
    read_key,
)
from intake.questionnaire.source import line_of
from intake.questionnaire.types import QUESTION_TYPES
from intake.questionnaire.types.base import QuestionType

LANGUAGES = Key("languages", LanguagesCheck(), "language codes, the default first, e.g. [nl, en]")
TOP_KEYS = Keys(
    Key("id", SlugCheck(), "the questionnaire's id, the same for every version, e.g. "
        "plan-samenleven-2025", required=True),
    Key("version", WholeCheck(1, message="must be a whole number of 1 or more"),
        "raise it for every change once responses exist", required=True),
    Key("title", TextCheck(), "the questionnaire's title", required=True),
    Key("intro", TextCheck(), "shown on the start page"),
    Key("deadline", DateCheck(), "the date answers are due, YYYY-MM-DD; shown on the start "
        "page and in every mail (an admin may set another on the questionnaire's page)"),
    Key("mail", MailCheck(), "the questionnaire's own mail texts and reminder rules"),
    Key("respondents", RespondentsCheck(), "who answers: organisations or persons, personal "
        "and/or open links, kinds and registry attributes (default: local governments of "
        "four kinds with a province, through personal links)"),
    LANGUAGES,
    Key("choice_lists", Nested({
        "type": "object", "propertyNames": {"pattern": IDENT.pattern},
        "additionalProperties": CHOICE_LIST_SCHEMA,
    }), "named lists of choices"),
    Key("items", Nested({
        "type": "object", "propertyNames": {"pattern": IDENT.pattern},
        "additionalProperties": {
            "type": "array", "minItems": 1, "items": {"$ref": "#/definitions/entry"},
        },
    }), "named catalogues of things a respondent is linked to (e.g. actions)"),
    Key("sections", Nested({
        "type": "array", "minItems": 1, "items": {"$ref": "#/definitions/section"},
    }), "the pages, in order", required=True,
        missing="'sections' must be a non-empty list of sections"),
)  # fmt: skip


class CodeCheck(Check):
    """A catalogue entry's code: a whole number (kept as text) or a short code."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not VALUE.match(value):
            ctx.error(
                "E-VALUE",
                at.line,
                at.says("must be a number or a short code of letters, digits, '_' and '-'"),
            )
            return INVALID
        return value

    def schema(self) -> JsonSchema:
        return {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": VALUE.pattern}]}


ENTRY_KEYS = Keys(
    Key("code", CodeCheck(), "what respondents are linked by, e.g. 5", required=True),
    Key("title", TextCheck(), "the entry's title", required=True),
    Key("surveyed", FlagCheck(), "false: the entry exists but is never asked about"),
)
SECTION_KEYS = Keys(
    Key("id", IdCheck(), "unique: lowercase letters, digits and '_'", required=True),
    Key("title", TextCheck(), "the page title; may use {item.code} and {item.title} when "
        "repeated", required=True),
    Key("intro", TextCheck(), "shown above the questions"),
    Key("relevant", ConditionCheck(), "a condition; the section is skipped when it is false"),
    Key("repeat_for", NameCheck(), "repeat the section per item: an items catalogue, or an "
        "earlier multiple-choice question as q.<section>.<question>"),
    Key("questions", Nested({
        "type": "array", "minItems": 1, "items": {"$ref": "#/definitions/question"},
    }), "the questions, in order", required=True,
        missing="'questions' must be a non-empty list"),
)  # fmt: skip


@dataclass
class QuestionNode:
    """A question whose type is known and whose keys passed that type's table."""

    id: str | None
    type: QuestionType
    node: Checked


@dataclass
class SectionNode:
    id: str
    node: Checked
    questions: list[QuestionNode] = field(default_factory=list)


@dataclass
class Document:
    """What passed the structural checks, for references and building."""

    node: Checked
    languages: tuple[str, ...]
    choice_lists: dict[str, tuple[Choice, ...]]
    catalogues: dict[str, Catalogue]
    sections: list[SectionNode]


def read_document(raw: Any, ctx: Context) -> Document:
    """Check the whole file's structure; raise at once only when it is not a mapping."""
    top = mapping(ctx, raw, line_of(raw) or 1, "the questionnaire")
    if top is None:
        raise DefinitionErrors(ctx.report.errors)
    languages = read_key(ctx, top, LANGUAGES, "questionnaire")
    if languages is not INVALID:
        ctx.languages = languages
    node = read(ctx, top, TOP_KEYS, "questionnaire", done={"languages": ctx.languages})
    assert node is not None
    return Document(
        node,
        ctx.languages,
        _choice_lists(ctx, node),
        _catalogues(ctx, node),
        _sections(ctx, node),
    )


def _choice_lists(ctx: Context, top: Checked) -> dict[str, tuple[Choice, ...]]:
    data = mapping(
        ctx, top.values.get("choice_lists", {}), top.line("choice_lists"), "choice_lists"
    )
    result: dict[str, tuple[Choice, ...]] = {}
    for name, entries in (data or {}).items():
        if not IDENT.match(name):
            ctx.error(
                "E-VALUE", line_of(data, name), f"choice list name '{name}' is not a valid id"
            )
        result[name] = read_choices(ctx, entries, line_of(data, name), f"choice list '{name}'")
    return result


def _catalogues(ctx: Context, top: Checked) -> dict[str, Catalogue]:
    data = mapping(ctx, top.values.get("items", {}), top.line("items"), "items")
    result: dict[str, Catalogue] = {}
    for name, entries in (data or {}).items():
        what = f"items catalogue '{name}'"
        if not IDENT.match(name):
            ctx.error("E-VALUE", line_of(data, name), f"{what}: name is not a valid id")
        if not isinstance(entries, list) or not entries:
            ctx.error(
                "E-STRUCTURE", line_of(data, name), f"{what}: must be a non-empty list of entries"
            )
            continue
        items: list[CatalogueItem] = []
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            line = line_of(entries, index)
            node = read(ctx, entry, ENTRY_KEYS, f"{what}, entry {index + 1}", line=line,
                        named=what + ", entry '{}'")  # fmt: skip
            if node is None or "code" not in node.values:
                continue
            code = node.values["code"]
            if code in seen:
                ctx.error("E-DUPLICATE-VALUE", line, f"{what}: code '{code}' appears twice")
                continue
            seen.add(code)
            if "title" in node.values:
                items.append(CatalogueItem(code, node.values["title"],
                                           node.values.get("surveyed", True)))  # fmt: skip
        result[name] = Catalogue(name, tuple(items))
    return result


def _sections(ctx: Context, top: Checked) -> list[SectionNode]:
    raw = top.values.get("sections")
    if raw is None:
        return []  # reported as missing
    if not isinstance(raw, list) or not raw:
        ctx.error(
            "E-STRUCTURE",
            top.line("sections"),
            "questionnaire: 'sections' must be a non-empty list of sections",
        )
        return []
    sections: list[SectionNode] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        node = read(ctx, entry, SECTION_KEYS, f"section {index + 1}", line=line_of(raw, index),
                    named="section '{}'")  # fmt: skip
        if node is None:
            continue
        sid = node.values.get("id")
        if sid is not None and sid in seen:
            ctx.error(
                "E-DUPLICATE-ID", node.line("id"), f"{node.what}: a section with this id already "
                "exists"
            )  # fmt: skip
        if sid is not None:
            seen.add(sid)
        section = SectionNode(sid or f"#{index + 1}", node)
        section.questions = _questions(ctx, node)
        sections.append(section)
    return sections


def _questions(ctx: Context, section: Checked) -> list[QuestionNode]:
    raw = section.values.get("questions")
    if raw is None:
        return []  # reported as missing
    if not isinstance(raw, list) or not raw:
        ctx.error(
            "E-STRUCTURE", section.line("questions"), f"{section.what}: 'questions' must be a "
            "non-empty list"
        )  # fmt: skip
        return []
    questions: list[QuestionNode] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        what = f"{section.what}, question {index + 1}"
        data = mapping(ctx, entry, line_of(raw, index), what)
        if data is None:
            continue
        qid = read_key(ctx, data, QUESTION_ID, what)
        if qid is not INVALID:
            what = f"{section.what}, question '{qid}'"
            if qid in seen:
                ctx.error("E-DUPLICATE-ID", line_of(data, "id"), f"{what}: id already used in "
                          "this section")  # fmt: skip
                qid = INVALID
            else:
                seen.add(qid)
        qtype = _question_type(ctx, data, what)
        if qtype is None:
            continue
        node = read(ctx, data, qtype.all_keys, what, hint=f" for a {qtype.name} question",
                    done={"id": qid, "type": qtype.name})  # fmt: skip
        assert node is not None
        questions.append(QuestionNode(node.values.get("id"), qtype, node))
    return questions


QUESTION_ID = Key("id", IdCheck(), "", required=True)


def _question_type(ctx: Context, data: Mapping[str, Any], what: str) -> QuestionType | None:
    name = data.get("type")
    if isinstance(name, str) and name in QUESTION_TYPES:
        return QUESTION_TYPES[name]
    if "type" in data:
        ctx.error(
            "E-UNKNOWN-TYPE",
            line_of(data, "type"),
            f"{what}: unknown type {name!r} (types: {', '.join(QUESTION_TYPES)})",
        )
    else:
        ctx.error("E-MISSING-KEY", line_of(data), f"{what}: 'type' is missing")
    return None


# --------------------------------------------------------------------------- JSON Schema


def json_schema() -> JsonSchema:
    """The JSON Schema of the format, from the same key tables as the checks.

    It covers the structure (keys, kinds of values, per question type); what
    only the whole file can tell (references, conditions' names) is left to
    ``intake questionnaire check``.
    """
    names = list(QUESTION_TYPES)
    all_keys: dict[str, Key] = {}
    for qtype in QUESTION_TYPES.values():
        for key in qtype.all_keys:
            all_keys.setdefault(key.name, key)
    per_type = [
        {
            "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
            "then": object_schema(qtype.all_keys, description=qtype.summary),
        }
        for name, qtype in QUESTION_TYPES.items()
    ]
    question: JsonSchema = {
        "type": "object",
        "required": ["id", "type", "label"],
        # Every key any type knows, for completion before the type is written.
        "properties": {
            key.name: {"description": key.doc} for key in all_keys.values() if key.name != "type"
        },
        "allOf": per_type,
    }
    question["properties"]["type"] = {
        "enum": names,
        "description": "; ".join(f"{name}: {t.summary}" for name, t in QUESTION_TYPES.items()),
    }
    for branch in per_type:
        branch["then"]["properties"]["type"] = {
            "const": branch["if"]["properties"]["type"]["const"]
        }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Intake questionnaire",
        "description": "A questionnaire for Intake (docs/questionnaire-format.md). Generated by "
        "'intake questionnaire schema'; do not edit by hand.",
        **object_schema(TOP_KEYS),
        "definitions": {
            "text": TEXT_SCHEMA,
            "choice": object_schema(CHOICE_KEYS),
            "entry": object_schema(ENTRY_KEYS),
            "section": object_schema(SECTION_KEYS),
            "question": question,
        },
    }


def json_schema_text() -> str:
    """The JSON Schema as written to docs/questionnaire.schema.json."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
