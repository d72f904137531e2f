"""An author's preview: any version, open or closed, as any respondent; test answers
counted nowhere and wiped on request; no real respondent's link or answers touched."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import (
    Answer,
    AuditEvent,
    Invitation,
    Questionnaire,
    Respondent,
    Response,
    SavedPage,
    User,
)
from intake.questionnaire import load_text
from intake.services import demo, export, mailing, preview, pseudonyms, questionnaires, tracking
from intake.services.scope import WITH_TEST, counted_only
from intake.statuses import MailKind, ResponseStatus
from tests.support import factory
from tests.support.html import csrf_token, document
from tests.support.portal import page_links, post_page

SLUG = "plan-samenleven-2025"
BANNER = "Voorbeeld — antwoorden worden niet meegeteld"
SETUP = f"/admin/vragenlijsten/{SLUG}/voorbeeld"


def start_preview(client: FlaskClient, slug: str = SLUG, **fields: object) -> str:
    """Post the set-up form as an admin would; returns the portal start page."""
    setup = f"/admin/vragenlijsten/{slug}/voorbeeld"
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, setup),
        "als": "denkbeeldig",
        "soort": "stad",
        "province": "Antwerpen",
        **fields,
    }
    response = client.post(setup, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/v/{slug}/"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True)


# The version the questionnaire file has now; the tests store the next one beside it.
FILE_VERSION = int(re.search(r"^version: (\d+)$", factory.PLAN.read_text("utf-8"), re.M)[1])  # type: ignore[index]


def _second_version(questionnaire_file: Path) -> None:
    """Store the questionnaire again as the next version, with a changed title."""
    text = questionnaire_file.read_text(encoding="utf-8").replace(
        f"version: {FILE_VERSION}", f"version: {FILE_VERSION + 1}", 1
    )
    text = text.replace("Bevraging Plan Samenleven", "Bevraging Plan Samenleven (v2)", 1)
    questionnaires.store(load_text(text, "v2.yaml"), text)


def test_admin_previews_an_older_version_of_a_closed_questionnaire_as_an_imaginary_igs(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        _second_version(factory.PLAN)
        questionnaires.set_open(q, False)

    dashboard = admin_client.get(f"/admin/vragenlijsten/{SLUG}").get_data(as_text=True)
    assert SETUP in document(dashboard).xpath('//a[.="Voorbeeld bekijken"]/@href')
    setup = admin_client.get(SETUP + f"?versie={FILE_VERSION}").get_data(as_text=True)
    assert document(setup).xpath('//select[@name="versie"]/option[@selected]/@value') == [
        str(FILE_VERSION)
    ]

    start = start_preview(
        admin_client, versie=str(FILE_VERSION), als="denkbeeldig", naam="Denkbeeldige IGS",
        soort="igs", province="Limburg", **{"items-actions": ["2", "5", "24"]},
    )  # fmt: skip
    assert BANNER in start and f"Je bekijkt versie {FILE_VERSION} als Denkbeeldige IGS." in start
    assert "(v2)" not in start  # the older version, not the live one
    links = page_links(start)
    # Every chosen action has its page; an IGS skips "via_igs" but sees the IGS section.
    assert [link for link in links if "/p/actie/" in link] == [
        f"/v/{SLUG}/p/actie/{code}" for code in ("2", "5", "24")
    ]
    assert f"/v/{SLUG}/p/intergemeentelijk" in links
    for link in links:
        page = admin_client.get(link)
        assert page.status_code == 200 and BANNER in page.get_data(as_text=True), link
    for path in (f"/v/{SLUG}/overzicht",):
        assert BANNER in admin_client.get(path).get_data(as_text=True)

    # The questionnaire is closed, yet the preview saves (as test answers).
    saved = post_page(admin_client, f"/v/{SLUG}/p/actie/5", {"succes": "4"})
    assert saved.status_code == 302
    with app.app_context():
        (test,) = db.session.scalars(
            select(Respondent).where(Respondent.is_test).execution_options(**WITH_TEST)
        ).all()
        assert (test.kind, test.attributes["province"], test.item_codes("actions")) == (
            "igs",
            "Limburg",
            ["2", "5", "24"],
        )
        assert test.response.questionnaire_version.version == FILE_VERSION
        assert test.contacts[0].email == "beheer@vvsg.be"  # the admin, never a coordinator
        values = {(a.section, a.item, a.question): a.value for a in test.response.answers}
        assert values[("actie", "5", "succes")] == 4
        assert values[("organisatie", "", "acties")] == ["2", "5", "24"]


def test_a_preview_as_an_existing_respondent_changes_nothing_of_theirs(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        real = factory.respondent(q, "A", kind="gemeente", province="Limburg",
                                  items={"actions": ["5", "13"]})  # fmt: skip
        real_id, link = real.id, factory.link(real)
    coordinator = app.test_client()
    assert coordinator.get(link).status_code == 302
    assert post_page(coordinator, f"/v/{SLUG}/p/actie/5", {"succes": "2"}).status_code == 302

    def theirs() -> tuple[object, ...]:
        with app.app_context():
            respondent = db.session.get(Respondent, real_id)
            answers = sorted(
                (a.section, a.item, a.question, repr(a.value), a.revision, a.updated_by)
                for a in respondent.response.answers
            )
            links = sorted(
                (i.token_hash, i.revoked_at) for i in db.session.scalars(
                    select(Invitation).where(Invitation.respondent_id == real_id))
            )  # fmt: skip
            return (respondent.name, respondent.kind, respondent.attributes,
                    respondent.item_codes("actions"), respondent.response.revision,
                    answers, links)  # fmt: skip

    before = theirs()
    start = start_preview(admin_client, als="bestaand", respondent=str(real_id))
    assert f"Je bekijkt versie {FILE_VERSION} als Bestuur A." in start
    assert [x for x in page_links(start) if "/p/actie/" in x] == [
        f"/v/{SLUG}/p/actie/5",
        f"/v/{SLUG}/p/actie/13",
    ]
    # The preview starts empty (prefilled only), and its saves go to the test respondent.
    page = admin_client.get(f"/v/{SLUG}/p/actie/5").get_data(as_text=True)
    assert not document(page).xpath('//input[@name="succes"][@checked]')
    assert post_page(admin_client, f"/v/{SLUG}/p/actie/5", {"succes": "5"}).status_code == 302
    assert admin_client.post(
        f"/v/{SLUG}/indienen", data={"csrf_token": csrf_token(admin_client, f"/v/{SLUG}/")}
    ).status_code in (302, 422)
    assert theirs() == before
    # Their link still signs in, and shows their own answer.
    again = app.test_client()
    assert again.get(link).status_code == 302
    mine = again.get(f"/v/{SLUG}/p/actie/5").get_data(as_text=True)
    assert document(mine).xpath('//input[@name="succes"][@checked]/@value') == ["2"]
    assert BANNER not in mine
    # The coordinator who was signed in all along still is.
    assert coordinator.get(f"/v/{SLUG}/").status_code == 200


def _figures(app: Flask, client: FlaskClient) -> dict[str, object]:
    """Every figure and list a test respondent must stay out of."""
    with app.app_context():
        q = db.session.scalar(select(Questionnaire).where(Questionnaire.slug == SLUG))
        target = io.BytesIO()
        export.write(q, target, "xlsx", export.ExportOptions(include_drafts=True,
                                                            with_identities=True))  # fmt: skip
        workbook = load_workbook(io.BytesIO(target.getvalue()), read_only=True)
        sheets = {
            name: [tuple(row) for row in workbook[name].iter_rows(values_only=True)]
            for name in ("Antwoorden", "Respondenten", "Frequenties", "Overzicht")
        }
        overview = tracking.overview(q)
        figures: dict[str, object] = {
            "overview": overview.counts,
            "rate": str(overview.rate),
            "kind": tracking.by_column(q, "kind"),
            "province": tracking.by_column(q, "province"),
            "items": tracking.by_item(q),
            "list": tracking.respondent_rows(q),
            "sheets": {k: v for k, v in sheets.items() if k != "Overzicht"},
            "exported": [row for row in sheets["Overzicht"] if row[:1] != ("Geëxporteerd op",)],
        }
    dashboard = client.get(f"/admin/vragenlijsten/{SLUG}").get_data(as_text=True)
    figures["dashboard"] = [
        " ".join(e.text_content().split())
        for e in document(dashboard).xpath('//*[contains(@class, "big-figure")] | //table')
    ]
    listing = client.get(f"/admin/vragenlijsten/{SLUG}/respondenten").get_data(as_text=True)
    figures["listing"] = document(listing).xpath("//table//tr/td[1]/text()")
    return figures


def test_test_answers_appear_in_no_figure_export_list_or_mailing(
    app: Flask, admin_client: FlaskClient, tmp_path: Path
) -> None:
    with app.app_context():
        demo.load()
    before = _figures(app, admin_client)

    # Three previews: one through the portal, two filled in and submitted in full.
    start_preview(admin_client, soort="centrumstad", province="Antwerpen",
                  **{"items-actions": ["5"]})  # fmt: skip
    assert post_page(admin_client, f"/v/{SLUG}/p/actie/5", {"succes": "1"}).status_code == 302
    with app.app_context():
        q = db.session.scalar(select(Questionnaire).where(Questionnaire.slug == SLUG))
        admin = db.session.scalar(select(User))
        version = questionnaires.live_version(q)
        for kind in ("igs", "stad"):
            test = preview.start(
                version,
                preview.Persona(
                    "Test " + kind, kind, {"province": "Brussel"}, {"actions": ["2", "5", "24"]}
                ),
                admin,
            )
            demo.fill(test, random.Random(1), submit=True)  # fmt: skip
        assert preview.count(q) == 3
        submitted_tests = db.session.scalar(
            select(func.count()).select_from(Response).join(Respondent)
            .where(Respondent.is_test, Response.status == ResponseStatus.SUBMITTED)
            .execution_options(**WITH_TEST)
        )  # fmt: skip
        assert submitted_tests == 2

    after = _figures(app, admin_client)
    leaked = [key for key in before if after[key] != before[key]]
    assert not leaked, f"test answers leaked into {leaked}"

    with app.app_context():
        q = db.session.scalar(select(Questionnaire).where(Questionnaire.slug == SLUG))
        # Pseudonyms go to real respondents only.
        pseudonyms.assign(q)
        tests = db.session.scalars(
            select(Respondent).where(Respondent.is_test).execution_options(**WITH_TEST)
        ).all()
        assert len(tests) == 3 and all(t.pseudonym is None for t in tests)
        # Mail goes to real respondents only (the demo's outbox).
        app.config.update(MAIL_OUTBOX=str(tmp_path / "outbox"), MAIL_SERVER="")
        reminded = mailing.send(q, MailKind.REMINDER)
        q = db.session.scalar(select(Questionnaire).where(Questionnaire.slug == SLUG))
        invited = mailing.send(q, MailKind.INVITATION)
        mailed = set(reminded.sent) | set(invited.sent)
        assert mailed and not any(code.startswith(preview.CODE_PREFIX) for code in mailed)
        recipients = " ".join(p.read_text() for p in (tmp_path / "outbox").glob("*.eml"))
        assert "beheer@vvsg.be" not in recipients


def test_wiping_removes_test_answers_only_by_button_and_command(
    app: Flask, admin_client: FlaskClient, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        real = factory.respondent(q, "A", items={"actions": ["5"]})
        real_id, link = real.id, factory.link(real)
    coordinator = app.test_client()
    coordinator.get(link)
    post_page(coordinator, f"/v/{SLUG}/p/actie/5", {"succes": "3"})

    start_preview(admin_client, **{"items-actions": ["5"]})
    post_page(admin_client, f"/v/{SLUG}/p/actie/5", {"succes": "1"})
    setup = admin_client.get(SETUP).get_data(as_text=True)
    assert "Er is 1 voorbeeld met testantwoorden." in setup
    wiped = admin_client.post(
        f"{SETUP}/wissen", data={"csrf_token": csrf_token(admin_client, SETUP)}
    )
    assert wiped.status_code == 302
    page = admin_client.get(SETUP).get_data(as_text=True)
    assert "Testantwoorden gewist: 1 voorbeeld(en)." in page
    assert "Er zijn 0 voorbeelden met testantwoorden." in page
    # The wiped preview's pages send the admin back to start a new one.
    gone = admin_client.get(f"/v/{SLUG}/")
    assert gone.status_code == 302 and gone.headers["Location"] == SETUP

    start_preview(admin_client, **{"items-actions": ["5"]})
    result = runner.invoke(args=["questionnaire", "wipe-tests", SLUG])
    assert result.exit_code == 0, result.output
    assert "1 test respondent(s) wiped" in result.output
    with app.app_context():
        everyone = db.session.scalars(select(Respondent).execution_options(**WITH_TEST)).all()
        assert [r.id for r in everyone] == [real_id] and everyone[0].response is not None
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1
        stored = db.session.scalars(select(Answer).where(Answer.item == "5")).all()
        assert [a.value for a in stored if a.question == "succes"] == [3]


def test_a_coordinator_can_never_reach_a_preview(app: Flask, admin_client: FlaskClient) -> None:
    """The session key means nothing to a coordinator: their own respondent is shown."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        link = factory.link(factory.respondent(q, "A", items={"actions": ["5"]}))
    start_preview(admin_client, **{"items-actions": ["5", "13"]})
    with admin_client.session_transaction() as session:
        previews = dict(session["preview"])
    coordinator = app.test_client()
    coordinator.get(link)
    with coordinator.session_transaction() as session:
        session["preview"] = previews
    start = coordinator.get(f"/v/{SLUG}/").get_data(as_text=True)
    assert BANNER not in start and "Bestuur A" in start
    assert f"/v/{SLUG}/p/actie/13" not in page_links(start)


def test_an_admin_can_preview_only_test_respondents(app: Flask, admin_client: FlaskClient) -> None:
    """A session naming a real respondent (or another questionnaire's) shows nothing."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        real_id = factory.respondent(q, "A", items={"actions": ["5"]}).id
    with admin_client.session_transaction() as session:
        session["preview"] = {SLUG: real_id}
    response = admin_client.get(f"/v/{SLUG}/")
    assert response.status_code == 302 and response.headers["Location"] == SETUP


@pytest.mark.parametrize(
    "fields",
    [{"soort": "dorp"}, {"province": "Gelderland"}, {"items-actions": ["99"]},
     {"als": "bestaand", "respondent": "12345"}],
)  # fmt: skip
def test_a_preview_of_something_the_registry_cannot_hold_is_refused(
    app: Flask, admin_client: FlaskClient, fields: dict[str, object]
) -> None:
    with app.app_context():
        factory.load_questionnaire(factory.PLAN)
    data = {"csrf_token": csrf_token(admin_client, SETUP), "soort": "stad",
            "province": "Antwerpen", **fields}  # fmt: skip
    response = admin_client.post(SETUP, data=data)
    assert response.status_code == 422
    with app.app_context():
        assert preview.count(db.session.scalar(select(Questionnaire))) == 0


def test_a_saved_preview_page_is_complete_yet_never_in_the_log(
    app: Flask, admin_client: FlaskClient
) -> None:
    """The preview behaves as the portal does (a saved page counts as complete), while the
    log lists no preview and wiping it leaves no trace."""
    with app.app_context():
        factory.load_questionnaire(factory.PLAN)
    start_preview(admin_client, **{"items-actions": ["5"]})
    post_page(
        admin_client, f"/v/{SLUG}/p/actie/5", {"succes": "4", "cofinanciering": ["voortzetting"]}
    )
    start = document(admin_client.get(f"/v/{SLUG}/").get_data(as_text=True))
    badge = start.xpath('string(//li[a[contains(@href, "/p/actie/5")]]/span[@class="badge"])')
    assert badge == "Volledig"
    log = admin_client.get("/admin/logboek").get_data(as_text=True)
    assert "actie" not in document(log).xpath("string(//table)").lower()
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "save")
            )
            == 1
        )
        assert db.session.scalar(select(func.count()).select_from(SavedPage)) == 1
        preview.wipe()
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "save")
            )
            == 0
        )
        assert db.session.scalar(select(func.count()).select_from(SavedPage)) == 0


def test_a_statement_built_once_with_the_criterion_sees_no_test_respondent(
    app: Flask, admin_client: FlaskClient
) -> None:
    """``counted_only`` (the user loader's query, built once) hides test respondents just
    as the hook does for a statement built per query, run after run."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        factory.respondent(q, "A")
        admin = db.session.scalar(select(User))
        assert admin is not None
        persona = preview.Persona("Test", "stad", {"province": "Brussel"}, {"actions": ["5"]})
        preview.start(questionnaires.live_version(q), persona, admin)
        built_once = counted_only(select(Respondent.code, Respondent.is_test))
        for _ in range(2):
            assert db.session.execute(built_once).all() == [("A", False)]
        everyone = select(Respondent.code).execution_options(**WITH_TEST)
        assert len(db.session.scalars(everyone).all()) == 2
