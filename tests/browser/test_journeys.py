"""End-to-end in a real browser: the coordinator from invitation mail to submission, the
admin from registry import to export download, and a section filled with the keyboard."""

from __future__ import annotations

import email
import io
import re
from email import policy
from pathlib import Path

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from intake.extensions import db
from intake.models import Questionnaire, Respondent
from intake.services import accounts, mailing, response_state, responses
from tests.browser.conftest import screenshot
from tests.support import factory

PLAN = "plan-samenleven-2025"


def _invitation_link(app: Flask, code: str) -> str:
    """Send the invitations and read this respondent's link from the outbox."""
    with app.app_context():
        mailing.send(db.session.scalar(select(Questionnaire)), "invitation")
    for path in sorted(Path(app.config["MAIL_OUTBOX"]).glob(f"*-{code}-invitation.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        match = re.search(r"(http://127\.0\.0\.1:\d+/t/\S+)", message.get_content())
        assert match, message.get_content()
        return match.group(1)
    raise AssertionError(f"no invitation for {code} in the outbox")


def _group(page, legend: str):  # noqa: ANN001, ANN202
    return page.get_by_role("group", name=re.compile(re.escape(legend)))


def test_coordinator_from_invitation_mail_to_submission(app: Flask, page, live_server) -> None:  # noqa: ANN001
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        factory.respondent(q, "S05", name="Stad Beekveld", items={"actions": ["5"]})
    page.goto(_invitation_link(app, "S05"))
    page.get_by_role("heading", name="Bevraging Plan Samenleven – projectjaar 3").wait_for()
    screenshot(page, "start")
    page.get_by_role("link", name="Begin of ga verder").click()

    # Je bestuur: prefilled; answer the IGS question.
    _group(page, "intergemeentelijk samenwerkingsverband").get_by_label("Nee").check()
    page.get_by_label("Functie van de contactpersoon").fill("Beleidsmedewerker samenleven")
    page.get_by_role("button", name="Volgende").click()

    # Actie 5: a validation error first, then the answers.
    page.get_by_role("heading", name="Actie 5: Oefenkansen Nederlands organiseren").wait_for()
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("heading", name="Kijk deze antwoorden na").wait_for()
    screenshot(page, "validation-error")
    _group(page, "Hoe succesvol was deze actie").get_by_label("Zeer succesvol").check()
    page.get_by_label("Waarom beoordeel je de actie zo?").fill(
        "We bereiken veel meer nieuwkomers dan verwacht."
    )
    _group(page, "cofinanciering voor deze actie").get_by_label("Voortzetting").check()
    page.get_by_role("button", name="Volgende").click()

    answers = {
        "Acties zonder Vlaamse cofinanciering": [],
        "Samenwerking met externe partners": [("Hoe verliep de samenwerking", "Goed")],
        "Ondersteuning door AgII": [("Hoe tevreden ben je", "Tevreden"),
                                    ("liever zelf beheren", "Geen mening")],
        "Planlastvermindering": [("Stelling", "Akkoord")],
        "Meerwaarde van Plan Samenleven": [("bijkomende meerwaarde", "Extra financiële middelen")],
        "Als de financiering stopt": [("gevolgen", "Lopende projecten worden stopgezet")],
        "Tot slot": [],
    }  # fmt: skip
    for heading, choices in answers.items():
        page.get_by_role("heading", name=heading, exact=True).wait_for()
        for legend, label in choices:
            _group(page, legend).get_by_label(label, exact=True).check()
        page.get_by_role("button", name="Volgende").click()

    page.get_by_role("heading", name="Overzicht van je antwoorden").wait_for()
    assert page.get_by_text("We bereiken veel meer nieuwkomers dan verwacht.").is_visible()
    screenshot(page, "summary")
    page.get_by_role("button", name="Indienen").click()
    page.get_by_role("button", name="Ja, definitief indienen").click()
    page.get_by_role("heading", name="Bedankt! Je antwoorden zijn ingediend.").wait_for()
    with app.app_context():
        respondent = db.session.scalar(select(Respondent).where(Respondent.code == "S05"))
        state = response_state.load_state(respondent)
        assert state.is_submitted
        assert state.value("actie", "5", "succes") == 5
        assert state.value("planlast", "", "stelling") == 4


def test_admin_from_registry_import_to_export_download(
    app: Flask,
    page,
    live_server,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    with app.app_context():
        factory.load_questionnaire(factory.PLAN)
        accounts.create_admin("beheer@vvsg.be", "wachtwoord-voor-test")
    registry = tmp_path / "register.csv"
    registry.write_text(
        "code;naam;soort;provincie;contactpersoon;e-mail;acties\n"
        'CS01;Stad Noordhaven;centrumstad;Antwerpen;Ann Peeters;ann@noordhaven.be;"2;5"\n'
        "G01;Gemeente Lindeloo;gemeente;Limburg;Bart Claes;bart@lindeloo.be;5\n",
        encoding="utf-8",
    )
    page.goto(f"{live_server}/aanmelden")
    screenshot(page, "sign-in")
    page.get_by_label("E-mailadres").fill("beheer@vvsg.be")
    page.get_by_label("Wachtwoord").fill("wachtwoord-voor-test")
    page.get_by_role("button", name="Aanmelden").click()
    page.get_by_role("link", name="Bevraging Plan Samenleven – projectjaar 3").click()

    page.get_by_label("Registerbestand (.xlsx of .csv)").set_input_files(str(registry))
    page.get_by_role("button", name="Importeren").click()
    page.get_by_text("Register geïmporteerd: 2 nieuw").wait_for()
    page.get_by_role("link", name=re.compile(r"Uitnodigingen versturen \(")).click()
    page.get_by_role("button", name="Versturen").click()
    page.get_by_role("heading", name="Klaar").wait_for()  # the job's page: sent in the background
    assert page.get_by_text("2 verstuurd").first.is_visible()
    page.get_by_role("link", name="Bevraging Plan Samenleven – projectjaar 3").click()
    assert page.get_by_text("0 van 2 uitgenodigde besturen hebben ingediend").is_visible()
    screenshot(page, "dashboard")

    # One respondent responds (through the services), then the admin exports.
    with app.app_context():
        respondent = db.session.scalar(select(Respondent).where(Respondent.code == "G01"))
        state = response_state.load_state(respondent)
        responses.save_page(
            respondent, "planlast", None, {"stelling": ("5", None)}, state.revision, "t"
        )
    page.get_by_label("Ook antwoorden die nog niet ingediend zijn").check()
    page.get_by_role("button", name="Downloaden").click()
    # The export's job page (written in the background), then its file, as an admin does.
    page.get_by_role("heading", name="Export: Excel-werkmap").wait_for()
    page.get_by_role("heading", name="Klaar").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"\.xlsx downloaden$")).click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"{PLAN}-")
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert workbook.sheetnames[0] == "Overzicht" and "Antwoorden" in workbook.sheetnames
    rows = list(workbook["Antwoorden"].iter_rows(values_only=True))
    header = rows[0]
    assert [r[0] for r in rows[1:]] == ["G01"]
    assert rows[1][header.index("planlast.stelling")] == 5

    page.get_by_role("link", name="Bevraging Plan Samenleven – projectjaar 3").click()
    page.get_by_role("link", name="Alle organisaties bekijken").click()
    page.get_by_role("link", name="Gemeente Lindeloo").wait_for()
    screenshot(page, "respondents")


def test_a_section_with_the_keyboard_only(app: Flask, page, live_server) -> None:  # noqa: ANN001
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(q, "G02", items={"actions": ["5"]})
        link = factory.link(respondent)
    page.goto(f"{live_server}{link}")
    page.goto(f"{live_server}/v/{PLAN}/p/actie/5")
    page.get_by_role("heading", name="Actie 5: Oefenkansen Nederlands organiseren").wait_for()

    # From the top of the page, Tab until the first radio of the success scale.
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "succes":
            break
    assert page.evaluate("document.activeElement.name") == "succes"
    page.keyboard.press("Space")  # selects "Zeer succesvol"
    page.keyboard.press("ArrowRight")  # moves to and selects "Succesvol"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "succes_toelichting"
    page.keyboard.type("Met het toetsenbord ingevuld.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "cofinanciering"
    page.keyboard.press("Space")  # the first option: not started without it
    for _ in range(20):  # on to the "Volgende" button, then press it
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").strip() == "Volgende":
            break
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Acties zonder Vlaamse cofinanciering").wait_for()
    with app.app_context():
        state = response_state.load_state(db.session.scalar(
            select(Respondent).where(Respondent.code == "G02")))  # fmt: skip
        assert state.value("actie", "5", "succes") == 4
        assert state.value("actie", "5", "succes_toelichting") == "Met het toetsenbord ingevuld."
        assert state.value("actie", "5", "cofinanciering") == ["niet_opgestart"]
