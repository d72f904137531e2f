"""The types of registry attributes (``respondents: attributes``), one class per type.

Each type says how a registry cell becomes its value (or a Dutch reason it cannot), how
SQL reads the stored value, what conditions may do with it, whether the response rate
is broken down by it, and what the registry template shows as an example. Nothing else
branches on an attribute type's name (a test scans for it).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, ClassVar

from intake.questionnaire.conditions import Reference

if TYPE_CHECKING:
    from intake.questionnaire.model import Attribute


class AttributeType:
    name: ClassVar[str]
    doc: ClassVar[str]
    has_choices: ClassVar[bool] = False  # needs 'choices'
    breaks_down: ClassVar[bool] = False  # the rate is broken down by its values
    summarised: ClassVar[bool] = False  # a number summarised by min, median and max
    covers: ClassVar[bool] = False  # may name the units a respondent stands for
    numeric: ClassVar[bool] = False  # typed as a number (a number keyboard on phones)

    def read(self, attribute: Attribute, text: str) -> tuple[Any, str | None]:
        """The value of a non-empty, stripped cell, or None and a Dutch reason."""
        return " ".join(text.split()), None

    def sql(self, attribute: Attribute) -> str:
        """How SQL extracts the stored JSON value: string, int or float."""
        return "string"

    def reference(self, attribute: Attribute) -> Reference:
        """What a condition sees of ``respondent.<id>``."""
        return Reference("text", None)

    def example(self, attribute: Attribute, number: int) -> Any:
        """A value for example row ``number`` (1 or 2) of the registry template."""
        return f"Voorbeeld {number}"


class ChoiceType(AttributeType):
    name = "choice"
    doc = "one of its choices (a choice list's name, or choices written inline)"
    has_choices = True
    breaks_down = True

    def read(self, attribute: Attribute, text: str) -> tuple[Any, str | None]:
        lowered = text.lower()
        for choice in attribute.choices:
            labels = {v.lower() for v in choice.label.values.values()}
            whole = isinstance(choice.value, int) and lowered.removesuffix(".0") == str(
                choice.value
            )
            if lowered == str(choice.value).lower() or lowered in labels or whole:
                return choice.value, None
        options = ", ".join(str(c.label) for c in attribute.choices)
        return None, f"onbekende {attribute.label.get().lower()} '{text}' (kies uit {options})"

    def _whole(self, attribute: Attribute) -> bool:
        return bool(attribute.choices) and all(isinstance(c.value, int) for c in attribute.choices)

    def sql(self, attribute: Attribute) -> str:
        return "int" if self._whole(attribute) else "string"

    def reference(self, attribute: Attribute) -> Reference:
        values = frozenset(c.value for c in attribute.choices)
        whole = self._whole(attribute)
        return Reference("number" if whole else "text", values, ordered=whole)

    def example(self, attribute: Attribute, number: int) -> Any:
        return str(attribute.choices[(number - 1) % len(attribute.choices)].label)


class IntegerType(AttributeType):
    name = "integer"
    doc = "a whole number, e.g. a year"
    breaks_down = True
    numeric = True

    def read(self, attribute: Attribute, text: str) -> tuple[Any, str | None]:
        normal = text.replace(" ", "").removesuffix(".0")
        if normal.lstrip("-").isdigit():
            return int(normal), None
        return None, f"'{text}' is geen geheel getal"

    def sql(self, attribute: Attribute) -> str:
        return "int"

    def reference(self, attribute: Attribute) -> Reference:
        return Reference("number", None, ordered=True)

    def example(self, attribute: Attribute, number: int) -> Any:
        return 2023 + number


class NumberType(AttributeType):
    name = "number"
    doc = "a number, e.g. a cost in euro"
    summarised = True
    numeric = True

    def read(self, attribute: Attribute, text: str) -> tuple[Any, str | None]:
        normal = text.replace(" ", "").replace("€", "")
        if "," in normal:  # Belgian decimal comma, perhaps with thousands dots
            normal = normal.replace(".", "").replace(",", ".")
        try:
            number = float(normal)
        except ValueError:
            return None, f"'{text}' is geen getal"
        if not math.isfinite(number):
            return None, f"'{text}' is geen getal"
        return (int(number) if number.is_integer() else number), None

    def sql(self, attribute: Attribute) -> str:
        return "float"

    def reference(self, attribute: Attribute) -> Reference:
        return Reference("number", None, ordered=True)

    def example(self, attribute: Attribute, number: int) -> Any:
        return 120.5 * number


class TextType(AttributeType):
    name = "text"
    doc = "free text"


class ListType(AttributeType):
    name = "list"
    doc = "several values separated by ';', e.g. member municipalities"
    covers = True

    def read(self, attribute: Attribute, text: str) -> tuple[Any, str | None]:
        return [part.strip() for part in re.split(r"[;\n]+", text) if part.strip()], None

    def reference(self, attribute: Attribute) -> Reference:
        return Reference("list", None)

    def example(self, attribute: Attribute, number: int) -> Any:
        return "Gemeente A; Gemeente B" if number == 2 else ""


ATTRIBUTE_TYPES: dict[str, AttributeType] = {
    t.name: t for t in (ChoiceType(), IntegerType(), NumberType(), TextType(), ListType())
}


def attribute_type(attribute: Attribute) -> AttributeType:
    return ATTRIBUTE_TYPES[attribute.type]
