"""Errors answer with short JSON and the right status: never a traceback, never the input."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import TEST_CONFIG
from webhooks import create_app


@pytest.fixture
def failing_app(tmp_path: Path) -> Iterator[Flask]:
    """An app with one extra route that fails the way a bug would, quoting its input."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"})

    def boom() -> str:
        address = "+85512345678"
        raise ValueError(f"cannot answer {address}")

    app.add_url_rule("/boom", view_func=boom)
    yield app
    app.extensions["sangkhim.db"].engine.dispose()


def test_unexpected_exception_is_a_plain_500(
    failing_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": "Internal Server Error", "description": ""}
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "unhandled ValueError on GET /boom" in logged
    assert "85512345678" not in logged


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("get", "/nowhere", 404, id="unknown-path"),
        pytest.param("get", "/webhooks/twilio/sms", 405, id="get-on-twilio-webhook"),
        pytest.param("get", "/webhooks/telegram", 405, id="get-on-telegram-webhook"),
    ],
)
def test_http_error_is_short_json(failing_app: Flask, method: str, path: str, status: int) -> None:
    response = getattr(failing_app.test_client(), method)(path)
    assert response.status_code == status
    assert set(response.get_json()) == {"error", "description"}
