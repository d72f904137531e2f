"""A browser signed in as a VVSG admin, through the real sign-in form."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from intake.services import accounts
from tests.support.html import csrf_token

ADMIN_EMAIL = "beheer@vvsg.be"
ADMIN_PASSWORD = "wachtwoord-voor-test"


def admin_client(app: Flask) -> FlaskClient:
    """Create (or reset) the test admin and return a client signed in as them."""
    with app.app_context():
        accounts.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
    client = app.test_client()
    response = client.post(
        "/aanmelden",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD,
              "csrf_token": csrf_token(client, "/aanmelden")},
    )  # fmt: skip
    assert response.status_code == 302, "admin sign-in failed"
    return client
