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
from tests.support.html import csrf_token
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

    log = admin.get("/admin/logboek").get_data(as_text=True)
    assert "export met identiteiten" in log and "admin:beheer@vvsg.be" in log
    assert "heropend" in log and "Bestuur S01" in log
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
