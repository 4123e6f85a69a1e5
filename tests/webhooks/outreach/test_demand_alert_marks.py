"""The demand chart marks the periods a service or health alert covered the place shown
(``webhooks/outreach/demand_alert_marks.py``), as the alerts were recorded then: on SQLite and
PostgreSQL, in English and Khmer, from the alerts alone (never from the counts)."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.alert_info import Scope
from core.alert_rules import AlertDraft
from core.catalogs import translations
from core.vocabulary import CAMBODIA, AlertKind, Locale
from models import alerts as storage
from models import stats
from models.services import Service
from tests.webhooks.outreach.helpers import OUTREACH, login, make_user
from tests.webhooks.outreach.test_demand import LAST_WEEK, WEEK_BEFORE, demand_app  # noqa: F401
from webhooks.database import get_db

KM = translations(Locale.KM)
THIRD_WEEK = WEEK_BEFORE - timedelta(weeks=1)


def moment(day: date, hour: int = 10) -> datetime:
    """A moment of a Cambodian calendar day, in UTC as stored."""
    return datetime.combine(day, time(hour), CAMBODIA).astimezone(UTC)


def label(monday: date) -> str:
    return stats.period_of(monday, "week").label


def add_alert(app: Flask, scope: str, kind: AlertKind, start: datetime, end: datetime,
              recorded: datetime) -> int:
    with app.app_context(), get_db().sessions() as session, session.begin():
        draft = AlertDraft(kind, Scope.parse(scope), "ទូរស័ព្ទមុនពេលទៅ", "Call before going",
                           "", "", start, end)
        return storage.post(session, draft, None, recorded).id


def change(app: Flask, alert_id: int, at: datetime, renew_to: datetime | None = None) -> None:
    with app.app_context(), get_db().sessions() as session, session.begin():
        alert = storage.find(session, alert_id)
        if renew_to is None:
            storage.withdraw(session, alert, None, at)
        else:
            storage.renew(session, alert, renew_to, None, at)


@pytest.fixture
def alerts_app(demand_app: Flask) -> Flask:  # noqa: F811
    """Four alerts about the last two ended weeks (Monday ``LAST_WEEK``, ``WEEK_BEFORE``):
    - call first, Phnom Penh (12), Wednesday to Saturday of the last week;
    - closed, Siemreap (17), both weeks (another province);
    - out of stock, whole country, posted for both weeks, withdrawn on the Thursday of the week
      before (so not in the last week);
    - health, district 1201, posted for the weekend of the week before, renewed while running
      until the Thursday of the last week."""
    add_alert(demand_app, "province:12", AlertKind.CALL_FIRST, moment(LAST_WEEK + timedelta(2)),
              moment(LAST_WEEK + timedelta(5)), recorded=moment(LAST_WEEK + timedelta(1)))
    add_alert(demand_app, "province:17", AlertKind.CLOSED, moment(WEEK_BEFORE),
              moment(LAST_WEEK + timedelta(6)), recorded=moment(WEEK_BEFORE, 8))
    withdrawn = add_alert(demand_app, "country", AlertKind.OUT_OF_STOCK,
                          moment(WEEK_BEFORE + timedelta(1)), moment(LAST_WEEK + timedelta(6)),
                          recorded=moment(WEEK_BEFORE))
    change(demand_app, withdrawn, moment(WEEK_BEFORE + timedelta(3)))
    renewed = add_alert(demand_app, "district:1201", AlertKind.HEALTH,
                        moment(WEEK_BEFORE + timedelta(5)), moment(WEEK_BEFORE + timedelta(6), 20),
                        recorded=moment(WEEK_BEFORE + timedelta(5)))
    change(demand_app, renewed, moment(WEEK_BEFORE + timedelta(6)),
           renew_to=moment(LAST_WEEK + timedelta(3)))
    return demand_app


def reader(app: Flask, khmer: bool = False) -> FlaskClient:
    make_user(app, OUTREACH, "outreach")
    client = app.test_client()
    if khmer:
        client.khmer = True  # type: ignore[attr-defined]  # no English chosen (conftest)
        with client.session_transaction() as session:
            session.clear()
    login(client, OUTREACH)
    return client


def page(client: FlaskClient, query: str = "") -> str:
    response = client.get(f"/outreach/demand{query}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def marked(text: str) -> dict[str, str]:
    """The periods table's alerts column, by period label, for the weeks that have any."""
    cells = {}
    for row in re.findall(r'<tr><td><a href="[^"]*">.*?</tr>', text, re.S):
        period = re.search(r"period=([0-9]{4}-W[0-9]{2})", row).group(1)  # type: ignore[union-attr]
        cell = re.search(r'data-testid="period-alerts">(.*?)</td>', row)
        if cell and cell.group(1):
            cells[period] = cell.group(1)
    return cells


def notes(text: str) -> list[str]:
    return re.findall(r'data-testid="alert-note"[^>]*>(.*?)</li>', text)


def test_a_covering_alert_marks_its_week_and_another_provinces_does_not(
        alerts_app: Flask) -> None:
    text = page(reader(alerts_app), "?province=12")
    cells = marked(text)
    # a district's alert marks its province's chart too, named: a drop in the province may be
    # the district's
    health = "Health alert: drug supply · Chamkar Mon, Phnom Penh"
    assert cells[label(LAST_WEEK)] == f"Call before going · Phnom Penh; {health}"
    # the week before: the country's alert, before it was withdrawn; Siemreap's never
    assert cells[label(WEEK_BEFORE)] == f"Out of stock · Whole country; {health}"
    assert label(THIRD_WEEK) not in cells
    assert "Service closed" not in text
    assert not any("Siemreap" in note for note in notes(text))
    assert text.count('data-testid="alert-mark"') == 2
    first, last = LAST_WEEK + timedelta(2), LAST_WEEK + timedelta(5)  # until Saturday 10:00
    assert (f"Alert: Call before going · Phnom Penh, {first:%-d %b %Y} to {last:%-d %b %Y}"
            in notes(text))
    assert "an alert covered this place" in text  # the legend's key


def test_the_other_province_sees_its_own(alerts_app: Flask) -> None:
    cells = marked(page(reader(alerts_app), "?province=17"))
    assert cells[label(LAST_WEEK)] == "Service closed · Siemreap"
    assert cells[label(WEEK_BEFORE)] == ("Service closed · Siemreap; "
                                         "Out of stock · Whole country")


def test_an_alert_withdrawn_before_the_week_does_not_mark_it(alerts_app: Flask) -> None:
    cells = marked(page(reader(alerts_app)))  # the whole country: every province's alerts
    last, before = (set(cells[label(w)].split("; ")) for w in (LAST_WEEK, WEEK_BEFORE))
    health = "Health alert: drug supply · Chamkar Mon, Phnom Penh"
    assert last == {"Call before going · Phnom Penh", "Service closed · Siemreap", health}
    assert before == {"Out of stock · Whole country", "Service closed · Siemreap", health}
    assert label(THIRD_WEEK) not in cells


def test_a_renewal_extends_the_mark_as_recorded(alerts_app: Flask) -> None:
    text = page(reader(alerts_app), "?province=12&district=1201")
    cells = marked(text)
    health = "Health alert: drug supply · Chamkar Mon, Phnom Penh"
    assert cells[label(LAST_WEEK)] == f"Call before going · Phnom Penh; {health}"
    assert cells[label(WEEK_BEFORE)] == f"Out of stock · Whole country; {health}"
    first, last = WEEK_BEFORE + timedelta(5), LAST_WEEK + timedelta(3)  # until Thursday 10:00
    assert f"Alert: {health}, {first:%-d %b %Y} to {last:%-d %b %Y}" in notes(text)


def test_without_the_renewal_the_mark_ends_where_it_was_recorded(demand_app: Flask) -> None:  # noqa: F811
    add_alert(demand_app, "district:1201", AlertKind.HEALTH,
              moment(WEEK_BEFORE + timedelta(5)), moment(WEEK_BEFORE + timedelta(6), 20),
              recorded=moment(WEEK_BEFORE + timedelta(5)))
    cells = marked(page(reader(demand_app), "?province=12&district=1201"))
    assert list(cells) == [label(WEEK_BEFORE)]


def test_a_services_alert_marks_its_place_for_its_kind_only(demand_app: Flask) -> None:  # noqa: F811
    with demand_app.app_context(), get_db().sessions() as session:
        service = session.execute(select(Service.id, Service.district_code, Service.service_type)
                                  .where(Service.province_code == "12",
                                         Service.district_code.is_not(None))).first()
    assert service is not None
    add_alert(demand_app, f"service:{service.id}", AlertKind.MOVED, moment(LAST_WEEK),
              moment(LAST_WEEK + timedelta(3)), recorded=moment(LAST_WEEK))
    client = reader(demand_app)
    where = f"?province=12&district={service.district_code}"
    assert list(marked(page(client, where))) == [label(LAST_WEEK)]
    assert list(marked(page(client, f"{where}&service_type={service.service_type}"))) == [
        label(LAST_WEEK)]
    other = next(t for t in stats.SERVICE_TYPES if t != service.service_type)
    assert marked(page(client, f"{where}&service_type={other}")) == {}
    assert marked(page(client, "?province=17")) == {}


def test_marks_are_in_khmer_for_a_khmer_reader(alerts_app: Flask) -> None:
    text = page(reader(alerts_app, khmer=True), "?province=12")
    cells = marked(text)
    assert cells[label(LAST_WEEK)].startswith(KM.gettext("Call before going") + " · ")
    assert "ភ្នំពេញ" in cells[label(LAST_WEEK)]
    assert "Call before going" not in text
    assert KM.gettext("an alert covered this place (listed below)") in text
    assert all(note.startswith(KM.gettext("Alert: %(what)s, %(dates)s").split("%")[0])
               for note in notes(text))


def test_marks_do_not_depend_on_the_counts(demand_app: Flask) -> None:  # noqa: F811
    """Battambang (02) had three requests in the last week, published as "<5", and none the
    week before: an alert over both draws the same mark in each, with the same words, and no
    number but its dates. (The marks are computed from the alerts alone: ``chart_alerts`` and
    ``charts.alert_bands`` are never given a count.)"""
    add_alert(demand_app, "province:02", AlertKind.REDUCED_HOURS, moment(WEEK_BEFORE),
              moment(LAST_WEEK + timedelta(6)), recorded=moment(WEEK_BEFORE, 8))
    text = page(reader(demand_app), "?province=02")
    assert "&lt;5" in text or "<5" in text
    marks = re.findall(r'<g data-testid="alert-mark">(.*?)</g>', text, re.S)
    assert len(marks) == 2
    widths = {re.search(r'width="([0-9.]+)"', m).group(1) for m in marks}  # type: ignore[union-attr]
    heights = {re.search(r'height="([0-9.]+)"', m).group(1) for m in marks}  # type: ignore[union-attr]
    titles = {re.search(r"<title>(.*?)</title>", m).group(1) for m in marks}  # type: ignore[union-attr]
    assert len(widths) == len(heights) == len(titles) == 1
    assert titles == {"Alert: Reduced hours · Battambang"}
    assert not re.search(r"[0-9]", "".join(marked(text).values()))
