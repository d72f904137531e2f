"""The public link ``/o/<slug>``: a start page, start (a new anonymous response), resume
with a code, and mail a link to resume later.

Starting signs the browser in through the new respondent's own personal link, which is
never shown (``auth.access.sign_in_coordinator``, a remember cookie): from then on the
ordinary portal pages under ``/v/<questionnaire>/`` serve it unchanged. The resume code
is shown from the session of the browser that started (or resumed with it).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from werkzeug.local import LocalProxy

from intake.auth.access import fresh_session, sign_in_coordinator, signed_in
from intake.extensions import limiter
from intake.jobs import resume as resume_job
from intake.models import OpenLink, Respondent
from intake.portal.open_guard import HONEYPOT, RESUME_CODE, open_response
from intake.portal.routes import bp
from intake.services import open_links, questionnaires
from intake.services.accounts import CoordinatorIdentity
from intake.services.open_links import Refusal
from intake.services.transactions import WriteRefused
from intake.statuses import ResponseStatus
from intake.web_security import OPEN_START_LIMIT, RESUME_CODE_LIMIT


def _refusal_page(link: OpenLink | None, refusal: Refusal) -> ResponseReturnValue:
    """Why no new response can start, in Dutch, with a fitting status."""
    messages = {
        Refusal.UNKNOWN: (404, _("Deze link bestaat niet. Kijk na of je hem volledig hebt "
                                 "overgenomen.")),
        Refusal.NOT_OFFERED: (410, _("Deze vragenlijst kan niet meer via deze link ingevuld "
                                     "worden.")),
        Refusal.REVOKED: (410, _("Deze link is ingetrokken: via deze link kan niemand de "
                                 "vragenlijst nog invullen.")),
        Refusal.NOT_YET_OPEN: (403, _("Deze vragenlijst is nog niet open. Je kunt ze invullen "
                                      "vanaf %(when)s.", when=_when(link, "opens_at"))),
        Refusal.CLOSED: (410, _("Deze vragenlijst is afgesloten: er kunnen geen nieuwe "
                                "antwoorden meer bij. Bedankt voor je interesse!")),
        Refusal.FULL: (403, _("Deze vragenlijst heeft het maximum aantal antwoorden bereikt: er "
                              "kunnen geen nieuwe antwoorden meer bij. Bedankt voor je "
                              "interesse!")),
    }  # fmt: skip
    status, message = messages[refusal]
    title = _title(link) if link is not None else _("Onbekende link")
    return render_template(
        "portal/open_refused.html", title=title, message=message, link=link,
        resume_form=link is not None and refusal in {Refusal.FULL, Refusal.NOT_YET_OPEN},
    ), status  # fmt: skip


def _when(link: OpenLink | None, attribute: str) -> str:
    moment = getattr(link, attribute, None) if link is not None else None
    return format_datetime(moment, "d/MM/yyyy 'om' HH:mm") if moment else ""


def _title(link: OpenLink) -> str:
    version = questionnaires.live_version(link.questionnaire)
    if version is None:
        return link.questionnaire.title
    return questionnaires.model_of(version).title.get(_language())


def _language() -> str:
    return str(get_locale() or "nl")


def _mine(link: OpenLink) -> Respondent | None:
    """The respondent this browser answers as through this link, if any."""
    identity = signed_in()
    if not isinstance(identity, CoordinatorIdentity):
        return None
    respondent = identity.invitation.respondent
    return respondent if respondent.open_link_id == link.id else None


def _sign_in(respondent: Respondent, code: str | None) -> ResponseReturnValue | None:
    """Sign this browser in as the respondent; a page to show when that failed."""
    invitation = open_links.active_invitation(respondent)
    if invitation is None:
        return None
    fresh_session()
    try:
        sign_in_coordinator(invitation)
    except WriteRefused:
        current_app.logger.error("The database refused an open-link sign-in", exc_info=True)
        message = _("Dat lukt even niet door een probleem aan onze kant. Probeer het over "
                    "enkele minuten opnieuw.")  # fmt: skip
        return render_template(
            "error.html", title=_("Even geduld"), message=message, without_account=True
        ), 503
    if code is not None:
        session[RESUME_CODE] = [respondent.id, code]
    return None


def _portal(link: OpenLink) -> ResponseReturnValue:
    return redirect(url_for("portal.start", slug=link.questionnaire.slug))


@bp.route("/o/<slug>")
def open_start(slug: str) -> ResponseReturnValue:
    """The public link's start page: start a new response, or go on with a code."""
    link = open_links.find(slug)
    mine = _mine(link) if link is not None else None
    refusal = open_links.refusal(link)
    in_progress = mine is not None and not _submitted(mine)
    if refusal is not None and not in_progress:
        return _refusal_page(link, refusal)
    assert link is not None
    return render_template(
        "portal/open_start.html", link=link, title=_title(link), mine=mine,
        in_progress=in_progress, intro=_intro(link), honeypot=HONEYPOT,
        deadline=_when(link, "closes_at"),
    )  # fmt: skip


def _intro(link: OpenLink) -> str:
    version = questionnaires.live_version(link.questionnaire)
    intro = questionnaires.model_of(version).intro if version is not None else None
    return intro.get(_language()) if intro else ""


def _submitted(respondent: Respondent) -> bool:
    response = respondent.response
    return response is not None and response.status == ResponseStatus.SUBMITTED


@bp.route("/o/<slug>/beginnen", methods=["POST"])
@limiter.limit(OPEN_START_LIMIT)
def open_begin(slug: str) -> ResponseReturnValue:
    """Start a new anonymous response and sign this browser in to it."""
    link = open_links.find(slug)
    refusal = open_links.refusal(link)
    if refusal is not None:
        return _refusal_page(link, refusal)
    assert link is not None
    if request.form.get(HONEYPOT):
        return _refused_post()
    started = open_links.start(link)
    failed = _sign_in(started.respondent, started.code)
    return failed or _portal(link)


def _refused_post() -> ResponseReturnValue:
    message = _("Je aanvraag werd geweigerd omdat een verborgen veld ingevuld was. Laat dat "
                "veld leeg en probeer opnieuw.")  # fmt: skip
    return render_template("error.html", title=_("Geweigerd"), message=message), 400


@bp.route("/o/<slug>/verder", methods=["POST"])
@limiter.limit(RESUME_CODE_LIMIT)
def open_resume(slug: str) -> ResponseReturnValue:
    """Go on with a resume code, in any browser."""
    link = open_links.find(slug)
    if link is None:
        return _refusal_page(None, Refusal.UNKNOWN)
    code = request.form.get("code", "")
    respondent = open_links.resume(link, code)
    if respondent is None:
        flash(_("Die code kennen we niet, of de antwoorden met die code zijn al ingediend. "
                "Kijk de code na: ze heeft 8 tekens."), "error")  # fmt: skip
        return redirect(url_for("portal.open_start", slug=slug) + "#verder")
    failed = _sign_in(respondent, open_links.normalise_code(code))
    return failed or _portal(link)


@bp.route("/o/<slug>/link-mailen", methods=["POST"])
@limiter.limit(OPEN_START_LIMIT)
def open_mail_link(slug: str) -> ResponseReturnValue:
    """Mail a link to go on later, to an address used for that mail alone."""
    link = open_links.find(slug)
    mine = _mine(link) if link is not None else None
    if link is None or mine is None:
        return _refusal_page(link, Refusal.UNKNOWN)
    email = request.form.get("email", "").strip()
    problem = open_links.mail_problem(email)
    if problem is not None or _submitted(mine):
        flash(_("Dit is geen geldig e-mailadres.") if problem else
              _("Je antwoorden zijn al ingediend."), "error")  # fmt: skip
    else:
        open_links.keep_address(mine, email)
        resume_job.submit(mine)
        flash(_("We mailen je een link om verder te gaan naar %(address)s. We gebruiken dat "
                "adres alleen daarvoor.", address=open_links.mask(email)), "success")  # fmt: skip
    return redirect(url_for("portal.start", slug=link.questionnaire.slug) + "#verdergaan")


@bp.context_processor
def _open_response_context() -> dict[str, Any]:
    """Lazy: only a template that asks reads the sign-in, so an error page rendered while
    the database is down does not need it."""
    return {"open_response": LocalProxy(open_response), "honeypot": HONEYPOT}
