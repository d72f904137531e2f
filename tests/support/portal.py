"""Drive the portal through the Flask test client as a coordinator would."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_HIDDEN = re.compile(r'<input type="hidden" name="(csrf_token|revision|shown)" value="([^"]*)"')
_PAGE_LINK = re.compile(r'href="(/v/[^"]+/p/[^"]+)"')

FormData = Mapping[str, Any] | Iterable[tuple[str, str]]


def hidden_fields(html: str) -> dict[str, Any]:
    """The hidden inputs of the page form: csrf_token, revision and the shown questions."""
    found: dict[str, Any] = {"shown": []}
    for name, value in _HIDDEN.findall(html):
        if name == "shown":
            found["shown"].append(value)
        else:
            found[name] = value
    return found


def page_links(html: str) -> list[str]:
    seen: list[str] = []
    for link in _PAGE_LINK.findall(html):
        if link not in seen:
            seen.append(link)
    return seen


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
    return client.post(path, data=_multidict(pairs), headers=headers)


def _multidict(pairs: list[tuple[str, str]]) -> Any:
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)
