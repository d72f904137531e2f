"""The admin's respondent list: paged in SQL (100 to a page), its filters kept on every
page and in the download, which has every row; a filter value that is no value of its
filter (``?jaar=abc``, an unknown status) ignored out loud, never named as a filter."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml.html import HtmlElement
from openpyxl import load_workbook
from sqlalchemy import insert, select

from intake.extensions import db
from intake.models import AuditEvent, MailLog, Respondent, utcnow
from tests.support import factory
from tests.support.html import document
from tests.test_breakdowns import add_persons
from tests.test_query_counts import recorded

LIST = "/admin/vragenlijsten/plan-samenleven-2025/respondenten"
PERSONS = "/admin/vragenlijsten/vorming-personen/respondenten"
COUNT = 1200
PROVINCES = ["Antwerpen", "Limburg", "Oost-Vlaanderen"]


def _kind(i: int) -> str:
    return "gemeente" if i % 2 == 0 else "stad"


def _invited(i: int) -> bool:
    return i % 5 != 0


def _province(i: int) -> str:
    return PROVINCES[i % 3]


@pytest.fixture
def registry(app: Flask) -> None:
    """``COUNT`` local governments R0001..R1200 ("Bestuur 0001", ...: sorted by name as by
    number on any collation), each kind, province and invitation from its number."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        now = utcnow()
        db.session.execute(insert(Respondent), [
            {"questionnaire_id": q.id, "code": f"R{i:04d}", "name": f"Bestuur {i:04d}",
             "kind": _kind(i), "attributes": {"province": _province(i)}, "created_at": now,
             "updated_at": now}
            for i in range(1, COUNT + 1)
        ])  # fmt: skip
        ids = dict(db.session.execute(select(Respondent.code, Respondent.id)).all())
        db.session.execute(insert(MailLog), [
            {"respondent_id": ids[f"R{i:04d}"], "kind": "invitation", "recipient": "x@y.be",
             "subject": "Uitnodiging", "sent_at": now, "ok": True}
            for i in range(1, COUNT + 1) if _invited(i)
        ])  # fmt: skip
        db.session.commit()


# Invited municipalities in Limburg, counted by hand from the rules above: 160, by name.
WANTED = [f"R{i:04d}" for i in range(1, COUNT + 1)
          if _invited(i) and _kind(i) == "gemeente" and _province(i) == "Limburg"]  # fmt: skip
FILTERED = {"status": "invited", "kind": "gemeente", "province": "Limburg"}


def _get(client: FlaskClient, path: str, **query: str) -> HtmlElement:
    response = client.get(path, query_string=query or None)
    assert response.status_code == 200, (path, query, response.status_code)
    return document(response.get_data())


def _codes(page: HtmlElement) -> list[str]:
    return [str(code).strip() for code in page.xpath("//table//tbody/tr/td[1]/text()")]


def _text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _caption(page: HtmlElement) -> str:
    return _text(page.xpath("//caption")[0])


def _pager(page: HtmlElement) -> tuple[list[str], dict[str, str]]:
    """The pager's texts, and its links by name → their query."""
    (pager,) = page.xpath('//nav[@class="pager"]')
    texts = [_text(part) for part in pager.xpath("./*")]
    links = {_text(a): a.get("href") for a in pager.xpath(".//a")}
    return texts, links


def _query(href: str) -> dict[str, str]:
    return {key: value for key, (value,) in parse_qs(urlsplit(href).query).items()}


def test_page_two_of_a_filtered_list_shows_exactly_its_rows(
    app: Flask, registry: None, admin_client: FlaskClient
) -> None:
    assert len(WANTED) == 160
    first = _get(admin_client, LIST, **FILTERED)
    assert _caption(first) == "160 organisaties: uitgenodigd, Gemeente, Limburg"
    assert _codes(first) == WANTED[:100]
    texts, links = _pager(first)
    assert texts == ["Pagina 1 van 2", "1–100 van 160", "Volgende"] and list(links) == [
        "Volgende"]  # fmt: skip
    # The filters survive paging: the link to page 2 carries every one of them.
    assert _query(links["Volgende"]) == {**FILTERED, "pagina": "2"}

    second = _get(admin_client, links["Volgende"])
    assert _codes(second) == WANTED[100:]  # the 60 after the first 100, in order
    assert _caption(second) == "160 organisaties: uitgenodigd, Gemeente, Limburg"
    texts, links = _pager(second)
    assert texts == ["Vorige", "Pagina 2 van 2", "101–160 van 160"]
    assert _query(links["Vorige"]) == {**FILTERED, "pagina": "1"}
    assert _codes(_get(admin_client, links["Vorige"])) == WANTED[:100]
    # The form shows the filters of the page it is on.
    assert second.xpath('//select[@name="province"]/option[@selected]/@value') == ["Limburg"]
    assert second.xpath('//select[@name="status"]/option[@selected]/@value') == ["invited"]


def test_the_whole_registry_pages_by_a_hundred_without_loading_every_row(
    app: Flask, registry: None, admin_client: FlaskClient
) -> None:
    with recorded(app) as seen:
        page = _get(admin_client, LIST, pagina="12")
    assert _caption(page) == "1.200 organisaties"
    assert _codes(page) == [f"R{i:04d}" for i in range(1101, 1201)]
    assert _pager(page)[0] == ["Vorige", "Pagina 12 van 12", "1.101–1.200 van 1.200"]
    # The rows come one page at a time from the database (LIMIT/OFFSET), counted apart.
    listing = [s for s in seen.statements if "respondents.name" in s and "ORDER BY" in s]
    assert len(listing) == 1 and "LIMIT" in listing[0] and "OFFSET" in listing[0], seen.report()
    assert any("count(*)" in s.lower() for s in seen.statements), seen.report()


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("99", 2), ("3", 2), ("0", 1), ("-1", 1), ("abc", 1), ("", 1), ("2.5", 1), ("²", 1),
     ("99999999999999999999", 2), ("٢", 2)],
)  # fmt: skip
def test_a_page_number_out_of_range_or_not_a_number_shows_the_nearest_page(
    app: Flask, registry: None, admin_client: FlaskClient, asked: str, shown: int
) -> None:
    page = _get(admin_client, LIST, **FILTERED, pagina=asked)
    assert _codes(page) == (WANTED[:100] if shown == 1 else WANTED[100:])
    assert f"Pagina {shown} van 2" in _pager(page)[0]
    assert _caption(page) == "160 organisaties: uitgenodigd, Gemeente, Limburg"


def test_an_empty_list_has_no_pager_whatever_page_is_asked(
    app: Flask, registry: None, admin_client: FlaskClient
) -> None:
    page = _get(admin_client, LIST, search="niemand", pagina="7")
    assert _caption(page) == "0 organisaties: 'niemand'" and _codes(page) == []
    assert not page.xpath('//nav[@class="pager"]')


def test_the_download_has_every_filtered_row_whatever_page_is_shown(
    app: Flask, registry: None, admin_client: FlaskClient
) -> None:
    page = _get(admin_client, LIST, **FILTERED, pagina="2")
    (download,) = page.xpath('//a[contains(@href, "respondenten.xlsx")]')
    assert _text(download) == "Alle 160 downloaden (.xlsx)"
    assert _query(download.get("href")) == FILTERED  # the filters, not the page
    for href in (download.get("href"), f"{LIST}.xlsx?pagina=2&" + urlsplit(download.get(
            "href")).query):  # fmt: skip
        response = admin_client.get(href)
        assert response.status_code == 200
        rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(
            values_only=True))  # fmt: skip
        assert rows[0][0].endswith("– uitgenodigd, Gemeente, Limburg")
        assert [row[0] for row in rows[2:]] == WANTED  # all 160, by name


@pytest.fixture
def persons(app: Flask) -> None:
    with app.app_context():
        add_persons()


def test_a_filter_value_that_is_not_understood_is_ignored_out_loud(
    app: Flask, persons: None, admin_client: FlaskClient
) -> None:
    page = _get(admin_client, PERSONS, jaar="abc", regio="gent", status="whatever",
                kind="marsmannetje")  # fmt: skip
    notices = [_text(p) for p in page.xpath('//p[contains(@class, "notice")]')]
    assert notices == [
        "Filter Status: de waarde ‘whatever’ is niet begrepen en wordt genegeerd.",
        "Filter Soort: de waarde ‘marsmannetje’ is niet begrepen en wordt genegeerd.",
        "Filter Jaar: de waarde ‘abc’ is niet begrepen en wordt genegeerd.",
    ]
    # Only the filter that was understood selects, and only it is named.
    assert _caption(page) == "3 deelnemers: Gent"
    assert sorted(_codes(page)) == ["P3", "P4", "P9"]
    assert page.xpath('//input[@name="jaar"]/@value') == [""]
    assert page.xpath('//select[@name="status"]/option[@selected]/@value') == []
    (download,) = page.xpath('//a[contains(@href, "respondenten.xlsx")]')
    assert _query(download.get("href")) == {"regio": "gent"}

    # A choice by its label is understood (and named by its label), a number is a number.
    page = _get(admin_client, PERSONS, regio="Limburg", jaar=" 2024 ")
    assert _caption(page) == "2 deelnemers: Limburg, Jaar: 2024"
    assert not page.xpath('//p[contains(@class, "notice")]')
    assert sorted(_codes(page)) == ["P5", "P6"]

    # What was typed is shown as text, never as markup.
    page = _get(admin_client, PERSONS, jaar="<b>1</b>")
    assert not page.xpath("//main//b")
    assert "‘<b>1</b>’" in _text(page.xpath('//p[contains(@class, "notice")]')[0])


def test_the_download_leaves_out_a_filter_that_was_not_understood(
    app: Flask, persons: None, admin_client: FlaskClient
) -> None:
    response = admin_client.get(f"{PERSONS}.xlsx", query_string={"jaar": "abc", "regio": "gent"})
    rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(
        values_only=True))  # fmt: skip
    assert rows[0][0] == "Tevredenheid over vormingen – Gent"
    assert sorted(row[0] for row in rows[2:]) == ["P3", "P4", "P9"]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "respondent_list"))
        assert event.detail == {"rows": 3, "filters": {"regio": "gent"}}


def test_the_audit_log_takes_a_page_number_as_the_list_does(
    app: Flask, admin_client: FlaskClient
) -> None:
    for asked in ("²", "abc", "99999999999999999999", "0"):
        assert admin_client.get("/admin/logboek", query_string={"pagina": asked}).status_code == 200
