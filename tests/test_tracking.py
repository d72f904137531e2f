"""Dashboard figures against a hand-counted fixture, in the terminal and on the page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from lxml.html import HtmlElement
from openpyxl import load_workbook
from sqlalchemy import select

from intake.extensions import db
from intake.models import AuditEvent, Invitation, MailLog, Questionnaire, Response, utcnow
from intake.services import questionnaires, tracking
from tests.support import factory
from tests.support.html import document

FIXTURE = [
    # code, kind, province, actions, status
    ("A1", "centrumstad", "Antwerpen", ["2", "5"], "submitted"),
    ("A2", "centrumstad", "Limburg", ["5"], "submitted"),
    ("A3", "stad", "Antwerpen", ["5", "13"], "in_progress"),
    ("A4", "stad", "Limburg", ["13"], "opened"),
    ("A5", "gemeente", "Antwerpen", ["2"], "invited"),
    ("A6", "gemeente", "West-Vlaanderen", ["5"], "submitted"),
    ("A7", "gemeente", "West-Vlaanderen", ["24"], "not_invited"),
    ("A8", "igs", "Limburg", ["5", "24"], "submitted"),
    ("A9", "igs", "Antwerpen", ["2"], "invited"),
    ("A10", "stad", "Oost-Vlaanderen", ["5"], "in_progress"),
]


@pytest.fixture
def fixture_questionnaire(app: Flask) -> int:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        version = questionnaires.live_version(q)
        for code, kind, province, actions, status in FIXTURE:
            respondent = factory.respondent(
                q, code, kind=kind, province=province, items={"actions": actions}
            )
            if status != "not_invited":
                db.session.add(
                    MailLog(
                        respondent_id=respondent.id,
                        kind="invitation",
                        recipient="x@y.be",
                        subject="Uitnodiging",
                    )
                )
            if status in {"opened", "in_progress", "submitted"}:
                db.session.add(
                    Invitation(
                        respondent_id=respondent.id,
                        token_hash=f"{code:0>64}",
                        first_opened_at=utcnow(),
                        last_opened_at=utcnow(),
                    )
                )
            if status in {"in_progress", "submitted"}:
                db.session.add(
                    Response(
                        respondent_id=respondent.id,
                        questionnaire_version=version,
                        status="draft" if status == "in_progress" else status,
                    )
                )
            if code == "A9":
                db.session.add(
                    MailLog(
                        respondent_id=respondent.id,
                        kind="reminder",
                        recipient="x@y.be",
                        subject="Herinnering",
                    )
                )
        # A failed reminder does not count.
        db.session.add(
            MailLog(
                respondent_id=respondent.id,
                kind="reminder",
                recipient="x@y.be",
                subject="Herinnering",
                ok=False,
                error="refused",
            )
        )
        db.session.commit()
        return q.id


def _q(app: Flask) -> Questionnaire:
    return db.session.scalar(select(Questionnaire))


def test_overview_by_kind_province_and_item(app: Flask, fixture_questionnaire: int) -> None:
    with app.app_context():
        q = _q(app)
        overview = tracking.overview(q)
        assert overview.counts == {
            "not_invited": 1,
            "invited": 2,
            "opened": 1,
            "in_progress": 2,
            "submitted": 4,
        }
        # A7 was never invited: it is not in the denominator of any rate.
        assert str(overview.rate) == "4/9 (44%)"
        assert (overview.total, overview.invited, overview.not_submitted) == (10, 9, 6)
        kinds = {g.key: (str(g.rate), g.not_invited) for g in tracking.by_column(q, "kind")}
        assert kinds == {
            "centrumstad": ("2/2 (100%)", 0),
            "gemeente": ("1/2 (50%)", 1),
            "igs": ("1/2 (50%)", 0),
            "stad": ("0/3 (0%)", 0),
        }
        provinces = {g.key: str(g.rate) for g in tracking.by_column(q, "province")}
        assert provinces == {
            "Antwerpen": "1/4 (25%)",
            "Limburg": "2/3 (67%)",
            "Oost-Vlaanderen": "0/1 (0%)",
            "West-Vlaanderen": "1/1 (100%)",
        }
        items = {
            r.code: (r.invited, r.submitted, r.not_invited) for r in tracking.by_item(q)["actions"]
        }
        assert items["2"] == (3, 1, 0) and items["5"] == (6, 4, 0)
        assert items["13"] == (2, 0, 0) and items["24"] == (1, 1, 1)
        assert items["7"] == (0, 0, 0) and "4" not in items  # unsurveyed and unused: left out


def test_respondent_list_filters(app: Flask, fixture_questionnaire: int) -> None:
    with app.app_context():
        q = _q(app)
        rows = tracking.respondent_rows(q)
        assert len(rows) == 10
        by_code = {r.code: r for r in rows}
        assert by_code["A9"].reminders == 1 and by_code["A1"].reminders == 0
        assert by_code["A7"].status == "not_invited" and by_code["A7"].last_activity is None
        assert by_code["A3"].last_activity is not None
        codes = lambda **f: sorted(r.code for r in tracking.respondent_rows(q, **f))  # noqa: E731
        assert codes(status="submitted") == ["A1", "A2", "A6", "A8"]
        assert codes(kind="igs", attributes={"province": "Limburg"}) == ["A8"]
        assert codes(item="24") == ["A7", "A8"]
        assert codes(search="a1") == ["A1", "A10"]


def test_status_command_first_line(
    app: Flask, runner: FlaskCliRunner, fixture_questionnaire: int
) -> None:
    result = runner.invoke(args=["status", "-q", "plan-samenleven-2025"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "4/9 (44%)"
    assert any("Centrumstad" in line and "2/2 (100%)" in line for line in lines)
    assert any("Limburg" in line and "2/3 (67%)" in line for line in lines)


def test_dashboard_page_shows_the_figures(
    app: Flask, fixture_questionnaire: int, admin_client: FlaskClient
) -> None:
    page = document(admin_client.get("/admin/vragenlijsten/plan-samenleven-2025").get_data())
    headline = " ".join(page.xpath('//p[@class="big-figure"]')[0].text_content().split())
    assert headline == "44% 4 van 9 uitgenodigde besturen hebben ingediend"
    assert "1 bestuur is nog niet uitgenodigd en telt niet mee in de respons." in _text(page)
    assert page.xpath("//svg")
    assert _row(page, "Centrumstad") == ["Centrumstad", "2", "2", "100%", "0", "0"]
    assert _row(page, "Gemeente") == ["Gemeente", "1", "2", "50%", "1", "1"]
    assert _row(page, "Oefenkansen Nederlands organiseren") == [
        "5", "Oefenkansen Nederlands organiseren", "4", "6", "67%", "2", "0"]  # fmt: skip
    # The catalogue is named as the questionnaire names its entries: no "Item (actions)".
    assert "Respons per actie" in _text(page) and "actions" not in _text(page)
    listing = admin_client.get(
        "/admin/vragenlijsten/plan-samenleven-2025/respondenten?status=in_progress"
    ).get_data(as_text=True)
    assert "Bestuur A3" in listing and "Bestuur A10" in listing and "Bestuur A1<" not in listing


def _text(page: HtmlElement) -> str:
    return " ".join(page.text_content().split())


def _row(page: HtmlElement, header: str) -> list[str]:
    # Not the table of covered units, which repeats the items' titles.
    (row,) = page.xpath(
        f'//tr[th[@scope="row"][normalize-space()="{header}"]]'
        '[not(ancestor::figure[contains(@class, "covered")])]'
    )
    return [" ".join(cell.text_content().split()) for cell in row.xpath("td|th")]


def _listed(client: FlaskClient, href: str) -> list[str]:
    """The codes of the respondents the list at ``href`` shows."""
    page = document(client.get(href).get_data())
    return [str(code).strip() for code in page.xpath("//table//tbody/tr/td[1]/text()")]


def test_every_dashboard_count_links_to_exactly_that_many(
    app: Flask, fixture_questionnaire: int, admin_client: FlaskClient
) -> None:
    page = document(admin_client.get("/admin/vragenlijsten/plan-samenleven-2025").get_data())
    links = [
        (a.get("href"), a.text_content().strip())
        for a in page.xpath('//main//a[contains(@href, "/respondenten?")]')
    ]
    counted = [(href, text) for href, text in links if text.isdigit()]
    # 2 in the headline, 4 per kind, province and item row (the status cards below); the
    # table of covered units per item has no links.
    rows = len(page.xpath('//figure[not(contains(@class, "covered"))]//tbody/tr'))
    assert rows == 4 + 4 + 20 and len(counted) == 2 + 4 * rows, links
    for href, text in counted:
        assert len(_listed(admin_client, href)) == int(text), href
    for a in page.xpath('//ul[@class="status-cards"]//a'):
        count = a.xpath('.//span[@class="count"]/text()')[0]
        assert len(_listed(admin_client, a.get("href"))) == int(count)
    (missing,) = page.xpath('//a[starts-with(normalize-space(), "Wie ontbreekt?")]')
    assert "6 besturen hebben niet ingediend" in missing.text_content()
    assert sorted(_listed(admin_client, missing.get("href"))) == [
        "A10", "A3", "A4", "A5", "A7", "A9"]  # fmt: skip


def test_status_sets_and_combined_filters(app: Flask, fixture_questionnaire: int) -> None:
    with app.app_context():
        q = _q(app)
        codes = lambda **f: sorted(r.code for r in tracking.respondent_rows(q, **f))  # noqa: E731
        assert codes(status="not_submitted") == ["A10", "A3", "A4", "A5", "A7", "A9"]
        assert codes(status="waiting") == ["A10", "A3", "A4", "A5", "A9"]
        assert len(codes(status="ever_invited")) == 9
        assert codes(status="not_submitted", kind="gemeente") == ["A5", "A7"]
        antwerpen = {"province": "Antwerpen"}
        assert codes(status="not_submitted", attributes=antwerpen, item="actions:2") == [
            "A5", "A9"]  # fmt: skip
        assert codes(item="actions:24") == ["A7", "A8"] and codes(item="workshops:24") == []
        assert len(codes(status="whatever")) == 10  # an unknown filter filters nothing


def test_list_names_its_filters_in_dutch(
    app: Flask, fixture_questionnaire: int, admin_client: FlaskClient
) -> None:
    page = document(admin_client.get(
        "/admin/vragenlijsten/plan-samenleven-2025/respondenten"
        "?status=not_submitted&kind=igs&item=actions:2"
    ).get_data())  # fmt: skip
    caption = " ".join(page.xpath("//caption")[0].text_content().split())
    assert caption == (
        "1 organisatie: niet ingediend, Intergemeentelijk samenwerkingsverband (IGS), Actie 2"
    )
    assert page.xpath('//select[@name="status"]/option[@selected]/text()') == ["niet ingediend"]
    assert page.xpath('//label[@for="f-item"]/text()') == ["Actie"]
    cells = [" ".join(td.text_content().split()) for td in page.xpath("//tbody/tr[1]/td")]
    assert cells[:5] == ["A9", "Bestuur A9", "Intergemeentelijk samenwerkingsverband (IGS)",
                         "Antwerpen", "uitgenodigd"]  # fmt: skip
    (download,) = page.xpath('//a[contains(@href, "respondenten.xlsx")]')
    assert "status=not_submitted" in download.get("href") and "kind=igs" in download.get("href")


def test_list_downloads_as_filtered_without_formulas(
    app: Flask, fixture_questionnaire: int, admin_client: FlaskClient
) -> None:
    with app.app_context():
        hostile = factory.by_code(_q(app), "A5")
        hostile.name = '=HYPERLINK("http://evil.example","Bel mij")'
        hostile.contacts[0].name = "@SUM(1+1)"
        db.session.commit()
    response = admin_client.get(
        "/admin/vragenlijsten/plan-samenleven-2025/respondenten.xlsx?status=not_submitted"
        "&province=Antwerpen"
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=organisaties-")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Bevraging Plan Samenleven – projectjaar 3 – niet ingediend, Antwerpen"
    # The population's attributes (the default's province and members) follow the kind.
    assert rows[1] == ("Code", "Naam", "Soort", "Provincie", "Gemeenten", "Status",
                       "Contactpersonen", "E-mailadressen", "Laatste activiteit",
                       "Herinneringen")  # fmt: skip
    by_code = {row[0]: row for row in rows[2:]}
    assert sorted(by_code) == ["A3", "A5", "A9"]  # as filtered
    assert by_code["A9"][2:8] == (
        "Intergemeentelijk samenwerkingsverband (IGS)", "Antwerpen", "", "uitgenodigd",
        "Ann Peeters", "ann.peeters@example.be")  # fmt: skip
    assert isinstance(by_code["A3"][8], dt.datetime)  # last activity, Brussels time
    # Text that looks like a formula stays literal text, and stays text when edited.
    cells = {c.value: c for row in sheet.iter_rows() for c in row}
    for text in ('=HYPERLINK("http://evil.example","Bel mij")', "@SUM(1+1)"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "respondent_list"))
        assert event.detail == {
            "rows": 3, "filters": {"status": "not_submitted", "province": "Antwerpen"}}  # fmt: skip


def test_overview_lists_each_questionnaire_with_rate_and_state(
    app: Flask, fixture_questionnaire: int, admin_client: FlaskClient
) -> None:
    with app.app_context():
        day = factory.load_questionnaire(factory.INSPIRATIE)
        questionnaires.set_open(day, False)
        day.deadline = dt.date(2026, 12, 15)  # as the admin sets it
        db.session.commit()
    page = document(admin_client.get("/admin/").get_data())
    assert _row(page, "Bevraging Plan Samenleven – projectjaar 3") == [
        "Bevraging Plan Samenleven – projectjaar 3", "44%",
        "4 van 9 uitgenodigde besturen", "open", "geen"]  # fmt: skip
    assert _row(page, "Evaluatie inspiratiedag Samenleven: iedereen inbegrepen")[1:] == [
        "0%", "0 van 315 verwachte deelnemers", "afgesloten", "15 december 2026"]  # fmt: skip
    (invited,) = page.xpath('//a[normalize-space()="9"]')
    assert len(_listed(admin_client, invited.get("href"))) == 9


def test_catalogues_are_named_by_their_repeated_section(app: Flask) -> None:
    from intake.questionnaire.loader import load_file

    plan, day = load_file(factory.PLAN).questionnaire, load_file(factory.INSPIRATIE).questionnaire
    assert tracking.catalogue_label(plan, "actions") == "Actie"
    assert tracking.catalogue_label(plan, "actions", "en") == "Action"
    assert tracking.catalogue_label(day, "workshops") == "Workshop"
    assert tracking.catalogue_label(day, "unknown") == "Onderdeel"


def test_closed_questionnaire_refuses_edits_with_a_clear_message(
    app: Flask, fixture_questionnaire: int
) -> None:
    with app.app_context():
        q = _q(app)
        respondent = factory.by_code(q, "A3")
        link = factory.link(respondent)
        questionnaires.set_open(q, False)
    client = app.test_client()
    client.get(link)
    from tests.support.portal import post_page

    result = post_page(client, "/v/plan-samenleven-2025/p/planlast", {"stelling": "4"})
    assert result.status_code == 200
    assert "De bevraging is afgesloten" in result.get_data(as_text=True)
    assert "De bevraging is afgesloten." in client.get("/v/plan-samenleven-2025/").get_data(
        as_text=True
    )
