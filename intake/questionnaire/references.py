"""Resolve what a questionnaire file refers to: choice lists and catalogues, the
source of repeated sections, prefill sources, placeholders and the names in
conditions.

Runs after the structure is checked (``structure``), section by section and
question by question in file order, so a condition can refer only to questions
asked before. Every problem goes to the report with its line and code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from intake.questionnaire import conditions
from intake.questionnaire.conditions import ConditionError, Name, Reference
from intake.questionnaire.model import (
    Catalogue,
    Choice,
    Population,
    Question,
    RepeatSource,
    Section,
    Text,
)
from intake.questionnaire.schema import Checked, Context
from intake.questionnaire.types import QUESTION_TYPES, type_of
from intake.questionnaire.types.base import QuestionType
from intake.questionnaire.vocabulary import ITEMS_PREFILL

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
ITEM_PLACEHOLDERS = frozenset({"item.code", "item.title"})


@dataclass
class Scope:
    """What conditions may refer to at a given point of the file."""

    declared: dict[tuple[str, str], tuple[Question, Section]] = field(default_factory=dict)
    all_questions: set[tuple[str, str]] = field(default_factory=set)
    sections: set[str] = field(default_factory=set)


class References:
    """The named parts of one file, and the checks of everything that refers to them."""

    def __init__(
        self,
        ctx: Context,
        choice_lists: Mapping[str, tuple[Choice, ...]],
        catalogues: Mapping[str, Catalogue],
        scope: Scope,
        population: Population,
    ) -> None:
        self.ctx = ctx
        self.population = population
        self.choice_lists = choice_lists
        self.catalogues = catalogues
        self.scope = scope

    def error(self, code: str, line: int | None, message: str) -> None:
        self.ctx.error(code, line, message)

    def declare(self, section: Section, question: Question) -> None:
        """From here on, conditions may refer to ``question``."""
        self.scope.declared[(section.id, question.id)] = (question, section)

    # ----------------------------------------------------------------- choices

    def choices(self, node: Checked) -> dict[str, Any]:
        """``choices`` as a list (by name, or inline) and the name it came from."""
        raw = node.values.get("choices")
        surveyed_only = node.values.get("surveyed_only", False)
        if surveyed_only and not (isinstance(raw, str) and raw in self.catalogues):
            self.error(
                "E-CHOICES",
                node.line("surveyed_only"),
                f"{node.what}: 'surveyed_only' needs choices taken from an items catalogue",
            )
        if raw is None:
            return {}
        if not isinstance(raw, str):
            return {"choices": raw, "choices_source": None}
        if raw in self.choice_lists:
            return {"choices": self.choice_lists[raw], "choices_source": raw}
        if raw in self.catalogues:
            catalogue = self.catalogues[raw]
            entries = catalogue.surveyed if surveyed_only else catalogue.items
            return {
                "choices": tuple(Choice(item.code, item.title) for item in entries),
                "choices_source": raw,
            }
        known = ", ".join(sorted([*self.choice_lists, *self.catalogues])) or "none defined"
        self.error(
            "E-UNKNOWN-LIST",
            node.line("choices"),
            f"{node.what}: unknown choice list '{raw}' (choice lists and items catalogues: "
            f"{known})",
        )
        return {}

    # ----------------------------------------------------------------- sections

    def repeat_for(self, node: Checked) -> RepeatSource | None:
        """A catalogue, or an earlier question whose type can drive a repeat."""
        if "repeat_for" not in node.values:
            return None
        value = node.values["repeat_for"]
        line = node.line("repeat_for")
        what = node.what
        if isinstance(value, str) and value in self.catalogues:
            return RepeatSource(catalogue=value)
        if isinstance(value, str) and value.startswith("q."):
            parts = value.split(".")
            if len(parts) == 3:
                key = (parts[1], parts[2])
                found = self.scope.declared.get(key)
                if found is None:
                    later = key in self.scope.all_questions
                    self.error(
                        "E-REPEAT-FOR",
                        line,
                        f"{what}: repeat_for '{value}' refers to a "
                        + (
                            "later question; it must come before this section"
                            if later
                            else "question that does not exist"
                        ),
                    )
                    return None
                question, source_section = found
                if not type_of(question).repeatable:
                    kinds = " or ".join(t.name for t in QUESTION_TYPES.values() if t.repeatable)
                    self.error(
                        "E-REPEAT-FOR",
                        line,
                        f"{what}: repeat_for '{value}' must name a {kinds} question, "
                        f"not a {question.type} question",
                    )
                    return None
                if source_section.repeat_for is not None:
                    self.error(
                        "E-REPEAT-FOR",
                        line,
                        f"{what}: repeat_for '{value}' is itself inside a repeated section",
                    )
                    return None
                return RepeatSource(question=key)
        known = ", ".join(sorted(self.catalogues)) or "none defined"
        self.error(
            "E-REPEAT-FOR",
            line,
            f"{what}: repeat_for must name an items catalogue ({known}) or an earlier "
            f"multiple-choice question as q.<section>.<question>, not {value!r}",
        )
        return None

    def placeholders(self, node: Checked, key: str, repeated: bool) -> None:
        """``{item.code}`` and ``{item.title}`` exist only in a repeated section."""
        text = node.values.get(key)
        if not isinstance(text, Text):
            return
        for value in text.values.values():
            for placeholder in PLACEHOLDER.findall(value):
                if placeholder not in ITEM_PLACEHOLDERS:
                    if placeholder.startswith("item"):
                        self.error(
                            "E-PLACEHOLDER",
                            node.line(key),
                            f"{node.what}: unknown placeholder '{{{placeholder}}}' in '{key}'; "
                            "use {item.code} or {item.title}",
                        )
                elif not repeated:
                    self.error(
                        "E-PLACEHOLDER",
                        node.line(key),
                        f"{node.what}: '{key}' uses {{{placeholder}}}, which only exists in a "
                        "section with repeat_for",
                    )

    # ----------------------------------------------------------------- questions

    def prefill(self, node: Checked, qtype: QuestionType, choices_source: str | None) -> str | None:
        """The registry field that prefills the question, when it fits its type."""
        value = node.values.get("prefill")
        if value is None:
            return None
        line = node.line("prefill")
        what = node.what
        if value.startswith(ITEMS_PREFILL):
            catalogue = value.removeprefix(ITEMS_PREFILL)
            if catalogue not in self.catalogues:
                self.error(
                    "E-PREFILL",
                    line,
                    f"{what}: prefill '{value}': no items catalogue '{catalogue}'",
                )
                return None
            if not qtype.fits_prefill(value, choices_source):
                kinds = " or ".join(t.name for t in QUESTION_TYPES.values() if t.items_prefill)
                self.error(
                    "E-PREFILL",
                    line,
                    f"{what}: prefill '{value}' needs a {kinds} question with choices: {catalogue}",
                )
                return None
            return str(value)
        field = value.removeprefix("respondent.")
        if (
            field not in ("name", "kind")
            and not field.startswith("contact.")
            and (self.population.attribute(field) is None)
        ):
            self.error("E-PREFILL", line, f"{what}: prefill '{value}': the respondents have no "
                       f"attribute '{field}'")  # fmt: skip
            return None
        if not qtype.fits_prefill(value, choices_source):
            fitting = sorted(t.name for t in QUESTION_TYPES.values() if value in t.prefill_sources)
            self.error(
                "E-PREFILL",
                line,
                f"{what}: prefill '{value}' fits only a {', '.join(fitting)} question",
            )
            return None
        return str(value)

    # ----------------------------------------------------------------- conditions

    def condition(self, node: Checked, section: Section) -> conditions.Node | None:
        """The parsed ``relevant`` condition, once its names and types check out."""
        tree = node.values.get("relevant")
        if tree is None:
            return None
        assert isinstance(tree, conditions.Node)  # the structure step parsed it
        try:
            conditions.check(tree, lambda name: self._resolve(name, section))
        except ConditionError as exc:
            column = f" (column {exc.column})" if exc.column else ""
            self.error(
                "E-CONDITION",
                node.line("relevant"),
                f"{node.what}: relevant: {exc.message}{column}",
            )
            return None
        return tree

    def _resolve(self, name: Name, section: Section) -> Reference:
        parts = name.parts
        text = name.text
        if parts[0] == "q":
            if len(parts) not in (3, 4):
                raise ConditionError(
                    f"'{text}': write q.<section>.<question> (or q.<section>.<question>.<part>)",
                    name.column,
                )
            key = (parts[1], parts[2])
            found = self.scope.declared.get(key)
            if found is None:
                if key in self.scope.all_questions:
                    raise ConditionError(
                        f"'{text}' refers to a later question; conditions may only use "
                        "questions asked before",
                        name.column,
                    )
                if parts[1] not in self.scope.sections:
                    raise ConditionError(f"'{text}': there is no section '{parts[1]}'", name.column)
                raise ConditionError(
                    f"'{text}': section '{parts[1]}' has no question '{parts[2]}'", name.column
                )
            question, source_section = found
            if source_section.repeat_for is not None and source_section.id != section.id:
                raise ConditionError(
                    f"'{text}' is asked once per item of section '{source_section.id}'; it "
                    "can only be used inside that section",
                    name.column,
                )
            return type_of(question).reference(question, name)
        if parts[0] == "item":
            if section.repeat_for is None:
                raise ConditionError(
                    f"'{text}' only exists in a section with repeat_for", name.column
                )
            if text in ITEM_PLACEHOLDERS:
                return Reference("text", None)
            raise ConditionError(f"'{text}': use item.code or item.title", name.column)
        if parts[0] == "respondent" and len(parts) == 2:
            return self._respondent(parts[1], name)
        raise ConditionError(
            f"unknown name '{text}'; names are q.<section>.<question>, item.code, item.title, "
            "respondent.kind and respondent.<attribute>",
            name.column,
        )

    def _respondent(self, field: str, name: Name) -> Reference:
        """``respondent.kind`` or a registry attribute of the declared population."""
        population = self.population
        if field == "kind":
            return Reference("text", frozenset(k.value for k in population.kinds))
        attribute = population.attribute(field)
        if attribute is None:
            known = ", ".join(["kind", *(a.id for a in population.attributes)])
            raise ConditionError(
                f"'{name.text}': the respondents have no attribute '{field}' (they have: {known})",
                name.column,
            )
        return attribute.handler.reference(attribute)
