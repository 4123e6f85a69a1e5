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
    if value == "":
        assert config.load(tmp_path, {"DEMAND_PERIOD": "month"})["DEMAND_PERIOD"] == "month"
        assert config.load(tmp_path)["DEMAND_PERIOD"] == "week"
        return
    with pytest.raises(ConfigError, match="DEMAND_PERIOD"):
        config.load(tmp_path, {"DEMAND_PERIOD": value})


def test_no_mode_is_development(tmp_path: Path) -> None:
    assert config.load(tmp_path)["PRODUCTION"] is False


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
]


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
    ],
)
def test_production_checks_the_telegram_secret_by_telegrams_rules(
    production: Any, secret: str
) -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET") as raised:
        production(TELEGRAM_WEBHOOK_SECRET=secret)
    assert secret not in str(raised.value)


def test_production_accepts_a_telegram_secret_of_16_to_256_allowed_characters(
    production: Any,
) -> None:
    for secret in ("Ab3_-" * 3 + "z", "A" * 6 + "b_9-" * 62 + "c" * 2):
        assert production(TELEGRAM_WEBHOOK_SECRET=secret).config["PRODUCTION"] is True


def test_production_names_every_problem_at_once(production: Any) -> None:
    with pytest.raises(ConfigError) as raised:
        production(SECRET_KEY="a" * 40, PUBLIC_BASE_URL="http://sangkhim.example.org",
                   TELEGRAM_WEBHOOK_SECRET="short")
    for key in ("SECRET_KEY", "PUBLIC_BASE_URL", "TELEGRAM_WEBHOOK_SECRET"):
        assert key in str(raised.value)
