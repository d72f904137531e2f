"""The ``intake`` command: Flask's CLI over the application factory.

``intake run``, ``intake shell`` and ``intake db ...`` (Flask-Migrate) come from
Flask; the project's own commands are registered on ``app.cli`` here.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from intake.services import accounts


def register_commands(app: Flask) -> None:
    """Add Intake's commands to ``app.cli``."""
    app.cli.add_command(users_group)
    app.cli.add_command(demo_command)


@click.group("users", cls=AppGroup, help="Manage VVSG admin accounts.")
def users_group() -> None:
    pass


@users_group.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Full name shown in the admin pages.")
@click.password_option(help="Password (asked twice when not given).")
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an admin account, or set a new password for an existing one."""
    user = accounts.create_admin(email, password, name)
    click.echo(f"Admin account ready: {user.email}")


DEMO_ADMIN_EMAIL = "admin@vvsg.be"
DEMO_ADMIN_PASSWORD = "demo-wachtwoord"


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo data into the current database and print how to sign in."""
    accounts.create_admin(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, "VVSG demo-beheerder")
    click.echo(f"Admin sign-in: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")


def _create_app() -> Flask:
    from intake import create_app

    return create_app()


main = FlaskGroup(
    name="intake",
    create_app=_create_app,
    help="Intake: VVSG's survey intake and questionnaire engine.",
)
