"""Security headers, rate limits, untrusted URLs, and the error pages that go with them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from intake.extensions import limiter

# No inline script or style anywhere: everything comes from /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SIGN_IN_LIMIT = "10 per minute;60 per hour"
LINK_LIMIT = "30 per minute;300 per hour"
# C0 and C1 control characters and DEL: browsers drop some of them inside a URL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    ``/<tab>/evil.com`` and ``/\\evil.com`` lead off-site: a target with any control
    character or backslash is refused whole, and the rest must be a path without a
    scheme or host that does not start with ``//``.
    """
    if not target or _CONTROL.search(target) or "\\" in target:
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. '//[x': not even a valid host
        return None
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return None if parts.path.startswith("//") else target


def redirect_target(target: str | None, fallback: str) -> str:
    """Where to send a visitor back to: ``target`` (taken from the request, such as
    ``?next=``) when it is a path on this site, else ``fallback``. Every redirect to a URL
    from the request goes through here. Our own links never hold control characters, so
    one that does is a bad request (400), never a header with a line break in it."""
    if target and _CONTROL.search(target):
        abort(400)
    return local_path(target) or fallback


class IdConverter(IntegerConverter):
    """A database id in a URL (``<id:name>``): 1 up to PostgreSQL's largest integer, so a
    larger number is a page that does not exist (404), never an overflow in the database."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=1, max=2**31 - 1)


def init_app(app: Flask) -> None:
    if app.config.get("TRUSTED_PROXIES"):
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    limiter.init_app(app)

    @app.before_request
    def _refuse_nul() -> None:
        """NUL belongs in no URL, and PostgreSQL can neither store nor compare it: refuse
        it in the path and query string before a view (or the database) sees it."""
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.args.lists()
        ):
            abort(400)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("Referrer-Policy", "no-referrer")  # token links never leak
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.endpoint != "static":
            headers.setdefault("Cache-Control", "no-store")  # answers are not for caches
        if app.config.get("HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    @app.errorhandler(429)
    def _too_many(error: HTTPException) -> tuple[str, int]:
        message = _("Te veel pogingen na elkaar. Wacht even en probeer het dan opnieuw.")
        return render_template("error.html", title=_("Even geduld"), message=message), 429

    @app.errorhandler(413)
    def _too_large(error: HTTPException) -> tuple[str, int]:
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        message = _("Het bestand is te groot: het mag hoogstens %(mb)s MB zijn.", mb=limit)
        return render_template("error.html", title=_("Te groot"), message=message), 413

    @app.errorhandler(500)
    def _server_error(error: HTTPException) -> tuple[str, int]:
        return server_error_page()

    for code, title, message in (
        (
            400,
            "Ongeldige aanvraag",
            "Deze link of dit formulier bevat tekens die hier niet "
            "thuishoren. Open de pagina opnieuw via de startpagina.",
        ),
        (403, "Geen toegang", "Je hebt geen toegang tot deze pagina."),
        (404, "Niet gevonden", "Deze pagina bestaat niet (meer)."),
    ):
        app.register_error_handler(code, _page(code, title, message))


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


def _page(code: int, title: str, message: str):  # noqa: ANN202
    def handler(error: HTTPException) -> tuple[str, int]:
        return render_template("error.html", title=_(title), message=_(message)), code

    return handler
