"""The ``intake`` program: Flask's CLI over the application factory, with the project's
commands (``intake.cli``) that the factory registers. ``python -m intake`` runs it too."""

from __future__ import annotations

from flask.cli import FlaskGroup

from intake.app import create_app

main = FlaskGroup(
    name="intake",
    create_app=create_app,
    help="Intake: VVSG's survey intake and questionnaire engine.",
)

if __name__ == "__main__":
    main()
