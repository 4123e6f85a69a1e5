"""In headless Chromium on a 390 px phone, in Khmer and in English: a team lead posts an alert on
the dashboard (the SMS length of each text counted as one types, as the server counts it), it is
listed and shows on the public /alerts page; a second lead withdraws it and it is gone; an alert
whose end has passed (the app's clock moved on) is listed as expired and is off /alerts; an
outreach worker sees no form, and a forged post is refused. Then the bot: a texter asking
about the alert's place through /simulator hears it (issue 28's bot part)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.sms_length import code_units, segment_count, single_segment
from core.vocabulary import CAMBODIA
from models.alerts import Alert
from tests.e2e.live import LiveServer
from tests.e2e.test_dashboard import LOCALES, QUESTION, log_in, t
from tests.webhooks.outreach.helpers import OUTREACH, make_user
from webhooks.database import get_db
from webhooks.timesource import Pinned

PHONE = {"width": 390, "height": 800}
LEAD, SECOND = "lead@example.org", "second.lead@example.org"
TEXT = {
    "km": "ទូរស័ព្ទមុនពេលទៅ សប្តាហ៍នេះ",
    "en": "Call before going this week",
}
EXPIRING = {"km": "បិទថ្ងៃនេះ", "en": "Closed today"}
#: Texts whose SMS length the browser and the server must count alike: GSM-7 at and past one
#: segment, the extended characters (two septets each), Khmer (UCS-2) at and past 70, emoji
#: (two UTF-16 units each), a character outside GSM-7 that looks like one (ç), line breaks.
SMS_TABLE = [
    "", "Call before going this week", "a" * 160, "a" * 161, "a" * 306, "a" * 307,
    "€" * 80, "€" * 81, "[x] {y} ~z^ |\\", "ក" * 70, "ក" * 71, "ក" * 134, "ក" * 135,
    "🙂" * 35, "🙂" * 36, "ça va", "Ça va", "line one\nline two", "ទូរស័ព្ទ 012 345 678",
    "Closed today: go to Chbar Ampov instead (open 8-17).", "àèìòù ÄÖÑÜ äöñü ß Æ",
]


@pytest.fixture
def phones(browser: Any) -> Iterator[Callable[[], Any]]:
    """New phone-sized pages (each its own browser profile: its own login); none may log a
    script error, a CSP violation or a failed resource."""
    contexts: list[Any] = []
    problems: list[str] = []

    def new() -> Any:
        context = browser.new_context(viewport=PHONE, is_mobile=True)
        contexts.append(context)
        opened = context.new_page()
        opened.on("console", lambda m: problems.append(m.text) if m.type == "error"
                  and not m.text.startswith("Failed to load resource") else None)
        opened.on("pageerror", lambda e: problems.append(str(e)))
        opened.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                  if r.status >= 400 and r.request.resource_type != "document" else None)
        return opened

    yield new
    for context in contexts:
        context.close()
    assert problems == [], problems


def fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def public_alerts(page: Any, base: str, locale: str, visit: list[int]) -> str:
    """The public page's alerts, by a fresh address each time (it may be cached for minutes)."""
    visit.append(len(visit))
    page.goto(f"{base}/alerts?lang={locale}&visit={len(visit)}")
    return page.inner_text("main")


def post_alert(page: Any, base: str, text: dict[str, str], ends: str | None = None) -> int:
    page.goto(f"{base}/outreach/alerts")
    page.select_option("select[name=kind]", "call_first")
    page.select_option("select[name=scope_kind]", "province")
    assert page.is_visible("select[name=province]") and not page.is_visible("select[name=service]")
    page.select_option("select[name=province]", "12")
    page.fill("textarea[name=text_km]", text["km"])
    page.fill("textarea[name=text_en]", text["en"])
    if ends is not None:
        page.fill("input[name=ends]", ends)
    page.click("[data-testid=post-alert]")
    page.wait_for_selector("p.flash")
    card = page.locator("[data-testid^=alert-]").filter(has_text=text["en"]).first
    return int(card.get_attribute("data-testid").removeprefix("alert-"))


@pytest.mark.parametrize("locale", LOCALES)
def test_leads_post_and_withdraw_an_alert_that_also_expires_on_a_phone(
    live: LiveServer, phones: Callable[[], Any], clock: Pinned, locale: str
) -> None:
    app, base = live.app, live.url
    make_user(app, LEAD, "lead")
    make_user(app, SECOND, "lead")
    lead = phones()
    log_in(lead, base, LEAD, locale)
    lead.goto(f"{base}/outreach/alerts")
    assert lead.get_attribute("html", "lang") == locale
    assert t(locale, "Post an alert") in lead.inner_text("main")
    fits_the_phone(lead)

    # the SMS length, as one types, is the server's count
    for text in SMS_TABLE:
        counted = lead.evaluate("text => window.sangkhimSms.count(text)", text)
        assert (counted["segments"], counted["units"], counted["limit"]) == (
            segment_count(text), code_units(text), single_segment(text)), text
    lead.fill("textarea[name=text_km]", "ក" * 71)
    shown = lead.inner_text("[data-testid=sms-text_km]")
    assert shown == t(locale, "SMS: %(segments)s segment(s), %(units)s of %(limit)s "
                              "characters") % {"segments": 2, "units": 71, "limit": 70}
    assert "over" in (lead.get_attribute("[data-testid=sms-text_km]", "class") or "")

    # post: listed, in force, and on the public page
    alert = post_alert(lead, base, TEXT)
    card = lead.locator(f"[data-testid=alert-{alert}]")
    assert card.get_attribute("data-status") == "active"
    assert t(locale, "In force") in card.inner_text()
    assert ("Phnom Penh" if locale == "en" else "ភ្នំពេញ") in card.inner_text()
    assert LEAD in card.inner_text()
    fits_the_phone(lead)
    visitor, visits = phones(), []
    assert TEXT[locale] in public_alerts(visitor, base, locale, visits)

    # a second lead withdraws it at once
    second = phones()
    log_in(second, base, SECOND, locale)
    second.goto(f"{base}/outreach/alerts")
    second.click(f"[data-testid=withdraw-{alert}]")
    second.wait_for_selector("p.flash")
    card = second.locator(f"[data-testid=alert-{alert}]")
    assert card.get_attribute("data-status") == "withdrawn"
    assert t(locale, "Withdrawn") in card.inner_text() and SECOND in card.inner_text()
    assert second.locator(f"[data-testid=withdraw-{alert}]").count() == 0
    assert TEXT[locale] not in public_alerts(visitor, base, locale, visits)

    # an alert whose end passes is expired: listed as such, off the public page
    now = clock()
    ends = (now + timedelta(days=1)).astimezone(CAMBODIA).strftime("%Y-%m-%dT%H:%M")
    expiring = post_alert(lead, base, EXPIRING, ends=ends)
    assert EXPIRING[locale] in public_alerts(visitor, base, locale, visits)
    clock.advance(timedelta(days=1, minutes=1))
    lead.goto(f"{base}/outreach/alerts")
    card = lead.locator(f"[data-testid=alert-{expiring}]")
    assert card.get_attribute("data-status") == "ended"
    assert t(locale, "Expired") in card.inner_text()
    assert lead.locator(f"[data-testid=withdraw-{expiring}]").count() == 0
    assert EXPIRING[locale] not in public_alerts(visitor, base, locale, visits)
    with app.app_context(), get_db().sessions() as session:
        assert session.scalars(select(Alert.id).order_by(Alert.id)).all() == [alert, expiring]


@pytest.mark.parametrize("locale", LOCALES)
def test_an_outreach_worker_sees_alerts_but_cannot_post_even_by_forging(
    live: LiveServer, phones: Callable[[], Any], locale: str
) -> None:
    app, base = live.app, live.url
    make_user(app, LEAD, "lead")
    lead = phones()
    log_in(lead, base, LEAD, locale)
    post_alert(lead, base, TEXT)
    worker = phones()
    log_in(worker, base, OUTREACH, locale)
    worker.goto(f"{base}/outreach/alerts")
    assert TEXT[locale] in worker.inner_text("main")
    assert worker.locator("[data-testid=alert-form]").count() == 0
    assert worker.locator("[data-testid^=withdraw-]").count() == 0
    assert worker.is_visible("[data-testid=leads-only]")
    fits_the_phone(worker)
    # a forged form, with the worker's own valid CSRF token and session: refused
    token = worker.get_attribute("header form.lang input[name=csrf_token]", "value")
    answer = worker.request.post(f"{base}/outreach/alerts", form={
        "csrf_token": token, "kind": "closed", "scope_kind": "country", "text_km": "បិទ",
        "text_en": "Closed", "starts": "2026-12-09T10:00", "ends": "2026-12-10T10:00"})
    assert answer.status == 403
    assert t(locale, "Only a team lead or an admin can post, renew or withdraw alerts.") in (
        answer.text())
    with app.app_context(), get_db().sessions() as session:
        assert len(session.scalars(select(Alert.id)).all()) == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_a_texter_hears_the_alert_for_the_place_in_the_simulator(
    live: LiveServer, phones: Callable[[], Any], locale: str
) -> None:
    app, base = live.app, live.url
    make_user(app, LEAD, "lead")
    lead = phones()
    log_in(lead, base, LEAD, locale)
    post_alert(lead, base, TEXT)
    texter = phones()
    texter.goto(f"{base}/simulator")
    texter.fill("input[name=text]", QUESTION[locale])
    texter.click("form button[type=submit]:not([name=reset])")
    texter.wait_for_selector(".bot")
    reply = "\n".join(texter.locator(".bot").all_inner_texts())
    assert reply.strip(), "the simulator gave no reply"
    # the bot's part of issue 28: a result list for the alert's place carries its line
    assert TEXT[locale] in reply, reply
