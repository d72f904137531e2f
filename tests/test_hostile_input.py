"""Hostile input, property-based: random and hostile values posted to every page of both
questionnaires never cause a server error, never come back as live HTML, and never
leave a value outside the questionnaire in the database."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote, unquote

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from intake.extensions import db, limiter
from intake.forms.page import field_names
from intake.models import Answer, Questionnaire, Respondent
from intake.questionnaire import repeat_items
from intake.questionnaire.types import parse, to_form
from intake.services import export, questionnaires, response_state, responses
from tests.support import factory
from tests.support.html import csrf_token
from tests.support.portal import hidden_fields

MARKER = '<b id="hostile">x</b>'
HOSTILE_TEXTS = [
    MARKER,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://x","y")',
    "x" * 120_000,
    "nul\x00byte",
    "\u202eomgekeerd",
    "🙂 ë ß 中文",
    "' OR 1=1 --",
    "",
    "12,5",
    "-1e309",
    "1/1/1",
    "2025-02-30",
]
texts = st.one_of(st.sampled_from(HOSTILE_TEXTS), st.text(max_size=300))


def _pages(app: Flask, slug: str, respondent_id: int) -> list[tuple[str, list[str], list[str]]]:
    """(url, field names, choice values) of every page the respondent can get."""
    with app.app_context():
        respondent = db.session.get(Respondent, respondent_id)
        state = response_state.load_state(respondent)
        result = []
        for section in state.questionnaire.sections:
            items = [None] if section.repeat_for is None else [
                c for c, _ in repeat_items(state.questionnaire, section)[:3]
            ]  # fmt: skip
            for item in items:
                url = f"/v/{slug}/p/{section.id}" + (f"/{item}" if item else "")
                names = [n for q in section.questions for n in field_names(q)]
                values = [str(c.value) for q in section.questions for c in q.choices]
                result.append((url, names, values))
        return result


@pytest.fixture
def coordinators(app: Flask) -> dict[str, Any]:
    with app.app_context():
        plan = factory.load_questionnaire(factory.PLAN)
        day = factory.load_questionnaire(factory.INSPIRATIE)
        p = factory.respondent(plan, "P1", kind="igs", items={"actions": ["2", "5", "15"]})
        d = factory.respondent(day, "D1", kind="gemeente")
        links = {"plan-samenleven-2025": (p.id, factory.link(p)),
                 "inspiratiedag-2022": (d.id, factory.link(d))}  # fmt: skip
    clients = {}
    for slug, (respondent_id, link) in links.items():
        client = app.test_client()
        client.get(link)
        clients[slug] = (client, respondent_id, _pages(app, slug, respondent_id))
    return clients


@st.composite
def submissions(draw: st.DrawFn, pages: list) -> tuple[str, list[tuple[str, str]]]:
    url, names, values = draw(st.sampled_from(pages))
    known = st.sampled_from(names) if names else st.just("x")
    name = st.one_of(
        known,
        known,
        st.text(min_size=1, max_size=20),
        st.sampled_from(["shown", "revision", "csrf_token", "action", "access_link", "__proto__"]),
    )
    value = st.one_of(texts, st.sampled_from(values or ["x"]), st.integers().map(str))
    pairs = draw(st.lists(st.tuples(name, value), max_size=25))
    shown = draw(st.lists(st.sampled_from([n.split("__")[0] for n in names] or ["x"]),
                          max_size=10))  # fmt: skip
    action = draw(st.sampled_from(["opslaan", "volgende", "vorige", "autosave", "???"]))
    return url, [*pairs, *(("shown", s) for s in shown), ("action", action)]


def _assert_only_valid_values(app: Flask, respondent_id: int) -> None:
    """Every stored valid value is one the questionnaire accepts; invalid ones are text."""
    with app.app_context():
        respondent = db.session.get(Respondent, respondent_id)
        response = respondent.response
        model = questionnaires.model_of(response.questionnaire_version) if response else None
        if model is None:
            return
        for answer in db.session.scalars(
            select(Answer).where(Answer.response_id == respondent.response.id)
        ):
            question = model.question(answer.section, answer.question.split(".")[0])
            assert question is not None, answer.question
            if not answer.is_valid:
                assert answer.value is None and (answer.raw is None or isinstance(answer.raw, str))
                continue
            if answer.question.endswith(".other_text"):  # text, or None once cleared
                assert answer.value is None or (
                    isinstance(answer.value, str) and "\x00" not in answer.value
                )
                continue
            again = parse(question, to_form(question, answer.value))[question.id]
            assert again.problem is None and again.value == answer.value, answer.question


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_posts_never_break_anything(app: Flask, coordinators: dict, data: Any) -> None:
    slug = data.draw(st.sampled_from(sorted(coordinators)))
    client, respondent_id, pages = coordinators[slug]
    url, pairs = data.draw(submissions(pages))
    page = client.get(url)
    assert page.status_code in (200, 302), (url, page.status_code)
    hidden = hidden_fields(page.get_data(as_text=True))
    form = MultiDict([("csrf_token", hidden.get("csrf_token", "")),
                      ("revision", hidden.get("revision", "0")), *pairs])  # fmt: skip
    response = client.post(url, data=form)
    assert response.status_code < 500, (url, pairs)
    for shown_url in (url, f"/v/{slug}/overzicht", f"/v/{slug}/"):
        html = client.get(shown_url).get_data(as_text=True)
        assert MARKER not in html and "<script>alert" not in html
        assert not re.search(r"<img src=x", html)
    _assert_only_valid_values(app, respondent_id)


def test_export_of_hostile_answers_has_no_formula_or_markup(app: Flask, coordinators: dict) -> None:
    client, respondent_id, _ = coordinators["plan-samenleven-2025"]
    with app.app_context():
        respondent = db.session.get(Respondent, respondent_id)
        for i, text in enumerate(HOSTILE_TEXTS):
            state = response_state.load_state(respondent)
            responses.save_page(respondent, "afsluiting", None, {"opmerkingen": (text, None)},
                                state.revision, "hostile")  # fmt: skip
            state = response_state.load_state(respondent)
            responses.save_page(respondent, "actie", "5", {"succes_toelichting": (text, None),
                                                    "succes": (str(i % 5 + 1), None)},
                                state.revision, "hostile")  # fmt: skip
        buffer = io.BytesIO()
        export.write(db.session.scalar(select(Questionnaire).where(
            Questionnaire.slug == "plan-samenleven-2025")), buffer,
            options=export.ExportOptions(include_drafts=True))  # fmt: skip
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert "\x00" not in cell.value


# --------------------------------------------------------------------------- every route

# Control characters, CR/LF, tabs, backslashes, and percent-encoded variants of them
# (double-encoded too), as they appear in a URL.
URL_FRAGMENTS = [
    "%00",
    "%2500",
    "%0d%0a",
    "%0D%0AX-Injected:%201",
    "%09",
    "%0b",
    "%1b",
    "%7f",
    "%c2%85",
    "%5c",
    "%5C%5C",
    "%2f%2f",
    "%252f",
    "%2e%2e%2f",
    "..%5c",
    "%e2%80%ae",
    "%ef%bf%bf",
    "%ff",
    "%c0%80",
    "%",
    "%zz",
    "\\",
    "\\\\evil.com",
    "//evil.com",
    "/%09/evil.com",
]
HOSTILE_CHARS = "".join(map(chr, range(0x20))) + "\x7f\x85\\%/?#&=+ \u2028\u202e\ufeff"
fragments = st.one_of(
    st.just("%00"),
    st.sampled_from(URL_FRAGMENTS),
    st.text(alphabet=HOSTILE_CHARS, min_size=1, max_size=6).map(lambda t: quote(t, safe="")),
)
QUERY_KEYS = ["next", "search", "status", "kind", "province", "item", "vragenlijst", "format",
              "drafts", "identities", "x"]  # fmt: skip
FORM_KEYS = ["email", "password", "is_open", "live_version", "skip_invalid", "access_link",
             "revision", "shown", "action", "stelling", "succes", "opmerkingen"]  # fmt: skip
# Rows that change who is signed in run in a browser of their own.
SESSION_CHANGING = {"auth.logout", "auth.login", "portal.token_login"}


@st.composite
def hostile_requests(
    draw: st.DrawFn, world: dict[str, str], variables: dict[str, list[int]]
) -> tuple[tuple[str, str], str, list]:
    """A route of the authorization matrix, its URL with hostile parts in the path and the
    query string, and hostile form values. ``variables`` gives the positions of each
    endpoint's route variables (slug, id, token...): most mutations go there, where the
    value reaches the code (and the database) instead of missing every route."""
    from tests.test_authorization_matrix import MATRIX

    key = draw(st.sampled_from(sorted(MATRIX)))
    path = MATRIX[key].url.format(**world)
    where = draw(st.sampled_from(["segment", "inside", "append", "query"]))
    fragment = draw(fragments)
    segments = path.split("/")
    positions = variables.get(key[0]) or list(range(1, len(segments)))
    index = draw(st.one_of(st.sampled_from(positions), st.integers(1, len(segments) - 1)))
    if where == "segment":  # a segment becomes hostile
        segments[index] = fragment
    elif where == "inside":  # hostile characters inside a segment
        cut = draw(st.integers(0, len(segments[index])))
        segments[index] = segments[index][:cut] + fragment + segments[index][cut:]
    elif where == "append":
        segments.append(fragment)
    path = "/".join(segments)
    if path.startswith("//"):  # the test client would read "//x" as a host, not a path
        path = "/" + path.lstrip("/")
    pairs = draw(st.lists(st.tuples(st.sampled_from(QUERY_KEYS), fragments), max_size=3))
    if where == "query":
        pairs.append((draw(st.sampled_from(QUERY_KEYS)), fragment))
    query = "&".join(f"{k}={v}" for k, v in pairs)
    form = draw(st.lists(st.tuples(st.sampled_from(FORM_KEYS), fragments), max_size=3))
    return key, path + ("?" + query if query else ""), [
        (k, unquote(v, errors="surrogateescape").encode("utf-8", "surrogateescape")
         .decode("utf-8", "replace")) for k, v in form
    ]  # fmt: skip


@pytest.fixture
def matrix_browsers(app: Flask, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The authorization matrix's world, and one signed-in browser (and CSRF token) per role,
    made once for all examples. Rate limits are off: hundreds of requests in a few seconds
    would answer 429 and hide the rest."""
    from tests.test_authorization_matrix import ROLES, build_world, client_for

    monkeypatch.setattr(limiter, "enabled", False)
    world = build_world(app)
    variables = {
        rule.endpoint: [i for i, part in enumerate(rule.rule.split("/")) if part.startswith("<")]
        for rule in app.url_map.iter_rules()
    }
    browsers: dict[str, Any] = {"app": app, "world": world, "variables": variables}
    for role in ROLES:
        client = client_for(app, role, world)
        browsers[role] = (client, csrf_token(client, "/aanmelden"))
    return browsers


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_urls_on_every_route_never_give_a_server_error(
    matrix_browsers: dict[str, Any], data: Any
) -> None:
    """NUL and other control characters in the paths, query strings and form values of
    every route, each as anonymous visitor, coordinator and admin: never a 5xx."""
    from tests.test_authorization_matrix import ROLES, client_for

    app, world = matrix_browsers["app"], matrix_browsers["world"]
    (endpoint, method), url, form = data.draw(hostile_requests(world, matrix_browsers["variables"]))
    for role in ROLES:
        if endpoint in SESSION_CHANGING:
            client = client_for(app, role, world)
            token = csrf_token(client, "/aanmelden")
        else:
            client, token = matrix_browsers[role]
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data=MultiDict([("csrf_token", token), *form]))
        assert response.status_code < 500, (role, method, url, form)
