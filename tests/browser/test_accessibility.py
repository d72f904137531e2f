"""axe-core on every page type: no serious or critical violations (WCAG 2.1 AA rules)."""

from __future__ import annotations

import random
import re

from axe_playwright_python.sync_playwright import Axe
from flask import Flask

from intake.extensions import db
from intake.models import Respondent
from intake.services import accounts, demo, responses
from tests.support import factory

RANKING = factory.ROOT / "tests" / "fixtures" / "prioriteiten-2025.yaml"

AXE = Axe()
OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                          "best-practice"]},
}  # fmt: skip


def _serious(page) -> list[str]:  # noqa: ANN001
    results = AXE.run(page, options=OPTIONS).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_page_type_passes_axe(app: Flask, page, live_server) -> None:  # noqa: ANN001
    with app.app_context():
        plan = factory.load_questionnaire(factory.PLAN)
        day = factory.load_questionnaire(factory.INSPIRATIE)
        respondent = factory.respondent(plan, "S01", items={"actions": ["5"]})
        invitee_id = factory.respondent(plan, "S02", items={"actions": ["5"]}).id
        attendee = factory.respondent(day, "D01", kind="gemeente")
        plan_link, day_link, respondent_id = (
            factory.link(respondent),
            factory.link(attendee),
            respondent.id,
        )
        complete = factory.respondent(plan, "S03", items={"actions": ["5"]})
        demo.fill(complete, random.Random(2), submit=True)
        responses.reopen(complete.response, "admin:test")  # complete, not submitted
        complete_link = factory.link(complete)
        ranking = factory.load_questionnaire(RANKING)
        ranking_link = factory.link(factory.respondent(ranking, "R01", items={"actions": ["5"]}))
        accounts.create_admin("beheer@vvsg.be", "wachtwoord-voor-test")
    failures: dict[str, list[str]] = {}

    def check(name: str, url: str | None = None) -> None:
        if url is not None:
            page.goto(f"{live_server}{url}")
        page.wait_for_load_state("load")
        problems = _serious(page)
        if problems:
            failures[name] = problems

    check("sign-in", "/aanmelden")
    check("not found", "/bestaat-niet")
    page.goto(f"{live_server}{plan_link}")
    check("start")
    check("text, email and multiple choice", "/v/plan-samenleven-2025/p/organisatie")
    check("scale, multiple choice with other, textarea", "/v/plan-samenleven-2025/p/actie/5")
    page.get_by_role("button", name="Volgende").click()
    check("validation errors")
    check("summary", "/v/plan-samenleven-2025/overzicht")
    page.get_by_role("link", name="Hoe succesvol was deze actie in je bestuur?").click()
    check("a field reached from the summary")

    page.goto(f"{live_server}{complete_link}")
    page.goto(f"{live_server}/v/plan-samenleven-2025/overzicht")
    page.get_by_role("button", name="Indienen").click()
    page.get_by_role("heading", name="Wil je de vragenlijst nu indienen?").wait_for()
    check("confirm submission")
    page.get_by_role("button", name="Ja, definitief indienen").click()
    page.get_by_role("heading", name="Bedankt! Je antwoorden zijn ingediend.").wait_for()
    check("receipt")
    check("read-only page after submission", "/v/plan-samenleven-2025/p/actie/5")

    page.goto(f"{live_server}{day_link}")
    check("single choice with other, number", "/v/inspiratiedag-2022/p/deelname")
    check("matrix", "/v/inspiratiedag-2022/p/algemeen")
    page.goto(f"{live_server}/v/inspiratiedag-2022/p/afsluiting")
    page.get_by_role("group", name="Wil je het verslag").get_by_label("Ja").check()
    page.get_by_role("button", name="Opslaan").click()
    check("e-mail and note, after saving")

    page.goto(f"{live_server}{ranking_link}")
    check("ranking", "/v/prioriteiten-2025/p/beleid")
    page.get_by_label("Wonen").select_option("1")
    page.get_by_label("Werk").select_option("1")
    page.get_by_role("button", name="Volgende").click()
    page.get_by_text("Geef elke rang maar één keer.").first.wait_for()
    check("ranking with errors")

    page.goto(f"{live_server}/aanmelden")
    page.get_by_label("E-mailadres").fill("beheer@vvsg.be")
    page.get_by_label("Wachtwoord").fill("wachtwoord-voor-test")
    page.get_by_role("button", name="Aanmelden").click()
    with app.app_context():
        demo.fill(db.session.get(Respondent, respondent_id), random.Random(1), submit=True)
    check("admin overview", "/admin/")
    check("dashboard", "/admin/vragenlijsten/plan-samenleven-2025")
    check("respondent list", "/admin/vragenlijsten/plan-samenleven-2025/respondenten")
    check("respondent and its answers", f"/admin/respondenten/{respondent_id}")
    check("audit log", "/admin/logboek")
    check("preview set-up", "/admin/vragenlijsten/plan-samenleven-2025/voorbeeld")
    page.get_by_role("button", name="Voorbeeld starten").click()
    check("preview start")
    check("preview page", "/v/plan-samenleven-2025/p/actie/5")
    page.goto(f"{live_server}/admin/vragenlijsten/plan-samenleven-2025")
    page.get_by_role("link", name=re.compile(r"Uitnodigingen versturen \(")).click()
    check("mail confirmation with recipients and preview")
    page.get_by_role("button", name="Versturen").click()
    check("job page with its outcome")  # its running state: tests/browser/test_jobs.py
    check(
        "respondent with its mail history", f"/admin/respondenten/{invitee_id}"
    )  # its running state: tests/browser/test_jobs.py
    page.goto(f"{live_server}/admin/vragenlijsten/plan-samenleven-2025")
    page.get_by_label(re.compile("Ontwerp van rapport")).check()
    page.get_by_role("button", name="Downloaden").click()
    page.get_by_role("link", name=re.compile(r"\.docx downloaden$")).wait_for()
    check("export job page with its file")
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())


def test_the_axe_check_does_find_violations(page) -> None:  # noqa: ANN001
    """Guard: the harness reports a real violation, so a clean result means something."""
    page.set_content('<html lang="nl"><body><main><input type="text"></main></body></html>')
    assert any(v.startswith("label (critical)") for v in _serious(page))
