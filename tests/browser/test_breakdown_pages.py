"""The dashboard of a person survey (breakdowns by region, year and organiser, a cost
summary) and of an organisation survey with covered units, in chromium: it fits a 390 px
phone, the 'onbekend' group opens its list, and both are photographed at 1280 and 390 px
(artifacts/screenshots/admin-dashboard-persons-*, admin-dashboard-covering-*)."""

from __future__ import annotations

from flask import Flask

from intake.services import accounts
from tests.browser.conftest import screenshot
from tests.browser.test_tracking_pages import ADMIN, DESKTOP, PHONE, _rows_listed, _sign_in
from tests.test_breakdowns import add_igs, add_persons


def _load(app: Flask) -> None:
    """An admin, and both hand-counted fixtures of tests/test_breakdowns.py."""
    with app.app_context():
        accounts.create_admin(*ADMIN)
        add_persons()
        add_igs()


def test_breakdown_dashboards_fit_a_phone_and_link_the_unknown(
    app: Flask,
    page,
    live_server: str,  # noqa: ANN001
) -> None:
    _load(app)
    _sign_in(page, live_server)
    for slug, name in (("vorming-personen", "persons"), ("igs-dekking", "covering")):
        page.set_viewport_size(DESKTOP)
        page.goto(f"{live_server}/admin/vragenlijsten/{slug}")
        screenshot(page, f"admin-dashboard-{name}")
        page.set_viewport_size(PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (slug, width)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server}/admin/vragenlijsten/vorming-personen")
    figure = page.locator("figure", has=page.get_by_text("Respons per regio", exact=True))
    row = figure.locator("tr", has=page.get_by_role("rowheader", name="onbekend", exact=True))
    row.locator("td").nth(1).get_by_role("link").click()  # the invited without a region
    assert _rows_listed(page) == 1
    assert page.get_by_label("Regio").input_value() == "(leeg)"
