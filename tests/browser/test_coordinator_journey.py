"""The coordinator's journey in chromium, checked as a coordinator would check it: what the
start page claims, where "Begin of ga verder" leads, the summary's links to what is
missing, the confirmation before submitting, the receipt (page and mail), "Iets anders",
and the phone layout. Screenshots of each portal page type, at 1280 and 390 px."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from intake.extensions import db
from intake.models import Respondent
from intake.services import response_state, responses
from tests.browser.conftest import screenshot
from tests.support import factory
from tests.support.smtp import SMTPServer

BASE = "/v/plan-samenleven-2025"
REST = {  # the pages after "Actie 5", as posted: question → (input, other text)
    "zonder_cofinanciering": {},
    "partners": {"beoordeling": ("4", None)},
    "agii": {"tevredenheid": ("4", None), "zelf_beheren": ("nee", None)},
    "planlast": {"stelling": ("4", None)},
    "meerwaarde": {"meerwaarde": (["financiele_middelen"], None)},
    "stopzetting": {"gevolgen": (["minder_ruimte"], None)},
    "afsluiting": {},
}


def _group(page, legend: str):  # noqa: ANN001, ANN202
    return page.get_by_role("group", name=re.compile(re.escape(legend)))


def _badge(page, title: str) -> str:  # noqa: ANN001
    row = page.locator("li.section-row").filter(has=page.get_by_role("link", name=title))
    return row.locator(".badge").inner_text()


def _no_sideways_scroll(page) -> None:  # noqa: ANN001
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url
    page.set_viewport_size(size)


def _buttons_on_one_row(page, width: int) -> None:  # noqa: ANN001
    """At ``width`` px the page's buttons sit side by side on one row, in their order (the
    tab order), inside the window: Vorige, Opslaan, then Volgende on the right."""
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": 844})
    buttons = page.locator("form.page-form > .actions .button")
    assert buttons.all_inner_texts() == ["Vorige", "Opslaan", "Volgende"]
    boxes = [button.bounding_box() for button in buttons.all()]
    assert all(abs(box["y"] - boxes[0]["y"]) < 1 for box in boxes), (width, boxes)
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left["x"] + left["width"] <= right["x"], (width, boxes)
    assert boxes[0]["x"] >= 0 and boxes[-1]["x"] + boxes[-1]["width"] <= width, (width, boxes)
    page.set_viewport_size(size)


def test_coordinator_journey_from_fresh_link_to_receipt(app: Flask, page, live_server) -> None:  # noqa: ANN001
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(q, "S05", name="Stad Beekveld", items={"actions": ["5"]})
        link, respondent_id = factory.link(respondent), respondent.id

    # A fresh link: nothing is complete, the prefilled page is there to be checked.
    page.goto(f"{live_server}{link}")
    page.get_by_text("0 van 9 onderdelen volledig").wait_for()
    assert _badge(page, "Je bestuur") == "Te controleren"
    assert _badge(page, "Acties zonder Vlaamse cofinanciering") == "Nog niet begonnen"
    screenshot(page, "portal-start-fresh")
    _no_sideways_scroll(page)

    page.get_by_role("link", name="Begin of ga verder").click()
    page.get_by_role("heading", name="Je bestuur", exact=True).wait_for()
    assert page.get_by_label("Naam van het bestuur of samenwerkingsverband").input_value() == (
        "Stad Beekveld"
    )
    action = page.get_by_label("Actie 5: Oefenkansen Nederlands organiseren", exact=True)
    assert action.is_checked()  # numbered as its page, ticked from the registry
    screenshot(page, "portal-page-prefilled")
    _no_sideways_scroll(page)

    # Looked at but not saved: still not complete.
    page.get_by_role("link", name="Alle onderdelen").click()
    page.get_by_text("0 van 9 onderdelen volledig").wait_for()
    assert _badge(page, "Je bestuur") == "Te controleren"

    # Saved: complete, and "Begin of ga verder" goes on to the next page not complete.
    page.get_by_role("link", name="Je bestuur").click()
    _group(page, "intergemeentelijk samenwerkingsverband").get_by_label("Nee").check()
    page.get_by_role("button", name="Opslaan", exact=True).click()
    page.get_by_text("Je antwoorden zijn opgeslagen.").wait_for()
    page.get_by_role("link", name="Alle onderdelen").click()
    page.get_by_text("1 van 9 onderdelen volledig").wait_for()
    assert _badge(page, "Je bestuur") == "Volledig"
    page.get_by_role("link", name="Begin of ga verder").click()

    # The action page: its title once; "Iets anders" reveals its text field when ticked.
    page.get_by_role("heading", name="Actie 5: Oefenkansen Nederlands organiseren").wait_for()
    assert page.locator("main").inner_text().count("Oefenkansen Nederlands organiseren") == 1
    specify = page.get_by_label("Omschrijf 'Iets anders'")
    assert specify.is_hidden()
    other = _group(page, "cofinanciering voor deze actie").get_by_role(
        "checkbox", name="Iets anders"
    )
    other.check()
    specify.wait_for(state="visible")
    specify.fill("Een wachtlijst wegwerken")
    other.uncheck()
    assert specify.is_visible()  # it holds text: never out of sight
    other.check()
    # On a phone the autosave notice sits above the buttons, not below them.
    page.set_viewport_size({"width": 390, "height": 844})
    notice = page.locator(".autosave-status").bounding_box()
    buttons = page.locator("form.page-form .actions").bounding_box()
    assert notice["y"] + notice["height"] <= buttons["y"]
    page.set_viewport_size({"width": 1280, "height": 900})
    for width in (1280, 390, 360, 320):
        _buttons_on_one_row(page, width)
    screenshot(page, "portal-page-action")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Opslaan", exact=True).click()  # "succes" still missing
    page.get_by_text("Je antwoorden zijn opgeslagen.").wait_for()

    # The summary lists what is missing, per page; a link leads to the field itself.
    page.goto(f"{live_server}{BASE}/overzicht")
    missing = page.locator("section.missing")
    missing.get_by_role("heading", name="Actie 5: Oefenkansen Nederlands organiseren").wait_for()
    assert missing.get_by_role("link", name="Stelling: Plan Samenleven").is_visible()
    assert page.get_by_text("Je hebt nog niets ingevuld").count() == 0
    screenshot(page, "portal-summary-missing")
    _no_sideways_scroll(page)
    missing.get_by_role("link", name="Hoe succesvol was deze actie in je bestuur?").click()
    page.wait_for_url(re.compile(r"/p/actie/5#q-succes$"))
    expect(page.locator("#q-succes input").first).to_be_focused()
    assert page.locator("#q-succes").is_visible()
    page.get_by_label("Zeer succesvol").check()
    page.get_by_role("button", name="Opslaan", exact=True).click()
    page.get_by_text("Je antwoorden zijn opgeslagen.").wait_for()

    with app.app_context():
        respondent = db.session.get(Respondent, respondent_id)
        for section, answers in REST.items():
            state = response_state.load_state(respondent)
            outcome = responses.save_page(respondent, section, None, answers, state.revision, "t")
            assert outcome.status == responses.SaveStatus.SAVED and not outcome.problems

    # Indienen asks first, and says the answers can no longer be changed.
    with SMTPServer() as smtp:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_OUTBOX=None)
        page.goto(f"{live_server}{BASE}/")
        page.get_by_text("9 van 9 onderdelen volledig").wait_for()
        page.get_by_role("link", name="Begin of ga verder").click()  # all complete: the summary
        page.get_by_role("heading", name="Overzicht van je antwoorden").wait_for()
        screenshot(page, "portal-summary-complete")
        page.get_by_role("button", name="Indienen").click()
        page.get_by_role("heading", name="Wil je de vragenlijst nu indienen?").wait_for()
        assert page.get_by_text("niet meer gewijzigd worden").is_visible()
        screenshot(page, "portal-confirm")
        _no_sideways_scroll(page)
        with app.app_context():
            assert not response_state.load_state(
                db.session.get(Respondent, respondent_id)
            ).is_submitted
        page.get_by_role("button", name="Ja, definitief indienen").click()
        page.get_by_role("heading", name="Bedankt! Je antwoorden zijn ingediend.").wait_for()
        [mail] = smtp.received
    assert mail.recipients == ["ann.peeters@example.be"]
    text = " ".join(mail.body.split())
    for answer in ["Stad Beekveld", "Zeer succesvol", "Een wachtlijst wegwerken", "Akkoord"]:
        assert answer in text, answer

    # The receipt: a printable copy of every answer, without the site's chrome on paper.
    assert page.get_by_text("Een wachtlijst wegwerken").is_visible()
    assert page.get_by_role("button", name="Afdrukken of bewaren als pdf").is_visible()
    screenshot(page, "portal-receipt")
    _no_sideways_scroll(page)
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.get_by_role("button", name="Afdrukken of bewaren als pdf").is_hidden()
    assert page.get_by_text("Een wachtlijst wegwerken").is_visible()
    page.emulate_media(media="screen")

    # Read-only afterwards: the chosen answer stands out from the others.
    page.goto(f"{live_server}{BASE}/p/actie/5")
    chosen = page.locator("label", has_text="Zeer succesvol")
    other_label = page.locator("label", has_text="Neutraal")
    assert chosen.evaluate("l => getComputedStyle(l).fontWeight") == "700"
    assert other_label.evaluate("l => getComputedStyle(l).fontWeight") != "700"
    screenshot(page, "portal-page-read-only")
    _no_sideways_scroll(page)
    with app.app_context():
        respondent = db.session.scalar(select(Respondent).where(Respondent.code == "S05"))
        assert response_state.load_state(respondent).is_submitted
