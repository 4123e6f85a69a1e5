"""Protected tables, built once per ended period and kept: what every view and export reads.

Protecting one period's tables takes a second or more (``models.suppression``: the secondary
suppression and its linear-programming audit), and a dashboard page charts up to 26 periods.
A published period never changes (events are dated when they happen, none is deleted, and a
period is published only once all of its events are: ``models.stats.publishable_before``), so
its protected tables are built once — by the clock soon after the period is published
(``build_missing``), or by whichever reader needs one first — and stored here: every count and
how it is shown, per table kind, period and k.

A stored table is used only if it was built by the same rule (``models.suppression.RULE``) over
the same frame (a fingerprint of every dimension's values): a new rule or a new district makes
the old ones unused, and they are built again. Nothing about any texter: the counts are the
published statistics' own, before they are shown or hidden.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import zlib
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, Integer, LargeBinary, String, UniqueConstraint, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Executor, UTCDateTime, utcnow, writer_turn
from models.suppression import RULE, Cube, Dimension

if TYPE_CHECKING:
    from models.stats import Period

log = logging.getLogger(__name__)


class ProtectedTable(Base):
    """One period's protected table of one kind ("demand", "handoffs", "senders", "audience")."""

    __tablename__ = "protected_table"
    __table_args__ = (UniqueConstraint("kind", "period_by", "period_start", "k", "shape", "rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    period_by: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    k: Mapped[int] = mapped_column(Integer)
    #: ``shape_of(dimensions)``: which frame the counts are laid out over.
    shape: Mapped[str] = mapped_column(String(32))
    #: ``models.suppression.RULE``: which rule protected it.
    rule: Mapped[int] = mapped_column(Integer)
    #: zlib-compressed JSON: ``{"values": [...], "shown": "EESW..."}`` in the layout's order.
    body: Mapped[bytes] = mapped_column(LargeBinary)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: How long protecting it took, in milliseconds (for the benchmark and the curious).
    build_ms: Mapped[int] = mapped_column(Integer, default=0)


_table = ProtectedTable.__table__


def shape_of(dimensions: Sequence[Dimension]) -> str:
    """A fingerprint of the dimensions' trees: a stored table is only read back into the same."""
    text = json.dumps([[d.name, list(d.parents.items())] for d in dimensions])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load(
    executor: Executor, kind: str, period: Period, k: int, dimensions: Sequence[Dimension]
) -> Cube | None:
    """The stored table, or None if there is none built by this rule over this frame."""
    row = executor.execute(
        select(_table.c.body).where(
            _table.c.kind == kind, _table.c.period_by == period.by,
            _table.c.period_start == period.start, _table.c.k == k,
            _table.c.shape == shape_of(dimensions), _table.c.rule == RULE,
        )
    ).first()
    if row is None:
        return None
    stored = json.loads(zlib.decompress(row.body))
    return Cube.restore(dimensions, k, stored["values"], stored["shown"])


def load_many(
    executor: Executor, kind: str, periods: Sequence[Period], k: int,
    dimensions: Sequence[Dimension],
) -> dict[Period, Cube]:
    """The stored tables of several periods of one kind, in one query (a chart of 26 weeks)."""
    if not periods:
        return {}
    by_start = {p.start: p for p in periods}
    rows = executor.execute(
        select(_table.c.period_start, _table.c.body).where(
            _table.c.kind == kind, _table.c.period_by == periods[0].by,
            _table.c.period_start.in_(list(by_start)), _table.c.k == k,
            _table.c.shape == shape_of(dimensions), _table.c.rule == RULE,
        )
    )
    found = {}
    for start, body in rows:
        stored_table = json.loads(zlib.decompress(body))
        found[by_start[start]] = Cube.restore(dimensions, k, stored_table["values"],
                                              stored_table["shown"])
    return found


def stored(executor: Executor, by: str, k: int) -> set[tuple[str, date]]:
    """(kind, period start) of every table stored by the current rule for this granularity and
    k (any frame: the clock builds what is missing; a reader on another frame builds its own)."""
    return {(row.kind, row.period_start) for row in executor.execute(
        select(_table.c.kind, _table.c.period_start).where(
            _table.c.period_by == by, _table.c.k == k, _table.c.rule == RULE))}


def store(engine: Engine, kind: str, period: Period, cube: Cube, build_ms: int = 0) -> None:
    """Keep ``cube`` (replacing one of an older rule or frame for the same period and kind)."""
    values, shown = cube.stored()
    body = zlib.compress(json.dumps({"values": values, "shown": shown},
                                    separators=(",", ":")).encode(), 6)
    shape = shape_of(cube.dimensions)
    with writer_turn(engine), engine.begin() as connection:
        connection.execute(delete(_table).where(
            _table.c.kind == kind, _table.c.period_by == period.by,
            _table.c.period_start == period.start, _table.c.k == cube.k,
        ))
        connection.execute(_table.insert().values(
            kind=kind, period_by=period.by, period_start=period.start, k=cube.k, shape=shape,
            rule=RULE, body=body, built_at=utcnow(), build_ms=build_ms,
        ))


def load_or_build(
    executor: Executor,
    kind: str,
    period: Period,
    k: int,
    dimensions: Sequence[Dimension],
    build: Callable[[], Cube],
    engine: Engine | None = None,
) -> Cube:
    """The stored table if there is one; else built now, and stored when ``engine`` is given
    (a reader without one — an export inside a read-only transaction — builds and moves on).
    ``executor`` must be a reading session or connection: on SQLite a writing one holds the
    write lock that storing needs."""
    found = load(executor, kind, period, k, dimensions)
    if found is not None:
        return found
    start = time.perf_counter()
    cube = build()
    elapsed = int((time.perf_counter() - start) * 1000)
    if engine is not None:
        try:
            store(engine, kind, period, cube, elapsed)
        except Exception as error:  # a reader still gets its table; the clock stores it later
            log.warning("a protected table was built but not stored (%s)", type(error).__name__)
    return cube
