"""Signing in as a VVSG admin through the real sign-in form (the ``auth`` and
``admin_client`` fixtures of conftest use it, as flaskr's tutorial does)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from intake.services import accounts
from tests.support.html import csrf_token

ADMIN_EMAIL = "beheer@vvsg.be"
ADMIN_PASSWORD = "wachtwoord-voor-test"


class AuthActions:
    """Sign ``client`` in and out as a browser would: each form with its CSRF token."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client

    def create_admin(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
        with self.app.app_context():
            accounts.create_admin(email, password)

    def login(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> TestResponse:
        token = csrf_token(self.client, "/aanmelden")
        return self.client.post(
            "/aanmelden", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self, page: str = "/admin/") -> TestResponse:
        """Sign out with the form of the account bar on ``page``."""
        return self.client.post("/afmelden", data={"csrf_token": csrf_token(self.client, page)})

    def admin_browser(self) -> FlaskClient:
        """Another browser, signed in as the admin."""
        browser = self.app.test_client()
        response = AuthActions(self.app, browser).login()
        assert response.status_code == 302, "admin sign-in failed"
        return browser
