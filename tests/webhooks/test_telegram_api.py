"""``flask telegram set-webhook`` / ``info`` against a local fake Telegram Bot API server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from flask import Flask

from tests.conftest import TEST_CONFIG
from webhooks import create_app

TOKEN = TEST_CONFIG["TELEGRAM_BOT_TOKEN"]
BOT = {
    "id": 123456, "is_bot": True, "first_name": "Sangkhim", "username": "sangkhim_test_bot",
    "can_join_groups": False, "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class FakeBotApi:
    """Answers like api.telegram.org: ``{"ok": true, "result": …}``, or an error if told to."""

    url: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    refuse: dict[str, str] = field(default_factory=dict)  # method -> error description

    def answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{TOKEN}/"
        if not path.startswith(prefix):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method = path[len(prefix):]
        self.calls.append((method, params))
        if method in self.refuse:
            return 400, {"ok": False, "error_code": 400, "description": self.refuse[method]}
        if method == "getMe":
            return 200, {"ok": True, "result": BOT}
        if method == "setWebhook":
            self.webhook = params
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {
                "url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": 2, "last_error_date": 1732400000,
                "last_error_message": "Wrong response from the webhook: 503 Service Unavailable",
                "max_connections": 40, "ip_address": "203.0.113.10",
            }}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def params(self, method: str) -> dict[str, Any]:
        found = [params for name, params in self.calls if name == method]
        assert len(found) == 1, self.calls
        return found[0]


def _decode(content_type: str, body: bytes) -> dict[str, Any]:
    """Telegram takes JSON or form fields (form values that are JSON are decoded, like it does)."""
    if content_type.startswith("application/json"):
        return dict(json.loads(body or b"{}"))
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    fake = FakeBotApi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            params = _decode(self.headers.get("Content-Type", ""), body)
            status, answer = fake.answer(self.path, params)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # keep test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/bot"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


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
