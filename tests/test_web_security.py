"""Security headers, session cookies, rate limits and upload limits."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake import create_app
from tests.support import factory
from tests.support.accounts import AuthActions
from tests.support.html import csrf_token


def test_security_headers_on_every_page(app: Flask, client: FlaskClient) -> None:
    for path in ("/aanmelden", "/static/intake.css", "/bestaat-niet"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in headers  # not over plain http in development
    assert client.get("/aanmelden").headers["Cache-Control"] == "no-store"


def test_not_found_page_is_dutch(client: FlaskClient) -> None:
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Deze pagina bestaat niet (meer)." in response.get_data(as_text=True)


def test_production_sends_hsts_and_secure_cookies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INTAKE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    client = app.test_client()
    response = client.get("/aanmelden")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_admin_sign_in_is_rate_limited(auth: AuthActions) -> None:
    codes = [auth.login(password=f"gok{i}").status_code for i in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    blocked = auth.login()
    assert blocked.status_code == 429  # even the right password waits
    assert "Te veel pogingen" in blocked.get_data(as_text=True)


def test_token_guessing_is_rate_limited(client: FlaskClient) -> None:
    codes = [client.get(f"/t/gok-{i}").status_code for i in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429


def test_upload_size_is_limited(app: Flask, admin_client: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    with app.app_context():
        factory.load_questionnaire(factory.PLAN)
    admin = admin_client
    page = "/admin/vragenlijsten/plan-samenleven-2025"
    huge = io.BytesIO(b"code;naam\n" + b"x" * (2 * 1024 * 1024))
    response = admin.post(f"{page}/register", data={"csrf_token": csrf_token(admin, page),
                                                    "file": (huge, "groot.csv")},
                          content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 413
    assert "hoogstens 1 MB" in response.get_data(as_text=True)


def test_sign_in_starts_a_fresh_session(client: FlaskClient, auth: AuthActions) -> None:
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    assert auth.login().status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.permanent
