"""A save checks against the state its caller read, and hands back the state after it.

The portal reads a response once per save: ``save_page`` takes the state the route read
and applies what it wrote to it, instead of reading the response again before and after.
Both must be exactly what reading the response again gives, however old the state is.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete, select

from intake.extensions import db
from intake.models import Answer, Respondent, SavedPage, utcnow
from intake.services import response_state, responses
from intake.services.responses import SaveStatus
from tests.support import factory

ACTIONS = ["2", "5"]


def _respondent(app: Flask) -> int:
    with app.app_context():
        questionnaire = factory.load_questionnaire(factory.PLAN)
        respondent = factory.respondent(
            questionnaire, "CS01", kind="centrumstad", items={"actions": ACTIONS}
        )
        return respondent.id


def _save(respondent_id: int, section: str, item: str | None, posted: dict, **kw: object):  # type: ignore[no-untyped-def]
    respondent = db.session.get(Respondent, respondent_id)
    state = response_state.load_state(respondent)
    revision = kw.pop("revision", state.revision)
    return responses.save_page(
        respondent, section, item, posted, revision, "test", state=kw.pop("state", state)
    )


def test_the_state_after_a_save_is_what_reading_the_response_again_gives(app: Flask) -> None:
    respondent_id = _respondent(app)
    with app.app_context():
        first = _save(
            respondent_id,
            "actie",
            "5",
            {"succes": ("4", None), "cofinanciering_toelichting": ("Eerst", None)},
        )
        assert first.status == SaveStatus.SAVED
    with app.app_context():
        outcome = _save(
            respondent_id,
            "actie",
            "5",
            {
                "succes": ("9", None),  # invalid: kept as typed
                "succes_toelichting": ("Nieuw\nmet €", None),  # new
                "cofinanciering": (["innovatie_actie", "other"], "Een buddywerking"),
                "cofinanciering_toelichting": ("", None),  # cleared
            },
        )
        assert outcome.status == SaveStatus.SAVED and outcome.state is not None
        after = outcome.state
        assert after.revision == outcome.revision == 2
        db.session.expire_all()
        again = response_state.load_state(db.session.get(Respondent, respondent_id))
        assert after.answers == again.answers
        assert after.saved == again.saved and after.noted == again.noted
        assert after.revision == again.revision
        assert after.stored("actie", "5", "succes").is_valid is False
        assert after.value("actie", "5", "cofinanciering") == ["innovatie_actie", "other"]


def test_a_save_against_a_state_read_before_a_colleagues_save_keeps_both(app: Flask) -> None:
    """The state handed to the save is older than a colleague's save of another page: the
    revision check refuses the first attempt, the save reads again and stores."""
    respondent_id = _respondent(app)
    with app.app_context():
        assert _save(respondent_id, "actie", "2", {"succes": ("3", None)}).status == "saved"
    with app.app_context():
        respondent = db.session.get(Respondent, respondent_id)
        stale = response_state.load_state(respondent)
        with app.app_context():  # a colleague, in a session of their own
            assert _save(respondent_id, "actie", "2", {"succes": ("2", None)}).status == "saved"
        outcome = responses.save_page(
            respondent, "actie", "5", {"succes": ("5", None)}, stale.revision, "test", stale
        )
        assert outcome.status == SaveStatus.SAVED
        assert outcome.revision == 3
    with app.app_context():
        state = response_state.load_state(db.session.get(Respondent, respondent_id))
        assert state.value("actie", "2", "succes") == 2
        assert state.value("actie", "5", "succes") == 5
        assert state.revision == 3


def test_a_page_saved_over_imported_answers_stays_saved_when_they_go(app: Flask) -> None:
    """Imported answers make their page count as saved; a coordinator's save of it notes
    the page itself, so a later import that clears those answers leaves it saved."""
    respondent_id = _respondent(app)
    with app.app_context():
        assert _save(respondent_id, "actie", "5", {"succes": ("4", None)}).status == "saved"
        respondent = db.session.get(Respondent, respondent_id)
        assert respondent is not None and respondent.response is not None
        db.session.add(Answer(response_id=respondent.response.id, section="actie", item="2",
                              question="succes", value=3, is_valid=True, revision=1,
                              updated_at=utcnow(), updated_by="import"))  # fmt: skip
        db.session.commit()
    with app.app_context():
        state = response_state.load_state(db.session.get(Respondent, respondent_id))
        assert ("actie", "2") in state.saved and ("actie", "2") not in state.noted
        saved = _save(respondent_id, "actie", "2", {"succes_toelichting": ("Goed", None)})
        assert saved.status == "saved"
    with app.app_context():
        db.session.execute(delete(Answer).where(Answer.updated_by == "import"))
        db.session.commit()
        state = response_state.load_state(db.session.get(Respondent, respondent_id))
        page = state.page("actie", "2")
        assert page is not None and state.is_saved(page)
        assert db.session.scalars(select(SavedPage.item)).all() == ["5", "2"]
