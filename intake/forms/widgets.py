"""The static HTML of the portal's inputs, written once per page (``intake.forms.views``)
exactly as WTForms' widgets write it (attributes sorted by name, values escaped, ``True``
bare, ``False`` left out), so that the templates add only what changes per request.
WTForms' own widgets built a field per option and formatted every attribute through
``Markup.format``: most of the time a page took.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from markupsafe import Markup, escape


def clean_key(key: str) -> str:
    """An attribute name as WTForms writes it: ``class_`` is ``class``, ``data_x`` is
    ``data-x``, ``aria_x`` is ``aria-x``."""
    key = key.rstrip("_")
    if key.startswith(("data_", "aria_")):
        key = key.replace("_", "-")
    return key


def html_params(**kwargs: Any) -> Markup:
    """WTForms' ``html_params``, without a ``Markup.format`` per attribute."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            params.append(clean_key(key))
        elif value is not False:
            text = str(escape(value)).replace('"', "&quot;")
            params.append(f'{escape(clean_key(key))}="{text}"')
    return Markup(" ".join(params))


# Attributes the templates write per request, where WTForms' sorting puts them: the
# aria-* first, then ``checked``, ``disabled``, ``selected``, and ``value`` last.
DYNAMIC = ("aria-describedby", "aria-invalid", "checked", "disabled", "selected", "value")


class Attributes(NamedTuple):
    """The static attributes of an input, before and after ``disabled`` (each with its
    leading space), so that the template can put the dynamic ones in sorted order."""

    lead: Markup
    tail: Markup


def attributes(**attrs: Any) -> Attributes:
    """Split static attributes around ``disabled``; none may sort among the dynamic
    attributes in a way the templates do not expect (aria-* before, value after)."""
    keys = {key.replace("_", "-") for key in attrs}
    if any(key in DYNAMIC or key < "aria-invalid" or key > "value" for key in keys):
        raise ValueError(f"attributes the templates cannot place: {sorted(keys)}")
    lead = html_params(**{k: v for k, v in attrs.items() if k.replace("_", "-") < "disabled"})
    tail = html_params(**{k: v for k, v in attrs.items() if k.replace("_", "-") > "disabled"})
    return Attributes(
        Markup(f" {lead}") if lead else Markup(""), Markup(f" {tail}") if tail else Markup("")
    )


class Option(NamedTuple):
    """A radio button or checkbox: its value, its attributes after ``checked`` and
    ``disabled`` (id, name, type, value), and its label element."""

    value: str
    attrs: Markup
    label: Markup


def options(name: str, input_type: str, choices: list[tuple[str, str]]) -> list[Option]:
    """The options of a radio or checkbox group, with WTForms' ids (``name-0``, ...)."""
    found = []
    for index, (value, label) in enumerate(choices):
        option_id = f"{name}-{index}"
        attrs = html_params(id=option_id, name=name, type=input_type, value=value)
        label_for = html_params(**{"for": option_id})
        found.append(
            Option(value, attrs, Markup(f"<label {label_for}>{escape(label or value)}</label>"))
        )
    return found


class SelectOption(NamedTuple):
    """An ``<option>`` of a select: its value and its HTML after ``selected``."""

    value: str
    html: Markup


def select_options(choices: list[tuple[str, str]]) -> list[SelectOption]:
    return [
        SelectOption(value, Markup(f"{html_params(value=value)}>{escape(label or value)}</option>"))
        for value, label in choices
    ]


class Row(NamedTuple):
    """A row of a matrix: its legend, field name and radio buttons."""

    label: str
    name: str
    options: list[Option]


class Rank(NamedTuple):
    """The select of one choice of a ranking: its label, field name and attributes."""

    label: str
    name: str
    attrs: Markup  # id and name, after ``disabled``
