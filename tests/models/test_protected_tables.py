"""Protected tables built once per ended period and stored (models/protected_tables.py), on
SQLite and PostgreSQL: what is stored reads back as the same table, the clock builds what is
missing, a new rule or frame is built again; and the planner's headline case."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select, update

from core.geo import default_points
from models import ProtectedTable, PublishedDemandEvent, protected_tables, stats, upkeep
from models.suppression import Cube, Dimension, Shown
from tests.models.test_stats import RATANAKIRI, WEEK, add_events

K = 5


def db(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["sangkhim.db"]


def test_a_stored_table_reads_back_as_the_table_that_was_protected(app: Flask) -> None:
    add_events(app, *RATANAKIRI)
    with db(app).reads() as session:
        built = stats.demand_cube(session, WEEK, K, engine=db(app).engine)
    with db(app).engine.begin() as connection:
        assert connection.scalar(select(func.count()).select_from(ProtectedTable)) == 1
        # the events could change under it (they do not: a published period is closed); the
        # stored table is what is read, not a new build
        connection.execute(update(PublishedDemandEvent).values(outcome="served_within_10km"))
    with db(app).reads() as session:
        again = stats.demand_cube(session, WEEK, K)
    assert again.stored() == built.stored()
    assert [again.display(*key) for key in built.keys()] == [built.display(*key) for key in built.keys()]


def test_a_table_of_an_older_rule_or_another_k_is_built_again(app: Flask) -> None:
    add_events(app, *RATANAKIRI)
    with db(app).reads() as session:
        stats.demand_cube(session, WEEK, K, engine=db(app).engine)
    with db(app).engine.begin() as connection:
        connection.execute(update(ProtectedTable).values(rule=ProtectedTable.rule - 1))
    with db(app).reads() as session:
        assert protected_tables.stored(session, "week", K) == set()
        stats.demand_cube(session, WEEK, K, engine=db(app).engine)
        stats.demand_cube(session, WEEK, 7, engine=db(app).engine)
        assert protected_tables.stored(session, "week", K) == {("demand", WEEK.start)}
        assert protected_tables.stored(session, "week", 7) == {("demand", WEEK.start)}


def test_a_stored_table_does_not_fit_another_frame() -> None:
    cube = Cube([Dimension.flat("s", "ab")], {("a",): 9, ("b",): 3}, k=5)
    values, shown = cube.stored()
    assert Cube.restore([Dimension.flat("s", "ab")], 5, values, shown).display("b") == "<5"
    try:
        Cube.restore([Dimension.flat("s", "abc")], 5, values, shown)
    except ValueError:
        pass
    else:
        raise AssertionError("a table restored into a larger frame")
    assert protected_tables.shape_of([Dimension.flat("s", "ab")]) != \
        protected_tables.shape_of([Dimension.flat("s", "abc")])


def test_the_clock_builds_the_tables_of_published_periods_once(app: Flask) -> None:
    add_events(app, *RATANAKIRI)
    settings = upkeep.Settings(24, 7, demand_period="week", k=K)
    now = datetime(2026, 11, 25, 3, 0, tzinfo=stats.CAMBODIA)  # Wednesday after WEEK
    run = upkeep.run_due(db(app).engine, now, settings)
    tables = [job for job in run.jobs if job.kind == "tables"]
    assert tables and tables[0].ok and tables[0].count == len(stats.TABLE_KINDS)
    with db(app).sessions() as session:
        assert protected_tables.stored(session, "week", K) == {
            (kind, WEEK.start) for kind in stats.TABLE_KINDS}
    again = upkeep.run_due(db(app).engine, now + timedelta(minutes=1), settings)
    assert "tables" not in [job.kind for job in again.jobs]  # nothing left to build


def test_the_clock_builds_nothing_before_the_first_event(app: Flask) -> None:
    settings = upkeep.Settings(24, 7, demand_period="week", k=K)
    run = upkeep.run_due(db(app).engine, datetime(2026, 11, 25, 3, tzinfo=stats.CAMBODIA),
                         settings)
    assert "tables" not in [job.kind for job in run.jobs]


def test_the_largest_need_of_the_week_is_shown_and_ranked_first(app: Flask) -> None:
    """The planners' case: one province with every one of its 30 methadone requests unmet
    (spread over districts, some of them small), among provinces whose small counts need
    protecting. It must be shown exactly and ranked first, and so must the national totals."""
    rows: list[tuple[str | None, str | None, str | None, str, int]] = [
        ("11", "1101", "methadone", "no_service", 14),
        ("11", "1102", "methadone", "no_service", 9),
        ("11", "1103", "methadone", "no_service", 4),
        ("11", "1104", "methadone", "no_service", 3),
    ]
    for province, district in (("02", "0201"), ("03", "0301"), ("12", "1201"), ("17", "1701"),
                               ("14", "1401"), ("08", "0801")):
        rows += [(province, district, "methadone", "served_within_10km", 11),
                 (province, district, "methadone", "only_full", 2),
                 (province, district, "needle_exchange", "served_10_50km", 6),
                 (province, None, "needle_exchange", "no_service", 1)]
    add_events(app, *rows)
    with db(app).sessions() as session:
        report = stats.unmet_report(session, WEEK, K, [], default_points(),
                                    level="province")
        cube = stats.demand_cube(session, WEEK, K)
    first = report.rows[0]
    assert (first.place, first.service_type, first.unmet, first.requests) == \
        ("11", "methadone", 30, 30)
    assert isinstance(report.requests, int) and isinstance(report.unmet, int)
    assert all(isinstance(v, int) for pair in report.by_service.values() for v in pair)
    # and every small count of the week is protected, as the audit sees it
    small = [key for key in cube.keys()
             if cube.shown(*key) is Shown.SMALL and cube.value(*key) > 0]
    assert small
    for key, (low, high) in cube.derivable(small).items():
        assert high - low >= 1 - 1e-6 and high >= cube.required_top(*key) - 1e-6, key


def test_a_week_with_no_requests_in_a_province_shows_zero_not_withheld(app: Flask) -> None:
    add_events(app, *RATANAKIRI)
    with db(app).sessions() as session:
        cube = stats.demand_cube(session, WEEK, K)
    assert cube.display("11", "*", "*") == 0  # Mondul Kiri: nobody asked
    assert cube.display("12", "methadone", "unmet") == 0  # 20 asked, none unmet
    assert cube.display("12", "methadone", "*") == 20


def test_the_latest_periods_are_the_ended_ones_newest_first(app: Flask) -> None:
    add_events(app, *RATANAKIRI)
    with db(app).engine.connect() as connection:
        periods = stats.latest_periods(connection, date(2026, 12, 9), "week", 3)
    assert [p.label for p in periods] == ["2026-W49", "2026-W48", "2026-W47"]


# --- the audit of everything a period publishes ---------------------------------------------


def test_every_table_a_period_publishes_passes_the_audit_together(app: Flask) -> None:
    from models.period_audit import audit_period
    from tests.e2e.live import synthetic_demand

    events = [e for e in synthetic_demand(WEEK.end, weeks=1, per_week=700)
              if WEEK.start <= e.day <= WEEK.end]
    with db(app).sessions() as session, session.begin():
        session.add_all(events)
    add_events(app, *RATANAKIRI)  # and sender-days beside them
    with db(app).reads() as session:
        audit = audit_period(session, WEEK, K)
    assert set(audit.tables) >= {"demand", "senders", "handoffs"}
    assert audit.checked > 100 and audit.safe, audit.narrow


def test_the_audit_finds_a_table_published_unprotected(app: Flask) -> None:
    """The audit can fail: the channel table of a week shown without protection beside a
    protected demand table gives a small count away (2 = 7 - 5 in one channel)."""
    from models.period_audit import audit_tables

    class Bare(Cube):  # every count shown as it is, small ones as "<5": no secondary hiding
        def __init__(self, dimensions, leaves, k):  # type: ignore[no-untyped-def]
            super().__init__(dimensions, leaves, k)
            self._shown = [Shown.SMALL if 0 < v < k else Shown.EXACT for v in self._values]

    audience = Bare([Dimension.flat("channel", stats.CHANNELS), Dimension.flat("locale", stats.LOCALES)],
                    {("sms", "km"): 5, ("telegram", "km"): 2}, K)
    assert audience.display("telegram", "km") == "<5"
    audit = audit_tables(WEEK, {"audience": audience}, K)
    assert not audit.safe and ("audience", ("telegram", "km")) in audit.narrow
