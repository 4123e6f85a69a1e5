"""End to end, in headless Chromium against a real server: log in, read the demand page,
filter, download the CSV, mark a service full and see the bot's next answer change, keep the
directory, log out — in Khmer and in English."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from bot.types import Inbound
from core.alert_info import Scope
from core.alert_rules import AlertDraft
from core.catalogs import translations
from core.vocabulary import AlertKind, Channel, Locale
from models import alerts, stats
from models.services import Service
from tests.e2e.conftest import TARGET
from tests.e2e.live import LiveServer
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, PASSWORD
from webhooks import pipeline
from webhooks.database import get_db
from webhooks.outreach import demand, demand_alert_marks

LOCALES = ["km", "en"]
#: What each language asks the bot, and the flag a full service carries in the reply.
QUESTION = {"km": "មេតាដូន ភ្នំពេញ", "en": "where is methadone in Phnom Penh"}


def t(locale: str, message: str) -> str:
    return translations(Locale(locale)).gettext(message)


def log_in(page: Any, base: str, email: str, locale: str) -> None:
    page.goto(f"{base}/outreach/login")
    page.click(f"[data-testid=lang-{locale}]")
    assert page.get_attribute("html", "lang") == locale
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_url("**/outreach/demand")


def ask_bot(app: Flask, locale: str) -> str:
    with app.test_request_context():
        outcome = pipeline.process(Inbound(
            channel=Channel.TELEGRAM, sender_key=uuid.uuid4().hex, text=QUESTION[locale],
            provider_id=uuid.uuid4().hex))
    return "\n".join(m.text for m in outcome.messages)


def entry(reply: str, name: str) -> str:
    """The block of a reply that lists the service called ``name``."""
    # each entry starts with its number in the list ("1. ", "១. "), then the name
    unnumbered = [re.sub(r"^[0-9០-៩]+\. ", "", b) for b in reply.split("\n\n")]
    blocks = [b for b in unnumbered if b.startswith(name + " (") or b.startswith(name + "\n")]
    assert blocks, (name, reply)
    return blocks[0]


def last_week_cube(app: Flask) -> tuple[stats.Period, Any]:
    with app.test_request_context(), get_db().sessions() as session:
        period = demand.periods(demand.Filters())[-1]
        return period, stats.demand_cube(session, period, app.config["K_ANONYMITY"])


def text_of(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


@pytest.fixture
def page(browser: Any) -> Any:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    problems: list[str] = []

    def console(message: Any) -> None:
        # A page answered 4xx on purpose (a form with errors) is logged as a failed load too:
        # failed *resources* are caught by the response listener below instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def response(answer: Any) -> None:
        if answer.status >= 400 and answer.request.resource_type != "document":
            problems.append(f"{answer.status} {answer.url}")

    opened.on("console", console)
    opened.on("pageerror", lambda e: problems.append(str(e)))
    opened.on("response", response)
    yield opened
    context.close()
    assert problems == [], problems  # no CSP violation, no failed resource, no script error


@pytest.mark.parametrize("locale", LOCALES)
def test_outreach_worker_reads_demand_marks_full_and_the_bot_changes(
    live: LiveServer, page: Any, locale: str, tmp_path: Path
) -> None:
    app, base = live.app, live.url
    period, cube = last_week_cube(app)
    # An alert for Phnom Penh over the last ended week, posted before it began.
    with app.app_context(), get_db().sessions() as session, session.begin():
        week_start, week_end = demand_alert_marks.period_bounds(period)
        alerts.post(session, AlertDraft(
            AlertKind.CALL_FIRST, Scope.parse("province:12"), "ទូរស័ព្ទមុនពេលទៅ",
            "Call before going", "", "", week_start, week_end - timedelta(days=2)),
            None, week_start - timedelta(days=1))
    log_in(page, base, OUTREACH, locale)

    # The demand page: the latest ended week, as the statistics module counts it.
    assert page.inner_text("[data-testid=total]") == text_of(cube.display("*", "*", "*"))
    assert page.is_visible("[data-testid=period-chart]")
    nav = page.inner_text("header nav")
    assert t(locale, "Demand") in nav and t(locale, "Directory") in nav
    assert t(locale, "Users") not in nav  # an outreach worker is no admin

    # Filter: Phnom Penh, voluntary treatment.
    assert not page.is_visible("select[name=province]")  # filters fold away until asked for
    page.click("[data-testid=filters-box] summary")
    page.select_option("select[name=province]", "12")
    page.select_option("select[name=service_type]", "voluntary_treatment")
    page.click("[data-testid=apply-filters]")
    page.wait_for_url(re.compile(r".*province=12.*"))
    assert page.inner_text("[data-testid=total]") == text_of(
        cube.display("12", "voluntary_treatment", "*"))
    districts = page.inner_text("[data-testid=table-district]")
    assert ("Chamkar Mon" if locale == "en" else "ចំការមន") in districts
    assert "Battambang" not in districts and "បាត់ដំបង" not in districts
    # The chart marks the week the alert covered Phnom Penh, with a listed legend (no script).
    assert page.locator("[data-testid=period-chart] [data-testid=alert-mark]").count() == 1
    assert page.is_visible("[data-testid=alert-mark] rect.alert-band")
    note = page.inner_text("[data-testid=alert-note]")
    assert note.startswith(t(locale, "Alert: %(what)s, %(dates)s").split("%")[0])
    assert t(locale, "Call before going") in note
    assert ("Phnom Penh" if locale == "en" else "ភ្នំពេញ") in note

    # The CSV of this view holds the numbers on the page.
    with page.expect_download() as download:
        page.click("[data-testid=download-csv]")
    saved = tmp_path / "demand.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    week = next(r for r in rows if r["table"] == "period" and r["period"] == period.label)
    assert week["requests"] == str(cube.display("12", "voluntary_treatment", "*"))
    assert {r["place_code"] for r in rows} == {"12"}

    # Mark the Phnom Penh methadone clinic full: the bot's next answer says so.
    with app.app_context(), get_db().sessions() as session:
        target = session.scalars(select(Service).where(Service.name_en == TARGET)).one()
    name = target.name_km if locale == "km" else target.name_en
    full_flag = t(locale, "FULL now, call first")
    before = entry(ask_bot(app, locale), name)
    assert full_flag not in before
    page.click(f"header nav >> text={t(locale, 'Directory')}")
    page.fill("input[name=q]", "Methadone Clinic Phnom Penh")
    page.click("[data-testid=directory-search] button[type=submit]")
    page.click(f"[data-testid=mark-full-{target.id}]")
    assert page.is_visible(f"[data-testid=mark-not-full-{target.id}]")
    assert name in page.inner_text("p.flash")
    after = entry(ask_bot(app, locale), name)
    assert full_flag in after

    # Log out: the dashboard is closed again.
    page.click("[data-testid=logout]")
    page.wait_for_url("**/outreach/login")
    page.goto(f"{base}/outreach/demand")
    assert "/outreach/login" in page.url


@pytest.mark.parametrize("locale", LOCALES)
def test_admin_keeps_the_directory_and_accounts(live: LiveServer, page: Any, locale: str,
                                                 tmp_path: Path) -> None:
    base = live.url
    log_in(page, base, ADMIN, locale)

    # Add a service, then edit it.
    page.goto(f"{base}/outreach/directory")
    page.click("[data-testid=add-service]")
    page.select_option("select[name=service_type]", "drop_in")
    page.fill("input[name=name_km]", "មណ្ឌលស្វាគមន៍ថ្មី")
    page.fill("input[name=name_en]", "New Drop-in Centre")
    page.select_option("select[name=province_code]", "12")
    page.select_option("select[name=district_code]", "1201")
    page.fill("input[name=phone]", "012 345 000")
    page.fill("input[name=opening_hours]", "Mo-Sa 08:00-17:00")
    page.click("[data-testid=save-service]")
    page.wait_for_url(re.compile(r".*/outreach/directory/\d+$"))
    assert page.input_value("input[name=phone]") == "012 345 000"
    page.fill("input[name=phone]", "012 345 999")
    page.click("[data-testid=save-service]")
    assert page.input_value("input[name=phone]") == "012 345 999"
    new_id = int(page.url.rsplit("/", 1)[1])
    page.click(f"[data-testid=close-{new_id}]")  # closing asks first
    assert not page.is_visible(f"[data-testid=reopen-{new_id}]")
    page.click(f"[data-testid=confirm-close-{new_id}]")
    assert page.is_visible(f"[data-testid=reopen-{new_id}]")

    # Import: a bad line is reported with its number and nothing is imported; then a good file.
    bad = tmp_path / "bad.csv"
    bad.write_text("service_type,name_km,name_en,province_code,phone\n"
                   "methadone,ក,Fine,12,012\nrehab,ខ,Wrong,12,012\n", encoding="utf-8")
    page.goto(f"{base}/outreach/directory/import")
    page.set_input_files("input[name=file]", str(bad))
    page.click("[data-testid=import-submit]")
    errors = page.inner_text("[data-testid=import-errors]")
    assert "rehab" in errors and t(locale, "Line %(line)s:") % {"line": 3} in errors
    good = tmp_path / "good.csv"
    good.write_text("service_type,name_km,name_en,province_code,phone\nmethadone,ក,Imported Clinic,02,012\n",
                    encoding="utf-8")
    page.set_input_files("input[name=file]", str(good))
    page.click("[data-testid=import-submit]")
    page.wait_for_url("**/outreach/directory")

    # Export.
    with page.expect_download() as download:
        page.click("[data-testid=export-csv]")
    exported = tmp_path / "directory.csv"
    download.value.save_as(exported)
    text = exported.read_text(encoding="utf-8-sig")
    assert "Imported Clinic" in text and "New Drop-in Centre" in text

    # A new account, then the audit log names every change.
    page.goto(f"{base}/outreach/users")
    page.fill("[data-testid=user-form] input[name=email]", f"new-{locale}@example.org")
    page.select_option("[data-testid=user-form] select[name=role]", "outreach")
    page.fill("[data-testid=user-form] input[name=password]", "temporary password 123")
    page.click("[data-testid=user-form] button[type=submit]")
    assert f"new-{locale}@example.org" in page.inner_text("[data-testid=users-table]")
    page.click(f"header nav >> text={t(locale, 'Audit log')}")
    audit = page.inner_text("[data-testid=audit-table]")
    for action in ("added a service", "edited a service", "closed a service",
                   "imported a directory file", "created a user"):
        assert t(locale, action) in audit, action

    page.click("[data-testid=logout]")
    page.wait_for_url("**/outreach/login")


def test_khmer_renders_with_the_served_font_and_fits_a_phone(live: LiveServer, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page, live.url, OUTREACH, "km")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.fonts.check('16px \"Sangkhim Noto Sans Khmer\"', 'សង្ឃឹម')")
        loaded = page.evaluate(
            "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
        assert any("Sangkhim Noto Sans Khmer" in family for family in loaded)
        for path in ("/outreach/demand", "/outreach/unmet", "/outreach/directory"):
            page.goto(live.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (path, overflow)
    finally:
        context.close()


def test_pages_cannot_be_framed_and_run_no_inline_script(live: LiveServer, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        response = page.goto(f"{live.url}/outreach/login")
        assert response is not None
        headers = response.headers
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text))
        page.evaluate("""() => { const s = document.createElement('script');
            s.textContent = 'window.__injected = 1'; document.body.appendChild(s); }""")
        assert page.evaluate("window.__injected === undefined")
        assert any("Content Security Policy" in v for v in violations)
    finally:
        context.close()


def open_handoff(app: Flask, chat_id: int, words: str) -> None:
    """A Telegram texter asks for a person, agrees, and writes ``words``."""
    key = uuid.uuid4().hex
    for text in ("can I talk to a real person?", "yes", words):
        with app.test_request_context():
            pipeline.process(
                Inbound(channel=Channel.TELEGRAM, sender_key=key, text=text,
                        provider_id=uuid.uuid4().hex, locale_hint=Locale.EN),
                address={"channel": "telegram", "chat_id": chat_id},
            )


@pytest.mark.parametrize("locale", LOCALES)
def test_outreach_worker_takes_a_chat_answers_and_closes_it(
    live: LiveServer, page: Any, locale: str, bot_api: Any
) -> None:
    app, base = live.app, live.url
    app.config["TELEGRAM_API_BASE_URL"] = bot_api.url
    app.config["HANDOFF_HOURS"] = "24/7"  # workers at work whenever the test runs
    open_handoff(app, 555001, "we are near the old market, my brother injects")
    log_in(page, base, OUTREACH, locale)
    page.click(f"header nav >> text={t(locale, 'Chats')}")
    page.wait_for_url("**/outreach/handoffs")
    assert t(locale, "Chats with texters") in page.inner_text("h1")
    row = page.locator("[data-testid^=handoff-row-]")
    assert row.count() == 1
    assert "555001" not in page.content()
    assert t(locale, "Waiting") in row.inner_text()
    row.locator("a").click()
    page.click("[data-testid=claim]")
    assert "near the old market" in page.inner_text("[data-testid=thread]")
    page.fill("textarea[name=text]", "I can meet you at the drop-in at 9.")
    page.click("[data-testid=send]")
    page.wait_for_selector("[data-testid=thread] li.worker")
    assert bot_api.params("sendMessage") == {
        "chat_id": 555001, "text": "I can meet you at the drop-in at 9."}
    page.click("[data-testid=close]")  # asks first
    page.wait_for_url("**/close")
    page.click("[data-testid=confirm-close]")
    page.wait_for_url("**/outreach/handoffs")
    assert t(locale, "The chat is closed and deleted.") in page.inner_text("main")
    assert t(locale, "No one is waiting.") in page.inner_text("[data-testid=handoff-table]")


def test_a_phone_reads_the_numbers_first_and_taps_easily(live: LiveServer, browser: Any) -> None:
    """390 px wide, as outreach workers' phones are: numbers first, nothing wider than the
    screen, every button and link of the header at least 44 px tall, phones tap to call."""
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    phone = context.new_page()
    try:
        log_in(phone, live.url, ADMIN, "km")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        kpis = phone.locator("[data-testid=kpis]").bounding_box()
        chart = phone.locator("[data-testid=period-chart]").bounding_box()
        assert kpis is not None and chart is not None and kpis["y"] < chart["y"]
        assert not phone.is_visible("select[name=province]")
        assert not phone.is_visible("header nav")  # the menu folds behind one button
        phone.click("[data-testid=menu-button]")
        assert phone.is_visible("header nav")
        for target in phone.locator("header nav a, main button, summary, .menu-button").all():
            if target.is_visible():
                box = target.bounding_box()
                assert box is not None and box["height"] >= 44, target.inner_text()
        phone.goto(f"{live.url}/outreach/directory")
        assert phone.locator("a[href^='tel:']").count() > 0
    finally:
        context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_map_leads_to_a_provinces_figures(live: LiveServer, page: Any, locale: str) -> None:
    log_in(page, live.url, OUTREACH, locale)
    period, cube = last_week_cube(live.app)
    assert page.is_visible("[data-testid=map-card] svg")
    assert page.locator("[data-testid=map-card] svg a.province").count() == 25
    page.locator("[data-testid=map-card] svg a.province[href*='province=12']").click()
    page.wait_for_url(re.compile(r".*province=12.*"))
    assert page.inner_text("[data-testid=kpi-requests]") == text_of(cube.display("12", "*", "*"))
