"""Read what a page shows as a browser would: parsed with lxml, never scanned with regexes.

A test asks what a form would send (``form_values``), which options are chosen, which
links and fields there are, so it does not depend on attribute order or whitespace.
"""

from __future__ import annotations

from flask.testing import FlaskClient
from lxml import html
from lxml.html import FormElement, HtmlElement

# The portal's page form: the one that posts a revision.
PAGE_FORM = '//form[.//input[@name="revision"]]'


def document(page: str | bytes) -> HtmlElement:
    return html.document_fromstring(page)


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the first form on the page at ``path``."""
    tokens = document(client.get(path).get_data()).xpath('//input[@name="csrf_token"]/@value')
    assert tokens, f"no CSRF token on {path}"
    return str(tokens[0])


def form(page: str | bytes, xpath: str = PAGE_FORM) -> FormElement:
    (found,) = document(page).xpath(xpath)
    assert isinstance(found, FormElement)
    return found


def form_values(page: str | bytes, xpath: str = PAGE_FORM) -> list[tuple[str, str]]:
    """What the form would send if submitted now: text as typed, checked boxes and radio
    buttons, selected options, hidden fields; nothing of disabled fields."""
    return [(str(name), str(value)) for name, value in form(page, xpath).form_values()]


def values(page: str | bytes, name: str, xpath: str = PAGE_FORM) -> list[str]:
    """The values the form would send for the field ``name``."""
    return [value for field, value in form_values(page, xpath) if field == name]


def shown(page: str | bytes, name: str) -> list[str]:
    """What the fields ``name`` show, disabled (read-only) or not: the text in a text field,
    the values of checked boxes and buttons and of selected options."""
    found: list[str] = []
    for field in document(page).xpath(f'//*[@name="{name}"]'):
        if field.tag == "textarea":
            found.append(field.value.removeprefix("\n"))  # a browser drops that first newline
        elif field.tag == "select":
            chosen = field.value
            found += list(chosen) if field.multiple else [] if chosen is None else [chosen]
        elif field.get("type") in {"checkbox", "radio"}:
            found += [field.get("value", "on")] if field.checked else []
        elif field.get("type") not in {"hidden", "submit", "button", "image", "reset", "file"}:
            found.append(field.value or "")
    return found


def options(page: str | bytes, name: str) -> list[str]:
    """The values of the options of the select ``name``, in order."""
    return [str(v) for v in document(page).xpath(f'//select[@name="{name}"]/option/@value')]


def is_disabled(page: str | bytes, name: str) -> bool:
    fields = document(page).xpath(f'//*[@name="{name}"]')
    assert fields, f"no field {name}"
    return all(field.get("disabled") is not None for field in fields)


def links(page: str | bytes) -> list[str]:
    """Every link target on the page, in order, once."""
    return list(dict.fromkeys(str(href) for href in document(page).xpath("//a/@href")))


def table_rows(page: str | bytes) -> list[list[str]]:
    """The text of each body row's cells, in every table of the page."""
    rows = []
    for row in document(page).xpath("//tr[td]"):
        rows.append([" ".join(cell.text_content().split()) for cell in row.xpath("./td")])
    return rows
