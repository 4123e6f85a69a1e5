"""``flask alerts`` through ``app.test_cli_runner()``: post, list, renew, withdraw, export; the
rules' refusals and warnings; the audit log; the Telegram channel against the local fake Bot
API (tests/fake_bot_api.py), whose failure never loses the alert."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from models import Alert, AuditLog, Service, StaffUser
from models.alerts import EXPORT_COLUMNS
from tests.conftest import PINNED_NOW
from tests.fake_bot_api import FakeBotApi

LEAD = "lead@example.org"
WORKER, ADMIN = "worker@example.org", "admin@example.org"
CHANNEL = "-1001234567890"
STARTS = PINNED_NOW.isoformat()
ENDS = (PINNED_NOW + timedelta(days=7)).isoformat()


@pytest.fixture
def app(make_app: Any) -> Flask:
    app = make_app()
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        session.add(StaffUser(email=LEAD, password_hash="x", role="lead"))
        session.add(StaffUser(email="gone@example.org", password_hash="x", role="lead",
                              is_active=False))
        session.add(StaffUser(email=WORKER, password_hash="x", role="outreach"))
        session.add(StaffUser(email=ADMIN, password_hash="x", role="admin"))
        session.add(Service(service_type="drop_in", name_km="មណ្ឌល", name_en="Drop-in",
                            province_code="12", district_code="1201", phone="012 345 678"))
    return app  # type: ignore[no-any-return]


def cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["alerts", *args])


def post(app: Flask, *extra: str, kind: str = "call_first", scope: str = "province:12",
         en: str = "Call before going this week") -> Any:
    return cli(app, "post", "--kind", kind, "--scope", scope, "--km", "ទូរស័ព្ទមុនពេលទៅ",
               "--en", en, "--starts", STARTS, "--ends", ENDS, "--by", LEAD, *extra)


def posted_id(result: Any) -> str:
    """The id of the alert a ``post`` printed (PostgreSQL's sequences are not reset between
    tests)."""
    assert result.exit_code == 0, result.output
    found = re.search(r"posted alert #(\d+)", result.stdout)
    assert found, result.stdout
    return found.group(1)


def audit_rows(app: Flask) -> list[AuditLog]:
    with app.extensions["sangkhim.db"].sessions() as session:
        return list(session.scalars(select(AuditLog).order_by(AuditLog.id)))


def test_post_list_renew_withdraw_and_the_audit_log(app: Flask, clock: Any) -> None:
    alert = posted_id(post(app))
    listed = cli(app, "list")
    assert f"#{alert}\tactive\tcall_first\tprovince:12" in listed.stdout
    assert "Call before going this week" in listed.stdout

    until = (PINNED_NOW + timedelta(days=10)).isoformat()
    result = cli(app, "renew", alert, "--until", until, "--by", LEAD)
    assert result.exit_code == 0, result.output
    result = cli(app, "withdraw", alert, "--by", LEAD)
    assert result.exit_code == 0, result.output
    assert "no alerts active" in cli(app, "list").stdout
    assert f"#{alert}\twithdrawn" in cli(app, "list", "--all").stdout
    # as it was an hour ago... before it was posted: nothing; the list --at a moment works
    assert "no alerts active" in cli(app, "list", "--at",
                                     (PINNED_NOW - timedelta(hours=1)).isoformat()).stdout

    entries = audit_rows(app)
    assert [e.action for e in entries] == ["alert.post", "alert.renew", "alert.withdraw"]
    assert {e.actor_email for e in entries} == {LEAD}
    assert {e.target_id for e in entries} == {alert}
    assert json.loads(entries[0].details)["scope"] == "province:12"
    assert json.loads(entries[1].details)["ends_at"][1].startswith("2026-12-19")
    assert json.loads(entries[2].details)["withdrawn_at"][0] is None


@pytest.mark.parametrize(("args", "message"), [
    (("--by", "nobody@example.org"), "no active staff account"),
    (("--by", "gone@example.org"), "no active staff account"),
])
def test_post_needs_an_active_account(app: Flask, args: tuple[str, ...], message: str) -> None:
    result = cli(app, "post", "--kind", "closed", "--scope", "country", "--km", "បិទ",
                 "--en", "Closed", "--ends", ENDS, *args)
    assert result.exit_code == 1 and message in result.output
    assert audit_rows(app) == []


def test_only_a_team_lead_or_an_admin_posts_renews_and_withdraws(app: Flask) -> None:
    """An outreach worker is refused each command, with a message that says why and what to do;
    an admin may, and a second lead withdraws what the first posted."""
    refused = cli(app, "post", "--kind", "closed", "--scope", "country", "--km", "បិទ",
                  "--en", "Closed", "--ends", ENDS, "--by", WORKER)
    assert refused.exit_code == 1
    assert "not a team lead" in refused.output and "--role lead" in refused.output
    alert = posted_id(cli(app, "post", "--kind", "closed", "--scope", "country", "--km", "បិទ",
                          "--en", "Closed", "--ends", ENDS, "--by", ADMIN))
    for command in (("renew", alert, "--until", ENDS), ("withdraw", alert)):
        result = cli(app, *command, "--by", WORKER)
        assert result.exit_code == 1 and "not a team lead" in result.output, command
    assert cli(app, "withdraw", alert, "--by", LEAD).exit_code == 0
    assert [(e.action, e.actor_email) for e in audit_rows(app)] == [
        ("alert.post", ADMIN), ("alert.withdraw", LEAD)]


@pytest.mark.parametrize(("kwargs", "extra", "message"), [
    ({"scope": "province:99"}, (), "no province has the code 99"),
    ({"scope": "service:42"}, (), "no service in the directory has the id 42"),
    ({"kind": "health"}, (), "a health alert says what to do"),
    ({"en": "Ask for dara@example.org"}, (), "e-mail address"),
    ({"en": "Call Dara 097 765 4321"}, (), "looks like a phone number"),
    ({}, ("--ends", (PINNED_NOW + timedelta(days=15)).isoformat()), "14 days at most"),
])
def test_refused_alerts_say_why_and_leave_nothing(
    app: Flask, kwargs: dict[str, str], extra: tuple[str, ...], message: str
) -> None:
    result = post(app, *extra, **kwargs)
    assert result.exit_code == 1, result.output
    assert "alert refused" in result.output and message in result.output
    assert "Traceback" not in result.output
    with app.extensions["sangkhim.db"].sessions() as session:
        assert session.scalars(select(Alert)).all() == []


def test_a_service_s_own_phone_is_allowed(app: Flask) -> None:
    with app.extensions["sangkhim.db"].sessions() as session:
        service_id = session.scalars(select(Service.id)).one()
    result = post(app, scope=f"service:{service_id}", en="Moved: call 012 345 678")
    assert result.exit_code == 0, result.output


def test_police_words_are_refused_unless_said_to_be_about_services(app: Flask) -> None:
    refused = post(app, en="Police raids near the market: call first")
    assert refused.exit_code == 1
    assert "warning:" in refused.output and "--yes-it-is-about-services" in refused.output
    accepted = post(app, "--yes-it-is-about-services",
                    en="Police raids near the market: call first")
    assert accepted.exit_code == 0, accepted.output
    assert "warning overridden" in accepted.stderr
    assert json.loads(audit_rows(app)[0].details)["warnings_overridden"]


def test_bad_input_is_a_usage_error_not_a_crash(app: Flask) -> None:
    for args in (("--scope", "planet"), ("--starts", "tomorrow")):
        result = cli(app, "post", "--kind", "closed", "--scope", "country", "--km", "x",
                     "--en", "x", "--ends", ENDS, "--by", LEAD, *args)
        assert result.exit_code == 2 and "Traceback" not in result.output
    assert cli(app, "withdraw", "99999", "--by", LEAD).exit_code == 1
    assert "no alert has the id 99999" in cli(app, "renew", "99999", "--until", ENDS,
                                           "--by", LEAD).output


def test_renewal_past_14_days_and_of_a_withdrawn_alert_is_refused(app: Flask) -> None:
    alert = posted_id(post(app))
    too_far = (PINNED_NOW + timedelta(days=14, hours=1)).isoformat()
    assert "14 days from now at most" in cli(app, "renew", alert, "--until", too_far,
                                             "--by", LEAD).output
    cli(app, "withdraw", alert, "--by", LEAD)
    result = cli(app, "renew", alert, "--until", ENDS, "--by", LEAD)
    assert result.exit_code == 1 and "was withdrawn" in result.output
    assert cli(app, "withdraw", alert, "--by", LEAD).exit_code == 1


def test_export_is_a_csv_of_documented_columns(app: Flask) -> None:
    first = posted_id(post(app))
    second = posted_id(post(
        app, "--advice-km", "សាកល្បងបន្តិចសិន", "--advice-en", "Test a small amount first",
        kind="health", scope="country", en="Red pills put people in hospital"))
    result = cli(app, "export")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert [(r["alert_id"], r["kind"], r["scope"], r["status"]) for r in rows] == [
        (second, "health", "country", "active"), (first, "call_first", "province:12", "active")]
    assert rows[0]["advice_en"] == "Test a small amount first"
    assert LEAD not in result.stdout  # who posted is in the audit log, not in the export


def test_formula_like_texts_are_quoted_in_the_export(app: Flask) -> None:
    post(app, en="=HYPERLINK(1) call first")
    rows = list(csv.DictReader(io.StringIO(cli(app, "export").stdout)))
    assert not rows[0]["text_en"].startswith("=")


# --- the Telegram channel ----------------------------------------------------------------------

@pytest.fixture
def channel_app(make_app: Any, bot_api: FakeBotApi) -> Flask:
    app = make_app(TELEGRAM_API_BASE_URL=bot_api.url, TELEGRAM_ALERTS_CHANNEL=CHANNEL)
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        session.add(StaffUser(email=LEAD, password_hash="x", role="lead"))
    return app  # type: ignore[no-any-return]


def test_each_post_renewal_and_withdrawal_goes_to_the_channel(
    channel_app: Flask, bot_api: FakeBotApi
) -> None:
    result = post(channel_app, "--advice-km", "សាកល្បងបន្តិចសិន", "--advice-en",
                  "Test a small amount first", kind="health", scope="province:12",
                  en="Red pills put people in hospital")
    alert = posted_id(result)
    assert "posted to the Telegram channel" in result.stdout
    cli(channel_app, "renew", alert, "--until", (PINNED_NOW + timedelta(days=9)).isoformat(),
        "--by", LEAD)
    cli(channel_app, "withdraw", alert, "--by", LEAD)
    sent = [params for name, params in bot_api.calls if name == "sendMessage"]
    assert [int(p["chat_id"]) for p in sent] == [int(CHANNEL)] * 3
    first = sent[0]["text"]
    # Khmer first, then English; the kind, where, the text, the advice, the end
    assert first.index("ទូរស័ព្ទមុនពេលទៅ") < first.index("Red pills put people in hospital")
    assert "Phnom Penh" in first and "Test a small amount first" in first  # the province
    assert "Until 2026-12-16 10:00" in first
    assert "Alert renewed" in sent[1]["text"] and "Alert withdrawn" in sent[2]["text"]
    assert "Until" not in sent[2]["text"]


def test_an_at_name_channel_is_used_as_is(make_app: Any, bot_api: FakeBotApi) -> None:
    app = make_app(TELEGRAM_API_BASE_URL=bot_api.url, TELEGRAM_ALERTS_CHANNEL="@sangkhim_alerts")
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        session.add(StaffUser(email=LEAD, password_hash="x", role="lead"))
    assert post(app).exit_code == 0
    assert bot_api.params("sendMessage")["chat_id"] == "@sangkhim_alerts"


def test_a_channel_that_fails_loses_no_alert_and_logs_no_content(
    channel_app: Flask, bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    bot_api.refuse["sendMessage"] = "Bad Request: chat not found"
    with caplog.at_level(logging.WARNING):
        result = post(channel_app, en="Closed until Monday")
    alert = posted_id(result)
    assert "did not take the post" in result.stderr
    assert f"#{alert}\tactive" in cli(channel_app, "list").stdout
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"alert {alert} (posted)" in logged
    assert "Closed until Monday" not in logged and "ទូរស័ព្ទ" not in logged


def test_no_channel_no_post(app: Flask, bot_api: FakeBotApi) -> None:
    assert post(app).exit_code == 0
    assert bot_api.calls == []
