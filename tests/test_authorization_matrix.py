"""Every route × {anonymous, coordinator of A, coordinator of B, admin}: the expected outcome.

The matrix must name every (endpoint, method) the app serves: a route added without
a row here makes this test fail, so nobody forgets to decide who may use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake.extensions import db
from intake.models import Respondent
from intake.services import accounts, open_links
from tests.support import factory, jobs
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, AuthActions
from tests.support.html import csrf_token

ROLES = ("anonymous", "coordinator_a", "coordinator_b", "admin")
SLUG = "plan-samenleven-2025"
P = f"/v/{SLUG}"
OPEN = "/admin/vragenlijsten/inspiratiedag-2022"


@dataclass(frozen=True)
class Row:
    url: str
    expected: tuple[int, int, int, int]  # per role, in ROLES order
    data: dict | None = None  # None: GET; a dict: POST (with a CSRF token added)


# URLs may use {respondent} (respondent C, whom no coordinator here represents), {token}
# (A's), {job} (a finished job with a file) and {queued} (a job no worker has started).
MATRIX: dict[tuple[str, str], Row] = {
    ("auth.index", "GET"): Row("/", (302, 302, 302, 302)),
    ("auth.login", "GET"): Row("/aanmelden", (200, 200, 200, 200)),
    ("auth.login", "POST"): Row("/aanmelden", (200, 200, 200, 200), {"email": "x@y.be",
                                                                    "password": "fout"}),
    ("auth.logout", "POST"): Row("/afmelden", (302, 302, 302, 302), {}),
    ("auth.language", "GET"): Row("/taal/en", (302, 302, 302, 302)),
    ("static", "GET"): Row("/static/intake.css", (200, 200, 200, 200)),
    ("portal.token_login", "GET"): Row("/t/{token}", (302, 302, 302, 302)),
    ("portal.home", "GET"): Row("/vragenlijst", (302, 302, 302, 302)),
    ("portal.start", "GET"): Row(f"{P}/", (401, 200, 200, 403)),
    ("portal.page", "GET"): Row(f"{P}/p/planlast", (401, 200, 200, 403)),
    ("portal.page", "POST"): Row(f"{P}/p/planlast", (401, 302, 302, 403),
                                 {"shown": "stelling", "stelling": "4", "revision": "0"}),
    ("portal.item_page", "GET"): Row(f"{P}/p/actie/5", (401, 200, 200, 403)),
    ("portal.item_page", "POST"): Row(f"{P}/p/actie/5", (401, 302, 302, 403),
                                      {"shown": "succes", "succes": "4", "revision": "0"}),
    ("portal.summary", "GET"): Row(f"{P}/overzicht", (401, 200, 200, 403)),
    ("portal.submit", "POST"): Row(f"{P}/indienen", (401, 422, 422, 403), {}),
    ("portal.submitted", "GET"): Row(f"{P}/ingediend", (401, 302, 302, 403)),
    ("admin.dashboard", "GET"): Row("/admin/", (302, 403, 403, 200)),
    ("admin.audit_log", "GET"): Row("/admin/logboek", (302, 403, 403, 200)),
    ("admin.questionnaire", "GET"): Row(f"/admin/vragenlijsten/{SLUG}", (302, 403, 403, 200)),
    ("admin.respondents", "GET"): Row(f"/admin/vragenlijsten/{SLUG}/respondenten",
                                        (302, 403, 403, 200)),
    ("admin.respondents_workbook", "GET"): Row(
        f"/admin/vragenlijsten/{SLUG}/respondenten.xlsx", (302, 403, 403, 200)),
    ("admin.respondent", "GET"): Row("/admin/respondenten/{respondent}", (302, 403, 403, 200)),
    ("admin.download_export", "POST"): Row(f"/admin/vragenlijsten/{SLUG}/export",
                                           (302, 403, 403, 302), {}),
    ("admin.registry_template", "GET"): Row(
        f"/admin/vragenlijsten/{SLUG}/register-sjabloon.xlsx", (302, 403, 403, 200)
    ),
    ("admin.import_registry", "POST"): Row(f"/admin/vragenlijsten/{SLUG}/register",
                                           (302, 403, 403, 302), {}),
    ("admin.confirm_mail", "GET"): Row(f"/admin/vragenlijsten/{SLUG}/mail/invitation",
                                       (302, 403, 403, 200)),
    ("admin.send_mail", "POST"): Row(f"/admin/vragenlijsten/{SLUG}/mail/reminder",
                                     (302, 403, 403, 302), {}),
    ("admin.settings", "POST"): Row(f"/admin/vragenlijsten/{SLUG}/instellingen",
                                    (302, 403, 403, 302), {"is_open": "1"}),
    ("admin.issue_link", "POST"): Row("/admin/respondenten/{respondent}/link",
                                      (302, 403, 403, 200), {}),
    ("admin.revoke_link", "POST"): Row("/admin/respondenten/{respondent}/link/intrekken",
                                       (302, 403, 403, 302), {}),
    ("admin.reopen", "POST"): Row("/admin/respondenten/{respondent}/heropenen",
                                  (302, 403, 403, 302), {}),
    ("admin.preview_setup", "GET"): Row(f"/admin/vragenlijsten/{SLUG}/voorbeeld",
                                        (302, 403, 403, 200)),
    ("admin.start_preview", "POST"): Row(f"/admin/vragenlijsten/{SLUG}/voorbeeld",
                                         (302, 403, 403, 302),
                                         {"soort": "stad", "province": "Antwerpen"}),
    ("admin.wipe_previews", "POST"): Row(f"/admin/vragenlijsten/{SLUG}/voorbeeld/wissen",
                                         (302, 403, 403, 302), {}),
    ("admin.job", "GET"): Row("/admin/taken/{job}", (302, 403, 403, 200)),
    ("admin.job_progress", "GET"): Row("/admin/taken/{job}/voortgang", (302, 403, 403, 200)),
    ("admin.job_file", "GET"): Row("/admin/taken/{job}/bestand", (302, 403, 403, 200)),
    ("admin.cancel_job", "POST"): Row("/admin/taken/{queued}/annuleren", (302, 403, 403, 302), {}),
    # The public link {open} of the inspiration day: anyone may start or resume; only its
    # own anonymous respondent may have a resume link mailed.
    ("portal.open_start", "GET"): Row("/o/{open}", (200, 200, 200, 200)),
    ("portal.open_resume", "POST"): Row("/o/{open}/verder", (302, 302, 302, 302),
                                        {"code": "AAAA-BBBB"}),
    ("portal.open_mail_link", "POST"): Row("/o/{open}/link-mailen", (404, 404, 404, 404),
                                           {"email": "x@voorbeeld.be"}),
    ("portal.open_begin", "POST"): Row("/o/{open}/beginnen", (302, 302, 302, 302), {}),
    ("admin.create_open_link", "POST"): Row(f"{OPEN}/open-link", (302, 403, 403, 302), {}),
    ("admin.update_open_link", "POST"): Row(f"{OPEN}/open-link/instellingen",
                                            (302, 403, 403, 302), {"max_responses": "5"}),
    ("admin.revoke_open_link", "POST"): Row(f"{OPEN}/open-link/intrekken",
                                            (302, 403, 403, 302), {}),
}  # fmt: skip


def test_matrix_covers_every_route(app: Flask) -> None:
    served = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == set(MATRIX), (
        f"routes without a row: {sorted(served - set(MATRIX))}; "
        f"rows without a route: {sorted(set(MATRIX) - served)}"
    )


def build_world(app: Flask) -> dict[str, str]:
    """Respondents A, B (each with a coordinator link) and C, and the test admin."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        a = factory.respondent(q, "A", items={"actions": ["5"]})
        b = factory.respondent(q, "B", items={"actions": ["5"]})
        c = factory.respondent(q, "C", items={"actions": ["5"]})
        accounts.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        link_a = factory.link(a)
        job, queued = jobs.finished_with_file(q), jobs.queued(q)
        day = factory.load_questionnaire(factory.INSPIRATIE)
        open_slug = open_links.create(day, "admin:test").slug
        return {"a": link_a, "b": factory.link(b), "respondent": str(c.id), "job": str(job),
                "token": link_a.removeprefix("/t/"), "queued": str(queued),
                "open": open_slug}  # fmt: skip


@pytest.fixture
def world(app: Flask) -> dict[str, str]:
    return build_world(app)


def client_for(app: Flask, role: str, world: dict[str, str]) -> FlaskClient:
    """A browser signed in as ``role``."""
    client = app.test_client()
    if role == "coordinator_a":
        client.get(world["a"])
    elif role == "coordinator_b":
        client.get(world["b"])
    elif role == "admin":
        assert AuthActions(app, client).login().status_code == 302
    return client


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(app: Flask, world: dict[str, str], role: str) -> None:
    failures = []
    shared = client_for(app, role, world)
    for (endpoint, method), row in MATRIX.items():
        # Rows that change who is signed in get a browser of their own.
        changes_session = endpoint in {"auth.logout", "auth.login", "portal.token_login",
                                       "portal.open_begin", "portal.open_resume"}  # fmt: skip
        client = client_for(app, role, world) if changes_session else shared
        url = row.url.format(**world)
        if row.data is None:
            response = client.get(url)
        else:
            token = csrf_token(client, "/aanmelden")
            response = client.post(url, data={**row.data, "csrf_token": token})
        expected = row.expected[ROLES.index(role)]
        if response.status_code != expected:
            failures.append(f"{method} {url} ({endpoint}): {response.status_code} != {expected}")
        if role == "anonymous" and expected == 302 and endpoint.startswith("admin."):
            assert "/aanmelden" in response.headers["Location"]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_pages_have_no_inline_script_or_style(app: Flask, world: dict[str, str]) -> None:
    """The CSP forbids inline script and style; every page must work under it."""
    for role in ROLES:
        client = client_for(app, role, world)
        for (_, method), row in MATRIX.items():
            if method != "GET":
                continue
            response = client.get(row.url.format(**world), follow_redirects=True)
            if "text/html" not in response.headers.get("Content-Type", ""):
                continue
            page = response.get_data(as_text=True)
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), row.url
            assert not re.search(r"\sstyle=\"", page), row.url
            assert not re.search(r"\son[a-z]+=\"", page), row.url
    with app.app_context():
        assert db.session.get(Respondent, int(world["respondent"])) is not None
