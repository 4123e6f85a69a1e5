"""``flask telegram set-webhook`` / ``info`` against a local fake Telegram Bot API server."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from bot.types import Venue
from tests.conftest import TEST_CONFIG
from tests.fake_bot_api import TOKEN, FakeBotApi
from webhooks import create_app, telegram_api
from webhooks.logs import REDACTED, install


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


# --- the bot token never reaches the logs (N6) ---------------------------------------------------
# Every Bot API URL holds the token (``…/bot<token>/sendVenue``), and httpx logs each request's
# URL at INFO. The token's digits alone were masked, the secret after the colon was not.


@pytest.fixture
def root_log() -> Iterator[io.StringIO]:
    """What the app's own log handler would print: the root logger at INFO, with the filter
    that ``create_app`` installs (``logs.install``), as under gunicorn."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)  # setLevel, not the attribute: loggers cache their decision
    root.addHandler(handler)
    install()
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def bot_api_calls(bot_api: FakeBotApi) -> None:
    config = {**TEST_CONFIG, "TELEGRAM_API_BASE_URL": bot_api.url}
    venue = Venue(latitude=11.55, longitude=104.92, title="[SAMPLE] clinic", address="street 1")
    assert telegram_api.send_venues(config, 987654321, [venue]) == 1
    telegram_api.send_text(config, 987654321, "a worker's reply")
    assert telegram_api.webhook_info(config)["pending_update_count"] == 2
    called = [name for name, _ in bot_api.calls]
    assert {"sendVenue", "sendMessage", "getWebhookInfo"} <= set(called)


def assert_no_token(output: str) -> None:
    secret = TOKEN.partition(":")[2]
    assert TOKEN not in output and secret not in output
    assert "987654321" not in output


def test_bot_api_calls_do_not_log_the_token(bot_api: FakeBotApi, root_log: io.StringIO) -> None:
    bot_api_calls(bot_api)
    assert_no_token(root_log.getvalue())


def test_the_filter_redacts_the_whole_token_even_if_httpx_logs_urls(
    bot_api: FakeBotApi, root_log: io.StringIO
) -> None:
    """A deployment that turns httpx's logging back on still gets no token: the filter knows a
    bot token's shape (``<digits>:<secret>``), not only its digits."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        bot_api_calls(bot_api)
    finally:
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.WARNING)
    output = root_log.getvalue()
    assert "/sendVenue" in output  # httpx did log the calls...
    assert_no_token(output)  # ...without the token
    assert f"/bot{REDACTED}/sendVenue" in output
