"""``flask doctor``: check a configuration end to end, and say what is wrong, a line each, with
its fix (README, "Command line"; docs/DEPLOY.md, "Checking a deployment").

In this order:

- the configuration, with the very checks start-up makes (``webhooks/config.py``: settings in
  their ranges; in production every required variable set, every key random enough and
  different from the others, https addresses, no development secret), each problem on a line
  of its own. Development asks less (generated secrets, http, no bot token) but a key set by
  hand must still be strong and distinct;
- the database: reachable, and migrated to this code's newest revision; then the directory
  (services to offer: in production, real ones); then the clock's upkeep (the database role can
  vacuum every table; the hourly run happened within three hours, a note before its first);
- Telegram: ``getWebhookInfo`` must show our webhook, ``PUBLIC_BASE_URL/webhooks/telegram``,
  and no failed delivery in the last hour;
- the alerts' Telegram channel, when ``TELEGRAM_ALERTS_CHANNEL`` is set: ``getChat`` must find
  a channel and ``getChatMember`` show the bot (``getMe``) as an admin allowed to post;
- Twilio: our own account fetched with ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``, a
  request that changes nothing and sends nothing: the credentials are accepted and the account
  is active.

It exits 1 if anything failed, 0 otherwise (a check it could not make is said, and is no
failure). It never prints a secret: a database URL is shown without its password, errors are
named rather than quoted where they could hold a credential, and every line is scrubbed of
every secret value of the configuration besides.

``flask doctor`` also runs when the configuration does not load, where every other command
stops with the configuration's one-line error: the app is then an *unconfigured* one, whose only
command is this one (``unconfigured``), so that it can say what is wrong item by item.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from models import Service
from models import migrate as migrations
from models.base import make_engine, utcnow
from models.sealing import previous_keys
from webhooks import config as settings
from webhooks.adapter import PREFIX, adapter, adapters
from webhooks.config import ConfigError, Problem

OK, FAIL, NOTE = "ok", "FAIL", "--"
#: Where an unconfigured app keeps the error that stopped its configuration.
UNCONFIGURED = "sangkhim.unconfigured"
#: Values never printed: replaced wherever they would appear; and every channel adapter's
#: ``secret_settings`` (``secrets``).
SECRETS = ("SECRET_KEY", "PSEUDONYM_KEY", "HANDOFF_KEY", "METRICS_TOKEN")
#: The variables whose problems are about secrets (the line that says they are fine is left
#: out when one of them has a problem).
SECRET_SETTINGS = frozenset(
    {*settings.KEYS, "HANDOFF_KEY_PREVIOUS", "TELEGRAM_WEBHOOK_SECRET", *settings.DEV_SECRETS})
#: A failed delivery to the webhook more recent than this is reported.
RECENT_WEBHOOK_ERROR = timedelta(hours=1)


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report: ``OK``, ``FAIL`` (with a fix) or ``NOTE`` (said, not
    checked or for information; never a failure)."""

    status: str
    text: str
    fix: str = ""


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check this configuration end to end: settings and secrets, the database and its
    migrations, the directory, the Telegram webhook and the Twilio credentials. Prints a line
    and a fix for each problem and exits 1 if there is any; never prints a secret."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config, problems, stated = _settings(app)
    findings = list(diagnose(config, problems, stated, now=utcnow()))
    hidden = secret_values(config)
    for finding in findings:
        click.echo(scrub(f"{finding.status:<5} {finding.text}", hidden))
        if finding.fix:
            click.echo(scrub(f"{'':<5} fix: {finding.fix}", hidden))
    failed = sum(f.status == FAIL for f in findings)
    if failed:
        click.echo(f"doctor: {failed} problem(s); fix them and run flask doctor again.")
        click.get_current_context().exit(1)
    checked = sum(f.status == OK for f in findings)
    click.echo(f"doctor: no problem found ({checked} checks passed).")


def _settings(app: Flask) -> tuple[dict[str, Any], list[Problem], bool]:
    """The configuration to check, the problems start-up would find in it, and whether the
    mode was said. A loaded app's configuration passed start-up's checks; development's still
    has its hand-set keys measured. An unconfigured app's is read again from the environment."""
    instance = Path(app.instance_path)
    if UNCONFIGURED not in app.extensions:
        config = dict(app.config)
        return config, ([] if config["PRODUCTION"] else settings.secret_problems(config)), True
    config, stated = settings.gather()
    problems = list(settings.setting_problems(config))
    if config["SANGKHIM_ENV"] == "production":
        problems += settings.production_problems(config, instance)
    elif config["SANGKHIM_ENV"] == "development":
        try:
            settings.development_defaults(config, instance)
        except ConfigError as error:
            problems.append(Problem("SECRET_KEY", error.message))
        problems += settings.secret_problems(config)
    config["PRODUCTION"] = config["SANGKHIM_ENV"] == "production"
    config["PUBLIC_BASE_URL"] = str(config["PUBLIC_BASE_URL"]).rstrip("/")
    return config, problems, stated


def diagnose(config: Mapping[str, Any], problems: Sequence[Problem],
             stated: bool = True, *, now: datetime) -> Iterator[Finding]:
    """Every finding, in the order of the module's docstring; ``now`` (UTC) dates Telegram's
    last failed delivery."""
    production = bool(config.get("PRODUCTION"))
    if production:
        yield Finding(NOTE, "mode: production" + ("" if stated else
                      " (SANGKHIM_ENV is not set, which means production)"))
    elif config.get("SANGKHIM_ENV") == "development":
        yield Finding(NOTE, "mode: development (generated secrets, SAMPLE services, http "
                            "allowed, no bot token needed); a server runs production")
    for problem in problems:
        yield Finding(FAIL, problem.text, problem.fix)
    yield from _secrets(config, problems)
    yield from _addresses(config, problems, production)
    at_head = False
    for finding in _database(config):
        at_head = finding.status == OK
        yield finding
    if at_head:
        yield from _directory(config, production)
        yield from _upkeep(config, now)
    yield from _handoffs(config)
    yield from _telegram(config, production, now)
    yield from _alerts_channel(config, production)
    yield from _twilio(config, production)


def _secrets(config: Mapping[str, Any], problems: Sequence[Problem]) -> Iterator[Finding]:
    if {k for p in problems for k in p.key.split(",")} & SECRET_SETTINGS:
        return
    present = [key for key in (*settings.KEYS, "TELEGRAM_WEBHOOK_SECRET") if config.get(key)]
    if present:
        yield Finding(OK, f"secrets: {', '.join(present)} set, random enough and all different")


def _addresses(config: Mapping[str, Any], problems: Sequence[Problem],
               production: bool) -> Iterator[Finding]:
    base = str(config.get("PUBLIC_BASE_URL") or "")
    if not base or any(p.key == "PUBLIC_BASE_URL" for p in problems):
        return
    if production:
        yield Finding(OK, f"PUBLIC_BASE_URL: {base} (https)")
    else:
        yield Finding(NOTE, f"PUBLIC_BASE_URL: {base} (development; a server needs its public "
                            "https:// address, with TLS in front)")
    if "twilio" in config.get("CHANNELS", ()):
        yield Finding(NOTE, f"twilio: the number's (and WhatsApp sender's) messaging webhook "
                            f"must be POST {webhook_url(config, 'twilio')} (set in Twilio's "
                            "console; the doctor cannot read it)")


def webhook_url(config: Mapping[str, Any], name: str) -> str:
    """Where the provider must post to the adapter ``name``."""
    return f"{config['PUBLIC_BASE_URL']}{PREFIX}{adapter(name).path}"


# --- the database -------------------------------------------------------------------------------


def shown_url(url: str) -> str:
    """A database URL fit to print: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ValueError, SQLAlchemyError):
        return "(DATABASE_URL, which cannot be read as a database URL)"


def _database(config: Mapping[str, Any]) -> Iterator[Finding]:
    url = str(config.get("DATABASE_URL") or "")
    if not url:
        yield Finding(NOTE, "database: not checked: DATABASE_URL is not set")
        return
    shown = shown_url(url)
    try:
        parsed = make_url(url)
    except (ValueError, SQLAlchemyError):
        yield Finding(FAIL, f"database: {shown}",
                      "Set DATABASE_URL to postgresql://USER:PASSWORD@HOST/NAME (or sqlite:///PATH "
                      "in development).")
        return
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if path and path != ":memory:" and not Path(path).exists():
            yield Finding(FAIL, f"database: {path} does not exist",
                          "Run flask db upgrade to create it (or correct DATABASE_URL).")
            return
    heads = migrations.heads()
    engine = make_engine(url)
    try:
        # Autocommit: no transaction, so no write lock on SQLite (webhooks/database.py).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            current = migrations.revisions(connection)
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        first = (str(cause).strip().splitlines() or [""])[0][:160]
        yield Finding(FAIL, f"database: cannot reach {shown}: {type(cause).__name__}"
                            + (f": {first}" if first else ""),
                      "Check DATABASE_URL, that the database server runs, and that it lets this "
                      "machine in.")
        return
    finally:
        engine.dispose()
    newest = ", ".join(heads)
    if set(current) == set(heads):
        yield Finding(OK, f"database: {shown} reachable, at revision {newest} (this code's "
                          "newest)")
    elif not current:
        yield Finding(FAIL, f"database: {shown} has never been migrated (no tables yet)",
                      "Run flask db upgrade (the Procfile's release step).")
    elif not all(migrations.known(revision) for revision in current):
        yield Finding(FAIL, f"database: at revision {', '.join(current)}, which this code does "
                            f"not know (its newest is {newest}): a newer version migrated it",
                      "Deploy the version that migrated it, or restore the backup taken before "
                      "that upgrade (docs/DEPLOY.md, 'Upgrades').")
    else:
        yield Finding(FAIL, f"database: at revision {', '.join(current)}, behind this code's "
                            f"{newest}",
                      "Back up the database (docs/DEPLOY.md, 'Backups'), then run flask db "
                      "upgrade.")


def _directory(config: Mapping[str, Any], production: bool) -> Iterator[Finding]:
    engine = make_engine(str(config["DATABASE_URL"]))
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            rows = connection.execute(
                select(Service.is_sample, func.count()).where(Service.is_active.is_(True))
                .group_by(Service.is_sample)).all()
    except SQLAlchemyError as error:
        yield Finding(FAIL, f"directory: cannot be read ({type(error).__name__})",
                      "Run flask db upgrade, then flask doctor again.")
        return
    finally:
        engine.dispose()
    counts = {bool(sample): int(count) for sample, count in rows}
    real, samples = counts.get(False, 0), counts.get(True, 0)
    if production and not real:
        yield Finding(FAIL, "directory: no services to offer"
                            + (f" ({samples} SAMPLE ones, which production never serves)"
                               if samples else ""),
                      "Import your directory: flask directory import services.csv.")
    elif not real + samples:
        yield Finding(FAIL, "directory: no services to offer",
                      "Load the SAMPLE directory (flask directory import --sample) or your own "
                      "file.")
    else:
        yield Finding(OK, f"directory: {real} services"
                          + (f" and {samples} SAMPLE ones" if samples else "")
                          + (" (SAMPLE ones are not served in production)"
                             if production and samples else ""))


#: The hourly upkeep last ran longer ago than this: the clock process is not running.
CLOCK_SILENT = timedelta(hours=3)


def _upkeep(config: Mapping[str, Any], now: datetime) -> Iterator[Finding]:
    """The clock's upkeep (``models/upkeep.py``): can it compact (PostgreSQL vacuums only a
    table's owner's), and has it run lately? Before the first run it is a note, not a failure:
    a deployment is checked before its processes start."""
    from models import retention, upkeep

    engine = make_engine(str(config["DATABASE_URL"]))
    try:
        vacuum = retention.can_vacuum(engine)
        last = upkeep.state(engine).get(upkeep.HOURLY, (None, False))[0]
    except SQLAlchemyError as error:
        yield Finding(FAIL, f"upkeep: its state cannot be read ({type(error).__name__})",
                      "Run flask db upgrade, then flask doctor again.")
        return
    finally:
        engine.dispose()
    if not vacuum:
        yield Finding(FAIL, "upkeep: this database role does not own the tables, so PostgreSQL "
                            "skips their VACUUM and deleted rows stay in its files",
                      "Run the clock (and flask purge) as the role that owns the tables, e.g. "
                      "the one flask db upgrade ran as.")
    if last is None:
        yield Finding(NOTE, "upkeep: the clock has not run yet: start flask clock (the Procfile's "
                            "clock process) beside the web processes")
    elif now - last > CLOCK_SILENT:
        hours = int((now - last).total_seconds() // 3600)
        yield Finding(FAIL, f"upkeep: last ran {hours} hours ago: the clock process is not "
                            "running, so nothing expired is deleted",
                      "Start flask clock (the Procfile's clock process); one is enough.")
    elif vacuum:
        yield Finding(OK, "upkeep: the clock ran within the last hours and can compact every "
                          "table")


def _handoffs(config: Mapping[str, Any]) -> Iterator[Finding]:
    if not config.get("HANDOFF_KEY"):
        yield Finding(NOTE, "handoffs: off (HANDOFF_KEY is not set): texters are told that no "
                            "person reads the chat")
        return
    yield Finding(NOTE, "handoffs: on (chats with outreach workers, sealed under HANDOFF_KEY)")
    if previous_keys(config.get("HANDOFF_KEY_PREVIOUS")):
        yield Finding(NOTE, "handoffs: HANDOFF_KEY_PREVIOUS is set, a rotation is under way: "
                            "run flask handoffs rekey, then remove it and destroy the old key "
                            "(docs/PRIVACY.md, 'Keys and their rotation')")


# --- the providers ------------------------------------------------------------------------------


def _plain_http(config: Mapping[str, Any], key: str, production: bool) -> bool:
    """Whether a credential would go to ``key``'s API over plain http, which production never
    does (its configuration check has said so already)."""
    return production and urlsplit(str(config.get(key) or "")).scheme != "https"


def _telegram(config: Mapping[str, Any], production: bool,
              now: datetime) -> Iterator[Finding]:
    from webhooks.telegram_api import TelegramSetupError, webhook_status

    if "telegram" not in config.get("CHANNELS", ()):
        yield Finding(NOTE, "telegram: channel not enabled (SANGKHIM_CHANNELS): not checked")
        return
    if not config.get("TELEGRAM_BOT_TOKEN"):
        yield Finding(NOTE, "telegram: not checked: TELEGRAM_BOT_TOKEN is not set")
        return
    if _plain_http(config, "TELEGRAM_API_BASE_URL", production):
        yield Finding(NOTE, "telegram: not checked: the bot token is never sent over plain http")
        return
    expected = webhook_url(config, "telegram")
    try:
        info = webhook_status(config)
    except TelegramSetupError as error:
        if error.token_refused:
            yield Finding(FAIL, "telegram: Telegram refused TELEGRAM_BOT_TOKEN",
                          "Copy the bot's token from @BotFather into TELEGRAM_BOT_TOKEN (a "
                          "revoked token must be replaced: docs/PRIVACY.md, 'Keys and their "
                          "rotation'), then run flask telegram set-webhook.")
        else:
            yield Finding(FAIL, f"telegram: {error}",
                          "Check that this machine reaches TELEGRAM_API_BASE_URL over https.")
        return
    if not info.url:
        yield Finding(FAIL, "telegram: no webhook is set: Telegram delivers no message to "
                            "Sangkhim",
                      f"Run flask telegram set-webhook (it registers {expected} with the secret "
                      "token).")
        return
    if info.url != expected:
        yield Finding(FAIL, f"telegram: the webhook is {info.url}, not {expected}",
                      "Run flask telegram set-webhook (with PUBLIC_BASE_URL the app's public "
                      "address); two deployments cannot share one bot.")
        return
    failed_at = info.last_error_date
    if failed_at is not None and now - failed_at < RECENT_WEBHOOK_ERROR:
        minutes = max(1, int((now - failed_at).total_seconds() // 60))
        yield Finding(FAIL, f"telegram: the webhook is {expected}, but Telegram's last "
                            f"delivery failed {minutes} minute(s) ago: {info.last_error_message}",
                      f"Check that {expected} answers from the internet: the TLS certificate, "
                      "the reverse proxy, GET /healthz (docs/DEPLOY.md, 'TLS in front').")
        return
    yield Finding(OK, f"telegram: webhook at {expected}, {info.pending_update_count} update(s) "
                      "waiting")


def _alerts_channel(config: Mapping[str, Any], production: bool) -> Iterator[Finding]:
    """``TELEGRAM_ALERTS_CHANNEL``, when set: a channel Telegram knows, where the bot is an
    admin that may post (``getMe``, ``getChat``, ``getChatMember``; nothing is sent)."""
    from webhooks.telegram_api import TelegramSetupError, alerts_channel_status

    channel = str(config.get("TELEGRAM_ALERTS_CHANNEL") or "")
    if not channel:
        return  # optional, and off: nothing to say
    where = f"alerts channel {channel}"
    if not config.get("TELEGRAM_BOT_TOKEN"):
        yield Finding(NOTE, f"{where}: not checked: TELEGRAM_BOT_TOKEN is not set")
        return
    if _plain_http(config, "TELEGRAM_API_BASE_URL", production):
        yield Finding(NOTE, f"{where}: not checked: the bot token is never sent over plain "
                            "http")
        return
    admin_fix = ("In Telegram, open the channel, Administrators, Add Admin: the bot, with "
                 "'Post messages'; then run flask doctor again.")
    try:
        status = alerts_channel_status(config)
    except TelegramSetupError as error:
        if error.token_refused:
            yield Finding(FAIL, f"{where}: Telegram refused TELEGRAM_BOT_TOKEN",
                          "Copy the bot's token from @BotFather into TELEGRAM_BOT_TOKEN.")
        elif error.refused:
            yield Finding(FAIL, f"{where}: not reachable: Telegram does not show this chat "
                                f"to the bot ({error})",
                          "Check TELEGRAM_ALERTS_CHANNEL (the channel's id, -100…, or its "
                          "@name) and add the bot to the channel as an admin. " + admin_fix)
        else:
            yield Finding(FAIL, f"{where}: not checked: {error}",
                          "Check that this machine reaches TELEGRAM_API_BASE_URL over https.")
        return
    bot = f"@{status.bot_name}" if status.bot_name else "the bot"
    if status.chat_type != "channel":
        yield Finding(FAIL, f"{where}: is a {status.chat_type or 'chat'}, not a channel: its "
                            "members could see one another, and write",
                      "Make a Telegram channel (people join it and only read) and set its id "
                      "in TELEGRAM_ALERTS_CHANNEL.")
        return
    if not status.can_post:
        said = (f"the bot is {status.bot_status} there" if status.bot_status
                else "Telegram does not show the bot among its admins")
        yield Finding(FAIL, f"{where}: {bot} cannot post alerts: it is not an admin allowed to "
                            f"post messages ({said})", admin_fix)
        return
    yield Finding(OK, f"{where}: {bot} is an admin of the channel {status.title!r} and may "
                      "post alerts")


def _twilio(config: Mapping[str, Any], production: bool) -> Iterator[Finding]:
    from webhooks.twilio_api import AccountError, account_status

    if "twilio" not in config.get("CHANNELS", ()):
        yield Finding(NOTE, "twilio: channel not enabled (SANGKHIM_CHANNELS): not checked")
        return
    if not config.get("TWILIO_AUTH_TOKEN"):
        yield Finding(NOTE, "twilio: not checked: TWILIO_AUTH_TOKEN is not set")
        return
    if not config.get("TWILIO_ACCOUNT_SID"):
        yield Finding(NOTE, "twilio: credentials not checked: set TWILIO_ACCOUNT_SID (Twilio "
                            "console, Account info) for the doctor to fetch the account")
        return
    if _plain_http(config, "TWILIO_API_BASE_URL", production):
        yield Finding(NOTE, "twilio: not checked: credentials are never sent over plain http")
        return
    try:
        status = account_status(config)
    except AccountError as error:
        if error.status == 401:
            yield Finding(FAIL, "twilio: Twilio refused TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN "
                                "(401); with a wrong token every webhook from Twilio is refused "
                                "too",
                          "Copy the Account SID and the Auth Token from Twilio's console "
                          "(Account info) into TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, and "
                          "restart.")
        elif error.status == 404:
            yield Finding(FAIL, "twilio: Twilio knows no account TWILIO_ACCOUNT_SID (404)",
                          "Copy the Account SID from Twilio's console (Account info).")
        else:
            yield Finding(FAIL, f"twilio: {error}",
                          "Check that this machine reaches TWILIO_API_BASE_URL over https.")
        return
    if status != "active":
        yield Finding(FAIL, f"twilio: the account is {status}: no SMS or WhatsApp message "
                            "reaches Sangkhim",
                      "Reactivate it in Twilio's console.")
        return
    yield Finding(OK, "twilio: credentials accepted, account active")


# --- never a secret -----------------------------------------------------------------------------


def secrets() -> tuple[str, ...]:
    """The settings whose values are never printed: ``SECRETS`` and the channels'."""
    return (*SECRETS, *(key for each in adapters() for key in each.secret_settings))


def secret_values(config: Mapping[str, Any]) -> list[str]:
    """Every secret value of ``config`` (and its parts that could be printed alone), longest
    first."""
    values = [str(config.get(key) or "") for key in secrets()]
    values += previous_keys(config.get("HANDOFF_KEY_PREVIOUS"))
    values.append(str(config.get("TELEGRAM_BOT_TOKEN") or "").partition(":")[2])
    try:
        values.append(make_url(str(config.get("DATABASE_URL") or "")).password or "")
    except (ValueError, SQLAlchemyError):
        values.append(str(config.get("DATABASE_URL") or ""))
    return sorted({v for v in values if len(v) >= 6}, key=len, reverse=True)


def scrub(line: str, hidden: Sequence[str]) -> str:
    for value in hidden:
        line = line.replace(value, "[secret]")
    return line


# --- when the configuration does not load -------------------------------------------------------


def choosing_a_command() -> bool:
    """Whether the ``flask`` command is loading the app to find the command it was given (as
    opposed to gunicorn, a test, or ``flask run`` and ``flask shell``, which load it inside their
    own command)."""
    context = click.get_current_context(silent=True)
    return context is not None and isinstance(context.command, FlaskGroup)


class _Unconfigured(AppGroup):
    """The commands of an app whose configuration does not load: ``doctor``; any other name
    stops with the configuration's error, exactly as loading the app did before."""

    def __init__(self, error: ConfigError) -> None:
        super().__init__("unconfigured")
        self.error = error
        self.add_command(doctor)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == doctor.name:
            return doctor
        raise self.error

    def list_commands(self, ctx: click.Context) -> list[str]:
        """``flask --help``: the configuration's error, and the one command that can run."""
        click.echo(f"Error: {self.error.message} Run flask doctor for every problem and its "
                   "fix.", err=True)
        return [doctor.name or "doctor"]


def unconfigured(app: Flask, error: ConfigError) -> Flask:
    """``app``, unconfigured, for the ``flask`` command: only ``flask doctor`` runs."""
    app.cli = _Unconfigured(error)
    app.extensions[UNCONFIGURED] = error
    return app
