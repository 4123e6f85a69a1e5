"""Service and health alerts in storage (models/alerts.py, migration 0018) on SQLite and
PostgreSQL: an alert is active from its start to its end unless withdrawn, expires by itself,
and ``alerts_as_of`` gives the alerts as they were at a past moment: a renewal or a withdrawal
never rewrites the past."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.alert_info import Scope, ScopeKind, applying_to
from core.alert_rules import AlertDraft
from core.vocabulary import AlertKind, Locale
from models import AlertTerm, StaffUser
from models import alerts as storage
from models.base import make_engine, reading


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def at(day: int, hour: int = 3) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def staff(engine: Engine) -> int:
    with Session(engine) as session, session.begin():
        found = session.scalars(select(StaffUser.id)).first()
        if found is not None:
            return found
        user = StaffUser(email="lead@example.org", password_hash="x", role="lead")
        session.add(user)
        session.flush()
        return user.id


def draft(start: datetime, end: datetime, scope: str = "province:12",
          kind: AlertKind = AlertKind.CALL_FIRST) -> AlertDraft:
    return AlertDraft(kind, Scope.parse(scope), "ទូរស័ព្ទមុនពេលទៅ", "Call before going",
                      "", "", start, end)


def posted(engine: Engine, start: datetime, end: datetime, now: datetime, **kw: object) -> int:
    with Session(engine) as session, session.begin():
        made = draft(start, end, **kw)  # type: ignore[arg-type]
        alert = storage.post(session, made, staff(engine), now)
        return alert.id


def active_ids(engine: Engine, moment: datetime) -> list[int]:
    with reading(engine) as connection:
        return [a.id for a in storage.alerts_as_of(connection, moment)]


def ends(engine: Engine, moment: datetime) -> dict[int, datetime]:
    with reading(engine) as connection:
        return {a.id: a.ends_at for a in storage.alerts_as_of(connection, moment)}


@pytest.mark.parametrize(("moment", "active"), [
    (at(1, 2), False),   # posted, not started
    (at(2), True),       # its start: active
    (at(5), True),
    (at(9, 2), True),    # the last hour
    (at(9), False),      # its end: expired by itself
    (at(20), False),
])
def test_an_alert_is_active_from_its_start_until_its_end(
    engine: Engine, moment: datetime, active: bool
) -> None:
    alert = posted(engine, at(2), at(9), now=at(1))
    assert (alert in active_ids(engine, moment)) is active


def test_nothing_is_active_before_it_was_posted(engine: Engine) -> None:
    """An alert posted on the 5th saying it started on the 2nd was not known on the 3rd."""
    alert = posted(engine, at(2), at(9), now=at(5))
    assert active_ids(engine, at(3)) == []
    assert active_ids(engine, at(6)) == [alert]


def test_a_withdrawn_alert_stays_active_before_its_withdrawal(engine: Engine) -> None:
    alert = posted(engine, at(2), at(9), now=at(1))
    with Session(engine) as session, session.begin():
        storage.withdraw(session, storage.find(session, alert), None, at(4))
    assert active_ids(engine, at(3)) == [alert]      # the past is as it was
    assert active_ids(engine, at(4)) == []           # from the withdrawal on
    assert active_ids(engine, at(6)) == []
    with reading(engine) as connection:
        [row] = storage.all_alerts(connection, at(6))
    assert row.status == "withdrawn" and row.info.withdrawn_at == at(4)


def test_renewing_a_running_alert_extends_it_from_then_and_keeps_the_old_end_in_the_past(
    engine: Engine
) -> None:
    alert = posted(engine, at(2), at(9), now=at(1))
    with Session(engine) as session, session.begin():
        before, after = storage.renew(session, storage.find(session, alert), at(20), None, at(8))
    assert (before, after) == (at(9), at(20))
    assert ends(engine, at(5)) == {alert: at(9)}     # as it was known on the 5th
    assert ends(engine, at(8)) == {alert: at(20)}
    assert active_ids(engine, at(15)) == [alert]
    assert active_ids(engine, at(20)) == []
    with Session(engine) as session:
        terms = session.scalars(select(AlertTerm).order_by(AlertTerm.id)).all()
    assert [(t.starts_at, t.ends_at, t.superseded_at) for t in terms] == [
        (at(2), at(9), at(8)), (at(2), at(20), None)]


def test_renewing_an_ended_alert_leaves_the_gap(engine: Engine) -> None:
    alert = posted(engine, at(2), at(5), now=at(1))
    with Session(engine) as session, session.begin():
        storage.renew(session, storage.find(session, alert), at(15), None, at(8))
    assert active_ids(engine, at(4)) == [alert]
    assert active_ids(engine, at(6)) == []           # it had ended: not rewritten
    assert active_ids(engine, at(9)) == [alert]
    with reading(engine) as connection:
        [row] = storage.all_alerts(connection, at(9))
    assert (row.info.starts_at, row.info.ends_at, row.status) == (at(8), at(15), "active")


def test_statuses_and_export(engine: Engine) -> None:
    later = posted(engine, at(10), at(12), now=at(1), scope="country")
    now = posted(engine, at(1), at(6), now=at(1), scope="district:1201")
    old = posted(engine, at(1), at(2), now=at(1), scope="service:7")
    with reading(engine) as connection:
        statuses = {row.info.id: row.status for row in storage.all_alerts(connection, at(3))}
        rows = storage.export_rows(connection, at(3))
        assert storage.last_change(connection) == at(1)
    assert statuses == {later: "scheduled", now: "active", old: "ended"}
    assert [r[0] for r in rows] == [old, now, later]
    assert rows[1][2] == "district:1201" and rows[1][7] == "2026-03-01T03:00:00+00:00"
    assert len(rows[0]) == len(storage.EXPORT_COLUMNS)


def test_the_alerts_for_a_place_in_a_language(engine: Engine) -> None:
    """What the bot will be given: the alerts in force for a place, narrowest first."""
    country = posted(engine, at(1), at(9), now=at(1), scope="country")
    province = posted(engine, at(1), at(9), now=at(1), scope="province:12")
    district = posted(engine, at(1), at(9), now=at(1), scope="district:1201")
    elsewhere = posted(engine, at(1), at(9), now=at(1), scope="province:17")
    health = posted(engine, at(1), at(9), now=at(1), scope="country", kind=AlertKind.HEALTH)
    with reading(engine) as connection:
        active = storage.active_alerts(connection, at(2))
    found = applying_to(active, "12", "1201")
    assert [a.id for a in found] == [health, district, province, country]
    assert elsewhere not in [a.id for a in applying_to(active, "12", "1202")]
    assert [a.id for a in applying_to(active, "12", "1202")] == [health, province, country]
    assert found[1].text(Locale.KM) == "ទូរស័ព្ទមុនពេលទៅ"
    assert found[1].text(Locale.EN) == "Call before going"
    assert found[1].scope == Scope(ScopeKind.DISTRICT, "1201")


def test_the_directory_gives_the_engine_the_alerts_in_force_at_its_turn(engine: Engine) -> None:
    """What a turn's directory (``SqlDirectory(now=...)``) hands the engine: the alerts in
    force at that instant, read once; a directory made without an instant has none."""
    from models.services import SqlDirectory

    first = posted(engine, at(2), at(9), now=at(1))
    later = posted(engine, at(5), at(12), now=at(1), scope="country")
    with reading(engine) as connection:
        assert [a.id for a in SqlDirectory(connection, now=at(3)).alerts()] == [first]
        assert [a.id for a in SqlDirectory(connection, now=at(6)).alerts()] == [first, later]
        assert [a.id for a in SqlDirectory(connection, now=at(10)).alerts()] == [later]
        assert SqlDirectory(connection).alerts() == []
        directory = SqlDirectory(connection, now=at(6))
        assert directory.alerts() == directory.alerts()


def spans(engine: Engine, start: datetime, end: datetime) -> list[tuple[int, datetime, datetime]]:
    with reading(engine) as connection:
        return [(s.alert_id, s.start, s.end)
                for s in storage.alerts_during(connection, start, end)]


def test_alerts_during_gives_each_alerts_intervals_as_recorded(engine: Engine) -> None:
    """The demand chart's marks: posted late covers from its posting; a withdrawal cuts it; a
    renewal of a running alert continues it (one interval), one of an ended alert leaves the
    gap; the window clips; kind and scope come with it."""
    late = posted(engine, at(2), at(9), now=at(5))
    cut = posted(engine, at(1), at(9), now=at(1), scope="country")
    running = posted(engine, at(1), at(6), now=at(1), scope="district:1201")
    ended = posted(engine, at(1), at(3), now=at(1), scope="service:7",
                   kind=AlertKind.HEALTH)
    before = posted(engine, at(1), at(2), now=at(1))
    with Session(engine) as session, session.begin():
        storage.withdraw(session, storage.find(session, cut), None, at(4))
        storage.renew(session, storage.find(session, running), at(12), None, at(5))
        storage.renew(session, storage.find(session, ended), at(8), None, at(6))
    assert spans(engine, at(3, 0), at(20)) == [
        (late, at(5), at(9)),
        (cut, at(3, 0), at(4)),
        (running, at(3, 0), at(12)),
        (ended, at(3, 0), at(3)), (ended, at(6), at(8)),
    ]
    assert (before, at(1), at(2)) in spans(engine, at(1), at(20))  # ended before the window
    with reading(engine) as connection:
        found = storage.alerts_during(connection, at(3, 0), at(20))
    assert found[-1].kind is AlertKind.HEALTH and found[-1].scope == Scope.parse("service:7")
    assert spans(engine, at(10), at(11)) == [(running, at(10), at(11))]
    with pytest.raises(ValueError, match="naive"):
        spans(engine, datetime(2026, 3, 1), at(2))


def test_alerts_during_agrees_with_alerts_as_of_hour_by_hour(engine: Engine) -> None:
    """The definition: t is in an alert's interval exactly when ``alerts_as_of(t)`` lists it."""
    posted(engine, at(2), at(9), now=at(5))
    first = posted(engine, at(1), at(6), now=at(1), scope="country")
    second = posted(engine, at(3), at(5), now=at(2), scope="district:1201")
    withdrawn = posted(engine, at(2), at(12), now=at(1))
    with Session(engine) as session, session.begin():
        storage.renew(session, storage.find(session, first), at(14), None, at(4, 7))
        storage.renew(session, storage.find(session, second), at(11), None, at(7, 9))
        storage.withdraw(session, storage.find(session, withdrawn), None, at(8, 13))
    window = spans(engine, at(1, 0), at(16))
    moments = [at(day, hour) for day in range(1, 16) for hour in range(0, 24, 2)]
    with reading(engine) as connection:
        for moment in moments:
            expected = {a.id for a in storage.alerts_as_of(connection, moment)}
            covered = {alert for alert, lower, upper in window if lower <= moment < upper}
            assert covered == expected, moment
