"""``flask doctor`` (webhooks/doctor.py): each check passing and failing, one line and a fix per
problem, exit 1 on any, and never a secret in what it prints. The providers are the local fakes
on 127.0.0.1 (tests/fake_bot_api.py, tests/fake_twilio_api.py)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import FlaskGroup

from models import migrate as migrations
from tests.conftest import TEST_CONFIG
from tests.fake_bot_api import FakeBotApi
from tests.fake_twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioApi
from tests.webhooks.channels import clock_tick
from webhooks import create_app, doctor

#: The doctor's clock, pinned: Telegram's last failed delivery is dated against it.
NOW = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
WEBHOOK = "https://sangkhim.example.org/webhooks/telegram"
#: Every secret the tests' configuration holds: none may appear in the doctor's output.
SECRETS = [TEST_CONFIG[k] for k in ("SECRET_KEY", "PSEUDONYM_KEY", "TWILIO_AUTH_TOKEN",
                                    "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")]


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "utcnow", lambda: NOW)


@pytest.fixture
def providers(bot_api: FakeBotApi, twilio_api: FakeTwilioApi) -> dict[str, Any]:
    """Configuration pointing at both fakes, with Telegram's webhook where it should be."""
    bot_api.webhook = {"url": WEBHOOK}
    return {"TELEGRAM_API_BASE_URL": bot_api.url, "TWILIO_API_BASE_URL": twilio_api.url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}


def run(app: Flask) -> Result:
    result = app.test_cli_runner().invoke(args=["doctor"])
    for secret in SECRETS:
        assert secret not in result.output
    return result


def failures(result: Result) -> list[str]:
    """The FAIL lines, each checked to be followed by its fix."""
    lines = result.output.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.startswith("FAIL"):
            assert lines[i + 1].lstrip().startswith("fix: "), result.output
            found.append(line)
    return found


def test_a_sound_configuration_passes_every_check(
    sample_app: Flask, make_app: Any, providers: dict[str, Any]
) -> None:
    result = run(make_app(**providers))
    assert result.exit_code == 0, result.output
    assert failures(result) == []
    ok = [line for line in result.output.splitlines() if line.startswith("ok")]
    assert any(line.startswith("ok    database:") and "at revision" in line for line in ok)
    assert any("directory:" in line for line in ok)
    assert any(f"telegram: webhook at {WEBHOOK}" in line for line in ok)
    assert any("twilio: credentials accepted, account active" in line for line in ok)
    assert any("secrets:" in line for line in ok)
    assert result.output.splitlines()[-1].startswith("doctor: no problem found")


def test_an_empty_directory_fails(make_app: Any, providers: dict[str, Any]) -> None:
    result = run(make_app(**providers))
    assert result.exit_code == 1
    assert [line for line in failures(result) if "directory: no services" in line]


# --- the clock's upkeep -----------------------------------------------------------------------


def upkeep_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if "upkeep:" in line]


def test_a_clock_that_never_ran_is_said_not_failed(
    sample_app: Flask, make_app: Any, providers: dict[str, Any]
) -> None:
    result = run(make_app(**providers))
    [line] = upkeep_lines(result)
    assert line.startswith("--") and "has not run yet" in line and "flask clock" in line


def test_a_clock_that_ran_lately_passes(
    sample_app: Flask, make_app: Any, providers: dict[str, Any]
) -> None:
    app = make_app(**providers)
    clock_tick(app, NOW - timedelta(minutes=50))
    result = run(app)
    [line] = upkeep_lines(result)
    assert line.startswith("ok") and result.exit_code == 0, result.output


def test_a_clock_silent_for_hours_fails_with_starting_it_as_the_fix(
    sample_app: Flask, make_app: Any, providers: dict[str, Any]
) -> None:
    app = make_app(**providers)
    clock_tick(app, NOW - timedelta(hours=5))
    result = run(app)
    assert result.exit_code == 1
    [line] = [line for line in failures(result) if "upkeep:" in line]
    assert "last ran 5 hours ago" in line
    assert "Start flask clock" in result.output


# --- the database ------------------------------------------------------------------------------


def sqlite_app(tmp_path: Path, path: Path, **overrides: Any) -> Flask:
    return create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{path}", **overrides})


def test_a_database_behind_the_code_fails_with_upgrade_as_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    head = migrations.heads()[0]
    migrations.upgrade(f"sqlite:///{path}", head)
    migrations.downgrade(f"sqlite:///{path}", "-1")
    result = run(sqlite_app(tmp_path, path, SANGKHIM_CHANNELS="twilio"))
    assert result.exit_code == 1
    [line] = [line for line in failures(result) if "database:" in line]
    assert "behind this code's" in line and head in line
    assert "flask db upgrade" in result.output


def test_a_database_never_migrated_fails(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    result = run(sqlite_app(tmp_path, path, SANGKHIM_CHANNELS="twilio"))
    assert result.exit_code == 1
    assert [line for line in failures(result) if "never been migrated" in line]


def test_a_database_migrated_by_newer_code_fails(tmp_path: Path, sqlite_template: Path) -> None:
    from sqlalchemy import create_engine, text

    path = tmp_path / "newer.db"
    shutil.copy(sqlite_template, path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = run(sqlite_app(tmp_path, path, SANGKHIM_CHANNELS="twilio"))
    assert result.exit_code == 1
    assert [line for line in failures(result) if "which this code does not know" in line]


def test_an_unreachable_database_fails_without_printing_its_password(tmp_path: Path) -> None:
    password = "Zq8-unreachable-db-password"
    url = f"postgresql+psycopg://sangkhim:{password}@127.0.0.1:9/sangkhim"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "SANGKHIM_CHANNELS": "twilio"})
    result = run(app)
    assert result.exit_code == 1
    [line] = [line for line in failures(result) if "database:" in line]
    assert "cannot reach" in line and "127.0.0.1:9" in line
    assert password not in result.output


def test_a_database_file_that_does_not_exist_fails(tmp_path: Path) -> None:
    result = run(sqlite_app(tmp_path, tmp_path / "nowhere.db", SANGKHIM_CHANNELS="twilio"))
    assert result.exit_code == 1
    assert [line for line in failures(result) if "does not exist" in line]


# --- secrets and addresses ---------------------------------------------------------------------


def test_a_weak_key_set_by_hand_fails_even_in_development(
    sample_app: Flask, make_app: Any, providers: dict[str, Any]
) -> None:
    weak = "password123password123password123"
    result = run(make_app(**providers, PSEUDONYM_KEY=weak))
    assert result.exit_code == 1
    [line] = failures(result)
    assert "PSEUDONYM_KEY" in line and "too easy to guess" in line
    assert weak not in result.output
    assert "secrets.token_urlsafe" in result.output  # the fix says how to make one
    assert "ok    secrets:" not in result.output


def test_keys_that_are_the_same_fail(
    sample_app: Flask, make_app: Any, providers: dict[str, Any]
) -> None:
    result = run(make_app(**providers, PSEUDONYM_KEY=TEST_CONFIG["SECRET_KEY"]))
    assert result.exit_code == 1
    assert [line for line in failures(result) if "must all differ" in line]


def production_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Result:
    """``flask doctor`` as the command line runs it, with only the environment to go on (the
    app may not even load: then only the doctor runs)."""
    for key in ("SANGKHIM_ENV", "DATABASE_URL", "SECRET_KEY", "PSEUDONYM_KEY", "HANDOFF_KEY",
                "PUBLIC_BASE_URL", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID",
                "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "SANGKHIM_CHANNELS"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    cli = FlaskGroup(create_app=lambda: create_app())
    result = CliRunner().invoke(cli, ["doctor"], catch_exceptions=False)
    secrets = [v for k, v in env.items() if k.endswith(("_KEY", "_TOKEN", "_SECRET"))]
    for secret in [*SECRETS, *secrets]:
        assert secret not in result.output
    return result


def test_production_that_would_not_start_gets_every_problem_listed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "prod.db"
    shutil.copy(sqlite_template, path)
    result = production_cli(
        monkeypatch, tmp_path, SANGKHIM_ENV="production", DATABASE_URL=f"sqlite:///{path}",
        SANGKHIM_CHANNELS="twilio", SECRET_KEY=TEST_CONFIG["SECRET_KEY"],
        PUBLIC_BASE_URL="http://sangkhim.example.org",
    )
    assert result.exit_code == 1
    lines = failures(result)
    assert any(line.startswith("FAIL  PSEUDONYM_KEY is not set") for line in lines)
    assert any(line.startswith("FAIL  TWILIO_AUTH_TOKEN is not set") for line in lines)
    assert any("PUBLIC_BASE_URL must be the app's public https://" in line for line in lines)
    # The database is checked all the same, and (no services yet) the directory.
    assert "ok    database:" in result.output
    assert any("directory: no services" in line for line in lines)


def test_production_with_everything_set_passes_the_configuration_checks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "prod.db"
    shutil.copy(sqlite_template, path)
    result = production_cli(
        monkeypatch, tmp_path, SANGKHIM_ENV="production", DATABASE_URL=f"sqlite:///{path}",
        SANGKHIM_CHANNELS="twilio", SECRET_KEY=TEST_CONFIG["SECRET_KEY"],
        PSEUDONYM_KEY=TEST_CONFIG["PSEUDONYM_KEY"], TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        PUBLIC_BASE_URL="https://sangkhim.example.org",
    )
    assert "ok    PUBLIC_BASE_URL: https://sangkhim.example.org (https)" in result.output
    assert "ok    secrets: SECRET_KEY, PSEUDONYM_KEY set" in result.output
    # What is left: the empty directory only (the SID is not set, so Twilio is not fetched).
    assert [line for line in failures(result)] == ["FAIL  directory: no services to offer"]
    assert "twilio: credentials not checked: set TWILIO_ACCOUNT_SID" in result.output


# --- Telegram ----------------------------------------------------------------------------------


def test_telegram_without_a_webhook_fails(
    sample_app: Flask, make_app: Any, providers: dict[str, Any], bot_api: FakeBotApi
) -> None:
    bot_api.webhook = {}
    result = run(make_app(**providers))
    assert result.exit_code == 1
    [line] = failures(result)
    assert "telegram: no webhook is set" in line
    assert "flask telegram set-webhook" in result.output
    assert ("getWebhookInfo", {}) in bot_api.calls


def test_telegram_webhook_elsewhere_fails(
    sample_app: Flask, make_app: Any, providers: dict[str, Any], bot_api: FakeBotApi
) -> None:
    bot_api.webhook = {"url": "https://old.example.org/webhooks/telegram"}
    result = run(make_app(**providers))
    assert result.exit_code == 1
    [line] = failures(result)
    assert f"the webhook is https://old.example.org/webhooks/telegram, not {WEBHOOK}" in line


def test_telegram_failing_to_deliver_lately_fails(
    sample_app: Flask, make_app: Any, providers: dict[str, Any], bot_api: FakeBotApi
) -> None:
    bot_api.last_error_date = int((NOW - timedelta(minutes=5)).timestamp())
    result = run(make_app(**providers))
    assert result.exit_code == 1
    [line] = failures(result)
    assert "last delivery failed 5 minute(s) ago: Wrong response from the webhook: 503" in line
    # An hour and more ago is history, not a problem.
    bot_api.last_error_date = int((NOW - timedelta(minutes=61)).timestamp())
    assert run(make_app(**providers)).exit_code == 0


def test_telegram_refusing_the_token_fails(
    sample_app: Flask, make_app: Any, providers: dict[str, Any], bot_api: FakeBotApi
) -> None:
    token = "654321:" + "Wrong-token-Qk3vX9pL2mN7rT5w"
    result = run(make_app(**providers, TELEGRAM_BOT_TOKEN=token))
    assert token.partition(":")[2] not in result.output
    assert result.exit_code == 1
    [line] = failures(result)
    assert "telegram:" in line and "TELEGRAM_BOT_TOKEN" in line


def test_telegram_not_enabled_is_not_checked(
    sample_app: Flask, make_app: Any, providers: dict[str, Any], bot_api: FakeBotApi
) -> None:
    result = run(make_app(**providers, SANGKHIM_CHANNELS="twilio"))
    assert result.exit_code == 0, result.output
    assert "telegram: channel not enabled" in result.output
    assert bot_api.calls == []


# --- the alerts' Telegram channel --------------------------------------------------------------

CHANNEL = "-1001234567890"


@pytest.mark.parametrize(("channel", "setup", "expected"), [
    (CHANNEL, {}, "ok    alerts channel -1001234567890: @sangkhim_test_bot is an admin of the "
                  "channel 'Sangkhim alerts' and may post alerts"),
    ("@sangkhim_alerts", {}, "ok    alerts channel @sangkhim_alerts: @sangkhim_test_bot is an "
                             "admin"),
    (CHANNEL, None, "FAIL  alerts channel -1001234567890: not reachable: Telegram does not "
                    "show this chat to the bot (Telegram answered: Chat not found)"),
    (CHANNEL, {"status": None}, "FAIL  alerts channel -1001234567890: @sangkhim_test_bot cannot "
                                "post alerts: it is not an admin allowed to post messages "
                                "(Telegram does not show the bot among its admins)"),
    (CHANNEL, {"status": "member"}, "FAIL  alerts channel -1001234567890: @sangkhim_test_bot "
                                    "cannot post alerts: it is not an admin allowed to post "
                                    "messages (the bot is member there)"),
    (CHANNEL, {"can_post": False}, "FAIL  alerts channel -1001234567890: @sangkhim_test_bot "
                                   "cannot post alerts"),
    (CHANNEL, {"chat_type": "supergroup"}, "FAIL  alerts channel -1001234567890: is a "
                                           "supergroup, not a channel"),
])
def test_the_alerts_channel_is_checked(
    sample_app: Flask, make_app: Any, providers: dict[str, Any], bot_api: FakeBotApi,
    channel: str, setup: dict[str, Any] | None, expected: str
) -> None:
    if setup is not None:
        bot_api.add_channel(channel, **setup)
    result = run(make_app(**providers, TELEGRAM_ALERTS_CHANNEL=channel))
    lines = [line for line in result.output.splitlines() if "alerts channel" in line]
    assert len(lines) == 1 and lines[0].startswith(expected), (result.output, result.exception)
    failed = expected.startswith("FAIL")
    assert result.exit_code == (1 if failed else 0), result.output
    assert failures(result) == (lines if failed else [])
    if failed:
        fix = result.output.splitlines()[result.output.splitlines().index(lines[0]) + 1]
        assert "TELEGRAM_ALERTS_CHANNEL" in fix or "Administrators" in fix, fix
    methods = [name for name, _params in bot_api.calls]
    assert "getChat" in methods and "sendMessage" not in methods  # nothing is posted


def test_an_unreachable_bot_api_fails_the_alerts_channel_without_the_token(
    sample_app: Flask, make_app: Any, providers: dict[str, Any]
) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run(make_app(**{**providers, "TELEGRAM_API_BASE_URL":
                             f"http://127.0.0.1:{port}/bot"},
                          TELEGRAM_ALERTS_CHANNEL=CHANNEL, SANGKHIM_CHANNELS="twilio"))
    assert result.exit_code == 1
    [line] = failures(result)
    assert line.startswith("FAIL  alerts channel -1001234567890: not checked: Telegram did not "
                           "answer"), line


def test_a_refused_token_fails_the_alerts_channel_without_printing_it(
    sample_app: Flask, make_app: Any, providers: dict[str, Any], bot_api: FakeBotApi
) -> None:
    bot_api.add_channel(CHANNEL)
    token = "654321:" + "Wrong-token-Qk3vX9pL2mN7rT5w"
    result = run(make_app(**providers, TELEGRAM_ALERTS_CHANNEL=CHANNEL, TELEGRAM_BOT_TOKEN=token,
                          SANGKHIM_CHANNELS="twilio"))
    assert token.partition(":")[2] not in result.output
    [line] = failures(result)
    assert line == "FAIL  alerts channel -1001234567890: Telegram refused TELEGRAM_BOT_TOKEN"


def test_no_alerts_channel_is_not_checked(
    sample_app: Flask, make_app: Any, providers: dict[str, Any], bot_api: FakeBotApi
) -> None:
    result = run(make_app(**providers))
    assert "alerts channel" not in result.output
    assert not any(name in ("getChat", "getChatMember") for name, _ in bot_api.calls)


# --- Twilio ------------------------------------------------------------------------------------


def test_twilio_refusing_the_credentials_fails(
    sample_app: Flask, make_app: Any, providers: dict[str, Any], twilio_api: FakeTwilioApi
) -> None:
    wrong = "a-wrong-twilio-auth-token-5Jx"
    result = run(make_app(**{**providers, "TWILIO_AUTH_TOKEN": wrong}))
    assert wrong not in result.output
    assert result.exit_code == 1
    [line] = failures(result)
    assert "twilio: Twilio refused TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN (401)" in line
    assert twilio_api.auth == [(ACCOUNT_SID, wrong)]
    assert twilio_api.sent == []  # one harmless call: nothing was sent


def test_twilio_with_a_suspended_account_fails(
    sample_app: Flask, make_app: Any, providers: dict[str, Any], twilio_api: FakeTwilioApi
) -> None:
    twilio_api.status = "suspended"
    result = run(make_app(**providers))
    assert result.exit_code == 1
    [line] = failures(result)
    assert "twilio: the account is suspended" in line


def test_twilio_unreachable_fails(
    sample_app: Flask, make_app: Any, providers: dict[str, Any]
) -> None:
    result = run(make_app(**{**providers, "TWILIO_API_BASE_URL": "http://127.0.0.1:9"}))
    assert result.exit_code == 1
    [line] = failures(result)
    assert line.startswith("FAIL  twilio: Twilio could not be reached")
    assert "127.0.0.1:9" not in line


def test_twilio_without_an_account_sid_is_said_not_failed(
    sample_app: Flask, make_app: Any, providers: dict[str, Any], twilio_api: FakeTwilioApi
) -> None:
    result = run(make_app(**{**providers, "TWILIO_ACCOUNT_SID": ""}))
    assert result.exit_code == 0, result.output
    assert "twilio: credentials not checked" in result.output
    assert twilio_api.auth == []


def test_scrub_hides_every_secret_value() -> None:
    config = {**TEST_CONFIG, "DATABASE_URL": "postgresql://u:Db-Pass-123456@h/d"}
    hidden = doctor.secret_values(config)
    line = f"x {TEST_CONFIG['SECRET_KEY']} y Db-Pass-123456 z TEST-TOKEN"
    assert doctor.scrub(line, hidden) == "x [secret] y [secret] z [secret]"


def test_other_commands_still_stop_at_a_configuration_that_does_not_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in ("SANGKHIM_ENV", "DATABASE_URL", "SECRET_KEY", "PSEUDONYM_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    cli = FlaskGroup(create_app=lambda: create_app())
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code != 0
    assert "Sangkhim cannot start in production: set DATABASE_URL" in result.output
    listed = CliRunner().invoke(cli, ["--help"])
    assert "cannot start in production" in listed.output and "Run flask doctor" in listed.output
    assert "  doctor " in listed.output
    # An app built outside the flask command (gunicorn, a test) raises as it always did.
    with pytest.raises(Exception, match="cannot start in production"):
        create_app()
