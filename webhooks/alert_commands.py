"""``flask alerts``: service and health alerts for scripted use (README, "Service and health
alerts"): ``list``, ``post``, ``renew``, ``withdraw`` and ``export`` (CSV).

The rules are ``core.alert_rules``'s and the writes ``webhooks.alerting``'s, as the dashboard's
alerts page uses them; ``--by`` names a team lead or an admin (others are refused); every message here is English, as the other commands'.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from core.alert_info import Scope
from core.alert_rules import AlertDraft
from core.vocabulary import CAMBODIA, AlertKind
from models import alerts as storage
from models.base import reading
from models.spreadsheet import write_csv
from webhooks import alerting, timesource
from webhooks.database import get_db

alerts_cli = AppGroup("alerts", help="Service and health alerts: list, post, renew, withdraw, "
                                     "export.")


class IsoMoment(click.ParamType):
    """An ISO 8601 instant; without a time zone it is Phnom Penh time."""

    name = "ISO time"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time (e.g. 2026-12-07T14:00+07:00)",
                      param, ctx)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=CAMBODIA)
        return moment.astimezone(UTC)


class ScopeParam(click.ParamType):
    name = "scope"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> Scope:
        if isinstance(value, Scope):
            return value
        try:
            return Scope.parse(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


MOMENT = IsoMoment()


def _channel(done: alerting.Done) -> None:
    if done.channel is False:
        click.echo("warning: the Telegram channel did not take the post (see the log); the "
                   "alert stands. Post it to the channel by hand.", err=True)
    elif done.channel:
        click.echo("posted to the Telegram channel")


def _refused(error: Exception) -> click.ClickException:
    if isinstance(error, alerting.AlertRefused):
        lines = [f"  error: {finding}" for finding in error.verdict.errors]
        lines += [f"  warning: {finding}" for finding in error.verdict.warnings]
        hint = (" (a warning is overridden only with --yes-it-is-about-services, when the "
                "alert is about services and health)" if error.verdict.warnings
                and not error.verdict.errors else "")
        return click.ClickException("alert refused:\n" + "\n".join(lines) + hint)
    return click.ClickException(str(error.args[0] if error.args else error))


@alerts_cli.command("list")
@click.option("--all", "everything", is_flag=True,
              help="Every alert, ended and withdrawn ones too, with its status.")
@click.option("--at", "moment", type=MOMENT, default=None,
              help="The alerts active at this instant, as they were then (default: now).")
def list_alerts(everything: bool, moment: datetime | None) -> None:
    """The alerts active now (or at --at), one per line."""
    now = timesource.now()
    with reading(get_db().engine) as connection:
        if everything:
            rows = [(row.info, row.status) for row in storage.all_alerts(connection, now)]
        else:
            rows = [(info, "active") for info in storage.alerts_as_of(connection, moment or now)]
    if not rows:
        click.echo("no alerts" + ("" if everything else " active"))
    for info, status in rows:
        click.echo(f"#{info.id}\t{status}\t{info.kind}\t{info.scope}\t"
                   f"{alerting.shown_time(info.starts_at)} → {alerting.shown_time(info.ends_at)}"
                   f"\t{info.text_en}")


@alerts_cli.command("post")
@click.option("--kind", required=True, type=click.Choice([str(k) for k in AlertKind]))
@click.option("--scope", required=True, type=ScopeParam(),
              help="country, province:CODE, district:CODE or service:ID")
@click.option("--km", "text_km", required=True, help="The text in Khmer (one SMS segment).")
@click.option("--en", "text_en", required=True, help="The text in English (one SMS segment).")
@click.option("--advice-km", default="", help="A health alert's advice, in Khmer.")
@click.option("--advice-en", default="", help="A health alert's advice, in English.")
@click.option("--starts", type=MOMENT, default=None, help="Default: now.")
@click.option("--ends", type=MOMENT, required=True, help="At most 14 days after the start.")
@click.option("--by", "by_email", required=True,
              help="The staff account posting it: a team lead or an admin.")
@click.option("--yes-it-is-about-services", "about_services", is_flag=True,
              help="Post despite a warning (words about police movements): the alert is "
                   "about services and health.")
def post(kind: str, scope: Scope, text_km: str, text_en: str, advice_km: str, advice_en: str,
         starts: datetime | None, ends: datetime, by_email: str, about_services: bool) -> None:
    """Post an alert (checked against the rules, audited, sent to the channel if set)."""
    now = timesource.now()
    draft = AlertDraft(kind, scope, text_km, text_en, advice_km, advice_en, starts or now, ends)
    try:
        done = alerting.post(get_db().sessions, current_app.config, draft, by_email, now,
                             about_services)
    except (alerting.AlertRefused, alerting.NotALead, LookupError) as error:
        raise _refused(error) from None
    for warning in done.warnings:
        click.echo(f"warning overridden: {warning}", err=True)
    click.echo(f"posted alert #{done.alert_id}")
    _channel(done)


@alerts_cli.command("renew")
@click.argument("alert_id", type=int)
@click.option("--until", type=MOMENT, required=True, help="The new end: within 14 days.")
@click.option("--by", "by_email", required=True)
def renew(alert_id: int, until: datetime, by_email: str) -> None:
    """Give an alert a new end, at most 14 days from now."""
    try:
        done = alerting.renew(get_db().sessions, current_app.config, alert_id, until, by_email,
                              timesource.now())
    except (alerting.AlertRefused, alerting.NotALead, LookupError) as error:
        raise _refused(error) from None
    click.echo(f"renewed alert #{done.alert_id} until {alerting.shown_time(until)}")
    _channel(done)


@alerts_cli.command("withdraw")
@click.argument("alert_id", type=int)
@click.option("--by", "by_email", required=True)
def withdraw(alert_id: int, by_email: str) -> None:
    """Take an alert down now."""
    try:
        done = alerting.withdraw(get_db().sessions, current_app.config, alert_id, by_email,
                                 timesource.now())
    except (alerting.AlertRefused, alerting.NotALead, LookupError) as error:
        raise _refused(error) from None
    click.echo(f"withdrew alert #{done.alert_id}")
    _channel(done)


@alerts_cli.command("export")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", lazy=True), default="-")
def export(output: click.utils.LazyFile) -> None:
    """Every alert as CSV (columns: README, "Service and health alerts")."""
    with reading(get_db().engine) as connection:
        rows = storage.export_rows(connection, timesource.now())
    write_csv(output, [storage.EXPORT_COLUMNS, *rows])
