"""``/alerts``: the alerts in force, for anyone, Khmer first, cacheable, and nothing else: no
login, no counts, no demand data."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from core.alert_info import Scope
from core.alert_rules import AlertDraft
from core.vocabulary import AlertKind
from models import PublishedDemandEvent, Service
from models import alerts as storage
from tests.conftest import PINNED_NOW
from webhooks.outreach import CONTENT_SECURITY_POLICY


def add_alert(app: Flask, kind: AlertKind, scope: str, km: str, en: str, days: float = 3,
              start: timedelta = timedelta(hours=-1), advice: tuple[str, str] = ("", "")) -> int:
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        return storage.post(session, AlertDraft(
            kind, Scope.parse(scope), km, en, advice[0], advice[1], PINNED_NOW + start,
            PINNED_NOW + start + timedelta(days=days)), None, PINNED_NOW - timedelta(hours=2)).id


@pytest.fixture
def filled(app: Flask) -> Flask:
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        service = Service(service_type="drop_in", name_km="មណ្ឌលសុខា", name_en="Sokha drop-in",
                          province_code="12", district_code="1201", phone="012 345 678")
        session.add(service)
        session.flush()
        service_id = service.id
        # demand that must never show on the page
        for _ in range(37):
            session.add(PublishedDemandEvent(
                day=PINNED_NOW.date(), hour=10, channel="sms", locale="km",
                intent="find_methadone", service_type="methadone", province_code="12",
                district_code="1201", outcome="no_service"))
    add_alert(app, AlertKind.HEALTH, "province:12", "ថ្នាំគ្រាប់ក្រហមគ្រោះថ្នាក់",
              "Red pills are putting people in hospital",
              advice=("សាកល្បងបន្តិចសិន", "Test a small amount first"))
    add_alert(app, AlertKind.MOVED, f"service:{service_id}", "បានផ្លាស់ទីតាំង",
              "Moved to Street 271")
    add_alert(app, AlertKind.CLOSED, "country", "បិទថ្ងៃបុណ្យ", "Closed for the holiday",
              start=timedelta(days=2))                              # not started
    add_alert(app, AlertKind.CLOSED, "country", "បិទម្សិលមិញ", "Closed yesterday",
              start=timedelta(days=-2), days=1)                     # ended by itself
    return app


def test_the_page_needs_no_login_and_shows_the_alerts_in_force_in_khmer_first(
    filled: Flask
) -> None:
    response = filled.test_client().get("/alerts")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="km">' in page
    assert "ថ្នាំគ្រាប់ក្រហមគ្រោះថ្នាក់" in page and "សាកល្បងបន្តិចសិន" in page
    assert "បានផ្លាស់ទីតាំង" in page and "មណ្ឌលសុខា" in page   # the service's name
    assert "Red pills" not in page                                  # Khmer only
    assert "បិទថ្ងៃបុណ្យ" not in page and "បិទម្សិលមិញ" not in page   # not started, ended
    assert page.index("ថ្នាំគ្រាប់") < page.index("បានផ្លាស់")          # health alerts first
    assert "login" not in response.headers.get("Location", "")


def test_the_page_in_english(filled: Flask) -> None:
    page = filled.test_client().get("/alerts?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Red pills are putting people in hospital" in page
    assert "Test a small amount first" in page and "Sokha drop-in" in page
    assert "Phnom Penh" in page and "Until 2026-12-12 09:00" in page


def test_the_page_shows_no_counts_nor_demand(filled: Flask) -> None:
    """The only numbers on the page are dates, times, the emergency number and street numbers
    the alerts themselves say: no count of anything (37 searches were stored)."""
    for lang in ("km", "en"):
        page = filled.test_client().get(f"/alerts?lang={lang}").get_data(as_text=True)
        text = re.sub(r"<[^>]+>", " ", page)
        text = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", " ", text)
        numbers = set(re.findall(r"[0-9០-៩]+", text))
        assert numbers <= {"119", "271"}, numbers
        for word in ("demand", "request", "search", "count", "texter"):
            assert word not in text.lower()


def test_no_alert_says_so(app: Flask) -> None:
    page = app.test_client().get("/alerts?lang=en").get_data(as_text=True)
    assert "The outreach team has posted no alert at the moment." in page


def test_the_page_is_cacheable_and_strict(filled: Flask, clock: Any) -> None:
    client = filled.test_client()
    response = client.get("/alerts")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"  # as every page of ours
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers["Vary"]   # the same page for everyone
    etag = response.headers["ETag"]
    again = client.get("/alerts", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    # the other language is another page
    assert client.get("/alerts?lang=en").headers["ETag"] != etag
    # an alert expiring changes the page though nothing was recorded
    clock.set(PINNED_NOW + timedelta(days=2, hours=1))
    later = client.get("/alerts", headers={"If-None-Match": etag})
    assert later.status_code == 200 and later.headers["ETag"] != etag


def test_the_page_is_made_for_phones(app: Flask) -> None:
    page = app.test_client().get("/alerts").get_data(as_text=True)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert "<script" not in page and "style=" not in page
