"""The audit log keeps who changed what and when, no finer than the minute and for no longer
than ``AUDIT_RETENTION_DAYS`` (docs/PRIVACY.md): its chat entries name a chat's handle, and a
time to the microsecond could be matched with a provider's record of the message sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select

from models import AuditLog, Service, retention
from tests.webhooks.outreach.helpers import ADMIN, login, make_user, post
from webhooks.config import ConfigError
from webhooks.database import get_db
from webhooks.timesource import Pinned


def _entries(app: Flask) -> list[AuditLog]:
    with app.extensions["sangkhim.db"].sessions() as session:
        return list(session.scalars(select(AuditLog).order_by(AuditLog.id)))


def test_audit_times_are_kept_to_the_minute(app: Flask, clock: Pinned) -> None:
    make_user(app, ADMIN, "admin")
    admin = app.test_client()
    login(admin, ADMIN)
    now = clock()
    with app.app_context(), get_db().sessions() as session, session.begin():
        service = Service(service_type="methadone", name_km="ក", name_en="A", province_code="12",
                          is_full=True, full_since=now - timedelta(days=8))
        session.add(service)
        session.flush()
        service_id = service.id
    post(admin, f"/outreach/directory/{service_id}/checked")
    with app.app_context(), get_db().sessions() as session, session.begin():
        retention.purge(session, now + timedelta(seconds=17, microseconds=5), 24, 7)
    entries = _entries(app)
    assert {e.action for e in entries} >= {"user.create", "auth.login", "service.checked",
                                           "service.full_expired"}
    assert [(e.at.second, e.at.microsecond) for e in entries] == [(0, 0)] * len(entries)


def _add_entry(app: Flask, at: datetime, label: str) -> None:
    with app.extensions["sangkhim.db"].engine.begin() as connection:
        connection.execute(insert(AuditLog.__table__).values(
            actor_id=None, actor_email="(system)", action="handoff.claim",
            target_type="handoff", target_id=None, target_label=label, details="{}", at=at))


def test_entries_older_than_the_retention_are_deleted_by_flask_purge(
    make_app: Any, clock: Pinned
) -> None:
    app = make_app(AUDIT_RETENTION_DAYS=30)
    now = clock()
    for days, label in ((400, "AAAAA"), (31, "BBBBB"), (29, "CCCCC"), (0, "DDDDD")):
        _add_entry(app, now - timedelta(days=days), label)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "2 audit log entries" in result.output
    assert [e.target_label for e in _entries(app)] == ["CCCCC", "DDDDD"]


def test_purge_deletes_entries_past_the_retention(app: Flask) -> None:
    """The app's purge and ``flask purge`` both keep the default, 180 days, unless told."""
    assert app.config["AUDIT_RETENTION_DAYS"] == 180
    now = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
    _add_entry(app, now - timedelta(days=181), "AAAAA")
    _add_entry(app, now - timedelta(days=179), "BBBBB")
    with app.app_context(), get_db().engine.begin() as connection:
        done = retention.purge(connection, now, 24, 7, 72, audit_retention_days=180)
    assert done.audit_entries == 1
    assert [e.target_label for e in _entries(app)] == ["BBBBB"]


@pytest.mark.parametrize("days", [0, 29, 731, "forever"])
def test_the_retention_is_bounded(tmp_path: Any, days: object) -> None:
    from webhooks import config

    with pytest.raises(ConfigError, match="AUDIT_RETENTION_DAYS"):
        config.load(tmp_path, {"AUDIT_RETENTION_DAYS": days})
