"""Requests an attacker crafts: redirects off-site, CR/LF and NUL in URLs, huge ids.

Each case here was found by an attack on Intake; none may answer 5xx, and no redirect
may leave the site. The cases that reach the database run on SQLite and PostgreSQL
(NUL and integer overflow only fail on PostgreSQL).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import factory

SITE = "https://enquete.vvsg.be"
SLUG = "plan-samenleven-2025"


def browser_target(location: str, base: str = f"{SITE}/taal/en") -> str:
    """Where a browser goes for this Location header (the WHATWG URL parser, simplified):
    it drops tabs and newlines anywhere, C0 controls and spaces at both ends, and reads a
    backslash as a slash in http(s) URLs."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("".join(map(chr, range(0x21))))
    return urljoin(base, cleaned.replace("\\", "/"))


def stays_on_site(location: str) -> bool:
    target = urlsplit(browser_target(location))
    return (target.scheme, target.netloc) == ("https", "enquete.vvsg.be")


OFF_SITE = [
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r\n/evil.com",
    "//evil.com",
    "///evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "\\/evil.com",
    " //evil.com",
    "\x00//evil.com",
    "/\x00/evil.com",
    "https://evil.com",
    "http:evil.com",
    "HTTPS://evil.com/",
    "javascript:alert(1)",
    "evil.com",
    "@evil.com",
    "/%09/evil.com",  # arrives as text "%09", which a browser does not decode: harmless
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_never_redirects_off_site(client, target: str) -> None:
    response = client.get(f"/taal/en?next={quote(target, safe='')}")
    assert response.status_code in (302, 400), target
    if response.status_code == 302:
        assert stays_on_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", ["/v/plan-samenleven-2025/p/actie/5", "/admin/?x=1", "/"])
def test_language_switch_returns_to_the_page_it_came_from(client, target: str) -> None:
    response = client.get(f"/taal/en?next={quote(target, safe='')}")
    assert response.status_code == 302 and response.headers["Location"] == target


def test_language_switch_falls_back_to_the_start_page(client) -> None:
    response = client.get("/taal/en?next=https://evil.com/")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_language_switch_with_a_header_injection_is_a_bad_request(client) -> None:
    response = client.get("/taal/nl?next=/%0d%0aX:1")
    assert response.status_code == 400
    assert "X" not in response.headers


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_local_path_only_ever_accepts_same_site_paths(target: str) -> None:
    from intake.web_security import local_path

    accepted = local_path(target)
    assert accepted is None or (accepted == target and stays_on_site(accepted)), target


@pytest.fixture
def plan(app: Flask) -> str:
    with app.app_context():
        questionnaire = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(questionnaire, "A", items={"actions": ["5"]})
        return factory.link(respondent)


ADMIN_URLS = [
    "/admin/respondenten/99999999999999999999999",
    "/admin/respondenten/2147483648",
    "/admin/respondenten/0",
    f"/admin/vragenlijsten/{SLUG}/respondenten?search=a%00b",
    f"/admin/vragenlijsten/{SLUG}/respondenten?status=%00",
    "/admin/vragenlijsten/a%00b",
    "/admin/vragenlijsten/a%00b/respondenten",
    "/admin/logboek?vragenlijst=a%00",
    "/admin/logboek?vragenlijst=a%00&format=csv",
]


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_admin_urls_with_nul_or_huge_ids_are_refused(
    app: Flask, plan: str, url: str, admin_client: FlaskClient
) -> None:
    admin = admin_client
    assert admin.get(url).status_code in (400, 404), url


PORTAL_URLS = ["/v/a%00b/p/x", f"/v/{SLUG}/p/a%00b", f"/v/{SLUG}/p/actie/5%00"]


@pytest.mark.parametrize("role", ["anonymous", "coordinator"])
@pytest.mark.parametrize("url", [*PORTAL_URLS, f"/v/{SLUG}/?x=%00", "/t/a%00b"])
def test_portal_urls_with_nul_are_refused(app: Flask, plan: str, role: str, url: str) -> None:
    client = app.test_client()
    if role == "coordinator":
        client.get(plan)
    assert client.get(url).status_code in (400, 404), url
    if url in PORTAL_URLS:
        assert client.post(url, data={"opmerkingen": "x"}).status_code in (400, 404), url
