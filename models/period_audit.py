"""The audit of everything one period publishes, taken together (``flask demand audit``).

Each table is protected on its own (``models.suppression``), but a reader has them all: the
demand table at every level and filter (exports, the dashboard, the map, DHIS2, the ranking —
all read one protected table), the sender-days beside it, the handoffs, the channels and
languages. Tables meet in two places, and both are given to the reader here:

- the channel × language table's total is the demand table's national total (the dashboard
  shows it only when both are shown alike: ``webhooks.outreach.demand.breakdown``);
- sender-days never exceed the requests of the same place and service (each sender-day is a
  day with a request), and are shown exactly only beside an exact request count
  (``models.stats._sender_days``).

Every other published number (a KPI tile, a change between periods, a map shade, a DHIS2
value) is one of these counts, or is computed only from counts shown exactly. The reader's
linear programmes are solved over all four tables at once (``models.lp_audit``), for every
small count of one or more: none may be pinned, nor kept below ``models.suppression.top(k)``
where no total above it reads ``<k`` (``models.suppression.required_tops``).
The reader is given every row, even those the exports leave out: a stronger reader than any
real one, so the audit errs on the safe side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from models import lp_audit, stats
from models.suppression import WIDTH, Cube, Shown, tops_of


@dataclass(frozen=True)
class PeriodAudit:
    """What the audit of one period found: ``narrow`` lists (table, cell) of every small count
    a reader of everything published could pin or keep below top(k): empty when safe."""

    period: stats.Period
    tables: tuple[str, ...]
    checked: int
    narrow: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        return not self.narrow


def audit_period(session: Session, period: stats.Period, k: int) -> PeriodAudit:
    """Audit the four tables of ``period`` as published (the stored ones, or built now)."""
    demand = stats.demand_cube(session, period, k)
    tables: dict[str, Cube] = {
        "demand": demand,
        "senders": stats.senders_cube(session, period, k),
        "handoffs": stats.handoff_cube(session, period, k),
    }
    audience = stats.audience_cube(session, period, k)
    if audience.shown(stats.ALL, stats.ALL) is demand.shown(stats.ALL, stats.ALL, stats.ALL):
        tables["audience"] = audience
    return audit_tables(period, tables, k)


def audit_tables(period: stats.Period, tables: dict[str, Cube], k: int) -> PeriodAudit:
    """The audit over ``tables`` (kinds as in ``audit_period``) with their links."""
    values: list[int] = []
    shown: list[Shown] = []
    groups: list[tuple[int, tuple[int, ...]]] = []
    offset: dict[str, int] = {}
    for kind, cube in tables.items():
        base = len(values)
        offset[kind] = base
        cube_values, cube_shown, cube_groups = cube.equations()
        if kind == "senders" and "demand" in tables:
            cube_shown = _senders_as_published(cube, tables["demand"])
        values += cube_values
        shown += cube_shown
        groups += [(base + t, tuple(base + p for p in parts)) for t, parts in cube_groups]
    links: list[lp_audit.Link] = []
    demand = tables.get("demand")
    if demand is not None and "audience" in tables:
        links.append(([(offset["audience"] + tables["audience"].index(stats.ALL, stats.ALL), 1.0),
                       (offset["demand"] + demand.index(stats.ALL, stats.ALL, stats.ALL), -1.0)],
                      0.0, 0.0))
    if demand is not None and "senders" in tables:
        senders = tables["senders"]
        for place, service in senders.keys():
            s = offset["senders"] + senders.index(place, service)
            r = offset["demand"] + demand.index(place, service, stats.ALL)
            if values[s] <= values[r]:  # what a reader assumes; a data error is left out
                links.append(([(s, 1.0), (r, -1.0)], None, 0.0))
    ranges = {i: ((0, k - 1) if state is Shown.SMALL else (k, None))
              for i, state in enumerate(shown) if state is not Shown.EXACT}
    small = [i for i, state in enumerate(shown) if state is Shown.SMALL and values[i] > 0]
    narrow = lp_audit.narrow_cells(values, ranges, groups, small, WIDTH,
                                   tops_of(shown, groups, k), links)
    where = sorted(offset.items(), key=lambda item: item[1])

    def name(cell: int) -> tuple[str, tuple[str, ...]]:
        kind, base = [(kind, base) for kind, base in where if base <= cell][-1]
        return kind, tables[kind].keys()[cell - base]

    return PeriodAudit(period, tuple(tables), len(small), [name(i) for i in narrow])


def _senders_as_published(senders: Cube, demand: Cube) -> list[Shown]:
    """Sender-days as the exports show them (``stats.sender_days_shown``)."""
    _, states, _ = senders.equations()
    for place, service in senders.keys():
        states[senders.index(place, service)] = stats.sender_days_shown(
            demand, senders, place, service)
    return states
