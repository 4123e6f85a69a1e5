"""CSV downloads: exactly what the demand pages show (same filters, same periods, the same
protected numbers: ``<k`` and ``x`` as on the page and in ``flask demand export``). Every file is written by ``spreadsheet.to_csv``, so no cell can start a formula."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from flask import Response

from models import spreadsheet, stats
from webhooks.outreach import demand, labels

#: A period label as ``models.stats`` writes them ("2026-W47", "2026-11"): nothing else from
#: the query string reaches the Content-Disposition header.
PERIOD_LABEL = re.compile(r"\d{4}-(W\d{2}|\d{2})")
DEMAND_COLUMNS = ("table", "period", "period_start", "period_end", "place_code", "place",
                  "service_type", "key", "label", "requests", "unmet")
UNMET_COLUMNS = ("rank", "period", "period_start", "period_end", "province_code",
                 "district_code", "place",
                 "service_type", "service", "unmet", "served_farther", "only_full",
                 "no_service", "requests", "nearest_open_km")


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

    def rows() -> Iterator[Sequence[object]]:
        yield DEMAND_COLUMNS
        for point in points:
            yield ("period", *_period(point.period), *common, point.period.label,
                   labels.period(point.period), point.requests, point.unmet)
        if detail is not None:
            for table, found in detail.tables.items():
                for one in found:
                    yield (table, *_period(detail.period), *common, one.key,
                           labels.for_table(table, one.key), one.shown, "")

    return spreadsheet.to_csv(rows())


def _codes(place: str) -> tuple[str, str]:
    """(province code, district code) of a place of the statistics frame; empty where not
    known ("16?" is province 16, district unknown; "?" is neither)."""
    code = place.rstrip(stats.ONLY_PROVINCE)
    if code in ("", stats.ALL):
        return "", ""
    return code[:2], code if len(code) == 4 else ""


def unmet_csv(report: stats.UnmetReport | None) -> str:
    rows: list[Sequence[object]] = [UNMET_COLUMNS]
    if report is not None:
        for rank, row in enumerate(report.rows, start=1):
            rows.append((
                rank, *_period(report.period), *_codes(row.place), labels.place(row.place),
                row.service_type, labels.service_type(row.service_type), row.unmet,
                row.served_farther, row.only_full, row.no_service, row.requests,
                "" if row.nearest_open_km is None else round(row.nearest_open_km),
            ))
    return spreadsheet.to_csv(rows)


