"""``intake questionnaire preview FILE``: the author's preview of a file not loaded yet.

The file is loaded into a throw-away SQLite database in a temporary folder, with an
admin account of its own, and served by Werkzeug's development server on a loopback
port; nothing touches the real database, and the folder is deleted on exit. Mail goes to
an outbox in that folder: a preview never mails anyone.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

import config as app_config
from config import Config
from intake.extensions import db
from intake.services import accounts, questionnaires

ADMIN_EMAIL = "voorbeeld@vvsg.be"


def serve(
    create_app: Callable[[Config], Flask],
    path: str | Path,
    host: str,
    port: int,
    echo: Callable[[str], None],
) -> None:
    """Serve the preview of ``path`` until interrupted (Ctrl-C), with an app built by
    ``create_app`` (the factory the ``intake`` command runs on)."""
    with tempfile.TemporaryDirectory(prefix="intake-preview-") as folder:
        os.environ["INTAKE_INSTANCE_PATH"] = folder
        config = app_config.DevelopmentConfig()
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(folder) / 'preview.sqlite'}"
        config.MAIL_SERVER = ""
        config.MAIL_OUTBOX = str(Path(folder) / "outbox")
        config.HUEY_URL = ""  # the queue too lives in the temporary folder
        app = create_app(config)
        password = secrets.token_urlsafe(12)
        with app.app_context():
            db.create_all()
            version, _ = questionnaires.store_file(path)
            slug, number = version.questionnaire.slug, version.version
            accounts.create_admin(ADMIN_EMAIL, password, "Voorbeeld")
        server = make_server(host, port, app, threaded=True)
        base = f"http://{host}:{server.server_port}"
        echo(f"Preview of {slug} version {number} ({path}), in a temporary database.")
        echo(f"Sign in at {base}/aanmelden as {ADMIN_EMAIL} with password {password}")
        echo(f"then open {base}/admin/vragenlijsten/{slug}/voorbeeld")
        echo("Press Ctrl-C to stop; the temporary database is deleted.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            with app.app_context():
                db.engine.dispose()
