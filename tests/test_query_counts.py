"""The SQL a portal request costs: a fixed number of statements, and no lazy loads.

The largest respondent page (organisatie) and its save are counted statement by
statement on the engine, on both backends. A lazy load (an N+1 in the making) adds a
statement and is named on its own, so it cannot come back unnoticed. When a change
needs another statement on purpose, raise the figure here and say why.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from intake.extensions import db
from intake.models import AuditEvent, SavedPage
from tests.support import factory
from tests.support.portal import hidden_fields, post_page

ACTIONS = [str(n) for n in range(1, 25) if n not in (1, 3, 4, 12)]
PAGE = "/v/plan-samenleven-2025/p/organisatie"
ANSWERS = {
    "naam": "Centrumstad", "type": "centrumstad", "provincie": "Antwerpen",
    "via_igs": "nee", "contact_naam": "Ann", "contact_functie": "Expert",
    "contact_email": "ann@example.be", "acties": ACTIONS,
}  # fmt: skip

# The signed-in access with its invitation, respondent, questionnaire, response and
# version (one joined query); the respondent's contacts and items (one query); the
# page's answers; the pages saved so far (one row per saved page, for each page's status).
PAGE_GET = 4
# The same four to read the page; the save checks against that state (it reads again only
# when it loses a race) and writes the changed answer (by the id the state read), the
# audit event and the revision. Nothing is read back after the commit: the redirect needs
# nothing, and "Volgende" takes the state with the save applied. A page's first save also
# notes the page as saved (one row more, once).
SAVE_POST = 4 + 3


@dataclass
class Recorded:
    statements: list[str] = field(default_factory=list)
    lazy_loads: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines = [f"{len(self.statements)} statements:"]
        lines += [f"  {' '.join(s.split())[:160]}" for s in self.statements]
        lines += [f"lazy load: {what}" for what in self.lazy_loads]
        return "\n".join(lines)


@contextmanager
def recorded(app: Flask) -> Iterator[Recorded]:
    """Every statement sent to the database, and every lazy load, while the block runs."""
    seen = Recorded()

    def on_statement(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.statements.append(statement)

    def on_orm(state: ORMExecuteState) -> None:
        if not state.is_select:
            return  # a write (such as a bulk UPDATE of answers) is no load
        loaded_from = state.lazy_loaded_from
        if loaded_from is not None:
            seen.lazy_loads.append(f"{loaded_from.class_.__name__} → {state.statement}")
        elif state.is_column_load:
            seen.lazy_loads.append(f"columns of {state.statement}")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(Session, "do_orm_execute", on_orm)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(Session, "do_orm_execute", on_orm)


def signed_in(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        questionnaire = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(
            questionnaire, "CS01", kind="centrumstad", items={"actions": ACTIONS}
        )
        link = factory.link(respondent)
    assert client.get(link).status_code == 302
    # A first save creates the response; the counted requests are the everyday ones.
    assert post_page(client, PAGE, ANSWERS).status_code == 302


def test_largest_page_get_costs_a_fixed_number_of_statements(
    app: Flask, client: FlaskClient
) -> None:
    signed_in(app, client)
    with recorded(app) as seen:
        page = client.get(PAGE)
    assert page.status_code == 200
    assert len(hidden_fields(page.get_data(as_text=True))["shown"]) >= 8
    assert seen.lazy_loads == [], seen.report()
    assert len(seen.statements) == PAGE_GET, seen.report()


def test_save_costs_a_fixed_number_of_statements(app: Flask, client: FlaskClient) -> None:
    signed_in(app, client)
    hidden = hidden_fields(client.get(PAGE).get_data(as_text=True))
    changed = {**ANSWERS, "contact_functie": "Diensthoofd"}
    with recorded(app) as seen:
        saved = post_page(client, PAGE, changed, hidden=hidden)
    assert saved.status_code == 302 and saved.location.endswith(PAGE)
    assert seen.lazy_loads == [], seen.report()
    assert len(seen.statements) == SAVE_POST, seen.report()


def test_save_and_next_reads_nothing_back(app: Flask, client: FlaskClient) -> None:
    """ "Volgende" finds the next page in the state with the save applied."""
    signed_in(app, client)
    hidden = hidden_fields(client.get(PAGE).get_data(as_text=True))
    changed = {**ANSWERS, "contact_functie": "Diensthoofd"}
    with recorded(app) as seen:
        saved = post_page(client, PAGE, changed, "volgende", hidden=hidden)
    assert saved.status_code == 302 and not saved.location.endswith(PAGE)
    assert seen.lazy_loads == [], seen.report()
    assert len(seen.statements) == SAVE_POST, seen.report()


def test_a_pages_first_save_notes_it_saved_and_later_saves_read_no_more(
    app: Flask, client: FlaskClient
) -> None:
    """The statuses a page view reads are one row per saved page, however often each was
    saved (every save stays in the audit log)."""
    signed_in(app, client)
    action = "/v/plan-samenleven-2025/p/actie/5"
    for n in range(4):
        hidden = hidden_fields(client.get(action).get_data(as_text=True))
        with recorded(app) as seen:
            saved = post_page(client, action, {"succes": str(1 + n)}, hidden=hidden)
        assert saved.status_code == 302
        notes = [s for s in seen.statements if s.startswith("INSERT INTO saved_pages")]
        assert len(notes) == (1 if n == 0 else 0), seen.report()
        assert len(seen.statements) == SAVE_POST + len(notes), seen.report()
    with app.app_context():
        pages = db.session.execute(select(SavedPage.section, SavedPage.item)).all()
        saves = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "save")
        )
    assert sorted(pages) == [("actie", "5"), ("organisatie", "")]
    assert saves == 5
    with recorded(app) as seen:
        assert client.get(PAGE).status_code == 200
    assert len(seen.statements) == PAGE_GET, seen.report()
