"""In a real browser on a 390 px phone: a participant answers the inspiration-day evaluation
through its public link, goes on in another browser with the resume code, and submits."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from intake.extensions import db
from intake.models import Respondent, Response
from intake.services import open_links
from tests.browser.conftest import screenshot
from tests.support import factory

PHONE = {"width": 390, "height": 844}


def _shots(page, name: str) -> None:  # noqa: ANN001
    """Screenshots at 1280 and 390 px, then back to the phone the journey runs on."""
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, name)
    page.set_viewport_size(PHONE)


def _group(page, legend: str):  # noqa: ANN001, ANN202
    return page.get_by_role("group", name=re.compile(re.escape(legend)))


def test_a_participant_answers_through_the_open_link_on_a_phone(
    app: Flask,
    browser,
    page,
    live_server: str,  # noqa: ANN001
) -> None:
    app.config["OPEN_LINK_MIN_SECONDS"] = 0
    with app.app_context():
        q = factory.load_questionnaire(factory.INSPIRATIE)
        slug = open_links.create(q, "admin:test").slug
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/o/{slug}")
    page.get_by_role("heading", name="Evaluatie inspiratiedag Samenleven").wait_for()
    _shots(page, "open-link-start")
    page.get_by_role("button", name="Beginnen").click()

    # The portal's start page shows the resume code and offers to mail a link.
    code = page.locator(".resume-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    page.get_by_label("Of mail me een link om verder te gaan").wait_for()
    _shots(page, "open-link-code")
    page.get_by_role("link", name="Begin of ga verder").click()

    page.get_by_role("heading", name="Je deelname").wait_for()
    _group(page, "In welke dienst werk je?").get_by_label("Jeugd").check()
    _group(page, "Welke workshops heb je gevolgd?").get_by_label(
        "Meertaligheid aan het loket"
    ).check()
    page.get_by_label("Met hoeveel collega's").fill("2")
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("heading", name="De inspiratiedag in het algemeen").wait_for()
    _shots(page, "open-link-page")

    # Another browser (the same phone later): go on with the code.
    other = browser.new_context(locale="nl-BE", viewport=PHONE)
    later = other.new_page()
    later.goto(f"{live_server}/o/{slug}")
    later.get_by_label("Je code om verder te gaan").fill(code.lower().replace("-", " "))
    later.get_by_role("button", name="Verdergaan").click()
    later.get_by_role("link", name="Begin of ga verder").click()
    later.get_by_role("heading", name="De inspiratiedag in het algemeen").wait_for()
    _group(later, "in het algemeen over de inspiratiedag").get_by_label(
        "Zeer hoog", exact=True
    ).check()
    _group(later, "Vond je dat storend?").get_by_label("Nee").check()
    later.get_by_role("button", name="Volgende").click()
    later.get_by_role("heading", name="Workshop: Meertaligheid aan het loket").wait_for()
    _group(later, "Hoe tevreden ben je over de workshop").get_by_label("Hoog", exact=True).check()
    _group(later, "Hoe nuttig was").get_by_label("Zeer nuttig", exact=True).check()
    later.get_by_role("button", name="Volgende").click()
    later.get_by_role("heading", name="Tot slot").wait_for()
    later.get_by_label("Welke thema's wil je").fill("Meer over meertaligheid aan het loket.")
    _group(later, "verslag en de presentaties").get_by_label("Nee").check()
    later.get_by_role("button", name="Volgende").click()
    later.get_by_role("button", name="Indienen").click()
    later.get_by_role("button", name="Ja, definitief indienen").click()
    later.get_by_role("heading", name="Bedankt! Je antwoorden zijn ingediend.").wait_for()
    _shots(later, "open-link-receipt")
    assert "Meer over meertaligheid aan het loket." in later.content()
    other.close()

    with app.app_context():
        (status,) = db.session.scalars(
            select(Response.status).join(Respondent).where(Respondent.open_link_id.is_not(None))
        ).all()
        assert status == "submitted"
    # The first browser now sees the submitted response too, read-only.
    page.goto(f"{live_server}/v/inspiratiedag-2022/overzicht")
    page.get_by_text("Ingediend op").wait_for()
