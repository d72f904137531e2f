"""Portal views for coordinators signed in through their personal link.

The respondent always comes from the signed-in identity, never from the URL,
so no portal URL can reach another respondent's response. Page saves check
CSRF and sign-in themselves: when either has expired, or the database refuses the
write, the page comes back with exactly what was typed, and the next click saves it.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import validate_csrf
from werkzeug.datastructures import MultiDict
from wtforms import ValidationError

from intake.auth.access import (
    fresh_session,
    sign_in_coordinator,
    signed_in,
    signed_in_coordinator,
)
from intake.extensions import csrf, limiter
from intake.forms.page import (
    SHOWN,
    field_names,
    form_from_post,
    posted_answers,
    stored_formdata,
)
from intake.forms.views import page_views
from intake.models import Respondent
from intake.portal import preview
from intake.portal.open_guard import refused_post
from intake.questionnaire import repeat_items
from intake.questionnaire.model import Question
from intake.questionnaire.types import answer_keys
from intake.services import (
    invitations,
    open_links,
    questionnaires,
    receipt,
    response_state,
    responses,
)
from intake.services.accounts import CoordinatorIdentity
from intake.services.response_state import Page, ResponseState
from intake.services.responses import SaveStatus, SubmitStatus
from intake.services.transactions import WriteRefused
from intake.web_security import LINK_LIMIT

bp = Blueprint("portal", __name__)
bp.context_processor(preview.banner)


def _language() -> str:
    return str(get_locale() or "nl")


def _page_url(slug: str, page: Page) -> str:
    if page.item is None:
        return url_for("portal.page", slug=slug, section=page.section.id)
    return url_for("portal.item_page", slug=slug, section=page.section.id, item=page.item)


def _respondent(slug: str) -> Respondent:
    """The signed-in coordinator's respondent, when it answers this questionnaire.

    Not signed in: 401, which shows how to sign in again (``intake.errors``). An admin
    gets the test respondent of their preview (``portal.preview``), if they started one.
    """
    previewed = preview.respondent(slug)
    if previewed is not None:
        return previewed
    respondent = signed_in_coordinator().invitation.respondent
    if respondent.questionnaire.slug != slug:
        abort(404)
    return respondent


def _actor() -> str:
    return preview.actor() or f"coordinator:{signed_in_coordinator().invitation.id}"


# --------------------------------------------------------------------------- sign-in


@bp.route("/t/<token>")
@limiter.limit(LINK_LIMIT)
def token_login(token: str) -> ResponseReturnValue:
    """Sign a coordinator in through their personal link."""
    invitation = invitations.find_by_token(token)
    if invitation is None:
        return render_template("portal/bad_link.html"), 404
    fresh_session()
    try:
        sign_in_coordinator(invitation)
    except WriteRefused:
        _log_refused("sign-in through a personal link")
        message = _(
            "Aanmelden lukt even niet door een probleem aan onze kant. Probeer het over "
            "enkele minuten opnieuw; je antwoorden van vorige keren zijn bewaard."
        )
        return render_template(
            "error.html", title=_("Even geduld"), message=message, without_account=True
        ), 503
    invitations.mark_opened(invitation)
    return redirect(url_for("portal.start", slug=invitation.respondent.questionnaire.slug))


@bp.route("/vragenlijst")
def home() -> ResponseReturnValue:
    identity = signed_in()
    if not isinstance(identity, CoordinatorIdentity):
        return redirect(url_for("auth.index"))
    slug = identity.invitation.respondent.questionnaire.slug
    return redirect(url_for("portal.start", slug=slug))


# --------------------------------------------------------------------------- pages


@bp.route("/v/<slug>/")
def start(slug: str) -> ResponseReturnValue:
    respondent = _respondent(slug)
    state = response_state.load_state(respondent)
    deadline = questionnaires.deadline(respondent.questionnaire)
    return render_template("portal/start.html", deadline=deadline, **_common(slug, state))


def _common(slug: str, state: ResponseState, pages: list[Page] | None = None) -> dict[str, Any]:
    pages = state.pages() if pages is None else pages
    done, total, first_incomplete = state.progress(pages)
    return {
        "slug": slug,
        "state": state,
        "pages": pages,
        "done": done,
        "total": total,
        "language": _language(),
        "page_url": lambda p: _page_url(slug, p),
        # "Begin of ga verder": the first page not complete, else the summary.
        "continue_url": _page_url(slug, first_incomplete)
        if first_incomplete is not None
        else url_for("portal.summary", slug=slug),
    }


@bp.route("/v/<slug>/p/<section>", methods=["GET", "POST"], endpoint="page")
@bp.route("/v/<slug>/p/<section>/<item>", methods=["GET", "POST"], endpoint="item_page")
@csrf.exempt
@limiter.limit(LINK_LIMIT, exempt_when=lambda: not request.form.get("access_link"))
def page_view(slug: str, section: str, item: str | None = None) -> ResponseReturnValue:
    if request.method == "POST":
        return _post_page(slug, section, item)
    respondent = _respondent(slug)
    state = response_state.load_state(respondent)
    page = state.page(section, item)
    if page is None:
        abort(404)
    pages = state.pages()
    if page not in pages:
        flash(_("Deze pagina is niet (meer) van toepassing."), "info")
        return redirect(url_for("portal.start", slug=slug))
    stored = {
        key: value
        for (sec, itm, key), value in state.answers.items()
        if sec == page.section.id and itm == page.item_key
    }
    formdata = stored_formdata(page, stored)
    problems = {qid: p for qid, p in state.problems(page).items() if _is_invalid(state, page, qid)}
    return _render_page(
        slug, state, page, formdata, problems=problems, revision=state.revision, pages=pages
    )


def _is_invalid(state: ResponseState, page: Page, question_id: str) -> bool:
    """Whether any stored answer of the question did not validate (not merely missing)."""
    question = page.section.question(question_id)
    if question is None:
        return False
    stored = (state.stored(page.section.id, page.item_key, key) for key in answer_keys(question))
    return any(answer is not None and not answer.is_valid for answer in stored)


def _render_page(
    slug: str,
    state: ResponseState,
    page: Page,
    formdata: MultiDict[str, str],
    *,
    problems: dict[str, Any] | None = None,
    revision: int,
    notice: str | None = None,
    conflicts: list[responses.Conflict] | None = None,
    status: int = 200,
    visible: list[Any] | None = None,
    unsaved: bool = False,
    read_only: bool | None = None,
    pages: list[Page] | None = None,
) -> ResponseReturnValue:
    """The page showing ``formdata`` (stored answers, or what was posted); ``visible``
    (default: as stored) lists the questions shown.

    ``unsaved``: the form holds typed answers that are not stored (portal.js keeps them).
    ``read_only`` (default: when the response cannot be edited) disables the form.
    ``pages``: the pages that apply, when the caller already has them.
    """
    context = _common(slug, state, pages)
    pages = context["pages"]
    index = pages.index(page) if page in pages else None
    previous_page = pages[index - 1] if index is not None and index > 0 else None
    questions = visible if visible is not None else state.visible(page)
    context.update(
        page=page,
        **_questions(page, questions, formdata, context["language"]),
        problems=problems or {},
        revision=revision,
        notice=notice,
        conflicts=conflicts or [],
        signed_out=False,
        previous_url=_page_url(slug, previous_page) if previous_page else None,
        read_only=not state.is_editable if read_only is None else read_only,
        unsaved=unsaved,
    )
    return render_template("portal/page.html", **context), status


def _questions(
    page: Page, questions: list[Any], formdata: MultiDict[str, str], language: str
) -> dict[str, Any]:
    """What ``portal/_questions.html`` renders: the views of the questions shown (built
    once per page and language) and the values of the page's fields in ``formdata``."""
    view = page_views(page, language)
    return {
        "question_views": [view.questions[q.id] for q in questions],
        "values": view.values(formdata),
    }


def _post_page(slug: str, section: str, item: str | None) -> ResponseReturnValue:
    action = request.form.get("action", "opslaan")
    autosave = action == "autosave"

    if signed_in() is None:
        link = request.form.get("access_link", "").strip()
        invitation = invitations.find_by_token(invitations.token_from_link(link)) if link else None
        if invitation is None or invitation.respondent.questionnaire.slug != slug:
            return _signed_out_page(slug, section, item, bool(link), autosave)
        try:
            sign_in_coordinator(invitation)
        except WriteRefused:
            _log_refused("sign-in with a pasted personal link")
            return _signed_out_page(slug, section, item, False, autosave, refused=True)
        invitations.mark_opened(invitation)

    respondent = _respondent(slug)
    state = response_state.load_state(respondent)
    page = state.page(section, item)
    if page is None:
        abort(404)
    form = form_from_post(page, request.form)
    try:
        seen_revision = int(request.form.get("revision", "0"))
    except ValueError:
        seen_revision = 0
    shown = request.form.getlist(SHOWN)
    posted = posted_answers(page, form, shown)

    def as_typed() -> list[Question]:
        """When the page comes back unsaved, it shows what the user's form showed, and
        what their answers make visible now: never fewer fields than they typed into.
        (Only then: a save parses the page itself.)"""
        visible_now = responses.parse_page(state, page, posted)[0]
        return [q for q in page.section.questions if q.id in shown or q in visible_now]

    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        if autosave:
            return jsonify(status="csrf"), 400
        return _render_page(
            slug, state, page, request.form, revision=seen_revision, visible=as_typed(),
            unsaved=True,
            notice=_("Deze pagina stond te lang open of je sessie werd vernieuwd, daardoor is "
                     "niets opgeslagen. Je antwoorden staan er nog: klik opnieuw op Opslaan."),
        )  # fmt: skip

    if refused_post(respondent):
        if autosave:
            return jsonify(status="refused"), 400
        return _render_page(
            slug, state, page, request.form, revision=seen_revision, visible=as_typed(),
            unsaved=True, status=400,
            notice=_("Je antwoorden zijn niet bewaard: het formulier bevatte een verborgen veld "
                     "dat leeg moet blijven. Je antwoorden staan er nog."),
        )  # fmt: skip

    try:
        outcome = responses.save_page(
            respondent, section, item, posted, seen_revision, _actor(), state=state
        )
    except WriteRefused:
        _log_refused("save of this page")
        if autosave:
            return jsonify(status="unavailable"), 503
        return _render_page(
            slug, state, page, request.form, revision=seen_revision, visible=as_typed(),
            unsaved=True, status=503,
            notice=_("Je antwoorden zijn nog niet bewaard: door een probleem aan onze kant kon "
                     "er niets opgeslagen worden. Ze staan hieronder nog; klik zo meteen "
                     "opnieuw op Opslaan."),
        )  # fmt: skip
    if autosave:
        return jsonify(
            status=outcome.status,
            revision=outcome.revision,
            saved_at=format_datetime(format="HH:mm"),
        ), (404 if outcome.status == SaveStatus.NOT_APPLICABLE else 200)
    if outcome.status == SaveStatus.NOT_APPLICABLE:
        return _render_page(
            slug, state, page, request.form, revision=outcome.revision, visible=as_typed(),
            read_only=True, status=404,
            notice=_("Wat je typte is niet opgeslagen: deze pagina is niet (meer) van "
                     "toepassing, bijvoorbeeld omdat een collega deze actie net heeft "
                     "uitgevinkt. Je antwoorden staan hieronder nog, zodat je ze kunt "
                     "kopiëren."),
        )  # fmt: skip
    if outcome.status in {SaveStatus.SUBMITTED, SaveStatus.CLOSED}:
        message = (
            _("Deze vragenlijst is al ingediend en kan niet meer gewijzigd worden. Wat je net "
              "typte staat hieronder nog, zodat je het kunt kopiëren. Vraag de VVSG om de "
              "vragenlijst te heropenen als je iets wilt aanpassen.")
            if outcome.status == SaveStatus.SUBMITTED
            else _("De bevraging is afgesloten; er kan niets meer gewijzigd worden. Wat je net "
                   "typte staat hieronder nog, zodat je het kunt kopiëren.")
        )  # fmt: skip
        return _render_page(
            slug,
            state,
            page,
            request.form,
            revision=outcome.revision,
            notice=message,
            visible=as_typed(),
        )
    if outcome.status == SaveStatus.CONFLICT:
        return _render_page(
            slug, state, page, request.form, revision=outcome.revision, conflicts=outcome.conflicts,
            problems=outcome.problems, status=409, visible=as_typed(),
            notice=_("Een collega heeft intussen antwoorden op deze pagina gewijzigd. Hieronder "
                     "zie je beide versies. Je eigen antwoorden staan in het formulier: klik "
                     "opnieuw op Opslaan om ze te bewaren, of laad de pagina opnieuw om de "
                     "versie van je collega te houden."),
        )  # fmt: skip

    if action in {"volgende", "vorige"}:
        # The state with the save applied (read again only after a response's first save).
        state = outcome.state or response_state.load_state(respondent)
        problems = state.problems(page) if action == "volgende" else {}
        if problems:
            return _render_page(
                slug, state, page, request.form, revision=outcome.revision, problems=problems,
                notice=_("Je antwoorden zijn bewaard, maar nog niet alles is correct ingevuld."),
            )  # fmt: skip
        pages = state.pages()
        target = _neighbour(pages, page, +1 if action == "volgende" else -1)
        if target is None:
            return redirect(url_for("portal.summary", slug=slug))
        return redirect(_page_url(slug, target))
    if outcome.problems:
        flash(
            _("Opgeslagen. Enkele antwoorden kloppen nog niet; ze staan hieronder gemarkeerd."),
            "warning",
        )
    else:
        flash(_("Je antwoorden zijn opgeslagen."), "success")
    return redirect(_page_url(slug, page))


def _log_refused(what: str) -> None:
    """Tell the admins which write the database refused, with the database's error."""
    current_app.logger.error(
        "The database refused the %s (%s %s); the user was told and kept what was typed",
        what, request.method, request.path, exc_info=True,
    )  # fmt: skip


def _neighbour(pages: list[Page], page: Page, step: int) -> Page | None:
    if page not in pages:
        return pages[0] if pages else None
    index = pages.index(page) + step
    if index < 0:
        return None
    return pages[index] if index < len(pages) else None


def _signed_out_page(
    slug: str,
    section: str,
    item: str | None,
    bad_link: bool,
    autosave: bool,
    *,
    refused: bool = False,
) -> ResponseReturnValue:
    """The page again, with what was typed, for a coordinator whose sign-in expired
    (or, ``refused``, whose sign-in the database could not record: 503)."""
    if autosave:
        return jsonify(status="unavailable" if refused else "signed_out"), 503 if refused else 401
    questionnaire = questionnaires.get_by_slug(slug)
    version = questionnaires.live_version(questionnaire) if questionnaire else None
    if version is None:
        abort(404)
    model = questionnaires.model_of(version)
    section_model = model.section(section)
    if section_model is None:
        abort(404)
    page = None
    if item is None and section_model.repeat_for is None:
        page = Page(section_model, questionnaire=model)
    elif item is not None:
        page = next(
            (Page(section_model, code, title, model)
             for code, title in repeat_items(model, section_model) if code == item),
            None,
        )  # fmt: skip
    if page is None:
        abort(404)
    notice = (
        _("Je antwoorden zijn nog niet bewaard: door een probleem aan onze kant kon "
          "er niets opgeslagen worden. Ze staan hieronder nog; klik zo meteen "
          "opnieuw op Opslaan.")
        if refused
        else _("Deze link is niet (meer) geldig. Kijk na of je de volledige link uit de meest "
               "recente uitnodigingsmail hebt geplakt.")
        if bad_link
        else _("Je bent niet meer aangemeld, daardoor is niets opgeslagen. Je antwoorden staan "
               "er nog. Plak je persoonlijke link uit de uitnodigingsmail in het veld "
               "onderaan en klik opnieuw op Opslaan.")
    )  # fmt: skip
    try:
        revision = int(request.form.get("revision", "0"))
    except ValueError:
        revision = 0
    # Without a sign-in, conditions cannot be evaluated: show what was on the page.
    questions = [
        q
        for q in section_model.questions
        if q.relevant is None or any(n in request.form for n in field_names(q))
    ]
    context = {
        "slug": slug,
        "page": page,
        **_questions(page, questions, request.form, _language()),
        "problems": {},
        "revision": revision,
        "notice": notice,
        "conflicts": [],
        "signed_out": True,
        "previous_url": None,
        "read_only": False,
        "language": _language(),
        "pages": [],
        "done": 0,
        "total": 0,
        "state": None,
        "unsaved": True,
    }
    return render_template("portal/page.html", **context), 503 if refused else 401


# --------------------------------------------------------------------------- summary


@bp.route("/v/<slug>/overzicht")
def summary(slug: str) -> ResponseReturnValue:
    respondent = _respondent(slug)
    state = response_state.load_state(respondent)
    return _summary(slug, state)


def _summary(slug: str, state: ResponseState, notice: str | None = None) -> str:
    """The summary: what is still missing (per page, with a link to each field), then
    every answer, then the submit button."""
    context = _common(slug, state)
    missing = [(p, problems) for p in context["pages"] if (problems := state.problems(p))]
    unsaved = [p for p in context["pages"] if not state.is_saved(p) and not state.problems(p)]
    return render_template(
        "portal/summary.html", **context, notice=notice, missing=missing, unsaved=unsaved,
        field_url=lambda p, question_id: f"{_page_url(slug, p)}#q-{question_id}",
    )  # fmt: skip


@bp.route("/v/<slug>/indienen", methods=["POST"])
@csrf.exempt
def submit(slug: str) -> ResponseReturnValue:
    """Indienen: first a confirmation step (that says the answers can no longer be
    changed), then, with ``confirm``, the submission and the receipt by mail."""
    respondent = _respondent(slug)
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        state = response_state.load_state(respondent)
        notice = _("Deze pagina stond te lang open; er is nog niets ingediend. Klik opnieuw op "
                   "Indienen.")  # fmt: skip
        return _summary(slug, state, notice)
    if refused_post(respondent):
        notice = _("Er is niets ingediend: het formulier bevatte een verborgen veld dat leeg moet "
                   "blijven.")  # fmt: skip
        return _summary(slug, response_state.load_state(respondent), notice), 400
    wait = open_links.seconds_too_fast(respondent)
    if wait:
        notice = _("Er is nog niets ingediend: je hebt de vragenlijst wel erg snel ingevuld. "
                   "Lees je antwoorden rustig na en dien over %(n)s seconden opnieuw in.",
                   n=wait)  # fmt: skip
        return _summary(slug, response_state.load_state(respondent), notice), 429
    if request.form.get("confirm") != "ja":
        state = response_state.load_state(respondent)
        if state.is_submitted:
            return redirect(url_for("portal.submitted", slug=slug))
        if (
            state.is_editable
            and state.response is not None
            and not any(state.problems(p) for p in state.pages())
        ):
            return render_template("portal/confirm.html", **_common(slug, state))
    try:
        outcome = responses.submit(respondent, _actor())
    except WriteRefused:
        _log_refused("submit")
        state = response_state.load_state(respondent)
        notice = _(
            "Je antwoorden zijn nog niet ingediend: door een probleem aan onze kant lukte dat "
            "even niet. Er is niets verloren; klik zo meteen opnieuw op Indienen."
        )
        return _summary(slug, state, notice), 503
    if outcome.status == SubmitStatus.SUBMITTED and respondent.open_link_id is None:
        # After the commit: whatever becomes of the mail, the submission stands. An
        # open-link respondent has no address to send it to.
        receipt.send_receipt(respondent, _language())
    if outcome.status in {SubmitStatus.SUBMITTED, SubmitStatus.ALREADY_SUBMITTED}:
        return redirect(url_for("portal.submitted", slug=slug))
    state = response_state.load_state(respondent)
    if outcome.status == SubmitStatus.CLOSED:
        notice = _("De bevraging is afgesloten; indienen kan niet meer.")
    elif outcome.status == SubmitStatus.NOT_STARTED:
        notice = _("Er is nog niets opgeslagen. Kijk de onderdelen hieronder na en sla ze op; "
                   "daarna kun je indienen.")  # fmt: skip
    else:
        notice = _("Nog niet alles is ingevuld. Vul de vragen hieronder aan en dien daarna in.")
    return _summary(slug, state, notice), 422


@bp.route("/v/<slug>/ingediend")
def submitted(slug: str) -> ResponseReturnValue:
    """The receipt: when and for whom, and a printable copy of every answer."""
    respondent = _respondent(slug)
    state = response_state.load_state(respondent)
    if not state.is_submitted:
        return redirect(url_for("portal.summary", slug=slug))
    return render_template("portal/submitted.html", **_common(slug, state))
