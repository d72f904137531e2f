"""Who can reach which portal URL: coordinator A never reads or writes B's response."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake.extensions import db
from intake.models import Respondent
from intake.services import response_state, responses
from tests.support import factory
from tests.support.html import csrf_token
from tests.support.portal import hidden_fields, post_page

BASE = "/v/plan-samenleven-2025"
SECRET = "Vertrouwelijk antwoord van bestuur B"

GET_URLS = [
    f"{BASE}/",
    f"{BASE}/p/organisatie",
    f"{BASE}/p/actie/5",
    f"{BASE}/p/afsluiting",
    f"{BASE}/overzicht",
    f"{BASE}/ingediend",
    "/vragenlijst",
]
POST_URLS = [f"{BASE}/p/organisatie", f"{BASE}/p/actie/5", f"{BASE}/p/afsluiting"]


@pytest.fixture
def two_respondents(app: Flask) -> dict[str, tuple[int, str]]:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        a = factory.respondent(q, "A", name="Gemeente Aalst-test", items={"actions": ["5"]})
        b = factory.respondent(q, "B", name="Gemeente Beveren-test", items={"actions": ["5"]})
        for respondent in (a, b):
            state = response_state.load_state(respondent)
            posted = {"opmerkingen": (f"{SECRET}" if respondent is b else "A schrijft dit", None)}
            responses.save_page(respondent, "afsluiting", None, posted, state.revision, "setup")
            state = response_state.load_state(respondent)
            posted = {"succes_toelichting": (f"{respondent.code}: uitleg", None)}
            responses.save_page(respondent, "actie", "5", posted, state.revision, "setup")
        return {"A": (a.id, factory.link(a)), "B": (b.id, factory.link(b))}


def _answers(app: Flask, respondent_id: int) -> dict:
    with app.app_context():
        return dict(response_state.load_state(db.session.get(Respondent, respondent_id)).answers)


@pytest.mark.parametrize("url", GET_URLS)
def test_coordinator_a_never_sees_b(app: Flask, two_respondents: dict, url: str) -> None:
    client = app.test_client()
    client.get(two_respondents["A"][1])
    response = client.get(url, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, url
    assert SECRET not in page and "Beveren" not in page and "B: uitleg" not in page


@pytest.mark.parametrize("url", POST_URLS)
def test_coordinator_a_never_writes_b(app: Flask, two_respondents: dict, url: str) -> None:
    a_id, a_link = two_respondents["A"]
    b_id, _ = two_respondents["B"]
    before = _answers(app, b_id)
    client = app.test_client()
    client.get(a_link)
    data = {"opmerkingen": "overschreven", "succes_toelichting": "overschreven", "naam": "x"}
    result = post_page(client, url, data)
    assert result.status_code == 302
    assert _answers(app, b_id) == before
    assert "overschreven" in str(_answers(app, a_id)) or "x" in str(_answers(app, a_id))


def test_submit_url_acts_only_on_own_respondent(app: Flask, two_respondents: dict) -> None:
    client = app.test_client()
    client.get(two_respondents["A"][1])
    client.post(
        f"{BASE}/indienen",
        data={"csrf_token": csrf_token(client, f"{BASE}/overzicht"), "confirm": "ja"},
    )
    with app.app_context():
        b = db.session.get(Respondent, two_respondents["B"][0])
        assert b.response.status == "draft"


def test_other_questionnaire_urls_are_not_found(app: Flask, two_respondents: dict) -> None:
    with app.app_context():
        factory.load_questionnaire(factory.INSPIRATIE)
    client = app.test_client()
    client.get(two_respondents["A"][1])
    assert client.get("/v/inspiratiedag-2022/").status_code == 404
    assert client.get("/v/inspiratiedag-2022/p/deelname").status_code == 404
    assert client.get("/v/bestaat-niet/overzicht").status_code == 404


def test_anonymous_and_admin_cannot_use_portal_pages(
    app: Flask, two_respondents: dict, admin_client: FlaskClient
) -> None:
    anonymous = app.test_client()
    for url in GET_URLS[:-1]:
        response = anonymous.get(url)
        assert response.status_code == 401, url
        assert SECRET not in response.get_data(as_text=True)
    admin = admin_client
    assert admin.get(f"{BASE}/p/afsluiting").status_code == 403
    hidden = hidden_fields(admin.get("/admin/").get_data(as_text=True))
    assert (
        admin.post(f"{BASE}/p/afsluiting", data={**hidden, "opmerkingen": "x"}).status_code == 403
    )


def test_revoked_and_unknown_links_do_not_sign_in(app: Flask, two_respondents: dict) -> None:
    client = app.test_client()
    assert client.get("/t/niet-bestaand-token").status_code == 404
    with app.app_context():
        from intake.services import invitations

        respondent = db.session.get(Respondent, two_respondents["A"][0])
        old_link = two_respondents["A"][1]
        new_link = factory.link(respondent)  # re-issuing revokes the old link
        invitations.revoke_links(db.session.get(Respondent, two_respondents["B"][0]))
    assert client.get(old_link).status_code == 404
    assert client.get(two_respondents["B"][1]).status_code == 404
    assert client.get(new_link).status_code == 302


def test_revoking_a_link_ends_sessions_opened_with_it(app: Flask, two_respondents: dict) -> None:
    client = app.test_client()
    client.get(two_respondents["A"][1])
    assert client.get(f"{BASE}/").status_code == 200
    with app.app_context():
        from intake.services import invitations

        invitations.revoke_links(db.session.get(Respondent, two_respondents["A"][0]))
    assert client.get(f"{BASE}/").status_code == 401


def test_token_is_stored_only_as_a_hash(app: Flask, two_respondents: dict) -> None:
    from sqlalchemy import select

    from intake.models import Invitation

    token = two_respondents["A"][1].removeprefix("/t/")
    assert len(token) >= 22  # at least 128 bits in URL-safe base64
    with app.app_context():
        hashes = db.session.scalars(select(Invitation.token_hash)).all()
    assert token not in hashes and all(len(h) == 64 for h in hashes)


def _stored_keys(app: Flask, respondent_id: int) -> set[tuple[str, str, str]]:
    with app.app_context():
        return set(response_state.load_state(db.session.get(Respondent, respondent_id)).answers)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (f"{BASE}/p/actie/2", {"succes": "4", "succes_toelichting": "Niet geselecteerd"}),
        (f"{BASE}/p/intergemeentelijk", {"beoordeling": "4", "toelichting": "Geen IGS"}),
    ],
)
def test_pages_that_do_not_apply_refuse_posts(
    app: Flask, two_respondents: dict, url: str, data: dict
) -> None:
    """A's response has no page for action 2 (not selected) nor for intermunicipal
    cooperation (A is a municipality, not via an IGS): posts there store nothing."""
    a_id, a_link = two_respondents["A"]
    before = _stored_keys(app, a_id)
    client = app.test_client()
    client.get(a_link)
    hidden = hidden_fields(client.get(f"{BASE}/p/afsluiting").get_data(as_text=True))
    shown = list(data)
    for action in ("opslaan", "volgende", "autosave"):
        result = post_page(client, url, data, action, hidden={**hidden, "shown": shown})
        assert result.status_code == 404, (action, result.status_code)
    assert _stored_keys(app, a_id) == before
