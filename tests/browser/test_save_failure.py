"""In a real browser, while the database refuses writes: typed answers stay in the
browser, the coordinator is told so in Dutch, gets them offered back after a reload,
and saves them once the database works again."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from intake.extensions import db
from intake.models import Respondent
from intake.services import response_state
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import _serious
from tests.support import factory, failures

PAGE = "/v/plan-samenleven-2025/p/actie/5"
TYPED = "Typt verder terwijl de databank niets aanneemt.\nTweede regel: é, €, <b>."
NOT_SAVED = "Je antwoorden zijn nog niet bewaard"


def _stored(app: Flask, key: str) -> object:
    with app.app_context():
        respondent = db.session.scalar(select(Respondent).where(Respondent.code == "S07"))
        return response_state.load_state(respondent).value("actie", "5", key)


def test_answers_typed_while_writes_fail_are_kept_offered_back_and_saved(
    app: Flask,
    page,
    live_server,  # noqa: ANN001
) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(q, "S07", items={"actions": ["5"]})
        link = factory.link(respondent)
    page.goto(f"{live_server}{link}")
    page.goto(f"{live_server}{PAGE}")
    explanation = page.get_by_label("Waarom beoordeel je de actie zo?")
    status = page.locator(".autosave-status")

    with failures.writes_refused(app):
        page.get_by_role("group", name=re.compile("Hoe succesvol")).get_by_label(
            "Succesvol", exact=True
        ).check()
        explanation.fill(TYPED)
        # Autosave tries a few seconds after the last keystroke, and says it failed.
        page.wait_for_function(
            "s => document.querySelector('.autosave-status').textContent.includes(s)",
            arg=NOT_SAVED,
            timeout=20_000,
        )
        assert status.is_visible()
        screenshot(page, "save-failed")
        # On a phone, the message sits right above the buttons, in view with them.
        page.set_viewport_size({"width": 390, "height": 844})
        page.get_by_role("button", name="Opslaan").scroll_into_view_if_needed()
        assert status.is_visible()
        box, button = (
            status.bounding_box(),
            page.get_by_role("button", name="Opslaan").bounding_box(),
        )
        assert box and button and 0 <= button["y"] - (box["y"] + box["height"]) < 300
        page.set_viewport_size({"width": 1280, "height": 900})

        # Opslaan (a plain form post) while writes still fail: the page comes back as typed.
        page.get_by_role("button", name="Opslaan").click()
        page.get_by_text(NOT_SAVED).first.wait_for()
        assert explanation.input_value() == TYPED
        screenshot(page, "save-failed-page")

        # Later, the page is opened again: the database still has nothing...
        page.goto(f"{live_server}{PAGE}")
        assert explanation.input_value() == ""
        # ...but the browser does, and offers it back.
        offer = page.get_by_role("region", name=re.compile("niet bewaard"))
        offer.wait_for()
        screenshot(page, "save-failed-offer")
        assert not _serious(page)
        offer.get_by_role("button", name="Terugzetten", exact=True).click()
        assert explanation.input_value() == TYPED
        assert page.get_by_label("Succesvol", exact=True).is_checked()
        assert _stored(app, "succes_toelichting") is None

    # The database takes writes again.
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Je antwoorden zijn opgeslagen.").wait_for()
    assert _stored(app, "succes_toelichting") == TYPED
    assert _stored(app, "succes") == 4
    # Saved: nothing is offered back any more.
    page.goto(f"{live_server}{PAGE}")
    assert explanation.input_value() == TYPED
    page.wait_for_load_state("load")
    assert page.get_by_role("region", name=re.compile("niet bewaard")).count() == 0
