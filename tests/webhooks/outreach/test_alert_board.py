"""The dashboard's alerts page (/outreach/alerts): who may post, renew and withdraw (leads and
admins), the rules' findings beside their fields with nothing lost, the SMS length shown by the
server, CSRF, the audit log and the Telegram channel; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import alerts as storage
from models.services import Service
from models.staff import AuditLog
from tests.conftest import PINNED_NOW
from tests.fake_bot_api import FakeBotApi
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, login, make_user, token
from webhooks.database import get_db

LEAD, SECOND = "lead@example.org", "second.lead@example.org"
PAGE = "/outreach/alerts"
CHANNEL = "-1001234567890"


def minute(delta: timedelta = timedelta(0)) -> str:
    """A form's moment: Phnom Penh time, to the minute (PINNED_NOW is Phnom Penh time)."""
    return (PINNED_NOW + delta).strftime("%Y-%m-%dT%H:%M")


GOOD = {
    "kind": "call_first", "scope_kind": "province", "province": "12", "district": "",
    "service": "", "text_km": "ទូរស័ព្ទមុនពេលទៅ សប្តាហ៍នេះ", "text_en": "Call before going this week",
    "advice_km": "", "advice_en": "", "starts": minute(), "ends": minute(timedelta(days=7)),
}


def logged_in(app: Flask, email: str, role: str) -> FlaskClient:
    make_user(app, email, role)
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def send(client: FlaskClient, path: str = PAGE, **fields: str) -> Any:
    return client.post(path, data={"csrf_token": token(client, PAGE), **fields})


def audit(app: Flask) -> list[AuditLog]:
    with app.app_context(), get_db().sessions() as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action.like("alert.%"))
                                    .order_by(AuditLog.id)))


def alert_rows(app: Flask) -> list[storage.AlertRow]:
    with app.app_context(), get_db().sessions() as session:
        return storage.all_alerts(session, PINNED_NOW)


def test_a_lead_posts_and_a_second_lead_withdraws_at_once(app: Flask) -> None:
    lead, second = logged_in(app, LEAD, "lead"), logged_in(app, SECOND, "lead")
    answer = send(lead, **GOOD)
    assert answer.status_code == 302 and answer.location.endswith(PAGE)
    [row] = alert_rows(app)
    assert (row.status, str(row.info.scope), row.info.text_en) == (
        "active", "province:12", "Call before going this week")
    assert row.info.starts_at == PINNED_NOW and row.info.ends_at == PINNED_NOW + timedelta(days=7)
    page = lead.get(PAGE).get_data(as_text=True)
    assert "The alert is posted" in page
    card = page[page.index(f'data-testid="alert-{row.info.id}"'):]
    assert "In force" in card and "Phnom Penh" in card and LEAD in card
    assert "9 Dec 2026, 10:00" in card and "16 Dec 2026, 10:00" in card  # Phnom Penh time

    assert send(second, f"{PAGE}/{row.info.id}/withdraw").status_code == 302
    [row] = alert_rows(app)
    assert row.status == "withdrawn"
    page = second.get(PAGE).get_data(as_text=True)
    assert "Withdrawn" in page and f"withdrawn by {SECOND}" in page
    entries = audit(app)
    assert [(e.action, e.actor_email) for e in entries] == [
        ("alert.post", LEAD), ("alert.withdraw", SECOND)]
    assert json.loads(entries[0].details)["scope"] == "province:12"
    # withdrawn already: a second click says so and changes nothing
    send(second, f"{PAGE}/{row.info.id}/withdraw")
    assert "already withdrawn" in second.get(PAGE).get_data(as_text=True)
    assert len(audit(app)) == 2


def test_renewing_gives_a_new_end_and_is_audited(app: Flask) -> None:
    lead = logged_in(app, ADMIN, "admin")  # an admin counts as a lead
    send(lead, **GOOD)
    [row] = alert_rows(app)
    answer = send(lead, f"{PAGE}/{row.info.id}/renew", until=minute(timedelta(days=10)))
    assert answer.status_code == 302
    [row] = alert_rows(app)
    assert row.info.ends_at == PINNED_NOW + timedelta(days=10)
    assert "renewed until 19 Dec 2026, 10:00" in lead.get(PAGE).get_data(as_text=True)
    # more than 14 days from now: refused, said, nothing changed
    send(lead, f"{PAGE}/{row.info.id}/renew", until=minute(timedelta(days=15)))
    assert "14 days from now at most" in lead.get(PAGE).get_data(as_text=True)
    assert alert_rows(app)[0].info.ends_at == PINNED_NOW + timedelta(days=10)
    assert [e.action for e in audit(app)] == ["alert.post", "alert.renew"]
    assert json.loads(audit(app)[1].details)["ends_at"][1].startswith("2026-12-19T03:00")


@pytest.mark.parametrize("role", ["outreach"])
def test_an_outreach_worker_sees_alerts_but_no_form_and_every_change_is_refused(
    app: Flask, role: str
) -> None:
    lead = logged_in(app, LEAD, "lead")
    send(lead, **GOOD)
    [row] = alert_rows(app)
    worker = logged_in(app, OUTREACH, role)
    page = worker.get(PAGE)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Call before going this week" in text
    assert 'data-testid="alert-form"' not in text and 'data-testid="leads-only"' in text
    assert f'data-testid="withdraw-{row.info.id}"' not in text
    for path, fields in ((PAGE, GOOD), (f"{PAGE}/{row.info.id}/withdraw", {}),
                         (f"{PAGE}/{row.info.id}/renew", {"until": minute(timedelta(days=3))})):
        refused = send(worker, path, **fields)
        assert refused.status_code == 403, path
        assert "Only a team lead or an admin" in refused.get_data(as_text=True)
    assert [r.status for r in alert_rows(app)] == ["active"]
    assert [e.actor_email for e in audit(app)] == [LEAD]


def test_the_page_needs_a_login_and_each_change_its_csrf_token(app: Flask) -> None:
    assert app.test_client().get(PAGE).status_code == 302  # to the login page
    lead = logged_in(app, LEAD, "lead")
    assert lead.post(PAGE, data=GOOD).status_code == 400
    assert lead.post(PAGE, data={**GOOD, "csrf_token": "forged"}).status_code == 400
    send(lead, **GOOD)
    [row] = alert_rows(app)
    assert lead.post(f"{PAGE}/{row.info.id}/withdraw").status_code == 400
    assert alert_rows(app)[0].status == "active" and len(audit(app)) == 1
    assert send(lead, f"{PAGE}/999999/withdraw").status_code == 404


#: (what changes in the form, the field the error is shown beside, a piece of the message)
REFUSALS = [
    ({"text_en": ""}, "text_en", "both languages are required"),
    ({"text_km": "ក" * 71}, "text_km", "too long for one SMS segment (2 segments)"),
    ({"text_en": "Ask for dara@example.org"}, "text_en", "e-mail address is personal data"),
    ({"text_en": "Call Dara 097 765 4321"}, "text_en", "looks like a phone number"),
    ({"kind": "health"}, "advice_km", "a health alert says what to do"),
    ({"advice_en": "Test first"}, "advice_km", "only a health alert carries advice"),
    ({"ends": minute(timedelta(days=15))}, "ends", "14 days at most"),
    ({"ends": minute(-timedelta(hours=1)), "starts": minute(-timedelta(hours=2))}, "ends",
     "the end has already passed"),
    ({"ends": "tomorrow"}, "ends", "Give a date and time."),
    ({"province": ""}, "province", "Choose where the alert applies."),
    ({"scope_kind": "district", "district": "9999"}, "district", "Not a valid choice"),
    ({"kind": "rumour"}, "kind", "Not a valid choice"),
]


@pytest.mark.parametrize(("change", "field", "message"), REFUSALS)
def test_a_refused_alert_says_why_beside_the_field_and_keeps_what_was_typed(
    app: Flask, change: dict[str, str], field: str, message: str
) -> None:
    lead = logged_in(app, LEAD, "lead")
    answer = send(lead, **{**GOOD, **change})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    # the message follows the field's own input, before the next field's label
    start = html.index(f'name="{field}"')
    following = html[start:html.index("<label", start) if "<label" in html[start:] else None]
    assert message in following, (field, message)
    for name in ("text_km", "text_en"):  # nothing typed is lost
        value = {**GOOD, **change}[name]
        if value:
            assert re.search(rf">\s*{re.escape(value)}</textarea>", html), name
    assert alert_rows(app) == [] and audit(app) == []


def test_words_about_police_need_the_confirmation_then_post(app: Flask) -> None:
    lead = logged_in(app, LEAD, "lead")
    police = {**GOOD, "text_en": "Drop-in open again after the police raid"}
    answer = send(lead, **police)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "never about police movements" in html
    assert 'data-testid="police-check"' in html and 'name="about_services"' in html
    assert 'data-testid="police-check"' not in lead.get(PAGE).get_data(as_text=True)
    assert send(lead, **police, about_services="y").status_code == 302
    [entry] = audit(app)
    assert "police" in json.loads(entry.details)["warnings_overridden"][0]


@pytest.mark.parametrize(("text", "shown"), [
    ("Call before going this week", "1 segment(s), 27 of 160 characters"),
    ("€" * 81, "2 segment(s), 162 of 160 characters"),
    ("ទូរស័ព្ទមុនពេលទៅ", "1 segment(s), 16 of 70 characters"),
    ("ក" * 71, "2 segment(s), 71 of 70 characters"),
])
def test_after_a_failed_submission_the_server_shows_each_texts_sms_length(
    app: Flask, text: str, shown: str
) -> None:
    lead = logged_in(app, LEAD, "lead")
    html = send(lead, **{**GOOD, "text_en": text, "ends": ""}).get_data(as_text=True)
    output = re.search(r'<output[^>]*data-testid="sms-text_en"[^>]*>([^<]*)</output>', html)
    assert output is not None and output.group(1) == f"SMS: {shown}"
    assert ("over" in output.group(0).split('class="')[1].split('"')[0]) == shown.startswith("2")


def test_scopes_by_district_and_service_are_chosen_from_the_lists(app: Flask) -> None:
    with app.app_context(), get_db().sessions() as session, session.begin():
        service = Service(service_type="drop_in", name_km="មណ្ឌល", name_en="Riverside Drop-in",
                          province_code="12", district_code="1201", phone="012 345 678")
        session.add(service)
        session.flush()
        service_id = service.id
    lead = logged_in(app, LEAD, "lead")
    html = lead.get(PAGE).get_data(as_text=True)
    assert f'<option value="{service_id}">Riverside Drop-in</option>' in html
    assert '<option value="1201">' in html  # districts, grouped by province
    send(lead, **{**GOOD, "scope_kind": "district", "district": "1201", "province": ""})
    send(lead, **{**GOOD, "scope_kind": "service", "service": str(service_id),
                  "text_en": "Call 012 345 678 before going", "province": ""})
    send(lead, **{**GOOD, "scope_kind": "country", "province": ""})
    assert sorted(str(r.info.scope) for r in alert_rows(app)) == [
        "country", "district:1201", f"service:{service_id}"]
    page = lead.get(PAGE).get_data(as_text=True)
    assert "Riverside Drop-in" in page and "Whole country" in page


def test_the_page_in_khmer(app: Flask) -> None:
    make_user(app, LEAD, "lead")
    client = app.test_client()
    client.khmer = True  # type: ignore[attr-defined]
    with client.session_transaction() as session:
        session.pop("ui_locale", None)
    login(client, LEAD)
    send(client, **GOOD)
    html = client.get(PAGE).get_data(as_text=True)
    assert "ភ្នំពេញ" in html and "In force" not in html and "Post the alert" not in html
    refused = send(client, **{**GOOD, "text_en": ""}).get_data(as_text=True)
    assert "both languages are required" not in refused  # the rule's words, in Khmer


def test_a_post_and_a_withdrawal_go_to_the_telegram_channel(make_app: Any,
                                                             bot_api: FakeBotApi) -> None:
    app = make_app(TELEGRAM_API_BASE_URL=bot_api.url, TELEGRAM_ALERTS_CHANNEL=CHANNEL)
    lead = logged_in(app, LEAD, "lead")
    send(lead, **GOOD)
    assert "Posted to the Telegram channel too" in lead.get(PAGE).get_data(as_text=True)
    [row] = alert_rows(app)
    send(lead, f"{PAGE}/{row.info.id}/withdraw")
    sent = [params["text"] for name, params in bot_api.calls if name == "sendMessage"]
    assert len(sent) == 2 and "Call before going this week" in sent[0]
    assert "Alert withdrawn" in sent[1]
    bot_api.refuse["sendMessage"] = "Bad Request: chat not found"
    send(lead, **GOOD)
    assert "did not take it" in lead.get(PAGE).get_data(as_text=True)
    assert len(alert_rows(app)) == 2  # the alert stands


def test_users_can_be_made_leads_on_the_admin_page_and_from_the_command_line(app: Flask) -> None:
    admin = logged_in(app, ADMIN, "admin")
    worker_id = make_user(app, OUTREACH, "outreach")
    assert "Team lead" in admin.get("/outreach/users").get_data(as_text=True)
    answer = admin.post(f"/outreach/users/{worker_id}/role",
                        data={"csrf_token": token(admin, "/outreach/users"), "role": "lead"})
    assert answer.status_code == 302
    worker = app.test_client()
    login(worker, OUTREACH)
    assert send(worker, **GOOD).status_code == 302  # a lead now
    result = app.test_cli_runner().invoke(args=["users", "set-role", OUTREACH, "--role",
                                                "outreach"])
    assert result.exit_code == 0 and "lead → outreach" in result.output
    worker = app.test_client()  # the change signed the account out: a new login
    login(worker, OUTREACH)
    assert send(worker, **GOOD).status_code == 403
    assert len(alert_rows(app)) == 1
    with app.app_context(), get_db().sessions() as session:
        changes = [(e.actor_email, json.loads(e.details)) for e in session.scalars(
            select(AuditLog).where(AuditLog.action == "user.update").order_by(AuditLog.id))]
    assert changes == [(ADMIN, {"role": ["outreach", "lead"]}),
                       ("(system)", {"role": ["lead", "outreach"]})]
