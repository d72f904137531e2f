"""The respondent list as a workbook, as filtered on the page: whom to phone, and how.

One row per respondent with its code, name, kind and attributes (labels), status, its
contacts and its last activity. Cells go through the shared spreadsheet writer
(``spreadsheet.xlsx``), so a name such as ``=HYPERLINK(...)`` stays literal text and never
becomes a formula, and columns are as wide as their content.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from sqlalchemy import select

from intake.extensions import db
from intake.models import Contact
from intake.questionnaire.model import Population
from intake.services.sheets import local_time
from intake.services.spreadsheet.xlsx import Book
from intake.services.tracking import RespondentRow

HEADER = ("Code", "Naam", "Soort", "Status", "Contactpersonen", "E-mailadressen",
          "Laatste activiteit", "Herinneringen")  # fmt: skip


def contacts_of(respondent_ids: Iterable[int]) -> dict[int, list[Contact]]:
    """The contacts of these respondents in their order, in one query."""
    ids = list(respondent_ids)
    result: dict[int, list[Contact]] = {i: [] for i in ids}
    if ids:
        query = (
            select(Contact)
            .where(Contact.respondent_id.in_(ids))
            .order_by(Contact.respondent_id, Contact.position, Contact.id)
        )
        for contact in db.session.scalars(query):
            result[contact.respondent_id].append(contact)
    return result


def workbook(
    rows: list[RespondentRow], status_labels: dict[str, str], title: str, population: Population
) -> bytes:
    """The rows as an .xlsx, with ``title`` (what was filtered) as the sheet's first line;
    after the kind, a column per attribute of the population."""
    book = Book()
    sheet = book.sheet("Respondenten" if population.is_person else "Organisaties")
    header = [*HEADER[:3], *(str(a.label) for a in population.attributes), *HEADER[3:]]
    sheet.caption(title, len(header))
    sheet.header(header)
    contacts = contacts_of(row.id for row in rows)
    kinds = population.kind_labels
    for row in rows:
        people = contacts[row.id]
        sheet.append([
            row.code, row.name, kinds.get(row.kind or "", row.kind or ""),
            *(a.display(row.attributes.get(a.id)) for a in population.attributes),
            status_labels[row.status],
            "\n".join(c.name for c in people), "\n".join(c.email for c in people),
            local_time(row.last_activity), row.reminders,
        ])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
