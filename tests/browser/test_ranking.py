"""A ranking filled in a real browser with the keyboard only: Tab to each choice's list
of ranks and type the rank, without a mouse and without depending on JavaScript."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from intake.extensions import db
from intake.models import Respondent
from intake.services import response_state
from tests.browser.conftest import screenshot
from tests.support import factory

RANKING = factory.ROOT / "tests" / "fixtures" / "prioriteiten-2025.yaml"


def _focused(page) -> str:  # noqa: ANN001
    """The name of the focused input, or the text of the focused button."""
    return page.evaluate(
        "document.activeElement.tagName === 'BUTTON' ? document.activeElement.textContent.trim()"
        " : document.activeElement.name"
    )


def test_a_ranking_with_the_keyboard_only(app: Flask, page, live_server) -> None:  # noqa: ANN001
    with app.app_context():
        q = factory.load_questionnaire(RANKING)
        link = factory.link(factory.respondent(q, "R02", items={"actions": ["5"]}))
    page.goto(f"{live_server}{link}")
    page.goto(f"{live_server}/v/prioriteiten-2025/p/beleid")
    page.get_by_role("heading", name="Jullie beleid").wait_for()

    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if _focused(page) == "prioriteiten__wonen":
            break
    for name, rank in [("wonen", "3"), ("werk", "2"), ("onderwijs", "4"), ("ontmoeting", "1")]:
        assert _focused(page) == f"prioriteiten__{name}"
        page.keyboard.type(rank)  # a closed list picks the option that starts with it
        page.keyboard.press("Tab")
    screenshot(page, "ranking")
    for _ in range(20):  # on to the "Volgende" button, then press it
        if _focused(page) == "Volgende":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Actie 5: Oefenkansen Nederlands organiseren").wait_for()

    with app.app_context():
        respondent = db.session.scalar(select(Respondent).where(Respondent.code == "R02"))
        state = response_state.load_state(respondent)
        assert state.value("beleid", "", "prioriteiten") == {
            "wonen": 3, "werk": 2, "onderwijs": 4, "ontmoeting": 1,
        }  # fmt: skip
    # Back on the page, ontmoeting ranked first brings its follow-up question.
    page.go_back()
    page.reload()
    page.get_by_label("Waarom staat ontmoeting bovenaan?").wait_for()
