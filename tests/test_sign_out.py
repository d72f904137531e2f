"""Signing out signs out: on a shared office PC, the next person is not the coordinator
or admin who just left, and a copied cookie opens nothing any more. Colleagues who share
one personal link on other PCs stay signed in."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie
from sqlalchemy import select

from intake.extensions import db
from intake.models import Respondent, utcnow
from intake.services import invitations, response_state
from tests.support import factory
from tests.support.html import csrf_token
from tests.support.portal import hidden_fields, post_page

BASE = "/v/plan-samenleven-2025"
COOKIES = ("session", "remember_token")


def _link(app: Flask) -> tuple[int, str]:
    with app.app_context():
        questionnaire = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(questionnaire, "A", items={"actions": ["5"]})
        return respondent.id, factory.link(respondent)


def _cookies(client: FlaskClient) -> dict[str, str]:
    return {name: c.value for name in COOKIES if (c := client.get_cookie(name)) is not None}


def _browser(app: Flask, cookies: dict[str, str]) -> FlaskClient:
    """Another browser that was given these cookies (copied, or left behind)."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def _sign_out(client: FlaskClient, page: str) -> None:
    response = client.post("/afmelden", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302


def test_coordinator_sign_out_clears_the_remember_cookie(app: Flask) -> None:
    _, link = _link(app)
    client = app.test_client()
    client.get(link)
    assert client.get_cookie("remember_token") is not None
    _sign_out(client, f"{BASE}/")
    assert client.get_cookie("remember_token") is None
    assert client.get(f"{BASE}/").status_code == 401


def test_coordinator_cookies_copied_before_sign_out_open_nothing(app: Flask) -> None:
    _, link = _link(app)
    client = app.test_client()
    client.get(link)
    copied = _cookies(client)
    assert set(copied) == set(COOKIES)
    _sign_out(client, f"{BASE}/")
    for cookies in (copied, {"remember_token": copied["remember_token"]},
                    {"session": copied["session"]}):  # fmt: skip
        assert _browser(app, cookies).get(f"{BASE}/").status_code == 401, sorted(cookies)


def test_one_colleague_signing_out_leaves_the_others_signed_in(app: Flask) -> None:
    _, link = _link(app)
    ann, bart = app.test_client(), app.test_client()
    ann.get(link)
    bart.get(link)
    barts_remember_cookie = {"remember_token": _cookies(bart)["remember_token"]}
    _sign_out(ann, f"{BASE}/")
    assert ann.get(f"{BASE}/").status_code == 401
    assert bart.get(f"{BASE}/").status_code == 200
    assert _browser(app, barts_remember_cookie).get(f"{BASE}/").status_code == 200


def test_the_link_signs_in_again_after_signing_out(app: Flask) -> None:
    _, link = _link(app)
    client = app.test_client()
    client.get(link)
    _sign_out(client, f"{BASE}/")
    assert client.get(link).status_code == 302
    assert client.get(f"{BASE}/").status_code == 200


def test_revoking_the_link_ends_its_remembered_sign_ins(app: Flask) -> None:
    respondent_id, link = _link(app)
    client = app.test_client()
    client.get(link)
    remembered = {"remember_token": _cookies(client)["remember_token"]}
    with app.app_context():
        invitations.revoke_links(db.session.get(Respondent, respondent_id))
    assert _browser(app, remembered).get(f"{BASE}/").status_code == 401
    assert client.get(f"{BASE}/").status_code == 401


def test_admin_session_cookie_replayed_after_sign_out_opens_nothing(
    app: Flask, admin_client: FlaskClient
) -> None:
    admin = admin_client
    assert admin.get("/admin/").status_code == 200
    copied = _cookies(admin)
    _sign_out(admin, "/admin/")
    assert admin.get("/admin/").status_code == 302
    replayed = _browser(app, copied).get("/admin/")
    assert replayed.status_code == 302 and "/aanmelden" in replayed.headers["Location"]


def test_admins_get_no_remember_cookie(app: Flask, admin_client: FlaskClient) -> None:
    assert admin_client.get_cookie("remember_token") is None


def test_a_signed_remember_cookie_naming_an_admin_sign_in_opens_nothing(
    app: Flask, admin_client: FlaskClient
) -> None:
    """Admins are never given a remember cookie; one that names a real admin sign-in (from
    a stolen session, or forged with a leaked key) must not be accepted."""
    admin = admin_client
    with admin.session_transaction() as session:
        admin_id = session["_user_id"]
    with app.test_request_context():
        forged = encode_cookie(admin_id)
    intruder = _browser(app, {"remember_token": forged})
    response = intruder.get("/admin/")
    assert response.status_code == 302 and "/aanmelden" in response.headers["Location"]
    assert intruder.get("/admin/").status_code == 302  # nor on the next request
    assert admin.get("/admin/").status_code == 200  # the admin's own sign-in is untouched


def _age_sign_ins(app: Flask, by: dt.timedelta) -> None:
    """Pretend every sign-in was last used ``by`` ago."""
    from intake.models import SignIn  # (imported here: the other tests run without it)

    with app.app_context():
        for sign_in in db.session.scalars(select(SignIn)):
            sign_in.last_seen_at = utcnow() - by
        db.session.commit()


def test_a_sign_in_unused_for_longer_than_its_cookie_lives_ends(app: Flask) -> None:
    _, link = _link(app)
    client = app.test_client()
    client.get(link)
    days = app.config["REMEMBER_COOKIE_DURATION"].days
    _age_sign_ins(app, dt.timedelta(days=days - 1))
    assert client.get(f"{BASE}/").status_code == 200  # in use: kept, and seen again
    from intake.models import SignIn

    with app.app_context():
        seen = db.session.scalars(select(SignIn.last_seen_at)).one()
        assert utcnow() - seen < dt.timedelta(minutes=1)
    _age_sign_ins(app, dt.timedelta(days=days + 1))
    assert client.get(f"{BASE}/").status_code == 401
    with app.app_context():
        assert db.session.scalars(select(SignIn.ended_at)).one() is not None


def test_an_admin_sign_in_unused_for_a_working_day_ends(
    app: Flask, admin_client: FlaskClient
) -> None:
    admin = admin_client
    _age_sign_ins(app, app.config["PERMANENT_SESSION_LIFETIME"] + dt.timedelta(minutes=1))
    assert admin.get("/admin/").status_code == 302


def test_a_page_posted_after_signing_out_is_saved_with_the_pasted_link(app: Flask) -> None:
    """Signed out (or holding cookies of an ended sign-in), the page comes back with what
    was typed, and pasting the personal link saves it, as for an expired session."""
    respondent_id, link = _link(app)
    client = app.test_client()
    client.get(link)
    path = f"{BASE}/p/afsluiting"
    hidden = hidden_fields(client.get(path).get_data(as_text=True))
    stale = _browser(app, _cookies(client))
    _sign_out(client, path)
    typed = {"opmerkingen": "Getypt na het afmelden"}
    back = post_page(stale, path, typed, hidden=hidden)
    assert back.status_code == 401 and "Getypt na het afmelden" in back.get_data(as_text=True)
    saved = post_page(stale, path, {**typed, "access_link": f"http://127.0.0.1:5000{link}"},
                      hidden=hidden_fields(back.get_data(as_text=True)))  # fmt: skip
    assert saved.status_code == 302
    with app.app_context():
        state = response_state.load_state(db.session.get(Respondent, respondent_id))
        assert state.value("afsluiting", "", "opmerkingen") == "Getypt na het afmelden"


def test_an_active_users_session_cookie_is_renewed_as_visits_are_noted(
    app: Flask, admin_client: FlaskClient
) -> None:
    """The session cookie is not re-signed on every request, yet its lifetime slides for a
    user who keeps working: each time the sign-in notes a visit (at most every 5
    minutes), the cookie goes out again with a new expiry."""
    _, link = _link(app)
    coordinator = app.test_client()
    coordinator.get(link)
    for client, path in ((coordinator, f"{BASE}/"), (admin_client, "/admin/")):
        assert client.get(path).status_code == 200
        assert "session=" not in " ".join(client.get(path).headers.getlist("Set-Cookie"))
        _age_sign_ins(app, dt.timedelta(minutes=6))
        renewed = client.get(path)
        assert renewed.status_code == 200
        cookie = next(c for c in renewed.headers.getlist("Set-Cookie") if c.startswith("session="))
        assert "Expires=" in cookie
        assert "session=" not in " ".join(client.get(path).headers.getlist("Set-Cookie"))
