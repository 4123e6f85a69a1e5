"""Command-line interface: thin click groups by noun, each wrapping a plain function."""

from __future__ import annotations

import io
import json
import logging
import signal
import sys
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from bot.intents import default_classifier
from bot.types import Inbound
from core.sms_length import segment_count
from core.vocabulary import CAPABILITIES, Channel, Locale
from models import csv_input, retention, upkeep
from models import migrate as migrations
from models.directory_io import (
    SAMPLE_FILE,
    DirectoryFileError,
    export_csv,
    export_hsds,
    import_rows,
    read_csv_bytes,
    read_hsds,
)
from webhooks import metrics, progress, timesource
from webhooks.alert_commands import alerts_cli
from webhooks.database import get_db
from webhooks.demand_commands import demand_cli
from webhooks.doctor import doctor
from webhooks.handoff_commands import handoffs_cli
from webhooks.pseudonym import sender_key

db_cli = AppGroup("db", help="Database migrations.")
directory_cli = AppGroup("directory", help="The service directory.")
telegram_cli = AppGroup("telegram", help="Telegram Bot API set-up.")
dev_cli = AppGroup("dev", help="Development helpers.")

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    for group in (db_cli, directory_cli, telegram_cli):
        app.cli.add_command(group)
    if not app.config["PRODUCTION"]:
        # `dev examples` prints the Telegram secret and valid Twilio signatures.
        app.cli.add_command(dev_cli)
    for command in (chat, classify, purge, clock, doctor):
        app.cli.add_command(command)
    app.cli.add_command(demand_cli)
    app.cli.add_command(handoffs_cli)
    app.cli.add_command(alerts_cli)


# --- db -----------------------------------------------------------------------------------------
@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    migrations.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ('base' empties the database)."""
    migrations.downgrade(current_app.config["DATABASE_URL"], revision)


@db_cli.command("current")
def db_current() -> None:
    """Show the database's migration revision."""
    migrations.current(current_app.config["DATABASE_URL"])


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (development)."""
    migrations.revision(current_app.config["DATABASE_URL"], message)


# --- directory ----------------------------------------------------------------------------------
@directory_cli.command("import")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Load the bundled SAMPLE directory (replaces samples).")
@click.option("--replace", is_flag=True, help="Delete every existing service first.")
@click.option("--format", "file_format", type=click.Choice(["csv", "hsds"]), default=None,
              help="File format (default: hsds for .json files, else csv).")
def directory_import(file: Path | None, sample: bool, replace: bool, file_format: str | None) -> None:
    """Import services from a CSV or HSDS JSON FILE; nothing is written if any row is invalid."""
    if sample == (file is not None):
        raise click.UsageError("give either FILE or --sample")
    path = SAMPLE_FILE if sample else file
    assert path is not None
    summary = progress.Summary()
    if file_format is None:
        file_format = "hsds" if path.suffix.lower() == ".json" else "csv"
    detected: csv_input.Detected | None = None
    try:
        data = path.read_bytes()
        if file_format == "hsds":
            rows = read_hsds(io.StringIO(data.decode("utf-8-sig"), newline=""),
                             force_sample=sample)
        else:
            rows, detected = read_csv_bytes(data, force_sample=sample)
    except FileNotFoundError:
        raise click.ClickException(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: not UTF-8 text") from None
    except csv_input.EncodingProblem as problem:
        raise click.ClickException(f"{path}: {problem} {problem.hint}") from None
    except DirectoryFileError as error:
        if error.detected is not None and not error.detected.is_default:
            click.echo(f"{path}: {error.detected}", err=True)
        click.echo(f"{path}: {len(error.errors)} invalid row(s); nothing imported.", err=True)
        for row_error in error.errors:  # every problem of a line, one under the other
            for line in row_error.lines():
                click.echo(f"  {line}", err=True)
        sys.exit(1)
    if detected is not None and not detected.is_default:
        click.echo(f"{path}: {detected}", err=True)
    with get_db().sessions() as session, session.begin():
        count = import_rows(session, progress.counted(rows, f"importing {path.name}"),
                            "sample" if sample else ("all" if replace else None))
    label = "SAMPLE services (clearly marked, not real)" if sample else "services"
    # The summary line (stdout, as it always was), with the time the whole import took.
    click.echo(f"imported {count} {label} from {path.name} in {summary.elapsed()}")


@directory_cli.command("export")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
@click.option("--no-sample", is_flag=True, help="Leave out SAMPLE entries.")
@click.option("--format", "file_format", type=click.Choice(["csv", "hsds"]), default="csv",
              help="csv (default) or Open Referral HSDS-compatible JSON.")
def directory_export(output: click.utils.LazyFile, no_sample: bool, file_format: str) -> None:
    """Write the directory as CSV or HSDS JSON (to stdout by default)."""
    summary = progress.Summary()
    writer = export_hsds if file_format == "hsds" else export_csv
    count = 0

    def each(services: Sequence[Any]) -> Iterator[Any]:
        nonlocal count
        count = len(services)
        return progress.counted(services, "exporting")

    with get_db().reads() as session:
        output.write(writer(session, include_sample=not no_sample, each=each))
    summary.done(f"directory export: {count} services ({file_format})")


# --- conversation tools -----------------------------------------------------------------------
# Top-level commands are plain click commands: ``with_appcontext`` gives them the app context that
# ``AppGroup.command`` gives grouped ones (``flask`` itself would, ``app.test_cli_runner()`` not).
@click.command("chat")
@with_appcontext
@click.option("--channel", type=click.Choice([c.value for c in Channel]), default="sms")
@click.option("--locale", type=click.Choice([loc.value for loc in Locale]), default=None,
              help="Language hint, as Telegram's language_code would give.")
def chat(channel: str, locale: str | None) -> None:
    """Talk to the bot in the terminal, through the same pipeline as the webhooks."""
    from webhooks import pipeline

    chosen = Channel(channel)
    key = sender_key(current_app.config["PSEUDONYM_KEY"], chosen, f"terminal-{uuid.uuid4()}")
    click.echo(f"Sangkhim chat ({chosen} profile). Type a message; Ctrl-D to quit. Try: 1, ឈប់, English")
    while True:
        try:
            text = click.prompt("you", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            click.echo()
            return
        inbound = Inbound(
            channel=chosen, sender_key=key, text=text, provider_id=str(uuid.uuid4()),
            locale_hint=Locale(locale) if locale else None,
        )
        for message in pipeline.process(inbound).messages:
            suffix = ""
            if not CAPABILITIES[chosen].one_message:
                suffix = f"  [{segment_count(message.text)} SMS segment(s)]"
            click.echo(f"bot> {message.text}{suffix}\n")


@click.command("classify")
@click.argument("text", required=False)
@click.option("--jsonl", "jsonl", type=click.File("r", encoding="utf-8"), default=None,
              help="Read one message per line from this file ('-' for stdin).")
def classify(text: str | None, jsonl: click.utils.LazyFile | None) -> None:
    """Print {"intent", "locale", "place"} as one JSON line per message."""
    if (text is None) == (jsonl is None):
        raise click.UsageError("give TEXT or --jsonl FILE")
    classifier = default_classifier()
    lines = [text] if text is not None else (line.rstrip("\n") for line in jsonl)  # type: ignore[union-attr]
    for line in lines:
        click.echo(json.dumps(classifier.classify(line or "").as_json(), ensure_ascii=False))


@click.command("purge")
@with_appcontext
@click.option("--wait", type=float, default=120.0, show_default=True,
              help="Seconds to wait for another instance's upkeep run to finish.")
def purge(wait: float) -> None:
    """Run all upkeep now, once: delete expired conversation state, old de-duplication
    records, the keys of closed days, expired chats with outreach workers and old audit log
    entries (models/retention.py), publish the demand events of the hours that have ended
    (models/demand_events.py), then compact the database so that none of it stays in its
    files. The same code and lock as `flask clock` (models/upkeep.py): if another instance is
    running upkeep, it waits for it."""
    run = upkeep.run_due(get_db().engine, timesource.now(),
                         upkeep.Settings.from_config(current_app.config), force=True, wait=wait)
    if not run.ran:
        raise click.ClickException(f"another instance kept the upkeep lock for {wait:.0f} s; "
                                   "try again later")
    done = run.purged
    if done is not None:
        click.echo(
            f"purged {done.conversations} expired conversation(s), "
            f"{done.processed} processed-message record(s), {done.daily_keys} closed daily "
            f"key(s), {done.handoffs} expired handoff(s), {done.audit_entries} audit log entries"
            + (f", re-wrapped {done.rewrapped} chat key(s)" if done.rewrapped else "")
            + f"; published {run.published} demand event(s)"
        )
    click.echo(_summary(run))
    if not run.ok:
        sys.exit(1)


def _summary(run: upkeep.Run) -> str:
    """One line per run for the operator: each job, how long it took, and whether it completed."""
    if not run.ran:
        return "upkeep: another instance holds the lock; skipped"
    if not run.jobs:
        return "upkeep: nothing due"
    return "upkeep: " + ", ".join(
        f"{job.kind} {'ok' if job.ok else 'NOT DONE'} in {job.seconds:.2f} s"
        + (f" ({job.count})" if job.count else "") for job in run.jobs)


@click.command("clock")
@with_appcontext
@click.option("--interval", type=click.IntRange(1, 3600), default=upkeep.TICK_SECONDS,
              show_default=True, help="Seconds between ticks.")
@click.option("--once", is_flag=True, help="Run one tick and exit.")
def clock(interval: int, once: bool) -> None:
    """Run database upkeep off the texters' path, for as long as it runs (Procfile `clock`):
    every tick runs what is due (models/upkeep.py) — the hourly purge and publication, a
    compaction soon after opt-outs, the daily compaction — if no other instance is running it.
    Stops on SIGTERM or SIGINT, between ticks."""
    engine = get_db().engine
    settings = upkeep.Settings.from_config(current_app.config)
    stopping = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
    if engine.dialect.name == "postgresql" and not retention.can_vacuum(engine):
        log.warning("the database role does not own every table upkeep vacuums: deleted rows "
                    "will stay in PostgreSQL's files (see flask doctor)")
    log.info("clock started: a tick every %d s", interval)
    while not stopping.is_set():
        now = timesource.now()
        try:
            run = upkeep.run_due(engine, now, settings)
        except SQLAlchemyError as error:  # the database is away: try again at the next tick
            log.warning("upkeep tick failed (%s); trying again in %d s", type(error).__name__,
                        interval)
        else:
            for job in run.jobs:
                metrics.record_upkeep(job.kind, job.seconds, job.ok)
            if run.jobs or not run.ran:
                log.info("%s", _summary(run))
        if once:
            return
        stopping.wait(upkeep.next_tick(timesource.now(), interval))
    log.info("clock stopped")


# --- telegram -----------------------------------------------------------------------------------
@telegram_cli.command("set-webhook")
@click.option("--url", default=None, help="Override PUBLIC_BASE_URL + /webhooks/telegram.")
def telegram_set_webhook(url: str | None) -> None:
    """Register the webhook (with its secret token) with the Telegram Bot API."""
    from webhooks.telegram_api import TelegramSetupError, set_webhook

    try:
        target = set_webhook(current_app.config, url)
    except TelegramSetupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Telegram webhook set to {target}")


@telegram_cli.command("info")
def telegram_info() -> None:
    """Show what Telegram knows of the webhook (URL, pending updates, last error)."""
    from webhooks.telegram_api import TelegramSetupError, webhook_info

    try:
        click.echo(json.dumps(webhook_info(current_app.config), indent=2))
    except TelegramSetupError as error:
        raise click.ClickException(str(error)) from None


# --- dev ----------------------------------------------------------------------------------------
@dev_cli.command("examples")
@click.option("--base-url", default="http://127.0.0.1:5000")
def dev_examples(base_url: str) -> None:
    """Print ready-to-paste ways to talk to a local server (signed with the dev secrets)."""
    from webhooks.examples import examples

    click.echo(examples(current_app.config, base_url.rstrip("/")))
