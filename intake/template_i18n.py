"""The templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``, with the
catalogue looked up once per render instead of once per string.

Flask-Babel's own template callables look up the request's locale and catalogue for every
string, through several context-local lookups (about 18 µs a string; a portal page has
about 21). Here ``render_template`` puts the catalogue in the template context once (a
context processor), and the callables read it from there; included templates share that
context. A template rendered without Flask's ``render_template`` (no context processor)
falls back to Flask-Babel's lookup, so it translates just the same.
"""

from __future__ import annotations

from typing import Any

from babel.support import NullTranslations
from flask import Flask
from flask_babel import get_translations
from jinja2.runtime import Context
from jinja2.utils import pass_context

CATALOGUE = "_i18n_catalogue"


def _catalogue(context: Context) -> NullTranslations:
    catalogue = context.get(CATALOGUE)
    return catalogue if catalogue is not None else get_translations()


@pass_context
def _gettext(context: Context, string: str) -> str:
    return _catalogue(context).ugettext(string)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _catalogue(context).ungettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, message_context: str, string: str) -> str:
    return _catalogue(context).upgettext(message_context, string)


@pass_context
def _npgettext(context: Context, message_context: str, singular: str, plural: str, n: int) -> str:
    return _catalogue(context).unpgettext(message_context, singular, plural, n)


def init_app(app: Flask) -> None:
    """Replace the callables Flask-Babel installed (after ``babel.init_app``). Jinja's
    new-style wrapper around them escapes and fills in ``%(name)s`` as before."""

    @app.context_processor
    def _catalogue_once() -> dict[str, Any]:
        return {CATALOGUE: get_translations()}

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=_gettext,
        ngettext=_ngettext,
        newstyle=True,
        pgettext=_pgettext,
        npgettext=_npgettext,
    )
