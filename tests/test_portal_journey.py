"""What the portal promises a coordinator: progress that counts only saved pages, a way
back from the summary to each missing answer, a confirmation before submitting, and a
receipt (a page and a mail through a real SMTP server) afterwards."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.extensions import db
from intake.models import Contact, Questionnaire, Respondent
from intake.services import receipt, response_state
from tests.support import factory
from tests.support.html import csrf_token, document, links
from tests.support.portal import post_page
from tests.support.smtp import SMTPServer

SLUG = "plan-samenleven-2025"
BASE = f"/v/{SLUG}"
ORGANISATIE = {
    "naam": "Stad Voorbeeld", "type": "stad", "provincie": "Antwerpen", "via_igs": "nee",
    "contact_naam": "Ann Peeters", "contact_email": "ann.peeters@example.be", "acties": ["5"],
}  # fmt: skip
COMPLETE = {
    "actie/5": {"succes": "5", "cofinanciering": ["voortzetting", "other"],
                "cofinanciering__other_text": "Een wachtlijst wegwerken"},
    "zonder_cofinanciering": {},
    "partners": {"beoordeling": "4"},
    "agii": {"tevredenheid": "4", "zelf_beheren": "nee"},
    "planlast": {"stelling": "4"},
    "meerwaarde": {"meerwaarde": ["financiele_middelen"]},
    "stopzetting": {"gevolgen": ["minder_ruimte"]},
    "afsluiting": {},
}  # fmt: skip


@pytest.fixture
def smtp(app: Flask) -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_OUTBOX=None)
        yield server


def _sign_in(app: Flask, client: FlaskClient, **contacts: str) -> int:
    with app.app_context():
        questionnaire = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(
            questionnaire, "S05", name="Stad Voorbeeld", items={"actions": ["5"]},
            contact=(contacts.get("name", "Ann Peeters"),
                     contacts.get("email", "ann.peeters@example.be")),
        )  # fmt: skip
        link, respondent_id = factory.link(respondent), respondent.id
    client.get(link)
    return respondent_id


def _badges(page: str) -> dict[str, str]:
    """The status badge of each page on the start page, by its title."""
    rows = document(page).xpath('//li[contains(@class, "section-row")]')
    return {row.xpath("string(a)"): row.xpath('string(span[@class="badge"])') for row in rows}


def _progress(page: str) -> str:
    return document(page).xpath('string(//*[@class="progress-text"])')


def _complete(client: FlaskClient) -> None:
    post_page(client, f"{BASE}/p/organisatie", ORGANISATIE)
    for path, data in COMPLETE.items():
        assert post_page(client, f"{BASE}/p/{path}", data).status_code == 302


def test_a_fresh_link_shows_nothing_complete(app: Flask, client: FlaskClient) -> None:
    _sign_in(app, client)
    start = client.get(f"{BASE}/").get_data(as_text=True)
    assert _progress(start) == "0 van 9 onderdelen volledig"
    badges = _badges(start)
    assert badges["Je bestuur"] == "Te controleren"  # prefilled, not yet checked
    assert badges["Acties zonder Vlaamse cofinanciering"] == "Nog niet begonnen"  # optional only
    assert "Volledig" not in badges.values()


def test_a_page_is_complete_once_saved_even_unchanged_or_empty(
    app: Flask, client: FlaskClient
) -> None:
    _sign_in(app, client)
    prefilled = client.get(f"{BASE}/p/organisatie").get_data(as_text=True)
    assert document(prefilled).xpath('//input[@name="naam"]/@value') == ["Stad Voorbeeld"]
    # Saved as it was prefilled, with the one required answer the registry cannot know.
    post_page(client, f"{BASE}/p/organisatie", {**ORGANISATIE, "acties": ["5"]})
    # A page of optional questions only, saved empty.
    post_page(client, f"{BASE}/p/zonder_cofinanciering", {})
    start = client.get(f"{BASE}/").get_data(as_text=True)
    badges = _badges(start)
    assert badges["Je bestuur"] == "Volledig"
    assert badges["Acties zonder Vlaamse cofinanciering"] == "Volledig"
    assert badges["Tot slot"] == "Nog niet begonnen"
    assert _progress(start) == "2 van 9 onderdelen volledig"


def test_begin_or_continue_opens_the_first_incomplete_page(app: Flask, client: FlaskClient) -> None:
    _sign_in(app, client)

    def continue_link() -> str:
        start = document(client.get(f"{BASE}/").get_data(as_text=True))
        return start.xpath('string(//a[normalize-space()="Begin of ga verder"]/@href)')

    assert continue_link() == f"{BASE}/p/organisatie"
    post_page(client, f"{BASE}/p/organisatie", ORGANISATIE)
    assert continue_link() == f"{BASE}/p/actie/5"
    post_page(client, f"{BASE}/p/actie/5", {"succes": "4"})  # saved, still missing an answer
    assert continue_link() == f"{BASE}/p/actie/5"
    _complete(client)
    assert continue_link() == f"{BASE}/overzicht"


def test_the_summary_links_every_missing_answer_to_its_field(
    app: Flask, client: FlaskClient
) -> None:
    _sign_in(app, client)
    post_page(client, f"{BASE}/p/organisatie", {**ORGANISATIE, "contact_naam": ""})
    summary = client.get(f"{BASE}/overzicht").get_data(as_text=True)
    section = document(summary).xpath('//section[@class="missing"]')[0]
    assert section.xpath("string(h3[1])") == "Je bestuur"
    missing = [str(a.get("href")) for a in section.xpath(".//a")]
    assert f"{BASE}/p/organisatie#q-contact_naam" in missing
    assert f"{BASE}/p/actie/5#q-succes" in missing
    assert f"{BASE}/p/actie/5#q-cofinanciering" in missing
    assert f"{BASE}/p/planlast#q-stelling" in missing
    # Each anchor is the block of that question on its page.
    page = client.get(f"{BASE}/p/actie/5").get_data(as_text=True)
    assert document(page).xpath('//*[@id="q-cofinanciering"]//input[@name="cofinanciering"]')
    # Submitting now is refused with the same list, not with a false "nothing filled in".
    token = csrf_token(client, f"{BASE}/overzicht")
    refused = client.post(f"{BASE}/indienen", data={"csrf_token": token})
    assert refused.status_code == 422
    assert f"{BASE}/p/planlast#q-stelling" in links(refused.get_data(as_text=True))


def test_before_any_save_the_summary_never_claims_nothing_was_filled_in(
    app: Flask, client: FlaskClient
) -> None:
    _sign_in(app, client)
    token = csrf_token(client, f"{BASE}/overzicht")
    refused = client.post(f"{BASE}/indienen", data={"csrf_token": token, "confirm": "ja"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Je hebt nog niets ingevuld" not in page
    assert "Stad Voorbeeld" in page  # the prefilled answers are shown below


def test_submitting_asks_for_confirmation_then_mails_a_receipt(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    respondent_id = _sign_in(app, client)
    _complete(client)
    token = csrf_token(client, f"{BASE}/overzicht")
    asked = client.post(f"{BASE}/indienen", data={"csrf_token": token})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "niet meer gewijzigd" in page
    assert document(page).xpath('//form//input[@name="confirm"]/@value') == ["ja"]
    assert not _submitted(app, respondent_id) and smtp.received == []

    done = client.post(f"{BASE}/indienen", data={"csrf_token": token, "confirm": "ja"})
    assert done.status_code == 302 and done.headers["Location"] == f"{BASE}/ingediend"
    assert _submitted(app, respondent_id)
    [mail] = smtp.received
    assert mail.recipients == ["ann.peeters@example.be"]
    assert mail.message["Subject"] == "Ontvangstbewijs: Bevraging Plan Samenleven – projectjaar 3"
    body = mail.body
    text = " ".join(body.split())  # as read, whatever the wrapping
    for expected in ["Actie 5: Oefenkansen Nederlands organiseren", "Zeer succesvol",
                     "Een wachtlijst wegwerken", "Stelling: Plan Samenleven leidt tot",
                     "Extra financiële middelen", "(niet beantwoord)"]:  # fmt: skip
        assert expected in text, expected
    assert [line for line in body.splitlines() if len(line) > 80] == []  # wrapped to read

    # The receipt page: the same copy, printable; a second submit sends nothing more.
    receipt_page = client.get(f"{BASE}/ingediend").get_data(as_text=True)
    assert "Een wachtlijst wegwerken" in receipt_page and "Zeer succesvol" in receipt_page
    assert document(receipt_page).xpath("//button[@data-print]")
    client.post(f"{BASE}/indienen", data={"csrf_token": token, "confirm": "ja"})
    assert len(smtp.received) == 1


def test_a_receipt_that_cannot_be_sent_never_undoes_the_submission(
    app: Flask, client: FlaskClient
) -> None:
    respondent_id = _sign_in(app, client)
    _complete(client)
    with SMTPServer() as server:
        port = server.port
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_OUTBOX=None)  # nobody there
    token = csrf_token(client, f"{BASE}/overzicht")
    with _logged(app) as logged:
        done = client.post(f"{BASE}/indienen", data={"csrf_token": token, "confirm": "ja"})
    assert done.status_code == 302 and _submitted(app, respondent_id)
    assert any("Receipt for S05 not sent" in line for line in logged)


def test_a_refused_address_is_logged_and_the_others_get_the_receipt(
    app: Flask, client: FlaskClient
) -> None:
    respondent_id = _sign_in(app, client)
    _complete(client)
    with app.app_context():
        respondent = db.session.get(Respondent, respondent_id)
        respondent.contacts.append(Contact(name="Bart", email="bart@example.be", position=1))
        db.session.commit()
    with SMTPServer(refuse=["bart@example.be"]) as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_OUTBOX=None)
        token = csrf_token(client, f"{BASE}/overzicht")
        with _logged(app) as logged:
            client.post(f"{BASE}/indienen", data={"csrf_token": token, "confirm": "ja"})
        assert [m.recipients for m in server.received] == [["ann.peeters@example.be"]]
    assert _submitted(app, respondent_id)
    assert any("bart@example.be refused" in line for line in logged)


def test_the_receipt_copy_lists_every_page_that_applies(app: Flask, client: FlaskClient) -> None:
    respondent_id = _sign_in(app, client)
    _complete(client)
    with app.app_context():
        state = response_state.load_state(db.session.get(Respondent, respondent_id))
        copy = receipt.answer_copy(state, "nl")
        assert [p.title for p in copy] == [p.title("nl") for p in state.pages()]
        [other] = [a for a in copy[1].answers if a.label.startswith("Wat heeft de Vlaamse")]
        assert other.answer == "Voortzetting van een bestaande werking; Iets anders – " \
            "Een wachtlijst wegwerken"  # fmt: skip


def test_action_checkboxes_are_numbered_as_their_pages(app: Flask, client: FlaskClient) -> None:
    _sign_in(app, client)
    page = document(client.get(f"{BASE}/p/organisatie").get_data(as_text=True))
    label = page.xpath('string(//label[@for=//input[@name="acties"][@value="9"]/@id])')
    assert label == "Actie 9: Begeleiding kansengroepen naar de arbeidsmarkt"
    other = document(client.get(f"{BASE}/p/zonder_cofinanciering").get_data(as_text=True))
    label = other.xpath('string(//label[@for=//input[@name="acties"][@value="1"]/@id])')
    assert label == "Actie 1: Lokale integrale veiligheidscel versterken"


def test_an_action_page_names_its_action_once(app: Flask, client: FlaskClient) -> None:
    _sign_in(app, client)
    post_page(client, f"{BASE}/p/organisatie", ORGANISATIE)
    page = document(client.get(f"{BASE}/p/actie/5").get_data(as_text=True))
    main = page.xpath("string(//main)")
    assert main.count("Oefenkansen Nederlands organiseren") == 1
    assert page.xpath("string(//h1)") == "Actie 5: Oefenkansen Nederlands organiseren"


@contextmanager
def _logged(app: Flask) -> Iterator[list[str]]:
    """What the app logs meanwhile (at WARNING and above), whatever else is configured."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    # Alembic's fileConfig (migrations/env.py, run in-process by other tests) disables
    # the loggers that exist by then, the app's included: enable it for the test.
    handler, disabled = Collect(logging.WARNING), app.logger.disabled
    app.logger.addHandler(handler)
    app.logger.disabled = False
    try:
        yield lines
    finally:
        app.logger.removeHandler(handler)
        app.logger.disabled = disabled


def _submitted(app: Flask, respondent_id: int) -> bool:
    with app.app_context():
        return response_state.load_state(db.session.get(Respondent, respondent_id)).is_submitted


def test_the_start_page_shows_the_deadline_the_admin_set(app: Flask, client: FlaskClient) -> None:
    _sign_in(app, client)
    start = client.get(f"{BASE}/").get_data(as_text=True)
    assert "uiterlijk op" not in start  # no deadline in the file, none set
    with app.app_context():
        questionnaire = db.session.scalars(select(Questionnaire).filter_by(slug=SLUG)).one()
        questionnaire.deadline = dt.date(2026, 12, 15)
        db.session.commit()
    start = client.get(f"{BASE}/").get_data(as_text=True)
    text = " ".join(document(start).xpath('string(//p[@class="deadline"])').split())
    assert text == "Dien je antwoorden in uiterlijk op 15 december 2026."
