"""The application factory: configuration, extensions, blueprints and CLI commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event, exc

from config import Config, config_from_env
from intake import read_only_commit, template_i18n
from intake.paths import MIGRATIONS_DIR, STATIC_DIR, TEMPLATES_DIR, TRANSLATIONS_DIR
from intake.questionnaire.types import answer_keys, describe
from intake.questionnaire.values import Problem
from intake.statuses import MailKind, ResponseStatus, TrackingStatus
from intake.unit_words import unit_words


def create_app(config: Config | dict[str, Any] | None = None) -> Flask:
    """Build the application.

    ``config`` is a config object (see ``config.py``), or a dict of overrides on
    top of the config chosen by ``INTAKE_ENV``; ``None`` uses the environment.
    """
    app = Flask(
        __name__,
        instance_path=os.environ.get("INTAKE_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )
    if isinstance(config, Config):
        config_obj = config
        overrides: dict[str, Any] = {}
    else:
        config_obj = config_from_env()
        overrides = dict(config or {})
    config_obj.validate()
    app.config.from_object(config_obj)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    app.config.update(overrides)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_file = Path(app.instance_path) / "intake.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    outbox = app.config.get("MAIL_OUTBOX")
    if outbox and not os.path.isabs(outbox):
        app.config["MAIL_OUTBOX"] = os.path.join(app.instance_path, outbox)

    _init_extensions(app)
    _register_blueprints(app)

    from intake import jobs

    jobs.init_app(app)

    from intake import errors, web_security

    web_security.init_app(app)
    errors.init_app(app)

    from intake.cli import register_commands

    register_commands(app)
    return app


def problem_message(problem: Problem) -> str:
    """A validation problem in the visitor's language, with its values filled in."""
    return _(problem.template, **problem.params)


def _select_locale() -> str:
    """Dutch unless the visitor chose another language: many Flemish browsers say 'en'.
    Outside a request (a job in the worker, the CLI) there is no visitor: Dutch."""
    if not has_request_context():
        return "nl"
    chosen = session.get("lang")
    return chosen if isinstance(chosen, str) and chosen in current_app.config["LANGUAGES"] else "nl"


def _init_extensions(app: Flask) -> None:
    from intake import models  # noqa: F401  (register the models on the metadata)
    from intake.extensions import (
        babel,
        closed_by_server,
        configure_sqlite,
        csrf,
        db,
        login_manager,
        migrate,
    )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    template_i18n.init_app(app)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["describe"] = describe
    app.jinja_env.globals["answer_keys"] = answer_keys
    app.jinja_env.globals["problem_message"] = problem_message
    app.jinja_env.globals["unit_words"] = unit_words
    app.jinja_env.globals.update(
        MailKind=MailKind, ResponseStatus=ResponseStatus, TrackingStatus=TrackingStatus
    )
    app.jinja_env.filters["datetimeformat"] = lambda value: format_datetime(
        value, "d MMMM yyyy, HH:mm"
    )
    app.jinja_env.filters["dateformat"] = lambda value: format_date(value, "d MMMM yyyy")
    app.jinja_env.filters["decimal"] = lambda value: format_decimal(value, "#,##0.##")
    # Templates get Flask-Login's lazy proxy instead of its context processor, which
    # loads the user (a query) for every page: the 500 page must render without one.
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Meld je aan om deze pagina te bekijken."
    login_manager.login_message_category = "info"

    from intake.auth import access  # noqa: F401  (registers the user loader)
    from intake.services import scope  # noqa: F401  (leaves test respondents out of queries)

    busy_timeout = app.config["SQLITE_BUSY_TIMEOUT_MS"]
    with app.app_context():
        engine = db.engine  # created here, before any connection is made

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: object, _record: object) -> None:
        configure_sqlite(dbapi_connection, busy_timeout)

    read_only_commit.init_app(app, engine)

    if engine.dialect.name != "sqlite":
        # A restarted database server leaves the pool's connections closed: each is
        # replaced when it is checked out, with no round trip for the ones that are alive.
        @event.listens_for(engine, "checkout")
        def _on_checkout(dbapi_connection: object, _record: object, _proxy: object) -> None:
            if closed_by_server(dbapi_connection):
                raise exc.InvalidatePoolError("the database server closed the connection")


def _register_blueprints(app: Flask) -> None:
    from intake.admin import bp as admin_bp
    from intake.auth import bp as auth_bp
    from intake.portal import bp as portal_bp
    from intake.web_security import IdConverter

    app.url_map.converters["id"] = IdConverter  # before the routes that use it
    app.register_blueprint(auth_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
