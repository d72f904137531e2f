"""As a VVSG analyst would check it, in chromium on the demo data: every count on the
dashboard opens a list with exactly that many respondents; no page (admin or portal)
scrolls sideways on a 390 px phone; no Dutch page shows an English UI word; and every
admin page type is photographed at 1280 and 390 px (artifacts/screenshots/admin-*)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask import Flask

from intake.jobs import mail as mail_job
from intake.services import accounts, demo, questionnaires, tracking
from intake.statuses import MailKind, TrackingStatus
from tests.browser.conftest import screenshot

PLAN = "plan-samenleven-2025"
DAY = "inspiratiedag-2022"
AGII = "agii-vormingen"
ADMIN = ("analist@vvsg.be", "wachtwoord-voor-test")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# English UI words that leaked into Dutch pages before ("Item (actions)", "item: None"),
# and the usual suspects of an untranslated form. Case-sensitive, whole words.
ENGLISH = re.compile(r"\b(Item|Items|actions|None|Submit|Save|Cancel|Next|Previous|Search|"
                     r"Loading|Error|True|False|null|undefined)\b")  # fmt: skip


def english_words(page) -> list[str]:  # noqa: ANN001
    """English UI words in what the page shows (its text and its title)."""
    text = page.evaluate("document.title + '\\n' + document.body.innerText")
    return sorted(set(ENGLISH.findall(text)))


def sideways(page) -> int:  # noqa: ANN001
    """How wide the page is at 390 px, when it is wider (0 when it fits)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return width if width > PHONE["width"] else 0


class Walk:
    """Visits pages, checks each at 390 px and for English words, photographs admin ones."""

    def __init__(self, page, base: str) -> None:  # noqa: ANN001
        self.page, self.base = page, base
        self.too_wide: dict[str, int] = {}
        self.english: dict[str, list[str]] = {}
        self.seen: list[str] = []

    def check(self, name: str, url: str | None = None, photo: bool = False) -> None:
        page = self.page
        page.set_viewport_size(DESKTOP)
        if url is not None:
            page.goto(f"{self.base}{url}")
        page.wait_for_load_state("load")
        self.seen.append(name)
        if words := english_words(page):
            self.english[name] = words
        if photo:
            screenshot(page, f"admin-{name}")
        page.set_viewport_size(PHONE)
        if width := sideways(page):
            self.too_wide[name] = width
        page.set_viewport_size(DESKTOP)


def _demo(app: Flask, mail: bool = False) -> dict[str, object]:
    """The demo data (AgII's 3,557 participants too), an admin, the respondents each page
    type needs, and with ``mail`` a finished invitation job (to the two respondents not
    invited yet)."""
    with app.app_context():
        result = demo.load()
        demo.load_agii()
        accounts.create_admin(*ADMIN)
        plan = questionnaires.get_by_slug(PLAN)
        rows = tracking.respondent_rows(plan)
        first = {status: next(r.id for r in rows if r.status == status) for status in
                 (TrackingStatus.SUBMITTED, TrackingStatus.IN_PROGRESS)}  # fmt: skip
        links = dict(result.links)
        states = {state: links[name] for name, state in reversed(result.states.items())}
        job = mail_job.submit(plan, MailKind.INVITATION, "admin:" + ADMIN[0])[0] if mail else None
        return {"first": first, "links": states, "job": job.id if job else None}


def _sign_in(page, base: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/aanmelden")
    page.get_by_label("E-mailadres").fill(ADMIN[0])
    page.get_by_label("Wachtwoord").fill(ADMIN[1])
    page.get_by_role("button", name="Aanmelden").click()
    page.get_by_role("heading", name="Overzicht").wait_for()


def _rows_listed(page) -> int:  # noqa: ANN001
    """How many respondents the list's caption counts; the table shows them all, or the
    first page of 100 ("1.234" is Dutch for 1234)."""
    caption = page.locator("table.respondent-table caption").inner_text()
    counted = int(caption.split()[0].replace(".", ""))
    shown = page.locator("table.respondent-table tbody tr").count()
    assert shown == min(counted, tracking.PAGE_SIZE), caption
    return counted


def test_every_dashboard_count_opens_a_list_of_exactly_that_many(
    app: Flask,
    page,
    live_server: str,  # noqa: ANN001
) -> None:
    _demo(app)
    _sign_in(page, live_server)
    page.get_by_role("link", name="Bevraging Plan Samenleven – projectjaar 3").click()
    dashboard = page.url
    # The rate counts invited respondents only, and says so.
    headline = page.locator(".big-figure").inner_text()
    assert " ".join(headline.split()) == "74% 42 van 57 uitgenodigde besturen hebben ingediend"
    assert page.get_by_text("2 besturen zijn nog niet uitgenodigd").is_visible()

    counts = page.locator("main a").filter(has_text=re.compile(r"^\s*\d+\s*$"))
    cards = page.locator(".status-cards a")
    targets = [(counts.nth(i).get_attribute("href"), int(counts.nth(i).inner_text()))
               for i in range(counts.count())]  # fmt: skip
    targets += [(cards.nth(i).get_attribute("href"),
                 int(cards.nth(i).locator(".count").inner_text()))
                for i in range(cards.count())]  # fmt: skip
    missing = page.get_by_role("link", name=re.compile("Wie ontbreekt"))
    assert "17 besturen hebben niet ingediend" in missing.inner_text()
    targets.append((missing.get_attribute("href"), 17))
    # headline 2, status cards 5, "wie ontbreekt" 1; 4 kinds, 5 provinces, 20 actions x 4.
    assert len(targets) == 2 + 5 + 1 + (4 + 5 + 20) * 4
    wrong = {}
    for href, expected in targets:
        page.goto(f"{live_server}{href}")
        if (shown := _rows_listed(page)) != expected:
            wrong[href] = (expected, shown)
    assert not wrong, wrong

    # A click as the analyst would: the number of central cities still missing.
    page.goto(dashboard)
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Centrumstad", exact=True))
    waiting = row.locator("td").nth(3)
    expected = int(waiting.inner_text())
    waiting.get_by_role("link").click()
    assert _rows_listed(page) == expected
    assert page.get_by_label("Status").input_value() == "waiting"
    assert page.get_by_label("Soort").input_value() == "centrumstad"
    statuses = page.locator("table.respondent-table tbody td:nth-child(5)").all_inner_texts()
    assert set(statuses) <= {"uitgenodigd", "link geopend", "bezig"}
    kinds = page.locator("table.respondent-table tbody td:nth-child(3)").all_inner_texts()
    assert set(kinds) == {"Centrumstad"}

    # Filters combine, and the list downloads as filtered.
    page.get_by_label("Provincie").select_option("Antwerpen")
    page.get_by_role("button", name="Filteren").click()
    combined = _rows_listed(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Deze lijst downloaden (.xlsx)").click()
    from openpyxl import load_workbook

    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet.max_row == 2 + combined

    # AgII's 3,557 participants, 100 to a page (tests/test_agii.py follows every count of
    # its dashboard): the pager goes on where the first page stopped.
    page.goto(f"{live_server}/admin/vragenlijsten/{AGII}")
    page.get_by_role("link", name="Alle deelnemers bekijken (3557)").click()
    first = page.locator("table.respondent-table tbody td:nth-child(1)").all_inner_texts()
    pager = page.get_by_role("navigation", name="Bladeren in de lijst")
    assert " ".join(pager.inner_text().split()) == "Pagina 1 van 36 1–100 van 3.557 Volgende"
    pager.get_by_role("link", name="Volgende").click()
    pager.get_by_text("Pagina 2 van 36").wait_for()
    assert pager.get_by_text("101–200 van 3.557").is_visible()
    second = page.locator("table.respondent-table tbody td:nth-child(1)").all_inner_texts()
    assert len(second) == 100 and not set(first) & set(second)


def test_no_page_scrolls_sideways_or_speaks_english(
    app: Flask,
    browser,
    page,
    live_server: str,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    data = _demo(app, mail=True)
    first, links = data["first"], data["links"]
    walk = Walk(page, live_server)
    walk.check("sign-in", "/aanmelden", photo=True)
    _sign_in(page, live_server)
    walk.check("overview", "/admin/", photo=True)
    walk.check("dashboard", f"/admin/vragenlijsten/{PLAN}", photo=True)
    walk.check("dashboard-empty", f"/admin/vragenlijsten/{DAY}", photo=True)
    walk.check("respondent-list", f"/admin/vragenlijsten/{PLAN}/respondenten", photo=True)
    walk.check("respondent-list-filtered",
               f"/admin/vragenlijsten/{PLAN}/respondenten?status=not_submitted&kind=stad",
               photo=True)  # fmt: skip
    walk.check("respondent-list-paged",
               f"/admin/vragenlijsten/{AGII}/respondenten?status=not_submitted&pagina=2",
               photo=True)  # fmt: skip
    walk.check(
        "respondent-list-not-understood",
        f"/admin/vragenlijsten/{AGII}/respondenten?jaar=abc&regio=limburg",
        photo=True,
    )
    walk.check("respondent-submitted",
               f"/admin/respondenten/{first[TrackingStatus.SUBMITTED]}", photo=True)  # fmt: skip
    walk.check("respondent-in-progress",
               f"/admin/respondenten/{first[TrackingStatus.IN_PROGRESS]}", photo=True)  # fmt: skip
    walk.check("audit-log", "/admin/logboek", photo=True)
    walk.check("audit-log-questionnaire", f"/admin/logboek?vragenlijst={PLAN}", photo=True)
    walk.check("job", f"/admin/taken/{data['job']}", photo=True)
    page.goto(f"{live_server}/admin/vragenlijsten/{PLAN}")
    bad = tmp_path / "register.csv"
    bad.write_text("code;naam;soort\nX1;Stad X;dorp\n", encoding="utf-8")
    page.get_by_label("Registerbestand (.xlsx of .csv)").set_input_files(str(bad))
    page.get_by_role("button", name="Importeren").click()
    walk.check("import-report", photo=True)
    walk.check("not-found", "/admin/bestaat-niet", photo=True)

    # The portal, as coordinators in other browsers: fresh, started and submitted.
    coordinator = browser.new_context(locale="nl-BE", viewport=DESKTOP)
    walk.page = coordinator.new_page()
    walk.check("bad-link", "/t/geen-geldige-link")
    walk.check("start-fresh", links["nieuw: uitgenodigd, nog niet geopend"])
    pages = walk.page.locator("main a[href*='/p/']")
    hrefs = sorted({pages.nth(i).get_attribute("href") for i in range(pages.count())})
    assert len(hrefs) >= 8, hrefs
    for href in hrefs:
        walk.check(f"portal {href}", href)
    walk.page.get_by_role("button", name="Volgende").click()
    walk.check("portal validation errors")
    walk.check("summary-fresh", f"/v/{PLAN}/overzicht")
    walk.page.get_by_role("button", name="Afmelden").click()
    walk.check("signed-out")
    walk.check("start-in-progress", links["bezig"])
    walk.check("summary-in-progress", f"/v/{PLAN}/overzicht")
    walk.check("start-submitted", links["ingediend"])
    walk.check("submitted", f"/v/{PLAN}/ingediend")
    walk.check("summary-submitted", f"/v/{PLAN}/overzicht")
    coordinator.close()

    assert len(walk.seen) >= 30
    assert not walk.too_wide, f"wider than 390 px: {walk.too_wide}"
    assert not walk.english, f"English on Dutch pages: {walk.english}"


def test_the_checks_do_find_english_and_sideways_scrolling(page) -> None:  # noqa: ANN001
    """Guard: both checks report what they look for, so a clean walk means something."""
    page.set_content('<html lang="nl"><body><main><p>Item (actions)</p><p>item: None</p>'
                     '<table><tr><td style="white-space:nowrap">' + "breed " * 200 +
                     "</td></tr></table></main></body></html>")  # fmt: skip
    assert english_words(page) == ["Item", "None", "actions"]
    page.set_viewport_size(PHONE)
    assert sideways(page) > 390
    page.set_content(
        '<html lang="nl"><body><p>Het item is bewaard; itemnummer 5.</p></body></html>'
    )
    assert english_words(page) == [] and sideways(page) == 0
