"""Drive the portal through the Flask test client as a coordinator would."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from tests.support.html import document, links

FormData = Mapping[str, Any] | Iterable[tuple[str, str]]
MACHINERY = ("csrf_token", "revision", "shown")


def hidden_fields(page: str) -> dict[str, Any]:
    """The hidden inputs of the page: csrf_token, revision and the questions shown."""
    found: dict[str, Any] = {"shown": []}
    for field in document(page).xpath('//input[@type="hidden"]'):
        name, value = field.get("name"), field.get("value", "")
        if name == "shown":
            found["shown"].append(value)
        elif name in MACHINERY:
            found[name] = value
    return found


def page_links(page: str) -> list[str]:
    """The links to the pages of the questionnaire, in order, once."""
    return [link for link in links(page) if link.startswith("/v/") and "/p/" in link]


def post_page(
    client: FlaskClient,
    path: str,
    data: FormData,
    action: str = "opslaan",
    *,
    hidden: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """Post a page as its form would: the page's hidden fields plus ``data``."""
    if hidden is None:
        hidden = hidden_fields(client.get(path).get_data(as_text=True))
    pairs: list[tuple[str, str]] = []
    items = [*hidden.items(), *(data.items() if isinstance(data, Mapping) else data)]
    for name, value in items:
        if isinstance(value, list | tuple):
            pairs.extend((name, str(v)) for v in value)
        else:
            pairs.append((name, str(value)))
    pairs.append(("action", action))
    return client.post(path, data=MultiDict(pairs), headers=headers)
