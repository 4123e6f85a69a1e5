"""The audit log's filters: by kind (sign-ins hidden unless asked for), by person, by Phnom Penh
day; paging keeps the filters; names of services, kinds and codes in the page's language."""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, insert, select

from core.catalogs import translations
from core.vocabulary import CAMBODIA, Locale
from models import AuditLog, Service
from models.staff import StaffUser
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, login, make_user
from webhooks.outreach import audit_view

KM = translations(Locale.KM)
SERVICE_EN, SERVICE_KM = "Harbour Clinic", "គ្លីនិកកំពង់ផែ"
WORKER, SYSTEM = "worker", "system"

#: (target shown on an English page, action, who, Phnom Penh time): newest last.
ENTRIES = [
    ("L1", "auth.login", WORKER, datetime(2026, 11, 29, 10, 0)),
    ("L2", "auth.logout", WORKER, datetime(2026, 11, 29, 10, 5)),
    (SERVICE_EN, "service.update", WORKER, datetime(2026, 12, 4, 10, 0)),
    ("B1", "user.update", "admin", datetime(2026, 12, 5, 23, 59)),   # the last minute of the 5th
    ("B2", "user.update", "admin", datetime(2026, 12, 6, 0, 0)),     # the first of the 6th
    ("H1", "handoff.claim", WORKER, datetime(2026, 12, 6, 10, 0)),
    ("K1", "auth.locked", SYSTEM, datetime(2026, 12, 6, 11, 0)),
    ("U1", "user.update", "admin", datetime(2026, 12, 8, 10, 0)),
    ("L3", "auth.login", "admin", datetime(2026, 12, 8, 10, 1)),
]
NEWEST_FIRST = [label for label, *_ in reversed(ENTRIES)]
SIGN_INS = {"L1", "L2", "L3"}


def _without(*labels: str) -> list[str]:
    return [label for label in NEWEST_FIRST if label not in labels]


@pytest.fixture
def logged(app: Flask) -> tuple[Flask, FlaskClient, dict[str, int]]:
    """An admin signed in; the log then holds ``ENTRIES`` only (the sign-in that made the
    session is removed: its time is the wall clock's)."""
    ids = {"admin": make_user(app, ADMIN, "admin"), WORKER: make_user(app, OUTREACH, "outreach")}
    admin = app.test_client()
    assert login(admin, ADMIN).status_code == 302
    engine = app.extensions["sangkhim.db"].engine
    with engine.begin() as connection:
        connection.execute(delete(AuditLog.__table__))
        service_id = connection.execute(insert(Service.__table__).values(
            service_type="methadone", name_km=SERVICE_KM, name_en=SERVICE_EN,
            province_code="12")).inserted_primary_key[0]
        for label, action, who, at in ENTRIES:
            service = action.startswith("service.")
            connection.execute(insert(AuditLog.__table__).values(
                actor_id=ids.get(who), actor_email={"admin": ADMIN, WORKER: OUTREACH}.get(
                    who, "(system)"),
                action=action, target_type="service" if service else "user",
                target_id=str(service_id) if service else None,
                target_label=f"{SERVICE_EN} (as it was)" if service else label,
                details=json.dumps({"service_type": ["methadone", "needle_exchange"],
                                    "province_code": ["12", "02"]} if service else {}),
                at=at.replace(tzinfo=CAMBODIA)))
    return app, admin, ids


def _targets(page: str) -> list[str]:
    found = re.findall(r'data-testid="audit-target">([^<]*)<', page)
    return [html.unescape(text).replace(" (as it was)", "") for text in found]


def _page(client: FlaskClient, query: dict[str, str]) -> str:
    response = client.get("/outreach/audit", query_string=query)
    assert response.status_code == 200, query
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("query", "expected"), [
    ({}, _without(*SIGN_INS)),                                   # sign-ins hidden by default
    ({"signins": "1"}, NEWEST_FIRST),                            # one click shows them
    ({"kind": "auth"}, ["L3", "K1", "L2", "L1"]),                # their kind chosen: shown
    ({"kind": "auth.login"}, ["L3", "L1"]),
    ({"kind": "auth.locked"}, ["K1"]),
    ({"kind": "directory"}, [SERVICE_EN]),
    ({"kind": "handoff"}, ["H1"]),
    ({"kind": "user"}, ["U1", "B2", "B1"]),
    ({"who": WORKER}, ["H1", SERVICE_EN]),
    ({"who": WORKER, "signins": "1"}, ["H1", SERVICE_EN, "L2", "L1"]),
    ({"who": SYSTEM}, ["K1"]),
    ({"who": "admin", "kind": "user"}, ["U1", "B2", "B1"]),
    ({"from": "2026-12-05", "to": "2026-12-05"}, ["B1"]),        # Phnom Penh days, not UTC
    ({"from": "2026-12-06", "to": "2026-12-06"}, ["K1", "H1", "B2"]),
    ({"from": "2026-12-06"}, ["U1", "K1", "H1", "B2"]),
    ({"to": "2026-12-04"}, [SERVICE_EN]),
    ({"from": "2026-12-06", "to": "2026-12-05"}, ["K1", "H1", "B2", "B1"]),  # either order
    ({"from": "2026-11-01", "to": "2026-11-30", "signins": "1"}, ["L2", "L1"]),
    ({"kind": "nonsense"}, _without(*SIGN_INS)),                 # unreadable: left out, said
    ({"who": "999"}, _without(*SIGN_INS)),
    ({"who": "1 OR 1=1"}, _without(*SIGN_INS)),
    ({"from": "2026-13-01"}, _without(*SIGN_INS)),
    ({"to": "yesterday"}, _without(*SIGN_INS)),
])
def test_the_filters(logged: Any, query: dict[str, str], expected: list[str]) -> None:
    app, admin, ids = logged
    query = {k: str(ids[v]) if k == "who" and v in ids else v for k, v in query.items()}
    page = _page(admin, query)
    assert _targets(page) == expected
    unreadable = any(v in ("nonsense", "999", "1 OR 1=1", "2026-13-01", "yesterday")
                     for v in query.values())
    assert ('data-testid="filters-unread"' in page) is unreadable


def test_the_page_says_how_many_sign_ins_are_hidden(logged: Any) -> None:
    _app, admin, _ids = logged
    page = _page(admin, {})
    assert "Sign-ins and sign-outs hidden: 3." in page
    show = re.search(r'href="([^"]+)" data-testid="signins-show"', page)
    assert show and "signins=1" in html.unescape(show.group(1))
    assert _targets(admin.get(html.unescape(show.group(1))).get_data(as_text=True)) == NEWEST_FIRST
    assert 'data-testid="signins-hide"' in _page(admin, {"signins": "1"})


def test_paging_keeps_the_filters(logged: Any) -> None:
    app, admin, ids = logged
    with app.extensions["sangkhim.db"].engine.begin() as connection:
        for minute in range(130):
            connection.execute(insert(AuditLog.__table__).values(
                actor_id=ids[WORKER], actor_email=OUTREACH, action="handoff.claim",
                target_type="handoff", target_id=None, target_label=f"P{minute:03}",
                details="{}", at=datetime(2026, 12, 7, 8, 0, tzinfo=CAMBODIA).replace(
                    minute=minute % 60, hour=8 + minute // 60)))
    first = _page(admin, {"kind": "handoff"})
    assert len(_targets(first)) == 100 and "Entries: 131" in first
    following = re.search(r'href="([^"]+)">[^<]*Next', first)
    assert following is not None
    link = html.unescape(following.group(1))
    assert "kind=handoff" in link and "page=2" in link
    second = _targets(admin.get(link).get_data(as_text=True))
    assert len(second) == 31 and second[-1] == "H1"


def test_names_are_in_the_pages_language(logged: Any) -> None:
    app, _admin, _ids = logged
    reader = app.test_client()
    reader.khmer = True  # type: ignore[attr-defined]  # no English chosen (conftest)
    with reader.session_transaction() as session:
        session.clear()
    assert login(reader, ADMIN).status_code == 302
    page = _page(reader, {"kind": "directory"})
    assert _targets(page) == [SERVICE_KM]  # the directory's Khmer name, not the stored English
    row = page.split('data-action="service.update"', 1)[1].split("</tr>", 1)[0]
    for english in ("edited a service", "methadone", "Methadone", "Phnom Penh", "Battambang"):
        assert english not in row, english
    assert KM.gettext("edited a service") in row
    assert "ភ្នំពេញ" in row and "បាត់ដំបង" in row  # the provinces by their Khmer names
    assert KM.gettext("Sign-ins, locks and passwords") in page  # the kinds menu too


def test_a_service_no_longer_listed_keeps_its_stored_name(logged: Any) -> None:
    app, admin, _ids = logged
    with app.extensions["sangkhim.db"].engine.begin() as connection:
        connection.execute(delete(Service.__table__))
    assert _targets(_page(admin, {"kind": "directory"})) == [SERVICE_EN]


@pytest.mark.parametrize(("args", "kind", "who", "start", "end", "signins", "unread"), [
    ({}, "", "", None, None, False, ()),
    ({"kind": "handoff", "who": "7", "signins": "1"}, "handoff", "7", None, None, True, ()),
    ({"kind": "service.update"}, "service.update", "", None, None, False, ()),
    ({"kind": "service"}, "", "", None, None, False, ("kind",)),
    ({"who": "8"}, "", "", None, None, False, ("who",)),             # not an account
    ({"who": "system"}, "", "system", None, None, False, ()),
    ({"who": "٧"}, "", "", None, None, False, ("who",)),             # a digit, not ASCII
    ({"from": "2026-12-01", "to": "2026-12-03"}, "", "", date(2026, 12, 1), date(2026, 12, 3),
     False, ()),
    ({"from": "2026-12-03", "to": "2026-12-01"}, "", "", date(2026, 12, 1), date(2026, 12, 3),
     False, ()),
    ({"from": "20261201"}, "", "", None, None, False, ("from",)),
    ({"signins": "yes"}, "", "", None, None, False, ()),
])
def test_reading_the_query_string(
    args: dict[str, str], kind: str, who: str, start: date | None, end: date | None,
    signins: bool, unread: tuple[str, ...],
) -> None:
    got = audit_view.parse(args, people=[7])
    assert (got.kind, got.who, got.start, got.end, got.signins, got.unread) == (
        kind, who, start, end, signins, unread)


def test_a_phnom_penh_day_starts_at_17_utc_the_day_before() -> None:
    assert audit_view.day_start(date(2026, 12, 6)).isoformat() == "2026-12-05T17:00:00+00:00"


def test_every_action_has_a_kind() -> None:
    from webhooks.outreach import audit

    grouped = [a for _label, actions in audit_view.GROUPS.values() for a in actions]
    assert sorted(grouped) == sorted(audit.ACTIONS)


def test_the_accounts_menu_lists_everyone(logged: Any) -> None:
    app, admin, _ids = logged
    page = _page(admin, {})
    with app.extensions["sangkhim.db"].sessions() as session:
        emails = list(session.scalars(select(StaffUser.email)))
    for email in emails:
        assert f">{email}</option>" in page
