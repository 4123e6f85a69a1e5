"""Configuration: production fails fast and clearly; development makes its own secrets once."""

from __future__ import annotations

import json
import stat
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
