"""Number: whole or decimal, typed the Flemish way (2,5 and 1.250,5 are fine)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from intake.questionnaire.conditions import Name, Reference
from intake.questionnaire.model import Question, Variable
from intake.questionnaire.schema import FlagCheck, Key, NumberCheck
from intake.questionnaire.types.base import QuestionType, Samples
from intake.questionnaire.values import (
    DIGITS,
    N_,
    Parsed,
    Posted,
    Problem,
    clean_text,
    format_number,
    one,
)

MESSAGES = {
    "not_a_number": N_("Vul een getal in, bijvoorbeeld 12 of 2,5."),
    "not_an_integer": N_("Vul een geheel getal in, zonder komma."),
    "too_many_digits": N_("Vul een getal in van hoogstens 15 cijfers."),
    "below_min": N_("Vul een getal in van minstens %(min)s."),
    "above_max": N_("Vul een getal in van hoogstens %(max)s."),
}


def _problem(text: str, code: str, **params: Any) -> Parsed:
    return Parsed(raw=text, problem=Problem(code, params, MESSAGES[code]))


class NumberType(QuestionType):
    """``integer: true`` refuses decimals; ``min`` and ``max`` bound the value."""

    name = "number"
    summary = "a number"
    keys = (  # integer first: it decides whether min and max must be whole
        Key("integer", FlagCheck(), "true: whole numbers only"),
        Key("min", NumberCheck(), "the smallest number allowed"),
        Key("max", NumberCheck(), "the largest number allowed"),
    )

    def measure(self, variable: Variable) -> str | None:
        return "scale"

    def parse_value(self, question: Question, posted: Posted) -> Parsed:
        text = clean_text(one(posted))
        if not text:
            return Parsed()
        if len(text) > 40:
            return _problem(text, "not_a_number")
        normal = text.replace(" ", "").replace("\u00a0", "")
        if "," in normal and "." in normal:
            normal = normal.replace(".", "")  # 1.250,5 → 1250,5
        normal = normal.replace(",", ".")
        if not re.fullmatch(r"[+-]?\d+(\.\d+)?", normal):
            return _problem(text, "not_a_number")
        try:
            number = Decimal(normal)
        except InvalidOperation:
            return _problem(text, "not_a_number")
        if abs(number) >= 10**DIGITS or len(number.normalize().as_tuple().digits) > DIGITS:
            return _problem(text, "too_many_digits")
        if question.integer and number != number.to_integral_value():
            return _problem(text, "not_an_integer")
        if question.min is not None and number < Decimal(str(question.min)):
            return _problem(text, "below_min", min=question.min)
        if question.max is not None and number > Decimal(str(question.max)):
            return _problem(text, "above_max", max=question.max)
        value: int | float = int(number) if number == number.to_integral_value() else float(number)
        return Parsed(value)

    def to_form(self, question: Question, value: Any) -> Posted:
        return None if value is None else format_number(value)

    def describe(self, question: Question, value: Any, language: str | None = None) -> str:
        return "" if value is None else format_number(value)

    def value_reference(self, question: Question, name: Name) -> Reference:
        return Reference("number", None, ordered=True)

    def sample_answer(self, question: Question, samples: Samples) -> tuple[Posted, str | None]:
        low = int(question.min or 0)
        high = int(question.max or low + 10)
        return str(samples.rng.randint(low, min(high, low + 10))), None
