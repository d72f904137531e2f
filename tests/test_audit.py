"""The audit log records who saved, submitted, reopened, re-issued, imported and exported."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.extensions import db
from intake.models import AuditEvent, Questionnaire, Respondent
from intake.services import export, invitations, response_state, responses
from tests.support import factory, jobs
from tests.support.html import csrf_token, document
from tests.support.portal import post_page


def test_every_sensitive_action_is_logged(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(q, "S01", items={"actions": ["5"]})
        respondent_id, link = respondent.id, factory.link(respondent)
    coordinator = app.test_client()
    coordinator.get(link)
    post_page(coordinator, "/v/plan-samenleven-2025/p/planlast", {"stelling": "4"})

    admin = admin_client
    page = f"/admin/respondenten/{respondent_id}"
    admin.post(f"{page}/link", data={"csrf_token": csrf_token(admin, page)})
    jobs.export_file(admin, "/admin/vragenlijsten/plan-samenleven-2025", identities="1")
    with app.app_context():
        respondent = db.session.get(Respondent, respondent_id)
        response_state.load_state(respondent)
        respondent.response.status = "submitted"
        db.session.commit()
    admin.post(f"{page}/heropenen", data={"csrf_token": csrf_token(admin, page)})

    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        seen = [(e.action, e.actor.split(":")[0]) for e in events]
        assert ("save", "coordinator") in seen
        assert ("link_issued", "admin") in seen
        assert ("export_identities", "admin") in seen
        assert ("reopen", "admin") in seen
        save = next(e for e in events if e.action == "save")
        assert save.respondent_id == respondent_id and save.detail["section"] == "planlast"
        assert all(e.at is not None for e in events)

    log = document(admin.get("/admin/logboek").get_data())
    sentences = [" ".join(td.text_content().split()) for td in log.xpath("//tbody/tr/td[2]")]
    assert sentences[:4] == [
        "beheer@vvsg.be heropende de vragenlijst van Bestuur S01",
        "beheer@vvsg.be downloadde de export met identiteiten (Excel-werkmap)",
        "beheer@vvsg.be maakte een nieuwe persoonlijke link voor Bestuur S01",
        "Bestuur S01 bewaarde de pagina 'Planlastvermindering' (2 antwoorden)",
    ]
    assert log.xpath("//tbody/tr[1]/td[3]/a/text()") == ["Bestuur S01"]
    shown = log.text_content()
    assert "None" not in shown and "coordinator:" not in shown and "admin:" not in shown
    csv_log = admin.get("/admin/logboek?format=csv")
    assert csv_log.headers["Content-Type"].startswith("text/csv")
    assert "export_identities" in csv_log.get_data(as_text=True)


def test_a_failed_save_leaves_no_event(app: Flask) -> None:
    """The event is part of the change's transaction: no change, no event."""
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(q, "S01", items={"actions": ["5"]})
        responses.save_page(respondent, "planlast", None, {"stelling": ("4", None)}, 0, "a")
        before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
        stale = responses.save_page(respondent, "planlast", None, {"stelling": ("2", None)}, 0, "b")
        assert stale.status == "conflict"
        after = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
        assert after == before


def test_cli_actions_are_logged_as_cli(app: Flask, runner, tmp_path) -> None:  # noqa: ANN001
    with app.app_context():
        factory.load_questionnaire(factory.PLAN)
    runner.invoke(args=["export", "-q", "plan-samenleven-2025", "-o", str(tmp_path / "x.xlsx"),
                        "--with-identities"])  # fmt: skip
    runner.invoke(args=["questionnaire", "close", "plan-samenleven-2025"])
    with app.app_context():
        actions = {(e.action, e.actor) for e in db.session.scalars(select(AuditEvent))}
    assert ("export_identities", "cli") in actions and ("settings", "cli") in actions


def test_export_and_link_services_record_their_actor(app: Flask) -> None:
    with app.app_context():
        q = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(q, "S01")
        invitations.revoke_links(respondent, "admin:x@y.be")
        export.write(db.session.scalar(select(Questionnaire)), io.BytesIO(), actor="admin:x@y.be")
        actions = [(e.action, e.actor) for e in db.session.scalars(select(AuditEvent))]
    assert ("link_revoked", "admin:x@y.be") in actions and ("export", "admin:x@y.be") in actions


def test_every_action_reads_as_a_sentence_without_none_or_ids(app: Flask) -> None:
    """One renderer per action; details missing, None or odd never show as such."""
    from intake.services import audit, audit_sentences

    assert set(audit_sentences.RENDERERS) == set(audit.ACTIONS)
    with app.app_context(), app.test_request_context():
        q = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(q, "S07", name="Stad Hoogkerke", items={"actions": ["5"]})
        invitation, _token = invitations.add_link(respondent)
        db.session.commit()
        coordinator = f"coordinator:{invitation.id}"
        samples = [
            ("save", coordinator, respondent, {"section": "organisatie", "item": None,
                                               "answers": 8}),
            ("save", coordinator, respondent, {"section": "actie", "item": "5", "answers": 1}),
            ("save", "demo", respondent, {"section": "gone", "item": None, "answers": None}),
            ("submit", coordinator, respondent, {}),
            ("settings", "cli", None, {"is_open": False}),
            ("settings", "admin:a@vvsg.be", None, {"live_version": 2}),
            ("invitation", "admin:a@vvsg.be", None, {"sent": 3, "failed": 1, "skipped": None}),
            ("reminder", "system", None, {}),
            ("registry_import", "cli", None, {"file": None, "summary": None}),
            ("export", "admin:a@vvsg.be", None, {"format": "csv", "drafts": True}),
            ("respondent_list", "admin:a@vvsg.be", None,
             {"rows": 17, "filters": {"status": "not_submitted"}}),
            ("responses_import", "cli", None, {}),
            ("reopen", "admin:a@vvsg.be", None, {}),
            ("questionnaire_update", "cli", None, {"version": 2, "keys": "identifying"}),
            ("export", "admin:a@vvsg.be", None, {"format": "sav", "drafts": False}),
        ]  # fmt: skip
        for action, actor, who, detail in samples:
            audit.record(action, actor, questionnaire=q, respondent=who, **detail)
        db.session.commit()
        lines = [line.text for line in reversed(audit_sentences.lines(q))]
    assert lines == [
        "Stad Hoogkerke bewaarde de pagina 'Je bestuur' (8 antwoorden)",
        "Stad Hoogkerke bewaarde de pagina 'Actie 5: Oefenkansen Nederlands organiseren'"
        " (1 antwoord)",
        "De demo bewaarde een pagina van Stad Hoogkerke (0 antwoorden)",
        "Stad Hoogkerke diende de vragenlijst in",
        "Een beheerder op de opdrachtregel sloot de vragenlijst af",
        "a@vvsg.be koos versie 2 voor nieuwe antwoorden",
        "a@vvsg.be verstuurde uitnodigingen: 3 verstuurd, 1 mislukt",
        "Intake verstuurde herinneringen: 0 verstuurd",
        "Een beheerder op de opdrachtregel importeerde het register",
        "a@vvsg.be downloadde de export (CSV-tabellen), ook niet-ingediende antwoorden",
        "a@vvsg.be downloadde de lijst van 17 organisaties",
        "Een beheerder op de opdrachtregel importeerde 0 antwoorden uit een werkmap",
        "a@vvsg.be heropende een vragenlijst",
        "Een beheerder op de opdrachtregel werkte versie 2 bij (alleen wat de export weglaat:"
        " identifying)",
        "a@vvsg.be downloadde de export (SPSS-bestand)",
    ]
