"""CSV downloads: exactly what the demand pages show (same filters, same periods, the same
protected numbers: ``<k`` and ``x`` as on the page and in ``flask demand export``). Each is a
``models.publish.Table`` written by the same CSV writer as the exports, so no cell can start a
formula."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from flask import Response

from models import publish, stats
from webhooks.outreach import demand, labels

#: A period label as ``models.stats`` writes them ("2026-W47", "2026-11"): nothing else from
#: the query string reaches the Content-Disposition header.
PERIOD_LABEL = re.compile(r"\d{4}-(W\d{2}|\d{2})")
DEMAND_COLUMNS = ("table", "period", "period_start", "period_end", "place_code", "place",
                  "service_type", "key", "label", "requests", "unmet")


def filename(name: str, filters: demand.Filters) -> str:
    parts = [f"sangkhim-{name}", filters.by]
    if filters.period and PERIOD_LABEL.fullmatch(filters.period):
        parts.append(filters.period)
    elif filters.start or filters.end:
        parts.append(f"{filters.start or 'start'}_{filters.end or 'end'}")
    for value in (filters.service_type, filters.district_code or filters.province_code):
        if value:
            parts.append(value)
    return "-".join(parts) + ".csv"


def csv_response(body: str, name: str) -> Response:
    # A byte-order mark so that spreadsheet programs read Khmer as UTF-8.
    response = Response("\ufeff" + body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _period(period: stats.Period) -> tuple[str, str, str]:
    return period.label, period.start.isoformat(), period.end.isoformat()


def demand_csv(
    filters: demand.Filters, points: Sequence[demand.Point], detail: demand.Breakdown | None
) -> str:
    """The period series (``table=period``) then the chosen period's breakdown tables."""
    place, service = filters.place, filters.service
    common = (place, labels.place(place), service)

    def rows() -> Iterator[dict[str, object]]:
        for point in points:
            yield dict(zip(DEMAND_COLUMNS, ("period", *_period(point.period), *common,
                                            point.period.label, labels.period(point.period),
                                            point.requests, point.unmet)))
        if detail is not None:
            for table, found in detail.tables.items():
                for one in found:
                    yield dict(zip(DEMAND_COLUMNS, (
                        table, *_period(detail.period), *common, one.key,
                        labels.for_table(table, one.key), one.shown, "")))

    return publish.to_text(publish.Table("demand view", DEMAND_COLUMNS, rows()))


def unmet_csv(report: stats.UnmetReport | None) -> str:
    """The ranking as ``flask demand report --format csv`` writes it, places named in the
    reader's language."""
    if report is None:
        return publish.to_text(publish.Table("unmet", stats.UNMET_COLUMNS, []))
    return publish.to_text(stats.unmet_table(report, name=labels.place,
                                             service_name=labels.service_type))
