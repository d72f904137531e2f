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
    cell: ClassVar[str]  # what a registry cell holds, in Dutch ({choices}: the choices)
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
    cell = "één van: {choices} (de waarde of het label)"
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
        name = attribute.label.get().lower()
        return None, f"onbekende waarde '{text}' voor {name} (kies uit {options})"

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
    cell = "een geheel getal, bv. 2024"
    breaks_down = True
    numeric = True

    def read(self, attribute: Attribute, text: str) -> tuple[Any, str | None]:
        normal = text.replace(" ", "").removesuffix(".0").removesuffix(",0")  # Excel's 2022.0
        if normal.lstrip("-").isdigit() and len(normal) <= 18:
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
    cell = "een getal; een decimale komma mag, bv. 120,50"
    summarised = True
    numeric = True

    def read(self, attribute: Attribute, text: str) -> tuple[Any, str | None]:
        number = _number(text)
        if number is None:
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
    cell = "tekst"


class ListType(AttributeType):
    name = "list"
    doc = "several values separated by ';', e.g. member municipalities"
    cell = "een of meer waarden, gescheiden door ';'"
    covers = True

    def read(self, attribute: Attribute, text: str) -> tuple[Any, str | None]:
        return [part.strip() for part in re.split(r"[;\n]+", text) if part.strip()], None

    def reference(self, attribute: Attribute) -> Reference:
        return Reference("list", None)

    def example(self, attribute: Attribute, number: int) -> Any:
        return "; ".join(f"Voorbeeld {letter}" for letter in "AB"[:number])


_PLAIN_NUMBER = re.compile(r"(\d+)(?:[.,](\d+))?([eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"(\d{1,3}([.,])\d{3}(?:\2\d{3})*)(?:([.,])(\d+))?")


def _number(text: str) -> float | None:
    """A number as Belgian files write it (``120,5``, ``1.234,50``, ``€ 12``) or as other
    tools do (``1234.5``, ``1,234.50``, ``1.5e-05``): one ',' or '.' is the decimal mark;
    a repeated one, or the first of two different ones, groups thousands."""
    normal = text.replace(" ", "").replace("\u00a0", "").replace("€", "")
    sign = "-" if normal.startswith("-") else ""
    normal = normal.removeprefix("-")
    plain = _PLAIN_NUMBER.fullmatch(normal)
    if plain is not None:
        whole, fraction, exponent = plain.group(1), plain.group(2), plain.group(3) or ""
    else:
        grouped = _GROUPED_NUMBER.fullmatch(normal)
        if grouped is None or grouped.group(3) == grouped.group(2):
            return None
        whole, fraction, exponent = grouped.group(1).replace(grouped.group(2), ""), \
            grouped.group(4), ""  # fmt: skip
    number = float(f"{sign}{whole}.{fraction or 0}{exponent}")
    return number if math.isfinite(number) else None


ATTRIBUTE_TYPES: dict[str, AttributeType] = {
    t.name: t for t in (ChoiceType(), IntegerType(), NumberType(), TextType(), ListType())
}


def attribute_type(attribute: Attribute) -> AttributeType:
    return ATTRIBUTE_TYPES[attribute.type]
