"""Dutch first; English on request, for the interface and the questionnaire's own texts."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from tests.support import factory
from tests.support.portal import post_page

ENGLISH_CATALOGUE = (
    Path(__file__).parent.parent / "intake" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
)


def test_dutch_by_default_even_for_english_browsers(client: FlaskClient) -> None:
    page = client.get("/aanmelden", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "<h1>Aanmelden</h1>" in page.get_data(as_text=True)


def test_english_on_request(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        link = factory.link(factory.respondent(q, "G01", items={"actions": ["5"]}))
    client.get(link)
    switched = client.get("/taal/en?next=/v/plan-samenleven-2025/")
    assert switched.headers["Location"] == "/v/plan-samenleven-2025/"
    start = client.get("/v/plan-samenleven-2025/").get_data(as_text=True)
    assert '<html lang="en">' in start
    assert "Plan Samenleven survey – project year 3" in start  # the questionnaire's English
    assert "Action 5: Oefenkansen Nederlands organiseren" in start
    assert "Overview and submit" in start

    post_page(client, "/v/plan-samenleven-2025/p/organisatie", {"contact_email": "fout@"})
    page = client.get("/v/plan-samenleven-2025/p/organisatie").get_data(as_text=True)
    assert "Enter a valid e-mail address" in page
    assert "Save</button>" in page

    client.get("/taal/nl")
    assert "Opslaan" in client.get("/v/plan-samenleven-2025/p/organisatie").get_data(as_text=True)


def test_language_switch_refuses_offsite_redirects(client: FlaskClient) -> None:
    response = client.get("/taal/en?next=//evil.example/")
    assert response.headers["Location"] == "/"


def test_english_catalogue_is_complete() -> None:
    """Every entry has an English translation (both plural forms) and none is fuzzy."""
    with ENGLISH_CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    missing = []
    for message in catalogue:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id)
    assert missing == []
