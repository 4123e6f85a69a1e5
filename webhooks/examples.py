"""Ready-to-paste requests for a local server, signed with this instance's development secrets;
the signed requests themselves are what ``make chaos`` sends (tests/chaos.py). They are
Twilio's and Telegram's own: a channel added later works without an example here. The paths
are the adapters' (``webhooks.adapter.ADAPTERS``)."""

from __future__ import annotations

import json
import shlex
import uuid
from collections.abc import Mapping
from typing import Any

from twilio.request_validator import RequestValidator

from webhooks.adapter import PREFIX, adapter

SMS_PATH = PREFIX + adapter("twilio").path
TELEGRAM_PATH = PREFIX + adapter("telegram").path


def twilio_request(
    config: Mapping[str, Any], body: str, sender: str, sid: str | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """An inbound message as Twilio posts it: the form, and the headers that sign it (against
    ``PUBLIC_BASE_URL`` + path, as ``webhooks/twilio.py`` checks). ``sid``: the MessageSid, new
    by default (a provider's redelivery repeats it)."""
    sid = sid or "SM" + uuid.uuid4().hex
    params = {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+85500000000",
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(config["TWILIO_AUTH_TOKEN"]).compute_signature(
        config["PUBLIC_BASE_URL"] + SMS_PATH, params
    )
    return params, {"X-Twilio-Signature": signature}


def twilio_curl(config: Mapping[str, Any], base_url: str, body: str, sender: str) -> str:
    params, headers = twilio_request(config, body, sender)
    parts = ["curl", "-s", f"{base_url}{SMS_PATH}"]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    for key, value in params.items():
        parts += ["--data-urlencode", f"{key}={value}"]
    return " ".join(shlex.quote(p) for p in parts)


def telegram_request(
    config: Mapping[str, Any], text: str, language: str, chat_id: int = 100000001,
    update_id: int | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A private message as Telegram posts it: the Update, and the headers (with the webhook's
    secret token). ``update_id``: new by default (a provider's redelivery repeats it)."""
    update = {
        "update_id": uuid.uuid4().int % 10**9 if update_id is None else update_id,
        "message": {
            "message_id": 1,
            "date": 1767225600,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test",
                     "language_code": language},
            "text": text,
        },
    }
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": config["TELEGRAM_WEBHOOK_SECRET"],
    }
    return update, headers


def telegram_curl(config: Mapping[str, Any], base_url: str, text: str, language: str) -> str:
    update, headers = telegram_request(config, text, language)
    parts = ["curl", "-s", f"{base_url}{TELEGRAM_PATH}"]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    parts += ["-d", json.dumps(update, ensure_ascii=False)]
    return " ".join(shlex.quote(p) for p in parts)


def examples(config: Mapping[str, Any], base_url: str) -> str:
    lines = [
        "",
        "Sangkhim is starting on " + base_url,
        "  The directory holds SAMPLE entries only: they are fictional and marked [SAMPLE].",
        "",
        "Talk to it:",
        "  In a terminal:   SANGKHIM_ENV=development .venv/bin/flask chat"
        "   (add --channel telegram, --locale en)",
        f"  In a browser:    {base_url}/simulator",
        "",
        "  A signed Twilio SMS in English (asks for a service and a place in one message):",
        "    " + twilio_curl(config, base_url, "methadone in Phnom Penh", "+85510000001"),
        "",
        "  A signed Twilio WhatsApp message in Khmer (menu):",
        "    " + twilio_curl(config, base_url, "ម៉ឺនុយ", "whatsapp:+85510000002"),
        "",
        "  A Telegram update (Khmer):",
        "    " + telegram_curl(config, base_url, "សួស្តី", "km"),
        "",
        "  Health: curl -s " + base_url + "/healthz  (ready to serve: /readyz)",
        "",
    ]
    return "\n".join(lines)
