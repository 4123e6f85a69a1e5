"""``flask demand export`` and ``flask demand report``: thin wrappers over ``models.stats``.

Every number printed or written comes from a protected cube (``models.suppression``): counts
below ``K_ANONYMITY`` read ``<5``, and ``x`` marks a count withheld so that a ``<5`` cannot be
worked out by subtraction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from core.geo import default_points
from core.vocabulary import ServiceType
from core.vocabulary_labels import SERVICE_TYPE_NAMES
from models import dhis2, publish
from models.base import reading
from models.directory_history import at_period_end
from models.stats import (
    ALL,
    LEVELS,
    PERIODS,
    Period,
    UnmetReport,
    default_frame,
    demand_table,
    ended_periods,
    handoff_rows,
    publishable_before,
    unmet_report,
    unmet_table,
)
from webhooks import progress, timesource
from webhooks.database import get_db
from webhooks.outreach.demand import published_period

demand_cli = AppGroup("demand", help="De-identified demand statistics (small numbers hidden).")


#: The report's width for a kind of service: its longest name (the names are English msgids).
NAME_WIDTH = max(map(len, SERVICE_TYPE_NAMES.values()))


def _range(
    first: datetime | None, last: datetime | None, by: str, periods: int
) -> tuple[date, date, date]:
    """(first, last, today): by default the last ``periods`` periods that have ended."""
    today = timesource.cambodia_today()
    end = last.date() if last else today - timedelta(days=1)
    if first:
        return first.date(), end, today
    back = 7 * periods if by == "week" else 31 * periods
    return end - timedelta(days=back - 1), end, today


def _periods(
    first: datetime | None, last: datetime | None, by: str | None, default: int
) -> list[Period]:
    by = _published_period(by)
    start, end, today = _range(first, last, by, default)
    if start > end:
        raise click.UsageError("--from is after --to")
    with reading(get_db().engine) as connection:
        ready = publishable_before(connection, today)
    found = ended_periods(start, end, by, ready)
    waiting = [p for p in ended_periods(start, end, by, today) if p not in found]
    if waiting:
        click.echo(
            f"{', '.join(p.label for p in waiting)}: ended, but its last events are published "
            "by the next hourly purge (flask purge); left out until then.", err=True
        )
    if not found:
        raise click.ClickException(
            f"no {by} between {start} and {end} has ended yet, with all its events published; "
            "only whole, ended periods are published (a period still filling up could be "
            "subtracted from a later look)."
        )
    return found


def _published_period(by: str | None) -> str:
    """The deployment's one granularity (``DEMAND_PERIOD``); asking for the other is refused:
    a run of whole months can equal a run of whole weeks, and their difference would give a
    hidden small count away."""
    published = published_period()
    if by is not None and by != published:
        raise click.ClickException(
            f"this deployment publishes {published}ly figures only (DEMAND_PERIOD={published}): "
            f"{by}s beside {published}s could be subtracted to reveal a small count."
        )
    return published


_DATE = click.DateTime(formats=["%Y-%m-%d"])
_BY = click.option("--by", type=click.Choice(PERIODS), default=None,
                   help="Whole ISO weeks (Monday-Sunday) or calendar months; only the "
                        "deployment's DEMAND_PERIOD is allowed (default: it).")


@demand_cli.command("export")
@click.option("--from", "first", type=_DATE, default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "last", type=_DATE, default=None, help="Last day (default: yesterday).")
@_BY
@click.option("--level", type=click.Choice(LEVELS), default=None,
              help="Places by district (default for csv) or province (default for dhis2: "
                   "most districts' counts are small and would be left out).")
@click.option("--format", "form", type=click.Choice(sorted(publish.WRITERS)), default="csv",
              show_default=True, help="csv, or dhis2: a DHIS2 data value set (JSON).")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="For --format dhis2: the JSON file mapping places and measures to DHIS2 "
                   "UIDs (see data/dhis2_mapping.sample.json).")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", lazy=True), default="-")
def demand_export(
    first: datetime | None, last: datetime | None, by: str | None, level: str | None,
    form: str, mapping: Path | None, output: click.utils.LazyFile,
) -> None:
    """Write demand counts: one row per period, place and service type (and "all").

    Every whole period that overlaps --from..--to and has ended is included (default: the last
    4 weeks or 3 months). Rows whose request count is below K_ANONYMITY are left out. In a
    DHIS2 data value set every protected cell is left out and every count shown as 0 is sent
    as 0, places without requests included (docs/PRIVACY.md, "DHIS2")."""
    level = level or ("province" if form == "dhis2" else "district")
    if form == "dhis2" and mapping is None:
        raise click.UsageError("--format dhis2 needs --mapping FILE "
                               "(start from data/dhis2_mapping.sample.json)")
    try:
        options = {"mapping": dhis2.load_mapping(mapping) if mapping else None,
                   "report": lambda line: click.echo(line, err=True)}
    except dhis2.MappingError as error:
        raise click.ClickException(str(error)) from None
    summary = progress.Summary()
    periods = _periods(first, last, by, 4 if _published_period(by) == "week" else 3)
    config = current_app.config
    with get_db().reads() as session:
        services = at_period_end(session, include_sample=not config["PRODUCTION"])
        table = demand_table(session, periods, level, config["K_ANONYMITY"], services,
                             default_points(), zeros=form == "dhis2")
        publish.WRITERS[form](table, output, options)
    rows = len(list(table.rows))
    summary.done(f"demand export: {rows} rows ({form}, by {level}, {len(periods)} "
                 f"period(s), counts below {config['K_ANONYMITY']} left out)")


@demand_cli.command("audit")
@click.option("--from", "first", type=_DATE, default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "last", type=_DATE, default=None, help="Last day (default: yesterday).")
@_BY
def demand_audit(first: datetime | None, last: datetime | None, by: str | None) -> None:
    """Prove each period's published tables safe: for every small count, solve what a reader
    of everything published for the period could work out (models/period_audit.py). Exits 1
    if any could be pinned or kept below the rule's least top (default: the last 4 periods)."""
    from models.period_audit import audit_period

    periods = _periods(first, last, by, 4)
    k = current_app.config["K_ANONYMITY"]
    unsafe = 0
    with get_db().reads() as session:
        for period in periods:
            audit = audit_period(session, period, k)
            click.echo(f"{period.label}: {len(audit.tables)} tables "
                       f"({', '.join(audit.tables)}), {audit.checked} small counts checked, "
                       + ("none can be worked out" if audit.safe
                          else f"{len(audit.narrow)} CAN BE WORKED OUT: "
                          + "; ".join(f"{kind} {'/'.join(key)}" for kind, key in audit.narrow)))
            unsafe += not audit.safe
    if unsafe:
        raise click.ClickException(f"{unsafe} period(s) failed the audit: do not publish them; "
                                   "report it as a bug (the tables are protected to pass it).")


@demand_cli.command("report")
@click.option("--from", "first", type=_DATE, default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "last", type=_DATE, default=None, help="Last day (default: yesterday).")
@_BY
@click.option("--level", type=click.Choice(LEVELS), default="district", show_default=True)
@click.option("--top", type=click.IntRange(min=1), default=15, show_default=True)
@click.option("--format", "form", type=click.Choice(["text", "csv"]), default="text",
              show_default=True, help="text for reading, or csv: the whole ranking as a table.")
def demand_report(
    first: datetime | None, last: datetime | None, by: str | None, level: str, top: int,
    form: str,
) -> None:
    """Print the unmet-demand ranking: where people asked and found no open service within
    50 km, or only full ones. One ranking per whole, ended period (default: the last one)."""
    periods = _periods(first, last, by, 1)
    config = current_app.config
    with get_db().reads() as session:
        services = at_period_end(session, include_sample=not config["PRODUCTION"])
        for period in periods:
            report = unmet_report(session, period, config["K_ANONYMITY"], services,
                                  default_points(), level=level)
            if form == "csv":
                click.echo(publish.to_text(unmet_table(report)), nl=False)
                continue
            click.echo("\n".join(render_report(report, top, sample=not config["PRODUCTION"])))
            handoff_counts = handoff_rows(session, period, config["K_ANONYMITY"], level)
            click.echo("\n".join(render_handoffs(handoff_counts, config["K_ANONYMITY"])))


def render_handoffs(rows: list[tuple[str, list[int | str]]], k: int) -> Iterable[str]:
    """Texters who asked for an outreach worker, and whether one answered before it closed."""
    frame = default_frame()
    yield "Chats with outreach workers (asked for; closed answered; closed unanswered):"
    for place, (asked, answered, unanswered) in rows:
        name = "All of Cambodia" if place == ALL else frame.name(place)
        yield f"  {name[:38]:<38} asked {asked!s:>5}  answered {answered!s:>5}  " \
              f"unanswered {unanswered!s:>5}"
    yield f"Places where fewer than {k} asked are not listed."
    yield ""


def _name(service_type: str) -> str:
    """A kind of service as the report names it (in English: the name's msgid)."""
    return SERVICE_TYPE_NAMES[ServiceType(service_type)]


def render_report(report: UnmetReport, top: int, sample: bool = False) -> Iterable[str]:
    """The ranking as plain text an outreach worker can read."""
    k, period = report.k, report.period
    yield f"Unmet demand, {period.by} {period.label} ({period.start} to {period.end})"
    yield (f'Numbers under {k} read "<{k}"; "x" is withheld so that a small number cannot be '
           "worked out by subtraction.")
    if sample:
        yield "Distances are to the SAMPLE directory (development)."
    yield ""
    if not report.published:
        yield "Not published: too few requests to show any number without giving a small one away."
        yield ""
        return
    yield f"Service requests: {report.requests}; ended unmet: {report.unmet}"
    for service, (requests, unmet) in report.by_service.items():
        if requests != f"<{k}" or unmet != f"<{k}":
            yield (f"  {_name(service):<{NAME_WIDTH}} requests {requests!s:>6}   "
                   f"unmet {unmet!s:>6}")
    yield ""
    yield ("Unmet = no open service within 50 km (>50 km), every service full (full), or none "
           "of that kind known (none).")
    yield ""
    header = (f"{'#':>3}  {'place':<38} {'service':<{NAME_WIDTH}} {'unmet':>6} {'>50 km':>7} "
              f"{'full':>6} {'none':>6} {'asked':>6}  nearest open")
    yield header
    yield "-" * len(header)
    for rank, row in enumerate(report.rows[:top], start=1):
        km = "none open" if row.nearest_open_km is None else f"{row.nearest_open_km:,.0f} km"
        yield (f"{rank:>3}  {row.name[:38]:<38} {_name(row.service_type):<{NAME_WIDTH}} "
               f"{row.unmet!s:>6} {row.served_farther!s:>7} {row.only_full!s:>6} "
               f"{row.no_service!s:>6} {row.requests!s:>6}  {km}")
    if not report.rows:
        yield f"  (no place had {k} or more unmet requests for one service)"
    elif len(report.rows) > top:
        yield f"  … {len(report.rows) - top} more (--top to see them)"
    yield f"Places with fewer than {k} unmet requests for a service are not listed."
    yield ""
    if report.rows:
        yield "Where the next service would meet most unmet demand (first listed per kind):"
        seen = set()
        for row in report.rows:
            if row.service_type not in seen:
                seen.add(row.service_type)
                yield f"  {_name(row.service_type):<{NAME_WIDTH}} {row.name} ({row.unmet} unmet)"
        yield ""
