"""An author previews every page of both questionnaires in a real browser, as an admin
would, with every repeat; no respondent's link changes and the test answers entered
appear in no dashboard figure and no export."""

from __future__ import annotations

import io
import re

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Answer, Invitation, Questionnaire, Respondent, Response
from intake.services import accounts, demo, export
from intake.services.scope import WITH_TEST
from tests.browser.conftest import screenshot

BANNER = "Voorbeeld — antwoorden worden niet meegeteld"
PLAN = "plan-samenleven-2025"
DAY = "inspiratiedag-2022"


def _untouchable(app: Flask) -> dict[str, object]:
    """What a preview must never change: links, answers, and what the export holds."""
    with app.app_context():
        links = sorted(
            (i.respondent_id, i.token_hash, i.revoked_at, i.created_at)
            for i in db.session.scalars(select(Invitation))
        )
        answers = sorted(
            (a.response_id, a.section, a.item, a.question, repr(a.value), a.revision)
            # Answers of real respondents: the join brings in the scope's filter.
            for a in db.session.scalars(select(Answer).join(Response).join(Respondent))
        )
        sheets = {}
        for q in db.session.scalars(select(Questionnaire)).all():
            target = io.BytesIO()
            export.write(q, target, "xlsx", export.ExportOptions(include_drafts=True))
            book = load_workbook(io.BytesIO(target.getvalue()), read_only=True)
            sheets[q.slug] = [tuple(r) for r in book["Antwoorden"].iter_rows(values_only=True)]
        return {"links": links, "answers": answers, "export": sheets}


def _dashboard(page, live_server: str, slug: str) -> list[str]:  # noqa: ANN001
    """Every figure on the questionnaire's dashboard, as the admin reads them."""
    page.goto(f"{live_server}/admin/vragenlijsten/{slug}")
    figures = page.locator(".big-figure, .status-cards, table").all_inner_texts()
    assert figures
    return [" ".join(text.split()) for text in figures]


def _walk(page, live_server: str, slug: str) -> list[str]:  # noqa: ANN001
    """Open every page listed on the preview's start page; each shows the banner."""
    page.goto(f"{live_server}/v/{slug}/")
    links = page.locator("ol.sections a").evaluate_all("links => links.map(a => a.href)")
    for link in links:
        page.goto(link)
        assert page.get_by_text(BANNER).is_visible(), link
        assert page.locator("h1").count() == 1, link
    page.goto(f"{live_server}/v/{slug}/overzicht")
    assert page.get_by_text(BANNER).is_visible()
    return links


def test_an_author_previews_every_page_of_both_questionnaires(
    app: Flask,
    page,  # noqa: ANN001
    live_server: str,
) -> None:
    with app.app_context():
        demo.load()
        accounts.create_admin("beheer@vvsg.be", "wachtwoord-voor-test")
    before = _untouchable(app)
    page.goto(f"{live_server}/aanmelden")
    page.get_by_label("E-mailadres").fill("beheer@vvsg.be")
    page.get_by_label("Wachtwoord").fill("wachtwoord-voor-test")
    page.get_by_role("button", name="Aanmelden").click()
    figures = {slug: _dashboard(page, live_server, slug) for slug in (PLAN, DAY)}

    # Plan Samenleven, as an imaginary city with every surveyed action (the default).
    page.goto(f"{live_server}/admin/vragenlijsten/{PLAN}")
    page.get_by_role("link", name="Voorbeeld bekijken").click()
    page.get_by_role("heading", name="Voorbeeld bekijken").wait_for()
    screenshot(page, "preview-setup")
    surveyed = page.locator('input[name="items-actions"]:checked').count()
    assert surveyed == 20  # every action but the 4 marked "surveyed: false"
    page.get_by_role("button", name="Voorbeeld starten").click()
    page.get_by_text(BANNER).wait_for()
    # Test answers: the city works through an IGS too, so the IGS page appears.
    page.get_by_role("link", name="Begin of ga verder").click()
    page.get_by_role(
        "group", name=re.compile("intergemeentelijk samenwerkingsverband")
    ).get_by_label("Ja").check()
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("heading", name=re.compile("^Actie 2:")).wait_for()
    page.get_by_role("group", name=re.compile("Hoe succesvol was deze actie")).get_by_label(
        "Zeer succesvol"
    ).check()
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Je antwoorden zijn opgeslagen.").wait_for()
    screenshot(page, "preview-page")
    links = _walk(page, live_server, PLAN)
    assert len([x for x in links if "/p/actie/" in x]) == surveyed
    assert any(x.endswith("/p/intergemeentelijk") for x in links)

    # The event evaluation, repeated per workshop chosen on its own page. Three at most
    # may be chosen, so the author walks it twice: the first three, then the others.
    page.goto(f"{live_server}/admin/vragenlijsten/{DAY}/voorbeeld")
    page.get_by_label("Een denkbeeldige deelnemer").check()  # a person population
    page.get_by_label("Deelnemer", exact=True).check()  # its population's one kind
    page.get_by_role("button", name="Voorbeeld starten").click()
    page.get_by_text(BANNER).wait_for()
    seen: set[str] = set()
    for first in (0, 3):
        page.goto(f"{live_server}/v/{DAY}/p/deelname")
        boxes = page.get_by_role("group", name=re.compile("workshop", re.I)).get_by_role("checkbox")
        workshops = boxes.count()
        for index in range(workshops):
            boxes.nth(index).set_checked(first <= index < first + 3)
        page.get_by_role("button", name="Opslaan").click()
        page.get_by_text(re.compile("pgeslagen")).first.wait_for()
        seen |= {x for x in _walk(page, live_server, DAY) if re.search(r"/p/workshop/", x)}
    assert workshops == 6 and len(seen) == workshops

    # Nothing real changed, and the test answers are counted nowhere.
    assert {slug: _dashboard(page, live_server, slug) for slug in (PLAN, DAY)} == figures
    assert _untouchable(app) == before
    with app.app_context():
        tests = select(func.count()).select_from(Answer).join(Response).join(Respondent)
        test_answers = db.session.scalar(
            tests.where(Respondent.is_test, Answer.updated_by.like("preview:%"))
            .execution_options(**WITH_TEST)
        )  # fmt: skip
        # via_igs and actie 2 of the plan, the workshops of the day: stored, as test answers
        assert test_answers == 3
