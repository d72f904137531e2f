"""Security headers, rate limits and untrusted URLs (their error pages: ``intake.errors``)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
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
# A public link: starting a response and mailing a resume link, per address (colleagues
# behind one office address start one after the other); resuming by code is guessing
# a secret, so it is held tighter.
OPEN_START_LIMIT = "20 per minute;200 per hour"
RESUME_CODE_LIMIT = "10 per minute;50 per hour"
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
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]  # Flask's way to add middleware
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
