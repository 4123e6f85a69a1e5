"""The demand pages at a glance: headline numbers first, filters applied to every card, no
total hidden that its shown parts give away, labels and dates nobody can misread."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask

from tests.webhooks.outreach.helpers import add_events
from tests.webhooks.outreach.test_demand import LAST_WEEK, WEEK_BEFORE, client_for
from webhooks.outreach import demand, labels


def _tile(page: str, name: str) -> str:
    found = re.search(rf'data-testid="kpi-{name}">([^<]*)<', page)
    assert found, name
    return found.group(1)


def test_headline_numbers_come_first(sample_app: Flask) -> None:
    day, before = (LAST_WEEK + timedelta(days=1)).isoformat(), WEEK_BEFORE.isoformat()
    add_events(sample_app, [
        (day, "12", "1201", "voluntary_treatment", "served_within_10km", "sms", "km", 30),
        (day, "12", "1201", "voluntary_treatment", "served_farther", "sms", "km", 10),
        (before, "12", "1201", "voluntary_treatment", "served_within_10km", "sms", "km", 25),
    ])
    page = client_for(sample_app).get("/outreach/demand").get_data(as_text=True)
    assert page.index('data-testid="kpis"') < page.index('data-testid="period-chart"')
    assert _tile(page, "requests") == "40" and _tile(page, "unmet") == "10"
    assert _tile(page, "share") == "25%" and _tile(page, "change") == "+15"


def test_no_total_is_withheld_beside_parts_that_give_it_away(sample_app: Flask) -> None:
    day = (LAST_WEEK + timedelta(days=1)).isoformat()
    add_events(sample_app, [
        (day, "12", "1201", "methadone", "served_farther", "sms", "km", 6),
        (day, "12", "1201", "methadone", "only_full", "sms", "km", 7),
        (day, "12", "1201", "methadone", "no_service", "sms", "km", 8),
        (day, "12", "1203", "methadone", "served_within_10km", "sms", "km", 2),
        (day, "16", "1602", "methadone", "served_within_10km", "sms", "km", 9),
    ])
    client = client_for(sample_app)
    page = client.get("/outreach/demand?province=12&service_type=methadone")
    outcome = page.get_data(as_text=True).split('data-testid="table-outcome"', 1)[1]
    outcome = outcome.split("</section>", 1)[0]
    shown = re.findall(r'class="num[^"]*">([^<]*)<', outcome)
    # reached, its parts (4), not met, its parts (3): a hidden total has a hidden part
    unmet = shown[5]
    assert unmet in ("x", "21")
    assert unmet != "x" or not all(v.isdigit() for v in shown[6:9])
    assert demand.derived("x", [6, 7, 8]) == 21 and demand.derived("x", [6, "<5"]) == "x"


def test_a_chosen_service_type_is_the_only_one_in_its_card(sample_app: Flask) -> None:
    day = (LAST_WEEK + timedelta(days=1)).isoformat()
    add_events(sample_app, [
        (day, "16", "1602", "methadone", "served_within_10km", "sms", "km", 9),
        (day, "16", "1602", "needle_exchange", "served_within_10km", "sms", "km", 9),
    ])
    page = client_for(sample_app).get(
        "/outreach/demand?province=16&service_type=methadone").get_data(as_text=True)
    card = page.split('data-testid="table-service_type"', 1)[1].split("</section>", 1)[0]
    assert "Methadone" in card and "Needle" not in card


def test_the_district_list_follows_the_province(sample_app: Flask) -> None:
    client = client_for(sample_app)
    everywhere = client.get("/outreach/demand").get_data(as_text=True)
    ratanak_kiri = client.get("/outreach/demand?province=16").get_data(as_text=True)

    def districts(page: str) -> list[str]:
        select = page.split('name="district"', 1)[1].split("</select>", 1)[0]
        return [code for code in re.findall(r'value="(\d{4})"', select)]

    assert len(districts(everywhere)) > 150
    assert districts(ratanak_kiri) and all(code.startswith("16") for code in districts(ratanak_kiri))


def test_the_unmet_summary_follows_the_filters(sample_app: Flask) -> None:
    day = (LAST_WEEK + timedelta(days=1)).isoformat()
    add_events(sample_app, [
        (day, "12", "1201", "methadone", "served_farther", "sms", "km", 20),
        (day, "16", "1602", "methadone", "no_service", "sms", "km", 7),
    ])
    client = client_for(sample_app)
    country = client.get("/outreach/unmet").get_data(as_text=True)
    ratanak_kiri = client.get("/outreach/unmet?province=16").get_data(as_text=True)
    def summary(page: str) -> str:
        return page.split('data-testid="unmet-summary">', 1)[1].split("<", 1)[0]

    assert summary(country) == "Requests: 27 · not met: 27"
    assert summary(ratanak_kiri) == "Requests: 7 · not met: 7"


def test_months_and_moments_cannot_be_misread(app: Flask) -> None:
    from datetime import UTC, date, datetime

    from flask_babel import force_locale

    from models import stats
    from webhooks.outreach import when

    with app.test_request_context():
        november = stats.period_of(date(2026, 11, 3), "month")
        with force_locale("en"):
            assert labels.short_period(november) == "Nov 2026"
            assert when(datetime(2026, 12, 5, 7, 5, tzinfo=UTC)) == "5 Dec 2026, 14:05"
        with force_locale("km"):  # the month by its Khmer name, never 12/5/26
            assert when(datetime(2026, 12, 5, 7, 5, tzinfo=UTC)) == "5 ធ្នូ 2026, 14:05"


def test_the_unmet_ranking_rolls_up_to_provinces(sample_app: Flask) -> None:
    day = (LAST_WEEK + timedelta(days=1)).isoformat()
    add_events(sample_app, [
        (day, "16", "1602", "methadone", "no_service", "sms", "km", 4),
        (day, "16", "1603", "methadone", "no_service", "sms", "km", 4),
        (day, "16", None, "methadone", "no_service", "sms", "km", 3),
    ])
    client = client_for(sample_app)
    by_district = client.get("/outreach/unmet").get_data(as_text=True)
    by_province = client.get("/outreach/unmet?level=province").get_data(as_text=True)
    assert 'data-testid="unmet-table"' not in by_district  # each district alone is under 5
    table = by_province.split('data-testid="unmet-table"', 1)[1].split("</table>", 1)[0]
    assert "Ratanak Kiri" in table and ">11<" in table
    rows = client.get("/outreach/unmet.csv?level=province").get_data(as_text=True)
    assert ",16,," in rows and "16?" not in rows


def test_the_map_shades_provinces_and_each_links_to_its_figures(sample_app: Flask) -> None:
    day = (LAST_WEEK + timedelta(days=1)).isoformat()
    add_events(sample_app, [
        (day, "16", "1602", "methadone", "no_service", "sms", "km", 20),
        (day, "02", "0203", "methadone", "served_farther", "sms", "km", 6),
        (day, "02", "0203", "methadone", "served_within_10km", "sms", "km", 9),
    ])
    client = client_for(sample_app)
    page = client.get("/outreach/demand").get_data(as_text=True)
    assert page.index('data-testid="kpis"') < page.index('data-testid="map-card"') < page.index(
        'data-testid="period-chart"')
    card = page.split('data-testid="map-card"', 1)[1].split("</section>", 1)[0]
    shapes = re.findall(r'<a href="([^"]+)" class="province"', card)
    assert len(shapes) == 25 and "/outreach/demand?province=16#figures" in shapes
    listed = card.split('data-testid="province-list"', 1)[1]
    assert len(re.findall(r'<a href="[^"]+" data-code=', listed)) == 25
    assert "Ratanak Kiri: 20 of 20 requests not met (100%)" in card
    assert 'data-code="16" data-state="shade"' in card
    assert "OpenStreetMap" in card and "ODbL" in card  # the boundaries' attribution
    assert "<script" not in card and "style=" not in card
    followed = client.get("/outreach/demand?province=16").get_data(as_text=True)
    assert _tile(followed, "requests") == "20"
    assert followed.count('data-code="16" data-state="shade" aria-current="true"') == 2  # map, list


def test_pages_are_compressed_for_browsers_that_take_it(sample_app: Flask) -> None:
    import gzip

    client = client_for(sample_app)
    plain = client.get("/outreach/demand")
    packed = client.get("/outreach/demand", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.headers.get("Content-Encoding") is None
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers[
        "Vary"]
    assert len(packed.get_data()) * 3 < len(plain.get_data())
    text = gzip.decompress(packed.get_data()).decode()
    assert text.split("csrf_token")[0] == plain.get_data(as_text=True).split("csrf_token")[0]
