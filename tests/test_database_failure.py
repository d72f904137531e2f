"""When the database fails, nothing a coordinator typed is lost.

The failures are real (see ``tests/support/failures.py``) and start after the
coordinator has loaded the page, as they would in the middle of a working day.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from intake.extensions import db
from intake.models import Respondent, utcnow
from intake.services import response_state, responses
from tests.support import factory, failures
from tests.support.html import csrf_token, document, shown
from tests.support.portal import hidden_fields, post_page

BASE = "/v/plan-samenleven-2025"
PAGE = f"{BASE}/p/actie/5"
TYPED = {
    "succes": "4",
    "succes_toelichting": "Zonder de subsidie was dit nooit gelukt.\nTweede regel: €, ë, 'quotes'.",
    "cofinanciering": ["innovatie_actie", "other"],
    "cofinanciering__other_text": "Een <b>buddywerking</b>",
}
NOT_SAVED = '<div class="notice notice-warning" role="alert">Je antwoorden zijn nog niet bewaard'


@pytest.fixture
def respondent_id(app: Flask, client: FlaskClient) -> int:
    """A respondent whose coordinator is signed in on ``client``."""
    with app.app_context():
        questionnaire = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(questionnaire, "CS04", kind="centrumstad",
                                   items={"actions": ["2", "5", "15"]})  # fmt: skip
        respondent_id, link = respondent.id, factory.link(respondent)
    client.get(link)
    return respondent_id


@pytest.fixture
def server_errors_shown(app: Flask) -> Iterator[None]:
    """Handle errors as production does (the testing config re-raises them)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield
    app.config["PROPAGATE_EXCEPTIONS"] = None


def _value(app: Flask, respondent_id: int, key: str) -> object:
    with app.app_context():
        state = response_state.load_state(db.session.get(Respondent, respondent_id))
        return state.value("actie", "5", key)


def _assert_page_shows_exactly_what_was_typed(html: str) -> None:
    for name, typed in TYPED.items():
        assert shown(html, name) == (typed if isinstance(typed, list) else [typed]), name
    assert not document(html).xpath("//b")  # typed markup stays text


def _assert_typed_is_stored(app: Flask, respondent_id: int) -> None:
    assert _value(app, respondent_id, "succes") == 4
    assert _value(app, respondent_id, "succes_toelichting") == TYPED["succes_toelichting"]
    assert _value(app, respondent_id, "cofinanciering") == ["innovatie_actie", "other"]
    assert _value(app, respondent_id, "cofinanciering.other_text") == "Een <b>buddywerking</b>"


@pytest.mark.parametrize("action", ["opslaan", "volgende", "vorige"])
def test_a_save_the_database_refuses_gives_the_page_back_with_what_was_typed(
    app: Flask, client: FlaskClient, respondent_id: int, action: str
) -> None:
    hidden = hidden_fields(client.get(PAGE).get_data(as_text=True))
    with failures.writes_refused(app):
        refused = post_page(client, PAGE, TYPED, action, hidden=hidden)
        assert refused.status_code == 503
        assert refused.mimetype == "text/html"
        html = refused.get_data(as_text=True)
        assert NOT_SAVED in html
        assert "Opslaan" in html
        _assert_page_shows_exactly_what_was_typed(html)
        assert _value(app, respondent_id, "succes") is None  # nothing half-written

    # The database takes writes again: the next click stores everything.
    again = post_page(client, PAGE, TYPED, action, hidden=hidden_fields(html))
    assert again.status_code == 302
    _assert_typed_is_stored(app, respondent_id)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # max_page_count
def test_a_save_on_a_full_disk_gives_the_page_back_with_what_was_typed(
    app: Flask, client: FlaskClient, respondent_id: int
) -> None:
    # A long explanation pasted in: it needs pages the file cannot grow any more.
    long_text = "\n".join(["Een lange toelichting met é en € en <tekens>."] * 100)
    typed = {**TYPED, "succes_toelichting": long_text}
    hidden = hidden_fields(client.get(PAGE).get_data(as_text=True))
    with failures.disk_full(app):
        refused = post_page(client, PAGE, typed, hidden=hidden)
    assert refused.status_code == 503
    html = refused.get_data(as_text=True)
    assert NOT_SAVED in html
    assert long_text.replace("<", "&lt;").replace(">", "&gt;") + "</textarea>" in html
    assert _value(app, respondent_id, "succes") is None
    assert post_page(client, PAGE, typed, hidden=hidden_fields(html)).status_code == 302
    assert _value(app, respondent_id, "succes_toelichting") == long_text


def test_a_refused_write_is_tried_once_not_twenty_times(
    app: Flask, client: FlaskClient, respondent_id: int, server_errors_shown: None
) -> None:
    hidden = hidden_fields(client.get(PAGE).get_data(as_text=True))
    with failures.writes_refused(app), failures.write_attempts(app) as writes:
        refused = post_page(client, PAGE, TYPED, hidden=hidden)
    assert len(writes) == 1, writes
    assert refused.status_code == 503


def test_autosave_the_database_refuses_answers_json_and_a_later_autosave_stores(
    app: Flask, client: FlaskClient, respondent_id: int
) -> None:
    hidden = hidden_fields(client.get(PAGE).get_data(as_text=True))
    with failures.writes_refused(app):
        refused = post_page(client, PAGE, TYPED, "autosave", hidden=hidden)
    assert refused.status_code == 503
    assert refused.is_json
    assert refused.get_json()["status"] == "unavailable"
    assert _value(app, respondent_id, "succes") is None

    saved = post_page(client, PAGE, TYPED, "autosave", hidden=hidden)
    assert saved.status_code == 200
    assert saved.get_json()["status"] == "saved"
    _assert_typed_is_stored(app, respondent_id)


def _complete(app: Flask, respondent_id: int) -> None:
    """Answer every page of the respondent's response, so it can be submitted."""
    filled = {
        ("organisatie", None): {"via_igs": ("nee", None), "contact_functie": ("Expert", None)},
        ("agii", None): {"tevredenheid": ("4", None), "zelf_beheren": ("ja", None)},
        ("partners", None): {"beoordeling": ("4", None)},
        ("planlast", None): {"stelling": ("3", None)},
        ("meerwaarde", None): {"meerwaarde": (["ondersteuning"], None)},
        ("stopzetting", None): {"gevolgen": (["braindrain"], None)},
        **{
            ("actie", item): {"succes": ("4", None), "cofinanciering": (["voortzetting"], None)}
            for item in ("2", "5", "15")
        },
    }
    with app.app_context():
        respondent = db.session.get(Respondent, respondent_id)
        for (section, item), posted in filled.items():
            revision = response_state.load_state(respondent).revision
            outcome = responses.save_page(respondent, section, item, posted, revision, "test")
            assert outcome.status == "saved", outcome


def test_a_submit_the_database_refuses_says_so_and_a_later_submit_works(
    app: Flask, client: FlaskClient, respondent_id: int
) -> None:
    _complete(app, respondent_id)
    token = csrf_token(client, f"{BASE}/overzicht")
    with failures.writes_refused(app):
        refused = client.post(f"{BASE}/indienen", data={"csrf_token": token, "confirm": "ja"})
    assert refused.status_code == 503
    html = refused.get_data(as_text=True)
    assert "nog niet ingediend" in html
    assert "Indienen</button>" in html
    with app.app_context():
        assert db.session.get(Respondent, respondent_id).response.status == "draft"

    submitted = client.post(f"{BASE}/indienen", data={"csrf_token": token, "confirm": "ja"})
    assert submitted.status_code == 302
    with app.app_context():
        assert db.session.get(Respondent, respondent_id).response.status == "submitted"


def _gone(app: Flask, request: pytest.FixtureRequest, backend: str):  # noqa: ANN202
    pg_server = request.getfixturevalue("pg_server") if backend == "postgresql" else None
    return failures.database_gone(app, pg_server)


def test_with_the_database_down_pages_get_a_dutch_error_page_in_the_house_style(
    app: Flask,
    client: FlaskClient,
    respondent_id: int,
    backend: str,
    request: pytest.FixtureRequest,
    server_errors_shown: None,
) -> None:
    assert client.get(PAGE).status_code == 200
    with _gone(app, request, backend):
        down = client.get(PAGE)
    assert down.status_code == 500
    html = down.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "intake.css" in html and "VVSG" in html
    assert "Er ging iets mis" in html
    assert "probleem aan onze kant" in html
    assert "Afmelden" not in html  # the signed-in user cannot be read now
    assert "Traceback" not in html and "Internal Server Error" not in html


def test_with_the_database_down_a_save_gives_back_what_was_typed(
    app: Flask,
    client: FlaskClient,
    respondent_id: int,
    backend: str,
    request: pytest.FixtureRequest,
    server_errors_shown: None,
) -> None:
    hidden = hidden_fields(client.get(PAGE).get_data(as_text=True))
    with _gone(app, request, backend):
        saved = post_page(client, PAGE, TYPED, hidden=hidden)
        autosaved = post_page(client, PAGE, TYPED, "autosave", hidden=hidden,
                              headers={"Accept": "application/json"})  # fmt: skip
    assert saved.status_code == 500
    html = saved.get_data(as_text=True)
    assert "niet bewaard" in html
    assert (
        "Zonder de subsidie was dit nooit gelukt.\nTweede regel: €, ë, &#39;quotes&#39;.</textarea>"
        in html
    )
    assert "Een &lt;b&gt;buddywerking&lt;/b&gt;</textarea>" in html
    assert hidden["csrf_token"] not in html  # the form's machinery is not "typed"
    assert autosaved.status_code == 500
    assert autosaved.is_json
    assert autosaved.get_json()["status"] == "error"

    # The database is back: saving what was typed stores it.
    assert post_page(client, PAGE, TYPED, hidden=hidden).status_code == 302
    _assert_typed_is_stored(app, respondent_id)


def test_a_busy_database_is_waited_for_not_refused(
    app: Flask,
    client: FlaskClient,
    respondent_id: int,
    backend: str,
    request: pytest.FixtureRequest,
) -> None:
    """A lock held elsewhere (a long transaction, a backup) makes the save retry, and it
    is stored once the lock is released; the coordinator never sees a failure."""
    hidden = hidden_fields(client.get(PAGE).get_data(as_text=True))
    with app.app_context():  # a response row exists, so there is a row to lock
        respondent = db.session.get(Respondent, respondent_id)
        responses.save_page(respondent, "planlast", None, {"stelling": ("3", None)}, 0, "test")
        hidden["revision"] = str(response_state.load_state(respondent).revision)
    if backend == "sqlite":
        wait = ["PRAGMA busy_timeout = 50"]
        lock = "BEGIN IMMEDIATE"
    else:
        wait = ["SET lock_timeout = '50ms'"]
        lock = "SELECT id FROM responses FOR UPDATE"
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with app.app_context(), db.engine.connect() as conn:
            if backend == "sqlite":
                conn.exec_driver_sql(lock)
            else:
                conn.execute(text(lock))
            locked.set()
            release.wait(10)
            conn.rollback()

    holder = threading.Thread(target=hold_lock)
    with failures.on_checkout(app, wait):
        holder.start()
        assert locked.wait(10)
        threading.Timer(0.3, release.set).start()
        saved = post_page(client, PAGE, TYPED, hidden=hidden)
        holder.join(10)
    assert saved.status_code == 302
    _assert_typed_is_stored(app, respondent_id)


def test_a_signed_in_coordinator_keeps_reading_while_the_database_refuses_writes(
    app: Flask, client: FlaskClient, respondent_id: int
) -> None:
    """Noting when a sign-in was last used is not worth a failed request: a coordinator
    who is signed in can still read (and copy) their answers while writes fail."""
    with app.app_context():
        db.session.execute(text("UPDATE sign_ins SET last_seen_at = :t"),
                           {"t": utcnow() - dt.timedelta(hours=1)})  # fmt: skip
        db.session.commit()
    with failures.writes_refused(app):
        assert client.get(f"{BASE}/").status_code == 200
        assert client.get(PAGE).status_code == 200


def test_the_personal_link_says_to_come_back_while_the_database_refuses_writes(
    app: Flask,
) -> None:
    """A sign-in is a server-side record (so that signing out ends it for good); when the
    database cannot record it, the coordinator reads a clear Dutch message, not a 500."""
    with app.app_context():
        questionnaire = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(questionnaire, "G07", items={"actions": ["5"]})
        link = factory.link(respondent)
    client = app.test_client()
    with failures.writes_refused(app):
        opened = client.get(link)
        assert opened.status_code == 503
        assert "Aanmelden lukt even niet" in opened.get_data(as_text=True)
    assert client.get(link).status_code == 302  # and once writes work again, it signs in


def test_a_pasted_link_that_cannot_be_recorded_gives_the_page_back_as_typed(
    app: Flask, client: FlaskClient, respondent_id: int
) -> None:
    hidden = hidden_fields(client.get(PAGE).get_data(as_text=True))
    with app.app_context():
        link = factory.link(db.session.get(Respondent, respondent_id))
    client.delete_cookie("session")
    client.delete_cookie("remember_token")
    with failures.writes_refused(app):
        answer = post_page(client, PAGE, {**TYPED, "access_link": f"http://x{link}"},
                           hidden=hidden)  # fmt: skip
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503
    assert NOT_SAVED in page
    assert "Zonder de subsidie was dit nooit gelukt." in page


def test_after_a_restart_of_the_database_server_pages_and_saves_work(
    app: Flask,
    client: FlaskClient,
    respondent_id: int,
    backend: str,
    request: pytest.FixtureRequest,
) -> None:
    """The pool's connections, closed by the restart, are replaced when they are checked
    out (``extensions.closed_by_server``): no request sees an error."""
    if backend != "postgresql":
        pytest.skip("SQLite has no server to restart")
    assert client.get(PAGE).status_code == 200
    failures.restart(app, request.getfixturevalue("pg_server"))
    assert client.get(PAGE).status_code == 200
    assert post_page(client, PAGE, TYPED).status_code == 302
    _assert_typed_is_stored(app, respondent_id)
