"""The project's own commands, registered on ``app.cli`` by the factory.

The ``intake`` program itself (``intake.__main__``) is Flask's CLI over the factory:
``intake run``, ``intake shell`` and ``intake db ...`` (Flask-Migrate) come from Flask.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo, with_appcontext

from intake.jobs import mail as mail_job
from intake.jobs import queue, records, runner
from intake.models import OpenLink, Questionnaire
from intake.questionnaire import DefinitionError, DefinitionErrors, codebook, load_file
from intake.questionnaire.structure import json_schema_text
from intake.services import (
    accounts,
    export,
    import_responses,
    mailing,
    open_links,
    preview,
    questionnaires,
    registry,
    tracking,
)
from intake.services.problems import RowProblem
from intake.statuses import JobStatus, MailKind

CLI = "cli"  # the actor recorded in the audit log for command-line changes


def register_commands(app: Flask) -> None:
    """Add Intake's commands to ``app.cli``."""
    app.cli.add_command(users_group)
    app.cli.add_command(questionnaire_group)
    app.cli.add_command(respondents_group)
    app.cli.add_command(invite_command)
    app.cli.add_command(remind_command)
    app.cli.add_command(status_command)
    app.cli.add_command(export_command)
    app.cli.add_command(responses_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(open_link_group)


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
    """Check questionnaire files; print every problem with its line, or a summary.
    Warnings (W-... codes) are printed too, but do not make the check fail."""
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
        _warnings(result.warnings)
        q = result.questionnaire
        questions = sum(len(s.questions) for s in q.sections)
        warned = f", {len(result.warnings)} warning(s)" if result.warnings else ""
        click.echo(
            f"{path}: OK – {q.id} version {q.version}: {len(q.sections)} sections, "
            f"{questions} questions, {len(codebook(q))} variables{warned}"
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
            _warnings(load_file(path).warnings)
            version, stored = questionnaires.store_file(path, CLI)
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
        if stored == "stored":
            click.echo(f"{path}: stored {slug} version {version.version}")
        elif stored == "updated":
            click.echo(f"{path}: {slug} version {version.version} updated in place: only "
                       "export-only keys (identifying) changed, no question or answer")  # fmt: skip
        else:
            click.echo(f"{path}: {slug} version {version.version} was already stored, unchanged")
    if failed:
        raise SystemExit(1)


def _warnings(warnings: list[DefinitionError]) -> None:
    for warning in warnings:
        click.echo(f"{warning} (warning)", err=True)


@questionnaire_group.command("preview")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address.")
@click.option("--port", default=5050, show_default=True, help="Port (0: any free one).")
def preview_command(file: str, host: str, port: int) -> None:
    """Serve the author's preview of a file that is not loaded, from a temporary database."""
    from intake import preview_server

    try:
        load_file(file)
    except DefinitionErrors as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1) from None
    factory = click.get_current_context().ensure_object(ScriptInfo).create_app
    if factory is None:
        raise click.ClickException("run this as 'intake questionnaire preview FILE'")
    preview_server.serve(factory, file, host, port, lambda line: click.echo(line))


@questionnaire_group.command("wipe-tests")
@click.argument("questionnaire_id", required=False)
def wipe_tests_command(questionnaire_id: str | None) -> None:
    """Delete the test respondents of authors' previews, with their test answers
    (of one questionnaire, or of all). Real respondents are never touched."""
    questionnaire = None
    if questionnaire_id is not None:
        questionnaire = questionnaires.get_by_slug(questionnaire_id)
        if questionnaire is None:
            raise click.ClickException(f"no questionnaire {questionnaire_id!r}")
    click.echo(f"{preview.wipe(questionnaire)} test respondent(s) wiped")


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


@questionnaire_group.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
def schema_command(output: str | None) -> None:
    """Print (or write) the JSON Schema of the questionnaire format, for editors."""
    text = json_schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    Path(output).write_text(text, encoding="utf-8")
    click.echo(f"{output}: JSON Schema of the questionnaire format written")


def _questionnaire(slug: str) -> Questionnaire:
    questionnaire = questionnaires.get_by_slug(slug)
    if questionnaire is None:
        raise click.UsageError(
            f"no questionnaire '{slug}'; load it first with 'intake questionnaire load FILE'"
        )
    return questionnaire


QUESTIONNAIRE_OPTION = click.option(
    "--questionnaire", "-q", "slug", required=True, help="The questionnaire id (slug)."
)


@questionnaire_group.command("open")
@click.argument("slug")
def open_command(slug: str) -> None:
    """Open a questionnaire for responses."""
    questionnaires.set_open(_questionnaire(slug), True, CLI)
    click.echo(f"{slug} is open for responses")


@questionnaire_group.command("close")
@click.argument("slug")
def close_command(slug: str) -> None:
    """Close a questionnaire: coordinators can read but no longer change or submit."""
    questionnaires.set_open(_questionnaire(slug), False, CLI)
    click.echo(f"{slug} is closed")


@questionnaire_group.command("live")
@click.argument("slug")
@click.argument("version", type=int)
def live_command(slug: str, version: int) -> None:
    """Choose the version new responses start on (responses keep theirs)."""
    try:
        questionnaires.set_live(_questionnaire(slug), version, CLI)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"{slug}: new responses start on version {version}")


@click.group(
    "respondents", cls=AppGroup, help="The registry of respondents invited to a questionnaire."
)
def respondents_group() -> None:
    pass


def _import_outcome(file: str, problems: list[RowProblem], written: bool, summary: str) -> None:
    """Print every problem by row and column; exit 1 when nothing was written."""
    for problem in problems:
        click.echo(f"{file}: {problem}", err=True)
    if not written:
        click.echo(f"{file}: niets geïmporteerd ({len(problems)} problemen)", err=True)
        raise SystemExit(1)
    click.echo(f"{file}: {summary}")


@respondents_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@QUESTIONNAIRE_OPTION
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, skip the others.")
def import_command(file: str, slug: str, skip_invalid: bool) -> None:
    """Import or update respondents from an .xlsx or .csv file (by code; nothing is deleted)."""
    with open(file, "rb") as handle:
        data = handle.read()
    report = registry.import_file(
        _questionnaire(slug), file, data, skip_invalid=skip_invalid, actor=CLI
    )
    _import_outcome(file, report.problems, report.written, report.summary)


@respondents_group.command("template")
@QUESTIONNAIRE_OPTION
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def template_command(slug: str, output: str) -> None:
    """Write an .xlsx template with the registry columns."""
    with open(output, "wb") as handle:
        handle.write(registry.template_workbook(_questionnaire(slug)))
    click.echo(f"wrote {output}")


def _mail(slug: str, kind: MailKind) -> None:
    """Send here, as a job: no admin starts a batch meanwhile, an interrupted batch goes on
    where it stopped, and a terminal shows the progress."""
    questionnaire = _questionnaire(slug)
    job, created = records.create(mail_job.KIND, actor=CLI, questionnaire=questionnaire,
                                  params={"kind": kind},
                                  lock_key=mail_job.lock_key(questionnaire))  # fmt: skip
    job_id, terminal = job.id, sys.stderr.isatty()
    if not created and job.params.get("kind") != kind:
        raise click.ClickException(f"job {job_id} is sending other mail for {slug}; "
                                   "wait until it has finished")  # fmt: skip
    if not created:
        click.echo(f"going on with job {job_id}, started by {job.started_by}", err=True)

    def show(done: int, total: int | None, message: str) -> None:
        if terminal:
            click.echo(f"\r{message}", nl=False, err=True)

    runner.run(job_id, observer=show)
    if terminal:
        click.echo(err=True)
    finished = records.get(job_id)
    if finished is None:
        raise click.ClickException(f"job {job_id} disappeared")
    job = finished
    if job.status == JobStatus.FAILED:
        raise click.ClickException(job.error or "failed")
    if job.status != JobStatus.DONE:
        raise click.ClickException(f"job {job_id} is sending mail for {slug} elsewhere; "
                                   "wait until it has finished")  # fmt: skip
    report, _ = mailing.job_report(job_id)
    for code, reason in report.failed:
        click.echo(f"{code}: not sent: {reason}", err=True)
    for code, reason in report.skipped:
        click.echo(f"{code}: sent, but not to {reason}", err=True)
    click.echo(f"{kind}s: {report.summary}")
    if report.failed or report.skipped:
        raise SystemExit(1)


@click.command("invite")
@QUESTIONNAIRE_OPTION
@with_appcontext
def invite_command(slug: str) -> None:
    """Mail a personal link to every respondent not invited yet."""
    _mail(slug, MailKind.INVITATION)


@click.command("remind")
@QUESTIONNAIRE_OPTION
@with_appcontext
def remind_command(slug: str) -> None:
    """Mail a reminder (with a fresh link) to invited respondents that have not submitted."""
    _mail(slug, MailKind.REMINDER)


@click.command("status")
@QUESTIONNAIRE_OPTION
@with_appcontext
def status_command(slug: str) -> None:
    """Print the response rate: overall, by kind, by every attribute it breaks down by
    (such as province, region or year) and per item."""
    questionnaire = _questionnaire(slug)
    overview = tracking.overview(questionnaire)
    click.echo(str(overview.rate))
    click.echo(
        "  " + ", ".join(f"{tracking.STATUS_LABELS[s]}: {overview.counts[s]}"
                         for s in tracking.STATUSES)
    )  # fmt: skip
    columns = [("per soort", tracking.by_column(questionnaire, "kind"))]
    columns += [(f"per {str(a.label).lower()}", groups)
                for a, groups in tracking.breakdowns(questionnaire)]  # fmt: skip
    for title, groups in columns:
        click.echo(f"{title}:")
        for group in groups:
            click.echo(f"  {group.label:<46} {group.rate}")
    for attribute, summaries in tracking.number_summaries(questionnaire):
        click.echo(f"{str(attribute.label).lower()} (with a value: min / median / max):")
        for summary in summaries:
            figures = " / ".join(
                "–" if v is None else f"{v:g}"
                for v in (summary.minimum, summary.median, summary.maximum)
            )
            click.echo(f"  {summary.label:<46} {summary.n:>5}: {figures}")  # fmt: skip
    covering = questionnaires.population(questionnaire).covering
    for catalogue, rows in tracking.by_item(questionnaire).items():
        covered = " (units covered by each)" if covering else ""
        click.echo(f"per item of {catalogue!r} (respondents linked / submitted{covered}):")
        for row in rows:
            line = f"  {row.code:>4} {row.title[:50]:<50} {row.invited:>5} {row.submitted:>5}"
            if covering:
                line += f"  ({row.covered_invited} / {row.covered_submitted})"
            click.echo(line)


@click.command("export")
@QUESTIONNAIRE_OPTION
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="FILE.xlsx, FILE.zip (CSV tables), FILE.sav (SPSS) or FILE.docx "
                   "(a draft report).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default=None,
              help="xlsx: one workbook; csv: a zip of CSV tables; sav: the Antwoorden table "
                   "for SPSS; docx: a draft report with a chapter per item. By default from "
                   "the output's extension.")  # fmt: skip
@click.option("--csv", "dialect", type=click.Choice(["excel", "plain"]), default="excel",
              help="excel (default): ';', decimal comma, BOM, formulas neutralised, for "
                   "Excel in Belgium; plain: RFC 4180, exact values, for R and SPSS.")  # fmt: skip
@click.option("--sort", "order", type=click.Choice(["share", "questionnaire"]), default="share",
              help="Options in tables and charts: by share, largest first and 'other' last "
                   "(default), or in questionnaire order. Scales keep their order.")  # fmt: skip
@click.option("--include-drafts", is_flag=True, help="Add responses not submitted yet.")
@click.option("--with-identities", is_flag=True,
              help="Add the Respondenten sheet (names, e-mails, code key).")  # fmt: skip
@with_appcontext
def export_command(
    slug: str,
    output: str,
    fmt: str | None,
    dialect: str,
    order: str,
    include_drafts: bool,
    with_identities: bool,
) -> None:
    """Export the figures per item, frequencies with charts, quotable open answers,
    the answers and the codebook (or a draft report). Written here, not as a job; a
    terminal shows how many responses are written."""
    try:
        chosen = export.format_for(output, fmt)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    options = export.ExportOptions(
        include_drafts,
        with_identities,
        "questionnaire" if order == "questionnaire" else "share",
        "plain" if dialect == "plain" else "excel",
    )
    questionnaire = _questionnaire(slug)
    terminal = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        if terminal:
            click.echo(f"\r{export.progress_message(done, total)}", nl=False, err=True)

    with open(output, "wb") as handle:
        count = export.write(questionnaire, handle, chosen, options, CLI, progress=show)
    if terminal:
        click.echo(err=True)
    click.echo(f"wrote {output}: {count} responses")


@click.group("responses", cls=AppGroup, help="Responses: import answers collected elsewhere.")
def responses_group() -> None:
    pass


@responses_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@QUESTIONNAIRE_OPTION
def import_responses_command(file: str, slug: str) -> None:
    """Import the 'Antwoorden' sheet of an export-shaped workbook (all or nothing)."""
    with open(file, "rb") as handle:
        report = import_responses.import_workbook(_questionnaire(slug), handle.read(), CLI)
    _import_outcome(
        file, report.problems, report.written, f"{report.imported} antwoorden geïmporteerd"
    )


@click.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(output: str) -> None:
    """Write a consistent copy of the SQLite database while the app keeps running."""
    from intake.extensions import db
    from intake.services.backup import BackupError, backup

    try:
        size = backup(db.engine, output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {output} ({size} bytes)")


@click.command("worker")
@click.option("--threads", "-t", default=2, show_default=True, type=click.IntRange(1, 32),
              help="Jobs run at the same time.")  # fmt: skip
@with_appcontext
def worker_command(threads: int) -> None:
    """Run the background jobs (mail batches, exports) of this app's queue until stopped.

    Beside the web server: ``make demo`` starts one; in production run it as a service
    (see README). Ctrl-C (SIGINT) lets running jobs finish; SIGTERM stops at once (a job
    cut off is picked up again later, sending nothing twice).
    """
    from flask import current_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    consumer = queue.consumer(app, threads)
    queue.recover()  # jobs left by a worker that died go on now, not at the next minute
    consumer.run()


DEMO_ADMIN_EMAIL = "admin@vvsg.be"


@click.group("open-link", cls=AppGroup, help="The public link of a questionnaire.")
def open_link_group() -> None:
    pass


def _print_link(link: OpenLink) -> None:
    base = current_app.config["BASE_URL"].rstrip("/")
    click.echo(f"{base}/o/{link.slug}")
    for label, value in (("opens", link.opens_at), ("closes", link.closes_at),
                         ("at most", link.max_responses)):  # fmt: skip
        if value is not None:
            click.echo(f"  {label}: {value}")
    refused = open_links.refusal(link)
    click.echo(f"  new responses: {'refused (' + refused + ')' if refused else 'accepted'}")


@open_link_group.command("create")
@click.option("-q", "--questionnaire", "slug", required=True)
@click.option("--closes", type=click.DateTime(), help="Closing time (UTC), e.g. 2031-06-30T17:00")
@click.option("--max", "max_responses", type=click.IntRange(min=1), help="Cap on submissions.")
def open_link_create_command(slug: str, closes: dt.datetime | None,
                             max_responses: int | None) -> None:  # fmt: skip
    """Make the questionnaire's public link (or show the current one) and print it."""
    questionnaire = _questionnaire(slug)
    try:
        link = open_links.create(
            questionnaire, CLI, max_responses=max_responses,
            closes_at=closes.replace(tzinfo=dt.UTC) if closes else None,
        )  # fmt: skip
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_link(link)


@open_link_group.command("revoke")
@click.option("-q", "--questionnaire", "slug", required=True)
def open_link_revoke_command(slug: str) -> None:
    """Revoke the questionnaire's public link for good."""
    link = open_links.current(_questionnaire(slug))
    if link is None:
        raise click.ClickException(f"{slug} has no public link")
    open_links.revoke(link, CLI)
    click.echo(f"revoked /o/{link.slug}")


DEMO_ADMIN_PASSWORD = "demo-wachtwoord"


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo data (the questionnaires, 59 fictional local governments, 3,557 fictional
    AgII training participants) and print how to sign in."""
    from flask import current_app

    from intake.services import demo

    accounts.create_admin(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, "VVSG demo-beheerder")
    result = demo.load()
    base = current_app.config["BASE_URL"].rstrip("/")
    click.echo(
        f"Demo loaded: {result.respondents} respondents, {result.submitted} submitted, "
        f"{result.drafts} in progress."
    )
    agii = demo.load_agii()
    click.echo(
        f"AgII training survey (agii-vormingen): {agii.participants} participants, "
        f"{agii.submitted} of {agii.invited} invited submitted."
    )
    click.echo(f"Admin sign-in: {base}/aanmelden  {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
    click.echo("Coordinator links:")
    for name, path in result.links:
        click.echo(f"  {name} ({result.states.get(name, '')}): {base}{path}")
    click.echo("Open links (anyone may answer):")
    for title, path, held in result.open_links:
        click.echo(f"  {title} ({held}): {base}{path}")
    outbox = current_app.config.get("MAIL_OUTBOX")
    if outbox:  # there from the start, so the folder the README names can be opened at once
        Path(outbox).mkdir(parents=True, exist_ok=True)
        click.echo(f"Mails are written to {outbox}")
