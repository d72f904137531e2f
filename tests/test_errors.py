"""One module owns every error page: ``intake.errors``."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

CODES = {400, 401, 403, 404, 413, 429, 500}


def test_every_error_handler_is_registered_by_the_errors_module(app: Flask) -> None:
    handlers = {
        (blueprint, code): function
        for blueprint, by_code in app.error_handler_spec.items()
        for code, by_class in by_code.items()
        for function in by_class.values()
    }
    assert {code for (blueprint, code) in handlers if blueprint is None} >= CODES
    assert {f"{f.__module__}:{blueprint}" for (blueprint, _), f in handlers.items()} == {
        "intake.errors:None"
    }


def test_error_pages_are_dutch_in_the_house_style(client: FlaskClient) -> None:
    missing = client.get("/admin/respondenten/2147483647")
    assert missing.status_code == 302  # admin pages first ask to sign in
    page = client.get("/bestaat-niet")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "Niet gevonden" in html and "Deze pagina bestaat niet (meer)." in html
    assert '<html lang="nl">' in html and "intake.css" in html
    signed_out = client.get("/v/plan-samenleven-2025/")
    assert signed_out.status_code == 401
    assert "Je bent niet aangemeld" in signed_out.get_data(as_text=True)
