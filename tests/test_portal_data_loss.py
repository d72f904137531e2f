"""No answer is ever lost: expired CSRF token, expired sign-in, a colleague's
concurrent edit, and a double submit each keep exactly what the user typed."""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.extensions import db
from intake.models import Respondent, SavedPage
from intake.services import response_state, responses
from tests.support import factory
from tests.support.html import csrf_token, document, is_disabled, shown
from tests.support.portal import hidden_fields, post_page

BASE = "/v/plan-samenleven-2025"
TYPED = {
    "succes": "4",
    "succes_toelichting": "Zonder de subsidie was dit nooit gelukt.\nTweede regel: €, ë, 'quotes'.",
    "cofinanciering": ["innovatie_actie", "other"],
    "cofinanciering__other_text": "Een buddywerking",
}


def _assert_shows_what_was_typed(page: str) -> None:
    for name, typed in TYPED.items():
        assert shown(page, name) == (typed if isinstance(typed, list) else [typed]), name


def _org(app: Flask) -> tuple[int, str]:
    with app.app_context():
        questionnaire = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(questionnaire, "CS04", kind="centrumstad",
                                   items={"actions": ["2", "5", "15"]})  # fmt: skip
        return respondent.id, factory.link(respondent)


def _value(app: Flask, respondent_id: int, section: str, item: str, key: str) -> object:
    with app.app_context():
        state = response_state.load_state(db.session.get(Respondent, respondent_id))
        return state.value(section, item, key)


def _assert_typed_is_stored(app: Flask, respondent_id: int) -> None:
    assert _value(app, respondent_id, "actie", "5", "succes") == 4
    assert (
        _value(app, respondent_id, "actie", "5", "succes_toelichting")
        == TYPED["succes_toelichting"]
    )
    assert _value(app, respondent_id, "actie", "5", "cofinanciering") == [
        "innovatie_actie",
        "other",
    ]
    assert (
        _value(app, respondent_id, "actie", "5", "cofinanciering.other_text") == "Een buddywerking"
    )


def test_expired_csrf_token_gives_the_page_back_and_the_next_click_saves(
    app: Flask, client: FlaskClient
) -> None:
    respondent_id, link = _org(app)
    client.get(link)
    path = f"{BASE}/p/actie/5"
    hidden = hidden_fields(client.get(path).get_data(as_text=True))

    expired = post_page(client, path, TYPED, hidden={**hidden, "csrf_token": "verlopen"})
    assert expired.status_code == 200
    page = expired.get_data(as_text=True)
    assert "niets opgeslagen" in page
    _assert_shows_what_was_typed(page)
    assert _value(app, respondent_id, "actie", "5", "succes") is None  # nothing half-written

    second_click = post_page(client, path, TYPED, hidden=hidden_fields(page))
    assert second_click.status_code == 302
    _assert_typed_is_stored(app, respondent_id)


def test_expired_sign_in_gives_the_page_back_and_saving_with_the_link_stores_it(
    app: Flask, client: FlaskClient
) -> None:
    respondent_id, link = _org(app)
    client.get(link)
    path = f"{BASE}/p/actie/5"
    hidden = hidden_fields(client.get(path).get_data(as_text=True))

    # The session and its cookies are gone (days later, another browser profile...).
    later = app.test_client()
    lost = post_page(later, path, TYPED, hidden=hidden)
    assert lost.status_code == 401
    page = lost.get_data(as_text=True)
    assert "Je bent niet meer aangemeld" in page
    _assert_shows_what_was_typed(page)
    assert document(page).xpath('//input[@name="access_link"]')
    assert _value(app, respondent_id, "actie", "5", "succes") is None

    wrong = post_page(later, path, {**TYPED, "access_link": "https://x/t/niet-geldig"},
                      hidden=hidden_fields(page))  # fmt: skip
    assert wrong.status_code == 401
    assert "niet (meer) geldig" in wrong.get_data(as_text=True)
    assert "Zonder de subsidie was dit nooit gelukt." in wrong.get_data(as_text=True)

    full_link = f"http://127.0.0.1:5000{link}"
    saved = post_page(
        later, path, {**TYPED, "access_link": full_link},
        hidden=hidden_fields(wrong.get_data(as_text=True)),
    )  # fmt: skip
    assert saved.status_code == 302
    _assert_typed_is_stored(app, respondent_id)
    assert later.get(f"{BASE}/").status_code == 200  # and the browser is signed in again


def test_concurrent_edit_of_the_same_page_shows_both_versions(app: Flask) -> None:
    respondent_id, link = _org(app)
    ann, bart = app.test_client(), app.test_client()
    ann.get(link)
    bart.get(link)
    path = f"{BASE}/p/actie/5"
    ann_hidden = hidden_fields(ann.get(path).get_data(as_text=True))
    bart_hidden = hidden_fields(bart.get(path).get_data(as_text=True))

    assert post_page(ann, path, {"succes": "5", "succes_toelichting": "Versie van Ann"},
                     hidden=ann_hidden).status_code == 302  # fmt: skip

    clash = post_page(bart, path, {"succes": "5", "succes_toelichting": "Versie van Bart"},
                      hidden=bart_hidden)  # fmt: skip
    assert clash.status_code == 409
    page = clash.get_data(as_text=True)
    assert "Een collega heeft intussen antwoorden op deze pagina gewijzigd" in page
    assert "Versie van Ann" in page  # theirs, in the conflict panel
    assert "Versie van Bart</textarea>" in page  # his own, still in the form
    assert _value(app, respondent_id, "actie", "5", "succes_toelichting") == "Versie van Ann"

    # Saving again is a deliberate choice for his version.
    again = post_page(bart, path, {"succes": "5", "succes_toelichting": "Versie van Bart"},
                      hidden=hidden_fields(page))  # fmt: skip
    assert again.status_code == 302
    assert _value(app, respondent_id, "actie", "5", "succes_toelichting") == "Versie van Bart"


def test_edits_of_different_pages_by_two_colleagues_do_not_conflict(app: Flask) -> None:
    respondent_id, link = _org(app)
    ann, bart = app.test_client(), app.test_client()
    ann.get(link)
    bart.get(link)
    ann_hidden = hidden_fields(ann.get(f"{BASE}/p/actie/2").get_data(as_text=True))
    bart_hidden = hidden_fields(bart.get(f"{BASE}/p/actie/5").get_data(as_text=True))
    assert (
        post_page(ann, f"{BASE}/p/actie/2", {"succes": "3"}, hidden=ann_hidden).status_code == 302
    )
    assert (
        post_page(bart, f"{BASE}/p/actie/5", {"succes": "5"}, hidden=bart_hidden).status_code == 302
    )
    assert _value(app, respondent_id, "actie", "2", "succes") == 3
    assert _value(app, respondent_id, "actie", "5", "succes") == 5


def test_double_click_on_submit_submits_once(app: Flask, client: FlaskClient) -> None:
    respondent_id, link = _org(app)
    client.get(link)
    with app.app_context():
        respondent = db.session.get(Respondent, respondent_id)
        state = response_state.load_state(respondent)
        filled = {
            "organisatie": {"via_igs": ("nee", None), "contact_functie": ("Expert", None)},
            "agii": {"tevredenheid": ("4", None), "zelf_beheren": ("ja", None)},
            "partners": {"beoordeling": ("4", None)},
            "planlast": {"stelling": ("3", None)},
            "meerwaarde": {"meerwaarde": (["ondersteuning"], None)},
            "stopzetting": {"gevolgen": (["braindrain"], None)},
        }
        for section, posted in filled.items():
            outcome = responses.save_page(respondent, section, None, posted, state.revision, "test")
            assert outcome.status == "saved", outcome
            state = response_state.load_state(respondent)
        for item in ("2", "5", "15"):
            posted = {"succes": ("4", None), "cofinanciering": (["voortzetting"], None)}
            assert (
                responses.save_page(respondent, "actie", item, posted, state.revision, "t").status
                == "saved"
            )
            state = response_state.load_state(respondent)

    token = csrf_token(client, f"{BASE}/overzicht")
    first = client.post(f"{BASE}/indienen", data={"csrf_token": token, "confirm": "ja"})
    with app.app_context():
        submitted_at = db.session.get(Respondent, respondent_id).response.submitted_at
    second = client.post(f"{BASE}/indienen", data={"csrf_token": token, "confirm": "ja"})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == f"{BASE}/ingediend"
    with app.app_context():
        response = db.session.get(Respondent, respondent_id).response
        assert response.status == "submitted"
        assert response.submitted_at == submitted_at


def test_simultaneous_saves_of_different_pages_are_all_kept(app: Flask) -> None:
    """Eight colleagues save eight pages at the same moment: every save is stored."""
    respondent_id, _ = _org(app)
    pages = {
        ("actie", "2"): {"succes_toelichting": ("tekst 2", None)},
        ("actie", "5"): {"succes_toelichting": ("tekst 5", None)},
        ("actie", "15"): {"succes_toelichting": ("tekst 15", None)},
        ("partners", None): {"welke": ("FMDO", None)},
        ("agii", None): {"tevredenheid_toelichting": ("goed", None)},
        ("planlast", None): {"toelichting": ("minder planlast", None)},
        ("meerwaarde", None): {"toelichting": ("meer samenwerking", None)},
        ("afsluiting", None): {"opmerkingen": ("dank", None)},
    }
    barrier = threading.Barrier(len(pages))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def save(section: str, item: str | None, posted: dict) -> None:
        try:
            with app.app_context():
                respondent = db.session.get(Respondent, respondent_id)
                barrier.wait(timeout=10)
                outcome = responses.save_page(respondent, section, item, posted, 0, "thread")
                outcomes.append(outcome.status)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(s, i, p)) for (s, i), p in pages.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert outcomes.count("saved") == len(pages), outcomes
    for (section, item), posted in pages.items():
        ((key, (text, _)),) = posted.items()
        assert _value(app, respondent_id, section, item or "", key) == text


def test_simultaneous_first_saves_of_one_page_note_it_saved_once(app: Flask) -> None:
    """Four colleagues save the same page, unsaved so far, at the same moment, as they
    typed it alike: every save is stored, and the page is noted as saved once."""
    respondent_id, _ = _org(app)
    colleagues = 4
    barrier = threading.Barrier(colleagues)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def save() -> None:
        try:
            with app.app_context():
                respondent = db.session.get(Respondent, respondent_id)
                barrier.wait(timeout=10)
                posted = {"succes_toelichting": ("zelfde tekst", None)}
                outcome = responses.save_page(respondent, "actie", "5", posted, 0, "thread")
                outcomes.append(outcome.status)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=save) for _ in range(colleagues)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert outcomes.count("saved") == colleagues, outcomes
    with app.app_context():
        noted = db.session.execute(
            select(SavedPage.section, SavedPage.item).where(
                SavedPage.respondent_id == respondent_id
            )
        ).all()
        assert [tuple(row) for row in noted] == [("actie", "5")]
        respondent = db.session.get(Respondent, respondent_id)
        state = response_state.load_state(respondent)
        page = state.page("actie", "5")
        assert page is not None and state.is_saved(page)


def test_unsaved_page_shows_every_field_the_user_typed_into(app: Flask) -> None:
    """A colleague's answer hid a question meanwhile: the page that comes back after an
    expired token still shows it, with the text typed into it."""
    with app.app_context():
        q = factory.load_questionnaire(factory.INSPIRATIE)
        respondent = factory.respondent(q, "G1", kind="gemeente")
        respondent_id, link = respondent.id, factory.link(respondent)
        responses.save_page(
            respondent, "algemeen", None, {"online_storend": ("ja", None)}, 0, "ann"
        )
    client = app.test_client()
    client.get(link)
    path = "/v/inspiratiedag-2022/p/algemeen"
    hidden = hidden_fields(client.get(path).get_data(as_text=True))
    assert "online_toelichting" in hidden["shown"]
    with app.app_context():  # a colleague answers 'nee': the explanation is hidden for them
        respondent = db.session.get(Respondent, respondent_id)
        state = response_state.load_state(respondent)
        responses.save_page(respondent, "algemeen", None, {"online_storend": ("nee", None)},
                            state.revision, "bart")  # fmt: skip
    typed = {"tevredenheid": "4", "online_storend": "ja", "online_toelichting": "De pauzes"}
    back = post_page(client, path, typed, hidden={**hidden, "csrf_token": "verlopen"})
    assert back.status_code == 200
    assert "De pauzes</textarea>" in back.get_data(as_text=True)


def test_page_a_colleague_just_deselected_comes_back_unsaved_with_what_was_typed(
    app: Flask,
) -> None:
    """Ann types on the page of action 5 while Bart deselects action 5: her save is
    refused (the page no longer applies), and she gets back what she typed, to copy."""
    respondent_id, link = _org(app)
    ann = app.test_client()
    ann.get(link)
    path = f"{BASE}/p/actie/5"
    hidden = hidden_fields(ann.get(path).get_data(as_text=True))
    with app.app_context():
        respondent = db.session.get(Respondent, respondent_id)
        state = response_state.load_state(respondent)
        outcome = responses.save_page(respondent, "organisatie", None,
                                      {"acties": (["2", "15"], None)}, state.revision,
                                      "bart")  # fmt: skip
        assert outcome.status == "saved"

    refused = post_page(ann, path, TYPED, hidden=hidden)
    assert refused.status_code == 404
    page = refused.get_data(as_text=True)
    assert "niet opgeslagen" in page and "niet (meer) van toepassing" in page
    _assert_shows_what_was_typed(page)
    assert is_disabled(page, "succes")  # read-only: to copy, not to save
    assert _value(app, respondent_id, "actie", "5", "succes") is None
    assert _value(app, respondent_id, "actie", "5", "succes_toelichting") is None
    autosaved = post_page(ann, path, TYPED, "autosave", hidden=hidden)
    assert autosaved.status_code == 404 and autosaved.json["status"] == "not_applicable"
    assert _value(app, respondent_id, "actie", "5", "succes_toelichting") is None
