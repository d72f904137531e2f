"""The admin's mail buttons as an admin presses them: the confirmation page, then Versturen."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from intake.extensions import db
from intake.models import Invitation, MailLog
from tests.support.html import document, form_values


def confirmation(admin: FlaskClient, slug: str, kind: str) -> str:
    page = admin.get(f"/admin/vragenlijsten/{slug}/mail/{kind}")
    assert page.status_code == 200, page.status_code
    return page.get_data(as_text=True)


def recipient_codes(page: str) -> list[str]:
    """The codes the confirmation page lists (its first column)."""
    return [td.text_content().strip() for td in document(page).xpath(
        "//table[contains(@class, 'recipients')]/tbody/tr/td[1]")]  # fmt: skip


def press(admin: FlaskClient, slug: str, kind: str = "invitation") -> TestResponse:
    """Open the confirmation page and press Versturen with what its form holds."""
    page = confirmation(admin, slug, kind)
    xpath = f"//form[@action='/admin/vragenlijsten/{slug}/mail/{kind}']"
    data = dict(form_values(page, xpath))
    return admin.post(f"/admin/vragenlijsten/{slug}/mail/{kind}", data=data)


def days_pass(app: Flask, days: float) -> None:
    """Move every link and mail log back in time, as if ``days`` days passed."""
    shift = dt.timedelta(days=days)
    with app.app_context():
        for invitation in db.session.scalars(select(Invitation)):
            invitation.created_at -= shift
            if invitation.sent_at is not None:
                invitation.sent_at -= shift
            if invitation.first_opened_at is not None:
                invitation.first_opened_at -= shift
        for log in db.session.scalars(select(MailLog)):
            log.sent_at -= shift
        db.session.commit()
