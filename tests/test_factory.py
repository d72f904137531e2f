"""The application factory, its blueprints, and the Dutch sign-in page."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from intake.services import accounts
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, AuthActions


def test_factory_registers_the_three_areas(app: Flask) -> None:
    assert {"auth", "portal", "admin"} <= set(app.blueprints)
    assert app.config["TESTING"] is True
    assert app.config["BABEL_DEFAULT_LOCALE"] == "nl"


def test_front_page_sends_anonymous_visitors_to_dutch_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/aanmelden")

    page = client.get("/aanmelden").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "<h1>Aanmelden</h1>" in page
    assert "Wachtwoord" in page
    assert 'name="csrf_token"' in page


def test_admin_pages_require_sign_in(client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/aanmelden" in response.headers["Location"]


def test_admin_signs_in_and_out(client: FlaskClient, auth: AuthActions) -> None:
    auth.create_admin("Beheer@VVSG.be", "juist-wachtwoord")

    wrong = auth.login("beheer@vvsg.be", "fout")
    assert wrong.status_code == 200
    assert "horen niet bij elkaar" in wrong.get_data(as_text=True)

    ok = auth.login("beheer@vvsg.be", "juist-wachtwoord")
    assert ok.status_code == 302
    assert ok.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200

    out = auth.logout()
    assert out.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_sign_in_without_csrf_token_is_refused(client: FlaskClient, auth: AuthActions) -> None:
    response = client.post("/aanmelden", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_stored_password_is_hashed(app: Flask) -> None:
    with app.app_context():
        user = accounts.create_admin("beheer@vvsg.be", "juist-wachtwoord")
        assert user.password_hash and "juist-wachtwoord" not in user.password_hash
        assert user.password_hash.startswith("scrypt:")
