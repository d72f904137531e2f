"""Every error page of the app, one handler per status code, registered by the factory.

The pages are Dutch (English on request). The 500 page reads nothing from the database,
which may be why we are here: it leaves out the signed-in user (``without_account``).
When a portal page form was posted, it lists what was typed, so nothing is lost, and
autosave gets JSON instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.exceptions import HTTPException

from intake.forms.page import FORM_MACHINERY

# Status code → (title, message) of the plain error pages.
PAGES = {
    400: (_l("Ongeldige aanvraag"), _l("Deze link of dit formulier bevat tekens die hier niet "
                                        "thuishoren. Open de pagina opnieuw via de startpagina.")),
    403: (_l("Geen toegang"), _l("Je hebt geen toegang tot deze pagina.")),
    404: (_l("Niet gevonden"), _l("Deze pagina bestaat niet (meer).")),
}  # fmt: skip


def init_app(app: Flask) -> None:
    for code, (title, message) in PAGES.items():
        app.register_error_handler(code, _page(code, title, message))
    app.register_error_handler(401, _signed_out)
    app.register_error_handler(413, _too_large)
    app.register_error_handler(429, _too_many)
    app.register_error_handler(500, _server_error)


def _page(
    code: int, title: LazyString, message: LazyString
) -> Callable[[HTTPException], ResponseReturnValue]:
    def handler(error: HTTPException) -> ResponseReturnValue:
        return render_template("error.html", title=str(title), message=str(message)), code

    return handler


def _signed_out(error: HTTPException) -> ResponseReturnValue:
    """Not signed in (the portal's 401): how to sign in again, answers kept."""
    return render_template("portal/signed_out.html"), 401


def _too_large(error: HTTPException) -> ResponseReturnValue:
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    message = _("Het bestand is te groot: het mag hoogstens %(mb)s MB zijn.", mb=limit)
    return render_template("error.html", title=_("Te groot"), message=message), 413


def _too_many(error: HTTPException) -> ResponseReturnValue:
    message = _("Te veel pogingen na elkaar. Wacht even en probeer het dan opnieuw.")
    return render_template("error.html", title=_("Even geduld"), message=message), 429


def _server_error(error: Exception) -> ResponseReturnValue:
    """An unexpected failure (the database down...). In the portal, autosave gets JSON,
    and a posted page comes back as text to copy, so nothing typed is lost."""
    if request.blueprint != "portal":
        return server_error_page()
    if request.form.get("action") == "autosave":
        return jsonify(status="error"), 500
    typed = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in FORM_MACHINERY and value.strip()
    ]
    return server_error_page(typed)


def server_error_page(typed: Iterable[tuple[str, str]] = ()) -> tuple[str, int]:
    """Our 500 page; ``typed`` lists what a form posted, so the user can copy it.

    It reads nothing from the database, which may be why we are here: the page
    leaves out the signed-in user (``without_account``).
    """
    message = _("Door een probleem aan onze kant lukt dit even niet. Probeer het over enkele "
                "minuten opnieuw.")  # fmt: skip
    page = render_template("error.html", title=_("Er ging iets mis"), message=message,
                           typed=list(typed), without_account=True)  # fmt: skip
    return page, 500
