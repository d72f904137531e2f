"""The ``intake`` command: Flask's CLI over the application factory.

``intake run``, ``intake shell`` and ``intake db ...`` (Flask-Migrate) come from
Flask; the project's own commands are registered on ``app.cli`` here.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from intake.questionnaire import DefinitionErrors, codebook, load_file
from intake.services import accounts, questionnaires


def register_commands(app: Flask) -> None:
    """Add Intake's commands to ``app.cli``."""
    app.cli.add_command(users_group)
    app.cli.add_command(questionnaire_group)
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


@click.group("questionnaire", cls=AppGroup, help="Check, load and describe questionnaires.")
def questionnaire_group() -> None:
    pass


@questionnaire_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def check_command(files: tuple[str, ...]) -> None:
    """Check questionnaire files; print every problem with its line, or a summary."""
    failed = False
    for path in files:
        try:
            result = load_file(path)
        except DefinitionErrors as exc:
            failed = True
            for error in exc.errors:
                click.echo(str(error), err=True)
            click.echo(f"{path}: {len(exc.errors)} problem(s)", err=True)
            continue
        q = result.questionnaire
        questions = sum(len(s.questions) for s in q.sections)
        click.echo(
            f"{path}: OK – {q.id} version {q.version}: {len(q.sections)} sections, "
            f"{questions} questions, {len(codebook(q))} variables"
        )
    if failed:
        raise SystemExit(1)


@questionnaire_group.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def load_command(files: tuple[str, ...]) -> None:
    """Check files and store each as a questionnaire version in the database."""
    failed = False
    for path in files:
        try:
            version, created = questionnaires.store_file(path)
        except DefinitionErrors as exc:
            failed = True
            for error in exc.errors:
                click.echo(str(error), err=True)
            continue
        except questionnaires.VersionConflict as exc:
            failed = True
            click.echo(f"{path}: {exc}", err=True)
            continue
        slug = version.questionnaire.slug
        if created:
            click.echo(f"{path}: stored {slug} version {version.version}")
        else:
            click.echo(f"{path}: {slug} version {version.version} was already stored, unchanged")
    if failed:
        raise SystemExit(1)


@questionnaire_group.command("codebook")
@click.argument("file", type=click.Path(dir_okay=False))
def codebook_command(file: str) -> None:
    """Print the export variables of a questionnaire file, tab-separated."""
    try:
        result = load_file(file)
    except DefinitionErrors as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1) from None
    click.echo("variable\ttype\tlabel\tvalue labels")
    for v in codebook(result.questionnaire):
        labels = "; ".join(f"{value}={label}" for value, label in v.value_labels)
        click.echo(f"{v.name}\t{v.type}\t{v.label.get()}\t{labels}")


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
