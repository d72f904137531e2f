"""The coordinator's whole way through both questionnaires, on the Flask test client."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.extensions import db
from intake.models import Response
from intake.services import response_state
from tests.support import factory
from tests.support.accounts import AuthActions
from tests.support.html import csrf_token, document, shown
from tests.support.portal import page_links, post_page

SLUG = "plan-samenleven-2025"
BASE = f"/v/{SLUG}"

ACTION_ANSWERS = {
    "2": {
        "succes": "4",
        "succes_toelichting": "Het actieplan polarisatie wordt breed gedragen.",
        "cofinanciering": ["innovatie_actie", "innovatie_integratiebeleid"],
        "verankering": "Polarisatie zit nu in ons meerjarenplan.",
    },
    "5": {
        "succes": "5",
        "cofinanciering": ["voortzetting", "other"],
        "cofinanciering__other_text": "Een wachtlijst wegwerken",
        "zonder_subsidie": "Dan valt het aanbod terug naar dat van vóór de subsidie.",
    },
    "15": {"succes": "3", "cofinanciering": ["niet_opgestart"]},
}
PAGES = {
    "organisatie": {
        "naam": "Stad Voorbeeld",
        "type": "stad",
        "provincie": "Antwerpen",
        "via_igs": "ja",
        "contact_naam": "Ann Peeters",
        "contact_functie": "Beleidsmedewerker samenleven",
        "contact_email": "ann.peeters@example.be",
        "acties": ["2", "5", "15"],
    },
    "zonder_cofinanciering": {"acties": ["4", "12"]},
    "intergemeentelijk": {"beoordeling": "4", "toelichting": "We leren van elkaar."},
    "partners": {"beoordeling": "5", "welke": "FMDO, Ligo"},
    "agii": {"tevredenheid": "4", "zelf_beheren": "nee"},
    "planlast": {"stelling": "4"},
    "meerwaarde": {
        "meerwaarde": ["financiele_middelen", "other"],
        "meerwaarde__other_text": "Meer aandacht voor het thema",
    },
    "stopzetting": {"gevolgen": ["minder_ruimte", "braindrain"]},
    "afsluiting": {"opmerkingen": "Maak de subsidie structureel."},
}


def _setup(app: Flask) -> tuple[int, str]:
    with app.app_context():
        questionnaire = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(
            questionnaire, "S05", name="Stad Voorbeeld", kind="stad", province="Antwerpen",
            items={"actions": ["2", "5", "15"]},
        )  # fmt: skip
        return respondent.id, factory.link(respondent)


def _state(app: Flask, respondent_id: int) -> response_state.ResponseState:
    from intake.models import Respondent

    with app.app_context():
        respondent = db.session.get(Respondent, respondent_id)
        state = response_state.load_state(respondent)
        # Touch what the assertions read, while the session is open.
        state.pages()
        return state


def test_plan_samenleven_whole_flow(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    respondent_id, link = _setup(app)

    # Token sign-in lands on the start page, which lists every page with its state.
    signed_in = client.get(link)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == f"{BASE}/"
    start = client.get(f"{BASE}/").get_data(as_text=True)
    assert "Stad Voorbeeld" in start
    links = page_links(start)
    assert links[:4] == [
        f"{BASE}/p/organisatie", f"{BASE}/p/actie/2", f"{BASE}/p/actie/5", f"{BASE}/p/actie/15",
    ]  # fmt: skip
    assert f"{BASE}/p/intergemeentelijk" not in links  # not an IGS member (yet)
    assert "Nog niet begonnen" in start

    # The respondent page is prefilled from the registry.
    respondent_page = client.get(f"{BASE}/p/organisatie").get_data(as_text=True)
    assert shown(respondent_page, "naam") == ["Stad Voorbeeld"]
    assert shown(respondent_page, "contact_email") == ["ann.peeters@example.be"]
    assert shown(respondent_page, "acties") == ["2", "5", "15"]  # the registry's actions

    # A draft save with an invalid e-mail address keeps it, flagged.
    draft = post_page(
        client, f"{BASE}/p/organisatie", {**PAGES["organisatie"], "contact_email": "ann@"}
    )
    assert draft.status_code == 302
    flagged = client.get(f"{BASE}/p/organisatie").get_data(as_text=True)
    assert shown(flagged, "contact_email") == ["ann@"]
    assert "Vul een geldig e-mailadres in" in flagged
    assert document(flagged).xpath('//input[@name="contact_email"]/@aria-invalid') == ["true"]
    state = _state(app, respondent_id)
    stored = state.stored("organisatie", "", "contact_email")
    assert (stored.value, stored.raw, stored.is_valid) == (None, "ann@", False)

    # "Volgende" validates: the invalid e-mail keeps the coordinator on the page.
    blocked = post_page(
        client, f"{BASE}/p/organisatie", {**PAGES["organisatie"], "contact_email": "ann@"},
        action="volgende",
    )  # fmt: skip
    assert blocked.status_code == 200
    assert "Kijk deze antwoorden na" in blocked.get_data(as_text=True)

    # Resume in a new session: a fresh browser signs in again and finds the draft.
    other_browser = app.test_client()
    other_browser.get(link)
    resumed = other_browser.get(f"{BASE}/p/organisatie").get_data(as_text=True)
    assert shown(resumed, "contact_email") == ["ann@"]
    assert shown(resumed, "contact_functie") == ["Beleidsmedewerker samenleven"]

    # Walk every page with "Volgende".
    next_page = post_page(client, f"{BASE}/p/organisatie", PAGES["organisatie"], "volgende")
    assert next_page.headers["Location"] == f"{BASE}/p/actie/2"

    # A validation error on a required scale.
    missing = post_page(client, f"{BASE}/p/actie/2", {"succes_toelichting": "x"}, "volgende")
    assert missing.status_code == 200
    text = missing.get_data(as_text=True)
    assert "Beantwoord deze vraag." in text and 'href="#q-succes"' in text
    assert 'id="error-succes"' in text and 'aria-describedby="error-succes"' in text

    visited = []
    path = f"{BASE}/p/actie/2"
    while path.startswith(f"{BASE}/p/"):
        section, _, item = path.removeprefix(f"{BASE}/p/").partition("/")
        data = ACTION_ANSWERS[item] if item else PAGES[section]
        result = post_page(client, path, data, "volgende")
        assert result.status_code == 302, (path, result.get_data(as_text=True)[:3000])
        visited.append(path)
        path = result.headers["Location"]
    assert path == f"{BASE}/overzicht"
    assert f"{BASE}/p/intergemeentelijk" in visited  # shown once via_igs == 'ja'
    assert len(visited) == 11  # 3 action pages and 8 others after "organisatie"

    summary = client.get(f"{BASE}/overzicht").get_data(as_text=True)
    assert "Een wachtlijst wegwerken" in summary
    assert "Vernieuwing binnen de actie zelf" in summary
    assert "niet beantwoord" in summary  # optional questions left open are shown as such

    # Submit.
    token = csrf_token(client, f"{BASE}/overzicht")
    submitted = client.post(f"{BASE}/indienen", data={"csrf_token": token, "confirm": "ja"})
    assert submitted.status_code == 302 and submitted.headers["Location"] == f"{BASE}/ingediend"
    assert "Bedankt! Je antwoorden zijn ingediend." in client.get(f"{BASE}/ingediend").get_data(
        as_text=True
    )

    state = _state(app, respondent_id)
    assert state.is_submitted
    assert state.value("actie", "5", "cofinanciering") == ["voortzetting", "other"]
    assert state.value("actie", "5", "cofinanciering.other_text") == "Een wachtlijst wegwerken"
    assert state.value("actie", "2", "succes") == 4
    assert state.value("organisatie", "", "contact_email") == "ann.peeters@example.be"
    assert state.value("zonder_cofinanciering", "", "acties") == ["4", "12"]

    _read_only_then_reopened(
        app,
        client,
        auth.admin_browser(),
        respondent_id,
        f"{BASE}/p/planlast",
        "stelling",
        ("planlast", "", "stelling"),
        4,
    )


def _read_only_then_reopened(
    app: Flask,
    client: FlaskClient,
    admin: FlaskClient,
    respondent_id: int,
    path: str,
    field: str,
    key: tuple[str, str, str],
    stored: object,
) -> None:
    """After submission a save is refused and changes nothing; an admin reopens it."""
    refused = post_page(client, path, {field: "1"})
    assert refused.status_code == 200
    assert "al ingediend" in refused.get_data(as_text=True)
    assert _state(app, respondent_id).value(*key) == stored
    assert "disabled" in client.get(path).get_data(as_text=True)

    assert admin.get(f"/admin/respondenten/{respondent_id}").status_code == 200
    reopened = admin.post(
        f"/admin/respondenten/{respondent_id}/heropenen",
        data={"csrf_token": csrf_token(admin, f"/admin/respondenten/{respondent_id}")},
    )
    assert reopened.status_code == 302
    assert not _state(app, respondent_id).is_submitted
    assert post_page(client, path, {field: "2"}).status_code == 302
    assert _state(app, respondent_id).value(*key) == 2


def test_inspiratiedag_whole_flow(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    with app.app_context():
        questionnaire = factory.load_questionnaire(factory.INSPIRATIE)
        respondent = factory.respondent(questionnaire, "G02", kind="gemeente", province="Limburg")
        respondent_id, link = respondent.id, factory.link(respondent)
    base = "/v/inspiratiedag-2022"
    client.get(link)
    start = client.get(f"{base}/").get_data(as_text=True)
    assert page_links(start)[:2] == [f"{base}/p/deelname", f"{base}/p/algemeen"]

    # Choosing workshops adds a page per attended workshop (Loop & Merge).
    result = post_page(
        client, f"{base}/p/deelname",
        {"dienst": "other", "dienst__other_text": "Bibliotheek", "workshops": ["w2", "w5"],
         "collegas": "3"},
        "volgende",
    )  # fmt: skip
    assert result.headers["Location"] == f"{base}/p/algemeen"
    links = page_links(client.get(f"{base}/").get_data(as_text=True))
    assert f"{base}/p/workshop/w2" in links and f"{base}/p/workshop/w5" in links
    assert f"{base}/p/workshop/w1" not in links

    # A number that is not a number is kept as typed and flagged.
    post_page(client, f"{base}/p/deelname", {"workshops": ["w2", "w5"], "collegas": "drie"})
    page = client.get(f"{base}/p/deelname").get_data(as_text=True)
    assert shown(page, "collegas") == ["drie"] and "Vul een getal in" in page
    post_page(client, f"{base}/p/deelname",
              {"dienst": "jeugd", "workshops": ["w2", "w5"], "collegas": "2,5"})  # fmt: skip
    assert "Vul een geheel getal in" in client.get(f"{base}/p/deelname").get_data(as_text=True)
    post_page(client, f"{base}/p/deelname",
              {"dienst": "jeugd", "workshops": ["w2", "w5"], "collegas": "2"})  # fmt: skip

    # Resume in a new session: the draft is there.
    other_browser = app.test_client()
    other_browser.get(link)
    resumed = other_browser.get(f"{base}/p/deelname").get_data(as_text=True)
    assert shown(resumed, "workshops") == ["w2", "w5"]
    assert shown(resumed, "collegas") == ["2"]

    # The matrix and a condition on the same page.
    algemeen = {
        "tevredenheid": "5", "aspecten__programma": "5", "aspecten__sprekers": "4",
        "aspecten__platform": "3", "aspecten__info": "4", "online_storend": "ja",
    }  # fmt: skip
    first = post_page(client, f"{base}/p/algemeen", algemeen)
    assert first.status_code == 302
    page = client.get(f"{base}/p/algemeen").get_data(as_text=True)
    assert "Wat miste je het meest?" in page  # shown now that online_storend == 'ja'
    assert post_page(
        client, f"{base}/p/algemeen", {**algemeen, "online_toelichting": "De koffiepauzes"},
        "volgende",
    ).headers["Location"] == f"{base}/p/workshop/w2"  # fmt: skip

    for code in ("w2", "w5"):
        assert (
            post_page(
                client, f"{base}/p/workshop/{code}", {"tevredenheid": "4", "nut": "3"}, "volgende"
            ).status_code
            == 302
        )
    last = post_page(client, f"{base}/p/afsluiting", {"verslag": "ja"}, "volgende")
    assert last.status_code == 200  # e-mail is required once 'verslag' is 'ja'
    assert "Beantwoord deze vraag." in last.get_data(as_text=True)
    done = post_page(
        client, f"{base}/p/afsluiting", {"verslag": "ja", "email": "Lies@Gemeente.be"}, "volgende"
    )
    assert done.headers["Location"] == f"{base}/overzicht"

    token = csrf_token(client, f"{base}/overzicht")
    assert (
        client.post(f"{base}/indienen", data={"csrf_token": token, "confirm": "ja"}).status_code
        == 302
    )
    with app.app_context():
        response = db.session.scalar(
            select(Response).where(Response.respondent_id == respondent_id)
        )
        assert response.status == "submitted"
    state = _state(app, respondent_id)
    assert state.value("algemeen", "", "aspecten") == {
        "programma": 5, "sprekers": 4, "platform": 3, "info": 4,
    }  # fmt: skip
    assert state.value("workshop", "w5", "nut") == 3
    assert state.value("deelname", "", "collegas") == 2
    assert state.value("afsluiting", "", "email") == "Lies@gemeente.be"

    _read_only_then_reopened(
        app,
        client,
        auth.admin_browser(),
        respondent_id,
        f"{base}/p/workshop/w5",
        "nut",
        ("workshop", "w5", "nut"),
        3,
    )


def test_messages_with_values_show_them(app: Flask, client: FlaskClient) -> None:
    """'Kies hoogstens 3 antwoorden': a message with a value renders with it filled in."""
    with app.app_context():
        q = factory.load_questionnaire(factory.INSPIRATIE)
        link = factory.link(factory.respondent(q, "G9", kind="gemeente"))
    client.get(link)
    path = "/v/inspiratiedag-2022/p/deelname"
    post_page(client, path, {"workshops": ["w1", "w2", "w3", "w4"], "collegas": "500"})
    page = client.get(path).get_data(as_text=True)
    assert "Kies hoogstens 3 antwoorden." in page
    assert "Vul een getal in van hoogstens 100." in page
    client.get("/taal/en")
    assert "Choose at most 3 answers." in client.get(path).get_data(as_text=True)
