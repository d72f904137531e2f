"""Faster rendering of the portal's inputs, with exactly the HTML WTForms writes.

A page of checkboxes made WTForms build a whole field per option and format every
attribute through ``Markup.format``: most of the time a page took. Here a choice
field yields light options, and attributes are joined once; the markup is the same
(attributes sorted by name, values escaped, ``True`` bare, ``False`` left out), so
templates and tests see no difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from markupsafe import Markup, escape
from wtforms import RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectFieldBase
from wtforms.widgets import CheckboxInput, ListWidget, TextInput


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


class OptionLabel:
    """The label of one option: ``label()`` in a template, as WTForms' ``Label``."""

    __slots__ = ("field_id", "text")

    def __init__(self, field_id: str, text: Any) -> None:
        self.field_id = field_id
        self.text = text

    def __call__(self, text: Any = None, **kwargs: Any) -> Markup:
        kwargs.setdefault("for", kwargs.pop("for_", self.field_id))
        attributes = html_params(**kwargs)
        attributes = Markup(f" {attributes}") if attributes else Markup("")
        return Markup(f"<label{attributes}>{escape(text or self.text)}</label>")

    __str__ = __html__ = __call__


class Option:
    """One radio button or checkbox of a choice field: its id, name, value, whether it
    is checked, and its label; calling it renders the input."""

    __slots__ = ("id", "name", "data", "checked", "input_type", "label")

    def __init__(
        self, id: str, name: str, data: str, checked: bool, input_type: str, label: Any
    ) -> None:
        self.id = id
        self.name = name
        self.data = data
        self.checked = checked
        self.input_type = input_type
        self.label = OptionLabel(id, label)

    def __call__(self, **kwargs: Any) -> Markup:
        if self.checked:
            kwargs.setdefault("checked", True)
        kwargs.setdefault("id", self.id)
        kwargs.setdefault("type", self.input_type)
        kwargs.setdefault("value", str(self.data))
        return Markup(f"<input {html_params(name=self.name, **kwargs)}>")

    __str__ = __html__ = __call__


def light_options(field: SelectFieldBase, input_type: str) -> Iterator[Option]:
    """The options of a choice field, as iterating it in WTForms yields them."""
    for index, (value, label, selected, _render_kw) in enumerate(field.iter_choices()):
        yield Option(f"{field.id}-{index}", field.name, value, selected, input_type, label or value)


class RadiosField(RadioField):
    """Radio buttons; iterating yields light ``Option``s."""

    def __iter__(self) -> Iterator[Option]:  # type: ignore[override]
        return light_options(self, "radio")


class CheckboxesField(SelectMultipleField):
    """Checkboxes for a multiple-choice question; iterating yields light ``Option``s."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __iter__(self) -> Iterator[Option]:  # type: ignore[override]
        return light_options(self, "checkbox")


class FastTextInput(TextInput):
    html_params = staticmethod(html_params)


class TextField(StringField):
    """A text input (any ``type``) rendered with the faster ``html_params``."""

    widget = FastTextInput()
