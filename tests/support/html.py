"""Small helpers to read what a page shows, as a user or browser would."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the first form on the page at ``path``."""
    page = client.get(path).get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def table_rows(page: str) -> list[list[str]]:
    """The text of each body row's cells, in every table of the page (tags dropped)."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if cells:
            text = (re.sub(r"<[^>]+>", " ", cell) for cell in cells)
            rows.append([" ".join(html.unescape(t).split()) for t in text])
    return rows
