"""The application factory, its blueprints, and the Dutch sign-in page."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from intake.services import accounts
from tests.support.html import csrf_token


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


def test_admin_signs_in_and_out(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        accounts.create_admin("Beheer@VVSG.be", "juist-wachtwoord")

    token = csrf_token(client, "/aanmelden")
    wrong = client.post(
        "/aanmelden",
        data={"email": "beheer@vvsg.be", "password": "fout", "csrf_token": token},
    )
    assert wrong.status_code == 200
    assert "horen niet bij elkaar" in wrong.get_data(as_text=True)

    ok = client.post(
        "/aanmelden",
        data={"email": "beheer@vvsg.be", "password": "juist-wachtwoord", "csrf_token": token},
    )
    assert ok.status_code == 302
    assert ok.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200

    out = client.post("/afmelden", data={"csrf_token": csrf_token(client, "/admin/")})
    assert out.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_sign_in_without_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        accounts.create_admin("beheer@vvsg.be", "juist-wachtwoord")
    response = client.post(
        "/aanmelden", data={"email": "beheer@vvsg.be", "password": "juist-wachtwoord"}
    )
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_stored_password_is_hashed(app: Flask) -> None:
    with app.app_context():
        user = accounts.create_admin("beheer@vvsg.be", "juist-wachtwoord")
        assert user.password_hash and "juist-wachtwoord" not in user.password_hash
        assert user.password_hash.startswith("scrypt:")
