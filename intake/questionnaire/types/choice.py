"""Closed questions: single choice (radio buttons), multiple choice (checkboxes) and scale.

Single and multiple choice may offer "other" with its own specify-text, stored
under ``<id>.other_text``; that option's value is ``other``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from intake.questionnaire.conditions import Name, Reference
from intake.questionnaire.model import Question, Text, Variable
from intake.questionnaire.schema import (
    CHOICE_LIST_SCHEMA,
    INVALID,
    TEXT_SCHEMA,
    Check,
    Checked,
    Context,
    FlagCheck,
    JsonSchema,
    Key,
    TextCheck,
    Where,
    WholeCheck,
    read_choices,
)
from intake.questionnaire.types.base import (
    CellError,
    Figure,
    FrequencyTable,
    QuestionType,
    Samples,
    mean_of,
)
from intake.questionnaire.values import N_, Parsed, Posted, Problem, one, parse_text

if TYPE_CHECKING:
    from intake.questionnaire.references import References

OTHER_VALUE = "other"
OTHER_TEXT = "other_text"
RESERVED_VALUES = (OTHER_VALUE, OTHER_TEXT)
OTHER_LABELS = {"nl": "Andere", "en": "Other", "fr": "Autre", "de": "Andere"}
OTHER_TEXT_LIMIT = 1000
CHOSEN = ((0, "niet gekozen"), (1, "gekozen"))
NUMBERS = {1: "one", 2: "two", 3: "three"}

MESSAGES = {
    "too_few": N_("Kies minstens %(min)s antwoorden."),
    "too_many": N_("Kies hoogstens %(max)s antwoorden."),
    "other_missing": N_("Vul in wat je bedoelt met '%(label)s'."),
}


def problem(code: str, **params: Any) -> Problem:
    return Problem(code, params, MESSAGES[code])


def other_label(languages: tuple[str, ...]) -> Text:
    """The label of ``other: true``, in each of the questionnaire's languages."""
    return Text({lang: OTHER_LABELS.get(lang, "Other") for lang in languages}, languages[0])


def other_key(question: Question) -> str:
    """The answer key of the specify-text of "other"."""
    return f"{question.id}.{OTHER_TEXT}"


def choice_value(question: Question, text: str) -> str | int | None:
    """The choice value a form posted as text, or None when it is not a choice."""
    for choice in question.choices:
        if str(choice.value) == text:
            return choice.value
    if question.other is not None and text == OTHER_VALUE:
        return OTHER_VALUE
    return None


def choice_labels(question: Question, language: str | None = None) -> dict[Any, str]:
    labels: dict[Any, str] = {c.value: c.label.get(language) for c in question.choices}
    if question.other is not None:
        labels[OTHER_VALUE] = question.other.get(language)
    return labels


def value_labels(question: Question) -> tuple[tuple[str | int, str], ...]:
    return tuple((c.value, c.label.get()) for c in question.choices)


def choice_reference(question: Question) -> Reference:
    """One chosen value in a condition: a number when every choice is a number."""
    values = frozenset(question.choice_values) | ({OTHER_VALUE} if question.other else frozenset())
    numeric = all(isinstance(v, int) for v in question.choice_values)
    return Reference("number" if numeric else "text", values, ordered=numeric)


class ChoicesCheck(Check):
    """``choices``: the name of a choice list or items catalogue (resolved later), or an
    inline list of choices."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if isinstance(value, str):
            return value
        return read_choices(ctx, value, at.line, f"{at.what}, choices")

    def schema(self) -> JsonSchema:
        return {"anyOf": [{"type": "string"}, CHOICE_LIST_SCHEMA]}


class OtherCheck(Check):
    """``other``: true (the default label), false, or the label of the "other" option."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if value is True:
            return other_label(ctx.languages)
        if value is False:
            return INVALID  # no "other" option; nothing to report
        if isinstance(value, str | dict):
            return TextCheck().read(ctx, value, at)
        ctx.error("E-VALUE", at.line, at.says("must be true or a label"))
        return INVALID

    def schema(self) -> JsonSchema:
        return {"anyOf": [{"type": "boolean"}, *TEXT_SCHEMA["anyOf"]]}


def choices_key(type_name: str) -> Key:
    return Key(
        "choices",
        ChoicesCheck(),
        "a choice list or items catalogue by name, or a list of choices with value and label",
        required=True,
        missing=f"a {type_name} question needs 'choices'",
        store=False,
    )


SURVEYED_ONLY = Key("surveyed_only", FlagCheck(), "with choices from an items catalogue: leave "
                    "out the entries marked surveyed: false", store=False)  # fmt: skip
OTHER = Key("other", OtherCheck(), "true or a label: adds an 'other' option with its own "
            "specify-text")  # fmt: skip


def parse_choice(question: Question, text: str) -> Parsed:
    text = text.strip()
    if not text:
        return Parsed()
    value = choice_value(question, text)
    if value is None:
        # Choices are clicked, not typed: a value outside the list is not kept.
        return Parsed(problem=Problem("invalid_choice"))
    return Parsed(value)


class ChoiceType(QuestionType):
    """One of a list of choices."""

    min_choices = 1

    def resolve(self, node: Checked, refs: References) -> dict[str, Any]:
        return refs.choices(node)

    def check_fields(self, node: Checked, fields: Mapping[str, Any], refs: References) -> None:
        if "choices" in fields and len(fields["choices"]) < self.min_choices:
            refs.error(
                "E-CHOICES",
                node.line("choices"),
                f"{node.what}: a {self.name} needs at least {NUMBERS[self.min_choices]} choices",
            )
        super().check_fields(node, fields, refs)

    def parse_value(self, question: Question, posted: Posted) -> Parsed:
        return parse_choice(question, one(posted))

    def describe(self, question: Question, value: Any, language: str | None = None) -> str:
        if value is None:
            return ""
        return choice_labels(question, language).get(value, str(value))

    def value_reference(self, question: Question, name: Name) -> Reference:
        return choice_reference(question)

    def variables(
        self, question: Question, base: str, label: Text, common: Mapping[str, Any]
    ) -> list[Variable]:
        return [Variable(base, label, self.name, value_labels(question), **common)]

    def counted(self, variable: Variable) -> bool:
        return variable.type != "other_text"

    def frequency_tables(
        self, variables: Sequence[Variable], counts: Mapping[str, Counter[Any]]
    ) -> list[FrequencyTable]:
        """A table per variable (a matrix: per row): how many chose each value."""
        tables = []
        for variable in variables:
            counted = counts.get(variable.name, Counter())
            lines = [(value, text, counted.get(value, 0)) for value, text in variable.value_labels]
            tables.append(FrequencyTable(variable.name, variable.label.get(), lines,
                                         sum(counted.values())))  # fmt: skip
        return tables

    def sample_answer(self, question: Question, samples: Samples) -> tuple[Posted, str | None]:
        return samples.rng.choice([str(c.value) for c in question.choices]), None


class WithOther(ChoiceType):
    """A choice type that may offer "other" with a specify-text."""

    sortable = True

    def check_fields(self, node: Checked, fields: Mapping[str, Any], refs: References) -> None:
        if fields.get("other") and any(
            c.value in RESERVED_VALUES for c in fields.get("choices", ())
        ):
            refs.error(
                "E-CHOICES",
                node.line("other"),
                f"{node.what}: with 'other', no choice may have the value "
                f"'{OTHER_VALUE}' or '{OTHER_TEXT}'",
            )
        super().check_fields(node, fields, refs)

    def answer_keys(self, question: Question) -> tuple[str, ...]:
        if question.other is None:
            return (question.id,)
        return (question.id, other_key(question))

    def parse(
        self, question: Question, posted: Posted, other_text: str | None = None
    ) -> dict[str, Parsed]:
        result = {question.id: self.parse_value(question, posted)}
        if question.other is not None:
            result[other_key(question)] = parse_text(other_text or "", OTHER_TEXT_LIMIT)
        return result

    def missing(self, question: Question, answers: Mapping[str, Parsed]) -> Problem | None:
        """Whoever chooses "other" must say what they mean, required or not."""
        main = answers.get(question.id) or Parsed()
        if question.other is not None and main.is_valid:
            chosen = main.value if isinstance(main.value, list) else [main.value]
            other = answers.get(other_key(question)) or Parsed()
            if OTHER_VALUE in chosen and other.is_empty:
                return problem("other_missing", label=question.other.get())
        return super().missing(question, answers)

    def cell(self, variable: Variable, answers: Mapping[str, Any]) -> Any:
        if variable.type == "other_text":
            return answers.get(f"{variable.question}.{OTHER_TEXT}") or None
        return super().cell(variable, answers)

    def quotable(self, variable: Variable) -> bool:
        return variable.type == "other_text"

    def from_cells(
        self, question: Question, variables: Sequence[Variable], cells: Mapping[str, Any]
    ) -> tuple[Posted, str | None]:
        other = next(
            (str(cells[v.name]) for v in variables if v.type == "other_text" and cells[v.name]),
            None,
        )
        return self.main_from_cells(question, variables, cells), other

    def main_from_cells(
        self, question: Question, variables: Sequence[Variable], cells: Mapping[str, Any]
    ) -> Posted:
        return super().from_cells(question, variables, cells)[0]

    def problem_column(self, key: str, variables: Sequence[Variable]) -> str:
        if key.endswith(f".{OTHER_TEXT}"):
            return next(v.name for v in variables if v.type == "other_text")
        return variables[0].name

    def other_variable(self, question: Question, base: str, label: Text, common: Any) -> Variable:
        assert question.other is not None
        return Variable(
            f"{base}.{OTHER_TEXT}", label.joined(question.other), "other_text", (), **common
        )


class SingleChoiceType(WithOther):
    name = "single_choice"
    summary = "radio buttons: one of the choices"
    keys = (choices_key(name), OTHER, SURVEYED_ONLY)
    prefill_sources = frozenset({"respondent.kind", "respondent.province"})

    def variables(
        self, question: Question, base: str, label: Text, common: Mapping[str, Any]
    ) -> list[Variable]:
        if question.other is None:
            return super().variables(question, base, label, common)
        labels = (*value_labels(question), (OTHER_VALUE, question.other.get()))
        return [
            Variable(base, label, self.name, labels, **common),
            self.other_variable(question, base, label, common),
        ]


class ScaleType(ChoiceType):
    name = "scale"
    counted_measure = "ordinal"
    summary = "a Likert row: one of at least two ordered choices"
    keys = (choices_key(name),)
    min_choices = 2

    def frequency_tables(
        self, variables: Sequence[Variable], counts: Mapping[str, Counter[Any]]
    ) -> list[FrequencyTable]:
        """With four or more points, also the top 2: the two best answers together."""
        tables = super().frequency_tables(variables, counts)
        for index, table in enumerate(tables):
            lines = table.lines
            if len(lines) >= 4 and table.n:
                top = lines[0][2] + lines[1][2]
                text = f"top 2: {lines[0][1]} of {lines[1][1]}".lower()
                tables[index] = replace(table, summary=[(text, top, top / table.n)])
        return tables

    def figures(self, table: FrequencyTable) -> list[Figure]:
        """The top 2 (with four or more points) and the mean, as a report opens with
        ("85% noemt de actie (zeer) succesvol")."""
        figures = [Figure(text, share) for text, _, share in table.summary if share is not None]
        mean = mean_of(table.lines)
        if mean is not None:
            figures.append(Figure("gemiddelde", mean, "mean"))
        return figures

    def sample_answer(self, question: Question, samples: Samples) -> tuple[Posted, str | None]:
        """Mostly positive, as in the report."""
        values = [str(c.value) for c in question.choices]
        ordered = sorted(values, key=lambda v: -int(v) if v.lstrip("-").isdecimal() else 0)
        weights = [6, 8, 3, 1, 0.5][: len(ordered)] + [0.5] * max(0, len(ordered) - 5)
        return samples.rng.choices(ordered, weights)[0], None


class MultipleChoiceType(WithOther):
    """Several choices; ``min``/``max`` bound how many. Its answer is a list, in the
    order of the choices, so a condition tests it with ``'value' in q.s.q``."""

    name = "multiple_choice"
    summary = "checkboxes: any of the choices"
    repeatable = True
    items_prefill = True
    keys = (
        choices_key(name),
        OTHER,
        Key("min", WholeCheck(), "at least this many choices"),
        Key("max", WholeCheck(), "at most this many choices"),
        SURVEYED_ONLY,
    )

    def check_fields(self, node: Checked, fields: Mapping[str, Any], refs: References) -> None:
        options = len(fields.get("choices", ())) + (1 if fields.get("other") else 0)
        for key in ("min", "max"):
            value = fields.get(key)
            if value is not None and not 0 <= value <= options:
                refs.error(
                    "E-RANGE",
                    node.line(key),
                    f"{node.what}: '{key}' must be between 0 and the {options} options",
                )
        super().check_fields(node, fields, refs)

    def parse_value(self, question: Question, posted: Posted) -> Parsed:
        if posted is None:
            posted = []
        texts = [posted] if isinstance(posted, str) else [str(p) for p in posted]
        selected: set[str | int] = set()
        for text in texts:
            if not text.strip():
                continue
            value = choice_value(question, text.strip())
            if value is None:
                return Parsed(problem=Problem("invalid_choice"))
            selected.add(value)
        if not selected:
            return Parsed()
        order = [*question.choice_values, OTHER_VALUE]
        chosen = [v for v in order if v in selected]
        low, high = question.min, question.max  # whole numbers: the loader checked them
        if isinstance(low, int) and len(chosen) < low:
            return Parsed(chosen, problem=problem("too_few", min=low))
        if isinstance(high, int) and len(chosen) > high:
            return Parsed(chosen, problem=problem("too_many", max=high))
        return Parsed(chosen)

    def to_form(self, question: Question, value: Any) -> Posted:
        return None if value is None else [str(v) for v in value]

    def describe(self, question: Question, value: Any, language: str | None = None) -> str:
        if value is None:
            return ""
        labels = choice_labels(question, language)
        return "; ".join(labels.get(v, str(v)) for v in value)

    def value_reference(self, question: Question, name: Name) -> Reference:
        values = frozenset(question.choice_values) | (
            {OTHER_VALUE} if question.other else frozenset()
        )
        return Reference("list", values)

    def variables(
        self, question: Question, base: str, label: Text, common: Mapping[str, Any]
    ) -> list[Variable]:
        variables = [
            Variable(f"{base}.{c.value}", label.joined(c.label), "option", CHOSEN,
                     option=c.value, option_label=c.label.get(), **common)
            for c in question.choices
        ]  # fmt: skip
        if question.other is not None:
            variables.append(
                Variable(f"{base}.{OTHER_VALUE}", label.joined(question.other), "option", CHOSEN,
                         option=OTHER_VALUE, option_label=question.other.get(), **common)
            )  # fmt: skip
            variables.append(self.other_variable(question, base, label, common))
        return variables

    def cell(self, variable: Variable, answers: Mapping[str, Any]) -> Any:
        if variable.type == "option":
            chosen = answers.get(variable.question)
            return None if chosen is None else int(variable.option in chosen)
        return super().cell(variable, answers)

    def frequency_tables(
        self, variables: Sequence[Variable], counts: Mapping[str, Counter[Any]]
    ) -> list[FrequencyTable]:
        """One table: how many of those who answered chose each option."""
        first = variables[0]
        label = first.label.get().removesuffix(f": {first.option_label}")
        lines = [
            (v.option, v.option_label or "", counts.get(v.name, Counter()).get(1, 0))
            for v in variables
        ]
        n = sum(counts.get(first.name, Counter()).values())
        return [FrequencyTable(first.name.rsplit(".", 1)[0], label, lines, n)]

    def main_from_cells(
        self, question: Question, variables: Sequence[Variable], cells: Mapping[str, Any]
    ) -> Posted:
        """The options marked 1 (0 or empty: not chosen)."""
        chosen: list[str] = []
        for variable in variables:
            if variable.type != "option":
                continue
            cell = cells[variable.name]
            if cell in (None, ""):
                continue
            if cell not in (0, 1):
                raise CellError(variable.name, "gebruik 1 of 0")
            if cell == 1:
                chosen.append(str(variable.option))
        return chosen

    def sample_answer(self, question: Question, samples: Samples) -> tuple[Posted, str | None]:
        rng = samples.rng
        values = [str(c.value) for c in question.choices]
        low = max(1, int(question.min or 1))
        high = min(len(values), int(question.max or 3), max(low, 3))
        picked = rng.sample(values, rng.randint(low, high))
        if question.other is not None and rng.random() < 0.15:
            return picked + [OTHER_VALUE], samples.other_text
        return picked, None
