"""Faster rendering of the portal's inputs, with exactly the HTML WTForms writes.

A page of checkboxes made WTForms build a whole field per option and format every
attribute through ``Markup.format``: most of the time a page took. Here a choice
field yields light options, and attributes are joined once; the markup is the same
(attributes sorted by name, values escaped, ``True`` bare, ``False`` left out), so
templates and tests see no difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from markupsafe import Markup, escape
from wtforms import RadioField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget, TextInput
from wtforms.widgets.core import clean_key


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


class LightOptions:
    """Iterating a choice field yields ``Option``s instead of a field per option."""

    input_type: ClassVar[str]

    def __iter__(self) -> Iterator[Option]:  # type: ignore[override]
        name = self.name  # type: ignore[attr-defined]
        prefix = self.id  # type: ignore[attr-defined]
        for index, choice in enumerate(self.iter_choices()):  # type: ignore[attr-defined]
            yield Option(
                f"{prefix}-{index}",
                name,
                choice.value,
                choice.selected,
                self.input_type,
                choice.label or choice.value,
            )


class RadiosField(LightOptions, RadioField):
    """Radio buttons."""

    input_type = "radio"


class CheckboxesField(LightOptions, SelectMultipleField):
    """Checkboxes for a multiple-choice question."""

    input_type = "checkbox"
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FastTextInput(TextInput):
    html_params = staticmethod(html_params)


class TextField(StringField):
    """A text input (any ``type``) rendered with the faster ``html_params``."""

    widget = FastTextInput()
