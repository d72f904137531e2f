"""The portal's side of an author's preview: which test respondent an admin plays.

The admin's session maps a questionnaire slug to the test respondent of the preview it
started (``admin.preview``). Only a signed-in admin's session counts, and only a test
respondent of that questionnaire is ever returned (``services.preview.find``), so a
preview can neither reach a real respondent nor be reached by a coordinator. The banner
reads ``g``, never the database: it renders on error pages too.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, session, url_for
from flask_babel import gettext as _

from intake.auth.access import signed_in
from intake.models import Respondent
from intake.services import preview, questionnaires
from intake.services.accounts import AdminIdentity

SESSION_KEY = "preview"  # slug → id of the test respondent the admin previews as


def remember(slug: str, respondent: Respondent) -> None:
    """Make ``respondent`` the one this admin's portal pages of ``slug`` show."""
    previews = dict(session.get(SESSION_KEY) or {})
    previews[slug] = respondent.id
    session[SESSION_KEY] = previews


def respondent(slug: str) -> Respondent | None:
    """The test respondent a signed-in admin previews ``slug`` as, or None (not an admin,
    or no preview started). A preview that was wiped meanwhile sends the admin back to
    the preview's set-up page."""
    identity = signed_in()
    if not isinstance(identity, AdminIdentity):
        return None
    respondent_id = (session.get(SESSION_KEY) or {}).get(slug)
    if respondent_id is None:
        return None
    questionnaire = questionnaires.get_by_slug(slug)
    found = preview.find(questionnaire, int(respondent_id)) if questionnaire else None
    if found is None:
        previews = dict(session.get(SESSION_KEY) or {})
        previews.pop(slug, None)
        session[SESSION_KEY] = previews
        flash(_("Dit voorbeeld bestaat niet meer (de testantwoorden werden gewist). "
                "Start een nieuw voorbeeld."), "info")  # fmt: skip
        abort(redirect(url_for("admin.preview_setup", slug=slug)))
    version = found.response.questionnaire_version if found.response else None
    g.preview = {
        "slug": slug,
        "name": found.name,
        "version": version.version if version else None,
    }
    return found


def actor() -> str | None:
    """Who saves in a preview (``preview:<admin e-mail>``), or None outside a preview."""
    identity = signed_in()
    if "preview" not in g or not isinstance(identity, AdminIdentity):
        return None
    return f"preview:{identity.user.email}"


def banner() -> dict[str, Any]:
    """Template context: ``preview_banner`` while a portal page shows a preview."""
    return {"preview_banner": g.get("preview")}
