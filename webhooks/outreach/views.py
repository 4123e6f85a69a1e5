"""Demand pages: requests per week or month, one period broken down by place, kind of service,
outcome, channel and language; the unmet-demand ranking; a CSV of exactly what each page shows.
Every number comes from ``models.stats`` through ``demand`` (suppressed as in the exports)."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from models import stats
from webhooks.database import get_db
from webhooks.outreach import (
    cambodia_map,
    charts,
    compare,
    demand,
    demand_alert_marks,
    exports,
    i18n,
    labels,
)
from webhooks.outreach.blueprint import bp
from webhooks.outreach.forms import (
    DemandFilterForm,
    choices,
    district_choices,
    province_choices,
)

FONT_FILE = "NotoSansKhmer[wdth,wght].ttf"
#: Tables of the breakdown, in the order the page shows them.
TABLES = ("service_type", "outcome", "province", "district", "channel", "locale")


@bp.get("/")
def index() -> Response:
    return redirect(url_for("outreach.demand"))  # type: ignore[return-value]


def filter_form() -> tuple[DemandFilterForm, demand.Filters]:
    """The filter form from the query string and the filters it stands for; a bad value is
    reported on the form and ignored."""
    locale = i18n.select_locale()
    form = DemandFilterForm(MultiDict(request.args), meta={"csrf": False})
    form.service_type.choices = choices(
        [("", _l("All types")), *labels.service_type_choices()]
    )
    form.province.choices = province_choices(locale, _l("All provinces"))
    form.district.choices = district_choices(locale, _l("All districts"))
    if request.args:
        form.validate()
    value = {name: (None if getattr(form, name).errors else getattr(form, name).data)
             for name in ("start", "end", "service_type", "province", "district")}
    start, end = value["start"], value["end"]
    if start and end and start > end:
        form.end.errors = [*form.end.errors, _("The end date is before the start date.")]
        start, end = end, start
    frame = stats.default_frame()
    province = value["province"] if value["province"] in frame.provinces else None
    district = value["district"] if value["district"] in frame.districts else None
    if district and province and district[:2] != province:
        form.district.errors = [*form.district.errors,
                                _("This district is not in the chosen province.")]
        district = None
    if province:  # offer the chosen province's districts only
        form.district.choices = district_choices(locale, _l("All districts"), province)
    filters = demand.Filters(
        by=demand.published_period(),
        start=start,
        end=end,
        service_type=value["service_type"] if value["service_type"] in stats.SERVICE_TYPES else None,
        province_code=province,
        district_code=district,
        period=request.args.get("period") or None,
        level="province" if request.args.get("level") == "province" else "district",
    )
    return form, filters


def k() -> int:
    return int(current_app.config["K_ANONYMITY"])


def notice_text(notice: demand.Notice, by: str) -> str:
    """What a planner reads for a notice (``demand.Notice``): what was asked, what is shown."""
    unit = _("week") if by == "week" else _("month")
    shown = labels.period(notice.shown) if notice.shown else ""
    span = (_("%(start)s to %(end)s", start=labels.period(notice.first),
              end=labels.period(notice.last)) if notice.first and notice.last else "")
    if notice.kind in ("unknown", "other_granularity", "future", "unpublished"):
        reason = {
            "unknown": _("“%(asked)s” is not a %(unit)s of this service (a week reads like "
                         "2026-W20, a month like 2026-05).", asked=notice.asked, unit=unit),
            "other_granularity": _("This service publishes figures by %(period)s only: weeks "
                                   "and months side by side could give a small number away.",
                                   period=unit),
            "future": _("%(asked)s has not ended yet: only ended periods are published.",
                        asked=notice.asked),
            "unpublished": _("%(asked)s has ended but is not published yet: its last hour is "
                             "still being counted.", asked=notice.asked),
        }[notice.kind]
        if not shown:
            return reason
        return _("%(reason)s Showing %(shown)s, the latest published, instead.", reason=reason,
                 shown=shown)
    if notice.kind == "outside":
        return _("%(shown)s lies outside the dates chosen: its breakdown is shown below; the "
                 "chart keeps the dates.", shown=shown)
    if notice.kind == "widened_start":
        return _("The start date %(date)s falls inside a %(unit)s: counted from the whole "
                 "%(unit)s, %(shown)s.", date=notice.asked, unit=unit, shown=shown)
    if notice.kind == "widened_end":
        return _("The end date %(date)s falls inside a %(unit)s: counted to the end of the "
                 "whole %(unit)s, %(shown)s.", date=notice.asked, unit=unit, shown=shown)
    if notice.kind == "unpublished_range":
        if notice.last is None:
            return _("The dates reach into periods not yet ended or published: none is shown.")
        return _("The dates reach into periods not yet ended or published: shown up to "
                 "%(last)s.", last=labels.period(notice.last))
    if notice.kind == "cut":
        return _("The dates cover %(count)s periods; a page shows at most %(limit)s: the "
                 "latest, %(span)s.", count=notice.count, limit=notice.limit, span=span)
    return notice.kind


class ProvinceMap(NamedTuple):
    """The map card's parts: the SVG and the list of provinces beneath it."""

    svg: Markup
    rows: list[cambodia_map.ListedProvince]
    scale: str
    keys: list[cambodia_map.Key]


def province_tiles(cube: Any, service: str) -> tuple[dict[str, cambodia_map.Tile],
                                                     dict[str, tuple[int | str, int | str]]]:
    """Each province's tile from a protected cube: the published count of requests not met,
    shaded by its share of the province's published requests (on the fixed scale), hatched when
    withheld, and "no requests" when the requests are published as 0. Nothing is derived from a
    withheld figure: without both counts there is no share. Also returns the (requests, not met)
    pairs as published."""
    counts = {code: (cube.display(code, service, stats.ALL), cube.display(code, service,
                                                                          stats.UNMET))
              for code in cambodia_map.PROVINCES}
    tiles = {}
    for code, (requests, unmet) in counts.items():
        if isinstance(requests, int) and isinstance(unmet, int):
            if requests == 0:
                tiles[code] = cambodia_map.Tile(0, None, no_requests=True)
            else:
                tiles[code] = cambodia_map.Tile(unmet, min(1.0, unmet / requests))
        else:
            tiles[code] = cambodia_map.Tile(unmet, None)
    return tiles, counts


def province_map(filters: demand.Filters, period: stats.Period | None) -> ProvinceMap | None:
    """Provinces coloured by the share of their requests not met in ``period`` (for the
    filters' kind of service), each a link that filters the page to it; None before any
    period has ended."""
    if period is None:
        return None
    with get_db().reads() as session:
        cube = demand.demand_cube(session, period, k())
    tiles, counts = province_tiles(cube, filters.service)

    def title(code: str) -> str:
        requests, unmet = counts[code]
        name = labels.province(code)
        if tiles[code].no_requests:
            return _("%(place)s: no requests", place=name)
        if isinstance(requests, int) and isinstance(unmet, int) and requests:
            return _("%(place)s: %(unmet)s of %(requests)s requests not met (%(share)s)",
                     place=name, unmet=charts.text(unmet), requests=charts.text(requests),
                     share=format_percent(unmet / requests))
        return _("%(place)s: %(unmet)s not met of %(requests)s requests", place=name,
                 unmet=charts.text(unmet), requests=charts.text(requests))

    def note(code: str) -> str:
        requests, _unmet = counts[code]
        if tiles[code].no_requests:
            return _("no requests")
        return _("of %(requests)s requests", requests=charts.text(requests))

    endpoint = request.endpoint or "outreach.demand"

    def href(code: str) -> str:
        query = {k: v for k, v in filters.as_query().items() if k != "district"}
        return url_for(endpoint, **{**query, "province": code}) + "#figures"

    svg = cambodia_map.province_map(
        tiles,
        href=href,
        name=labels.province,
        title=title,
        current=filters.province_code,
        label=_("Map of Cambodia's provinces: requests not met, %(period)s",
                period=labels.period(period)),
    )
    bounds = [format_percent(b) for b in cambodia_map.STEP_BOUNDS]
    steps = [_("under %(share)s", share=bounds[0]),
             *(_("%(low)s to %(high)s", low=low, high=high)
               for low, high in zip(bounds, bounds[1:], strict=False)),
             _("%(share)s or more", share=bounds[-1])]
    legend = cambodia_map.Legend(
        scale=_("Colour: the share of a province's requests that were not met"),
        steps=steps,
        withheld=_("fewer than %(k)s, or withheld to protect small numbers", k=k()),
        no_requests=_("no requests"),
        no_data=_("no share to show"),
    )
    rows = cambodia_map.province_list(tiles, href=href, name=labels.province, note=note)
    return ProvinceMap(svg, rows, legend.scale, cambodia_map.legend_keys(legend, tiles))


def _scale_periods(plan: demand.Plan) -> list[stats.Period]:
    """The periods a view's bars and shades are scaled over: those charted and the one shown."""
    return sorted({*plan.periods, *([plan.chosen] if plan.chosen else [])})


def _picker(filters: demand.Filters, plan: demand.Plan, first_day: Any) -> dict[str, Any]:
    """What the period picker shows: the periods to pick from, the other filters to keep
    (hidden fields), and links to the period before and after the one shown."""
    endpoint = request.endpoint or "outreach.demand"
    chosen = plan.chosen
    after = demand.step(chosen, 1) if chosen else None
    return {
        "options": demand.choices(plan.latest, first_day, chosen),
        "keep": {k: v for k, v in filters.as_query().items() if k != "period"},
        "older": url_for(endpoint, **filters.as_query(period=plan.previous.label))
        if plan.previous else None,
        "newer": url_for(endpoint, **filters.as_query(period=after.label))
        if after and plan.latest and after <= plan.latest else None,
    }


def _demand_view(filters: demand.Filters, compared: bool = True) -> dict[str, Any]:
    plan = demand.view_plan(filters)
    periods, chosen = plan.periods, plan.chosen
    before, scale, first_day = None, {}, None
    with get_db().reads() as session:
        points = demand.series(session, periods, filters, k())
        detail = demand.breakdown(session, chosen, filters, k()) if chosen else None
        if compared and chosen is not None and plan.previous is not None:
            before = demand.breakdown(session, plan.previous, filters, k(), keep_small=True)
            scale = demand.scales(session, _scale_periods(plan), filters, k())
        if compared:
            first_day = demand.first_demand_day(session)
    return {"periods": periods, "chosen": chosen, "points": points, "detail": detail,
            "before": before, "scale": scale, "plan": plan, "first_day": first_day}


def _period_context(filters: demand.Filters, view: dict[str, Any]) -> dict[str, Any]:
    plan: demand.Plan = view["plan"]
    scaled = _scale_periods(plan)
    return {
        "notices": [(n.kind, notice_text(n, filters.by)) for n in plan.notices],
        "picker": _picker(filters, plan, view.get("first_day")),
        "previous": plan.previous,
        # dates, not period labels: "from 2 Nov 2026 to 22 Nov 2026" reads; two weeks do not
        "scale_span": (format_date(scaled[0].start, "d MMM yyyy"),
                       format_date(scaled[-1].end, "d MMM yyyy")) if scaled else None,
    }


@bp.get("/demand", endpoint="demand")
def demand_page() -> str:
    form, filters = filter_form()
    view = _demand_view(filters)
    detail, before = view["detail"], view["before"]
    tables = []
    if detail is not None:
        for name in TABLES:
            if name in detail.tables:
                tables.append((name, labels.TABLE_TITLES[name], compare.rows(
                    name, detail, before, lambda key, n=name: labels.for_table(n, key),
                    view["scale"].get(name) or max(
                        (charts.number(c.shown) for c in detail.tables[name]), default=0),
                    drop_zero=name in ("province", "district"))))
    kpis = demand.headline(detail, before) if detail else None
    with get_db().reads() as session:  # from the alerts alone, never from the counts
        alerts = demand_alert_marks.chart_alerts(session, [p.period for p in view["points"]],
                                                 filters)
    return render_template(
        "outreach/demand.html",
        alerts=alerts,
        alert_bands=charts.alert_bands(alerts.by_period),
        form=form,
        filters=filters,
        kpis=kpis,
        province_map=province_map(filters, view["chosen"]),
        points=view["points"],
        chart=charts.columns(view["points"], lambda p: labels.period(p.period),
                             lambda p: labels.short_period(p.period)),
        chosen=view["chosen"],
        periods=view["periods"],
        detail=detail,
        tables=tables,
        place=labels.place(filters.place),
        service=labels.service_type(filters.service),
        k=k(),
        text=charts.text,
        csv_url=url_for("outreach.demand_csv", **filters.as_query(
            period=view["chosen"].label if view["chosen"] else "")),
        period_url=lambda p: url_for("outreach.demand", **filters.as_query(period=p.label)),
        **_period_context(filters, view),
    )


@bp.get("/demand.csv")
def demand_csv() -> Response:
    _form, filters = filter_form()
    view = _demand_view(filters, compared=False)
    body = exports.demand_csv(filters, view["points"], view["detail"])
    return exports.csv_response(body, exports.filename("demand", filters))


def _unmet_view(filters: demand.Filters, compared: bool = True) -> dict[str, Any]:
    plan = demand.view_plan(filters)
    report, before, first_day = None, None, None
    if plan.chosen is not None:
        with get_db().reads() as session:
            report = demand.unmet(session, plan.chosen, filters, k())
            if compared and plan.previous is not None:
                before = demand.breakdown(session, plan.previous, filters, k(), audience=False)
                first_day = demand.first_demand_day(session)
    return {"periods": plan.periods, "chosen": plan.chosen, "report": report, "plan": plan,
            "before": before, "first_day": first_day}


@bp.get("/unmet")
def unmet() -> str:
    form, filters = filter_form()
    view = _unmet_view(filters)
    report, before = view["report"], view.pop("before")
    summary = None
    if report is not None and before is not None:
        previous_unmet = demand.unmet_of(before)
        summary = {"requests": before.requests, "unmet": previous_unmet,
                   "requests_change": demand.change(report.requests, before.requests),
                   "unmet_change": demand.change(report.unmet, previous_unmet)}
    return render_template(
        "outreach/unmet.html",
        province_map=province_map(filters, view["chosen"]),
        place=labels.place(filters.place),
        service=labels.service_type(filters.service),
        form=form,
        filters=filters,
        k=k(),
        text=charts.text,
        before=summary,
        csv_url=url_for("outreach.unmet_csv", **filters.as_query(
            period=view["chosen"].label if view["chosen"] else "")),
        period_url=lambda p: url_for("outreach.unmet", **filters.as_query(period=p.label)),
        **_period_context(filters, view),
        **{k: v for k, v in view.items() if k not in ("plan", "first_day")},
    )


@bp.get("/unmet.csv")
def unmet_csv() -> Response:
    _form, filters = filter_form()
    view = _unmet_view(filters, compared=False)
    body = exports.unmet_csv(view["report"])
    return exports.csv_response(body, exports.filename("unmet", filters))


@bp.get("/fonts/NotoSansKhmer.ttf")
def font() -> Any:
    """Noto Sans Khmer (SIL OFL 1.1), from the ``fontpkg-noto-sans-khmer`` package, so Khmer
    reads well on machines that have no Khmer font."""
    try:
        import fontpkg_noto_sans_khmer as package
    except ImportError:
        abort(404)
    path = package.ROOT / "files" / FONT_FILE
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="font/ttf", max_age=365 * 24 * 3600)
