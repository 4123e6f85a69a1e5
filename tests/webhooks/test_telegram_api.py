"""``flask telegram set-webhook`` / ``info`` against a local fake Telegram Bot API server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import TEST_CONFIG
from tests.fake_bot_api import FakeBotApi
from webhooks import create_app

@pytest.fixture
def make_cli_app(bot_api: FakeBotApi, tmp_path: Path) -> Iterator[Any]:
    """Apps talking to the fake server; these commands never touch the database."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app({
            **TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
            "TELEGRAM_API_BASE_URL": bot_api.url, **overrides,
        })
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["sangkhim.db"].engine.dispose()


def test_set_webhook_registers_url_secret_and_updates(
    make_cli_app: Any, bot_api: FakeBotApi
) -> None:
    result = make_cli_app().test_cli_runner().invoke(args=["telegram", "set-webhook"])
    assert result.exit_code == 0, result.output
    expected_url = "https://sangkhim.example.org/webhooks/telegram"
    assert expected_url in result.output
    sent = bot_api.params("setWebhook")
    assert sent["url"] == expected_url
    assert sent["secret_token"] == TEST_CONFIG["TELEGRAM_WEBHOOK_SECRET"]
    assert sent["allowed_updates"] == ["message"]
    assert TEST_CONFIG["TELEGRAM_WEBHOOK_SECRET"] not in result.output


def test_set_webhook_url_option_overrides_public_base_url(
    make_cli_app: Any, bot_api: FakeBotApi
) -> None:
    url = "https://other.example.org/webhooks/telegram"
    result = make_cli_app().test_cli_runner().invoke(args=["telegram", "set-webhook", "--url", url])
    assert result.exit_code == 0, result.output
    assert bot_api.params("setWebhook")["url"] == url


@pytest.mark.parametrize(
    "base_url",
    [
        pytest.param("http://sangkhim.example.org", id="http"),
        pytest.param("http://127.0.0.1:5000", id="local"),
    ],
)
def test_set_webhook_refuses_a_public_url_that_is_not_https(
    make_cli_app: Any, bot_api: FakeBotApi, base_url: str
) -> None:
    result = make_cli_app(PUBLIC_BASE_URL=base_url).test_cli_runner().invoke(
        args=["telegram", "set-webhook"]
    )
    assert result.exit_code != 0
    assert "PUBLIC_BASE_URL must be an https://" in result.output
    assert not [name for name, _ in bot_api.calls if name == "setWebhook"]


def test_set_webhook_reports_telegrams_refusal(make_cli_app: Any, bot_api: FakeBotApi) -> None:
    bot_api.refuse["setWebhook"] = "Bad Request: bad webhook: Failed to resolve host"
    result = make_cli_app().test_cli_runner().invoke(args=["telegram", "set-webhook"])
    assert result.exit_code != 0
    assert "Telegram refused the webhook" in result.output
    assert "failed to resolve host" in result.output.lower()
    assert "Traceback" not in result.output


def test_set_webhook_without_bot_token_is_a_clear_error(
    make_cli_app: Any, bot_api: FakeBotApi
) -> None:
    result = make_cli_app(TELEGRAM_BOT_TOKEN="").test_cli_runner().invoke(
        args=["telegram", "set-webhook"]
    )
    assert result.exit_code != 0
    assert "TELEGRAM_BOT_TOKEN" in result.output
    assert bot_api.calls == []


def test_info_shows_what_telegram_knows(make_cli_app: Any, bot_api: FakeBotApi) -> None:
    app = make_cli_app()
    assert app.test_cli_runner().invoke(args=["telegram", "set-webhook"]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["telegram", "info"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "url": "https://sangkhim.example.org/webhooks/telegram",
        "pending_update_count": 2,
        "last_error_message": "Wrong response from the webhook: 503 Service Unavailable",
    }
