"""Configuration: production fails fast and clearly; development makes its own secrets once."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import TEST_CONFIG
from tests.webhooks.channels import post_telegram, post_twilio, telegram_update, twilio_form
from webhooks import config, create_app
from webhooks.config import ConfigError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets counts: no variable from the shell running the tests."""
    for key in config.ENV_KEYS:
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def production(tmp_path: Path) -> Iterator[Any]:
    """Build production apps from a complete configuration with ``changes`` applied."""
    apps: list[Flask] = []

    def build(**changes: Any) -> Flask:
        settings = {**TEST_CONFIG, "SANGKHIM_ENV": "production",
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}", **changes}
        app = create_app({k: v for k, v in settings.items() if v is not None})
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["sangkhim.db"].engine.dispose()


def test_complete_production_configuration_starts(production: Any) -> None:
    app = production()
    assert app.config["PRODUCTION"] is True
    assert app.test_client().get("/simulator").status_code == 404  # development only


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "PSEUDONYM_KEY",
        "TWILIO_AUTH_TOKEN",
        "PUBLIC_BASE_URL",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET",
        "DATABASE_URL",
    ],
)
@pytest.mark.parametrize("how", [pytest.param("", id="empty"), pytest.param(None, id="absent")])
def test_production_names_the_missing_variable(
    production: Any, missing: str, how: str | None
) -> None:
    with pytest.raises(ConfigError, match=missing):
        production(**{missing: how})


def test_production_names_every_missing_variable_at_once(production: Any) -> None:
    with pytest.raises(ConfigError) as raised:
        production(SECRET_KEY=None, TELEGRAM_BOT_TOKEN=None)
    assert "SECRET_KEY" in str(raised.value) and "TELEGRAM_BOT_TOKEN" in str(raised.value)


@pytest.mark.parametrize("key", ["SECRET_KEY", "PSEUDONYM_KEY"])
def test_production_refuses_a_short_key(production: Any, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        production(**{key: "too-short"})


def test_production_reads_the_environment(
    production: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "654321:FROM-THE-ENVIRONMENT")
    app = production(TELEGRAM_BOT_TOKEN=None)
    assert app.config["TELEGRAM_BOT_TOKEN"] == "654321:FROM-THE-ENVIRONMENT"


def test_twilio_only_needs_no_telegram_token_and_has_no_telegram_webhook(production: Any) -> None:
    app = production(SANGKHIM_CHANNELS="twilio", TELEGRAM_BOT_TOKEN=None,
                     TELEGRAM_WEBHOOK_SECRET=None)
    client = app.test_client()
    assert post_telegram(client, telegram_update("private_text")).status_code == 404
    assert post_twilio(client, twilio_form("sms_english"), signature=None).status_code == 403


def test_telegram_only_needs_no_twilio_token_and_has_no_twilio_webhook(production: Any) -> None:
    app = production(SANGKHIM_CHANNELS="telegram", TWILIO_AUTH_TOKEN=None, PUBLIC_BASE_URL=None)
    client = app.test_client()
    assert post_twilio(client, twilio_form("sms_english")).status_code == 404
    assert post_telegram(client, telegram_update("private_text"), secret=None).status_code == 403


def test_unknown_channel_is_named(production: Any) -> None:
    with pytest.raises(ConfigError, match="signal"):
        production(SANGKHIM_CHANNELS="twilio,signal")


def test_number_setting_must_be_a_number(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="STATE_TTL_HOURS"):
        config.load(tmp_path, {"STATE_TTL_HOURS": "a day"})


# --- development --------------------------------------------------------------------------------


def test_development_generates_secrets_once_and_keeps_them(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    first = config.load(instance, {"SANGKHIM_ENV": "development"})
    path = instance / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    for key in config.DEV_SECRETS:
        assert len(first[key]) >= 32
        assert first[key] == stored[key]
    assert first["SECRET_KEY"] != first["PSEUDONYM_KEY"]

    second = config.load(instance, {"SANGKHIM_ENV": "development"})
    assert {k: second[k] for k in config.DEV_SECRETS} == {k: first[k] for k in config.DEV_SECRETS}


def test_development_keeps_a_secret_that_is_given(tmp_path: Path) -> None:
    loaded = config.load(tmp_path, {"SANGKHIM_ENV": "development", "PSEUDONYM_KEY": "given-key"})
    assert loaded["PSEUDONYM_KEY"] == "given-key"
    assert json.loads((tmp_path / "secrets.json").read_text())["PSEUDONYM_KEY"] != "given-key"


def test_development_defaults_to_a_database_under_instance(tmp_path: Path) -> None:
    loaded = config.load(tmp_path, {"SANGKHIM_ENV": "development"})
    assert loaded["DATABASE_URL"] == f"sqlite:///{tmp_path / 'sangkhim.db'}"
    assert loaded["PRODUCTION"] is False


def test_development_refuses_an_unreadable_secrets_file(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text("{not json")
    with pytest.raises(ConfigError, match="secrets.json"):
        config.load(tmp_path, {"SANGKHIM_ENV": "development"})


# --- SANGKHIM_ENV names a mode exactly --------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["Production", "PRODUCTION", "prod", "staging", "test", "dev", " production",
              "development "],
)
def test_an_unknown_mode_is_refused_not_taken_for_development(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="SANGKHIM_ENV") as raised:
        config.load(tmp_path, {"SANGKHIM_ENV": value})
    assert "'development'" in str(raised.value) and "'production'" in str(raised.value)
    assert not (tmp_path / "secrets.json").exists()  # nothing of development was set up


def test_an_unknown_mode_in_the_environment_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANGKHIM_ENV", "Production")
    with pytest.raises(ConfigError, match="SANGKHIM_ENV"):
        config.load(tmp_path)


@pytest.mark.parametrize("value", ["weekly", "Month", "both", "day", ""])
def test_demand_period_is_one_known_granularity(tmp_path: Path, value: str) -> None:
    development = {"SANGKHIM_ENV": "development"}
    if value == "":
        loaded = config.load(tmp_path, {**development, "DEMAND_PERIOD": "month"})
        assert loaded["DEMAND_PERIOD"] == "month"
        assert config.load(tmp_path, development)["DEMAND_PERIOD"] == "week"
        return
    with pytest.raises(ConfigError, match="DEMAND_PERIOD"):
        config.load(tmp_path, {**development, "DEMAND_PERIOD": value})


# --- no mode is production (audit M2) -------------------------------------------------------


@pytest.mark.parametrize("how", ["absent", "empty"])
def test_no_mode_is_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """An unset or empty SANGKHIM_ENV is production: it needs every secret, generates none,
    derives no HANDOFF_KEY; the message says how to run on one's own machine instead."""
    if how == "empty":
        monkeypatch.setenv("SANGKHIM_ENV", "")
    with pytest.raises(ConfigError) as raised:
        config.load(tmp_path)
    message = str(raised.value)
    for key in ("DATABASE_URL", "SECRET_KEY", "PSEUDONYM_KEY", "TELEGRAM_BOT_TOKEN"):
        assert key in message
    assert "SANGKHIM_ENV=development" in message
    assert not (tmp_path / "secrets.json").exists()


def test_no_mode_with_every_secret_is_a_production_app(tmp_path: Path) -> None:
    settings = {k: v for k, v in TEST_CONFIG.items() if k != "SANGKHIM_ENV"}
    app = create_app({**settings, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"})
    try:
        assert app.config["PRODUCTION"] is True and app.config["SANGKHIM_ENV"] == "production"
        assert app.config["HANDOFF_KEY"] == ""  # never derived from SECRET_KEY
        assert app.test_client().get("/simulator").status_code == 404
        listed = app.test_cli_runner().invoke(args=["--help"]).output.splitlines()
        assert not [line for line in listed if line.split()[:1] == ["dev"]]
    finally:
        app.extensions["sangkhim.db"].engine.dispose()
    assert not (tmp_path / "secrets.json").exists()


def test_a_stated_production_needs_no_hint(production: Any) -> None:
    with pytest.raises(ConfigError) as raised:
        production(SECRET_KEY=None)
    assert "SANGKHIM_ENV=development" not in str(raised.value)


def test_development_is_only_where_it_is_said() -> None:
    """``make run`` and ``make test`` say development; every Procfile process says production."""
    makefile = (ROOT / "Makefile").read_text()
    assert "\nexport SANGKHIM_ENV := development\n" in makefile
    procfile = [line for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()]
    assert procfile and all(": env SANGKHIM_ENV=production " in line for line in procfile)
    assert "SANGKHIM_ENV" not in (ROOT / ".flaskenv").read_text()  # it would reach production


ROOT = Path(__file__).resolve().parents[2]


def _start(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in config.ENV_KEYS}
    return subprocess.run(command, cwd=ROOT, env={**clean, "FLASK_APP": "webhooks", **env},
                          capture_output=True, text=True, timeout=60, check=False)


def test_flask_names_a_bad_mode_without_a_traceback() -> None:
    done = _start([str(ROOT / ".venv/bin/flask"), "db", "current"], SANGKHIM_ENV="prod")
    assert done.returncode != 0
    assert "Error: SANGKHIM_ENV" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_gunicorn_stops_at_once_on_a_bad_configuration() -> None:
    """The master checks the configuration before it forks: one clear line, no worker tracebacks,
    and the secret it refused is not printed."""
    weak = "a" * 40
    settings = {k: str(v) for k, v in TEST_CONFIG.items() if k in config.ENV_KEYS}
    settings.update(SANGKHIM_ENV="production", SECRET_KEY=weak, DATABASE_URL="sqlite://")
    done = _start([sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "2",
                   "webhooks:create_app()"], **settings)
    assert done.returncode == 1
    assert "Error: " in done.stderr and "SECRET_KEY" in done.stderr
    assert "Traceback" not in done.stderr and "Booting worker" not in done.stderr
    assert weak not in done.stderr


def test_gunicorn_without_a_mode_refuses_to_start_as_development() -> None:
    done = _start([sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1",
                   "webhooks:create_app()"])
    assert done.returncode == 1
    assert "Error: " in done.stderr and "SECRET_KEY" in done.stderr
    assert "SANGKHIM_ENV=development" in done.stderr
    assert "Traceback" not in done.stderr and "Booting worker" not in done.stderr


# --- production: an https address and strong secrets ------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://sangkhim.example.org", "sangkhim.example.org", "https://", "ftp://example.org",
            "https://sangkhim.example.org/?x=1", "HTTP://sangkhim.example.org"],
)
def test_production_needs_an_https_public_base_url(production: Any, url: str) -> None:
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        production(PUBLIC_BASE_URL=url)


def test_production_checks_public_base_url_also_for_telegram_only(production: Any) -> None:
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        production(SANGKHIM_CHANNELS="telegram", TWILIO_AUTH_TOKEN=None,
                   PUBLIC_BASE_URL="http://sangkhim.example.org")


WEAK_KEYS = [
    pytest.param("a" * 40, id="one-character"),
    pytest.param("changeme" * 5, id="changeme"),
    pytest.param("0123456789abcdef-CHANGE-ME-0123456789abcdef", id="change-me-inside"),
    pytest.param("ab" * 20, id="two-characters"),
    # Long, varied, no placeholder word, yet guessable: strength is measured, not counted.
    pytest.param("Cambodia2024!Cambodia2024!Cambodia2024!", id="repeated-word"),
    pytest.param("Kr0ngThmeyPassw0rd" * 3, id="repeated-phrase"),
    pytest.param("sangkhim-production-secret-key-2026-phnom-penh", id="words-of-the-project"),
    pytest.param("correct horse battery staple foo bar baz", id="a-few-words"),
    pytest.param("qwertyuiopasdfghjklzxcvbnm1234567890", id="keyboard-rows"),
    pytest.param("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF", id="sequences"),
    pytest.param("7924e5b33820dd3390746200fcf438c0", id="16-random-bytes-in-hex"),
]
STRONG_KEYS = [
    pytest.param("ynGDK-E0KfPl7GbUabJvzM8Wj-gFhPfl9k42uGo-Rns", id="token_urlsafe(32)"),
    pytest.param("fb20fce13a8abf8ce224518fd641fe8da1d4b91c3042b9623f13c122d9703868",
                 id="token_hex(32)"),
    pytest.param("pWKVVtJ1fmOhXJrdoikCLAL9wBmpEBTPe6qkW5HD+kw=", id="openssl-rand-base64-32"),
]


@pytest.mark.parametrize("key", ["SECRET_KEY", "PSEUDONYM_KEY", "HANDOFF_KEY"])
@pytest.mark.parametrize("strong", STRONG_KEYS)
def test_production_accepts_a_random_key(production: Any, key: str, strong: str) -> None:
    app = production(**{key: strong, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32})
    assert app.config[key] == strong


def test_handoff_key_strength_is_measured_too(production: Any) -> None:
    with pytest.raises(ConfigError, match="HANDOFF_KEY") as raised:
        production(HANDOFF_KEY="Cambodia2024!Cambodia2024!Cambodia2024!",
                   TWILIO_ACCOUNT_SID="AC" + "0" * 32)
    assert "Cambodia2024" not in str(raised.value)


@pytest.mark.parametrize("key", ["SECRET_KEY", "PSEUDONYM_KEY"])
@pytest.mark.parametrize("weak", WEAK_KEYS)
def test_production_refuses_a_weak_key_without_printing_it(
    production: Any, key: str, weak: str
) -> None:
    with pytest.raises(ConfigError, match=key) as raised:
        production(**{key: weak})
    assert weak not in str(raised.value)


def test_production_refuses_one_key_for_both_purposes(production: Any) -> None:
    with pytest.raises(ConfigError, match="PSEUDONYM_KEY") as raised:
        production(PSEUDONYM_KEY=TEST_CONFIG["SECRET_KEY"])
    assert TEST_CONFIG["SECRET_KEY"] not in str(raised.value)


@pytest.mark.parametrize("key", config.DEV_SECRETS)
def test_production_refuses_the_development_secrets(tmp_path: Path, key: str) -> None:
    """Secrets copied from ``instance/secrets.json`` (printed by ``flask dev examples``)."""
    developed = config.load(tmp_path, {"SANGKHIM_ENV": "development"})
    settings = {**TEST_CONFIG, "SANGKHIM_ENV": "production", "DATABASE_URL": "sqlite://",
                key: developed[key]}
    with pytest.raises(ConfigError, match=key) as raised:
        config.load(tmp_path, settings)
    assert developed[key] not in str(raised.value)


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param("short_secret_1", id="under-16"),
        pytest.param("x" * 257, id="over-256"),
        pytest.param("a secret with spaces", id="space"),
        pytest.param("secret/with+base64=chars", id="not-telegram-alphabet"),
        pytest.param("សម្ងាត់សម្ងាត់សម្ងាត់", id="not-ascii"),
        pytest.param("a" * 32, id="one-character"),
        pytest.param("Ab3_-" * 3 + "z", id="repeated"),
        pytest.param("telegram-webhook-secret-2026", id="words"),
    ],
)
def test_production_checks_the_telegram_secret_by_telegrams_rules(
    production: Any, secret: str
) -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET") as raised:
        production(TELEGRAM_WEBHOOK_SECRET=secret)
    assert secret not in str(raised.value)


RANDOM_256 = (  # 256 random letters, digits, _ and -
    "HDCtTsX5k07pbN93uryc4IH059CznwItYCnq6gbR7-scrqbeQ6dgmS4JN09jeQ6A5YK3U4YF9-OdA95WGbXlzMyW9BW"
    "VQUxfBCC06K8kVGQzUUKh8KpleEF_z1Ad48E9MKTdQgvtc-NwdaOkr8YF5YIN1n8qio5hsxYueaVMprg6QakTjzFDiQ"
    "XR9_XTXiYtOgXVO9xX8HvH9RwGIVE7U0R8XkqLwFT6CSsM2ZoPZrLWPAQrabcZoxCmW9N0i0Q2"
)


def test_production_accepts_a_telegram_secret_of_16_to_256_allowed_characters(
    production: Any,
) -> None:
    for secret in ("cafADJSEGZfG5dae", RANDOM_256):
        assert production(TELEGRAM_WEBHOOK_SECRET=secret).config["PRODUCTION"] is True


def test_production_names_every_problem_at_once(production: Any) -> None:
    with pytest.raises(ConfigError) as raised:
        production(SECRET_KEY="a" * 40, PUBLIC_BASE_URL="http://sangkhim.example.org",
                   TELEGRAM_WEBHOOK_SECRET="short")
    for key in ("SECRET_KEY", "PUBLIC_BASE_URL", "TELEGRAM_WEBHOOK_SECRET"):
        assert key in str(raised.value)


# --- privacy settings within their ranges, https for every API (audit N17) ---------------------

OUT_OF_RANGE = [
    ("K_ANONYMITY", ["2", "4", "0", "101"]),
    ("STATE_TTL_HOURS", ["0", "25", "100000"]),
    ("PROCESSED_RETENTION_DAYS", ["0", "31", "100000"]),
    ("HANDOFF_TTL_HOURS", ["0", "169", "100000"]),
    ("RATE_SENDER_BURST", ["0", "1001"]),
    ("RATE_CONVERSATION_REPLIES", ["0"]),
    ("RATE_WORKER_PER_MINUTE", ["0"]),
    ("OUTREACH_SESSION_IDLE_HOURS", ["0", "25"]),
    ("OUTREACH_SESSION_MAX_HOURS", ["0", "25"]),
    ("LOGIN_MAX_FAILURES", ["0", "101"]),
    ("LOGIN_MAX_FAILURES_PER_ADDRESS", ["0"]),
    ("LOGIN_WINDOW_MINUTES", ["0", "1441"]),
    ("LOGIN_LOCKOUT_MINUTES", ["0", "1441"]),
    ("SANGKHIM_PROXY_COUNT", ["-1", "11"]),
]
CASES = [pytest.param(key, value, id=f"{key}={value}") for key, values in OUT_OF_RANGE
         for value in values]


@pytest.mark.parametrize(("key", "value"), CASES)
@pytest.mark.parametrize("mode", ["production", "development"])
def test_a_setting_out_of_its_range_stops_start_up(
    production: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, key: str, value: str,
    mode: str,
) -> None:
    """From the environment, as an operator sets it; the message names it and its range."""
    monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=key) as raised:
        if mode == "production":
            production()
        else:
            create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"})
    assert "between" in str(raised.value)


@pytest.mark.parametrize("key", [key for key, _ in OUT_OF_RANGE])
def test_a_setting_that_is_no_number_stops_start_up(
    production: Any, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """Not quietly replaced by the default, as the dashboard's settings were."""
    monkeypatch.setenv(key, "a day")
    with pytest.raises(ConfigError, match=key):
        production()


def test_settings_at_the_ends_of_their_ranges_are_accepted(
    production: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ends = {"K_ANONYMITY": "5", "STATE_TTL_HOURS": "24", "PROCESSED_RETENTION_DAYS": "30",
            "HANDOFF_TTL_HOURS": "168", "OUTREACH_SESSION_IDLE_HOURS": "1",
            "OUTREACH_SESSION_MAX_HOURS": "24", "LOGIN_LOCKOUT_MINUTES": "1440",
            "SANGKHIM_PROXY_COUNT": "2"}
    for key, value in ends.items():
        monkeypatch.setenv(key, value)
    app = production()
    for key, value in ends.items():
        assert app.config[key] == int(value), key


@pytest.mark.parametrize("key", ["TELEGRAM_API_BASE_URL", "TWILIO_API_BASE_URL"])
@pytest.mark.parametrize(
    "url", ["http://api.example.org/bot", "http://127.0.0.1:8081", "ftp://api.example.org",
            "api.example.org", "https://", "https://api.example.org/bot?x=1"],
)
def test_production_calls_apis_over_https_only(production: Any, key: str, url: str) -> None:
    with pytest.raises(ConfigError, match=key):
        production(**{key: url, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32})


def test_development_may_call_local_fakes_over_http(tmp_path: Path) -> None:
    loaded = config.load(tmp_path, {
        **TEST_CONFIG, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:8082",
    })
    assert loaded["TELEGRAM_API_BASE_URL"] == "http://127.0.0.1:8081/bot"


@pytest.mark.parametrize(("channel", "good"), [
    ("", True),                      # off
    ("-1001234567890", True),
    ("@sangkhim_alerts", True),
    ("  @sangkhim_alerts ", True),   # spaces around it are dropped
    ("1234567890", False),           # a private chat's id, not a channel's
    ("-1234", False),
    ("sangkhim_alerts", False),      # no @
    ("@abc", False),                 # too short for a public name
    ("https://t.me/sangkhim", False),
])
def test_the_alerts_channel_is_a_channel_id_or_name(
    production: Any, channel: str, good: bool
) -> None:
    if good:
        app = production(TELEGRAM_ALERTS_CHANNEL=channel)
        assert app.config["TELEGRAM_ALERTS_CHANNEL"] == channel.strip()
    else:
        with pytest.raises(ConfigError, match="TELEGRAM_ALERTS_CHANNEL must be"):
            production(TELEGRAM_ALERTS_CHANNEL=channel)


def test_the_alerts_channel_needs_the_bot_token_in_production(production: Any) -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not"):
        production(TELEGRAM_ALERTS_CHANNEL="@sangkhim_alerts", TELEGRAM_BOT_TOKEN="",
                   SANGKHIM_CHANNELS="twilio")
