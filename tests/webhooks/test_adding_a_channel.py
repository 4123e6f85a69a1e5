"""Adding a channel takes what docs/ARCHITECTURE.md ("How to add a channel") says, and no more.

This module is the new channel's module: ``ADAPTER`` below implements
``webhooks.adapter.ChannelAdapter`` for a made-up SMS gateway, "fake", that posts JSON signed
with an HMAC of its body. The ``fake_app`` fixture then does the rest of what the document
lists: one row of ``ADAPTERS`` (this module's name) and the channel's setting (``FAKE_SECRET``,
passed as configuration). No other file knows of it, and the app must receive it as it receives
Twilio and Telegram: verified, parsed, answered, a bad signature refused, a malformed payload
answered 400, a redelivery answered from the stored reply.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask, Response, abort, current_app, jsonify, request
from werkzeug.test import TestResponse

from bot.types import Inbound
from core.vocabulary import CAPABILITIES, Capabilities, Channel
from models import ProcessedMessage
from tests.webhooks.channels import conversation, count_events, count_rows
from webhooks import config as settings
from webhooks import doctor
from webhooks.adapter import ADAPTERS, Acknowledge, ChannelAdapter, Parsed, adapter, adapters
from webhooks.pseudonym import sender_key

if TYPE_CHECKING:
    from webhooks.pipeline import Answer

PATH = "/webhooks/fake"
SECRET = "Zq0vR3n-5tq8hKc2pW1yLx9dFg7bJm4s"
SIGNATURE = "X-Fake-Signature"


# --- the channel's module: an adapter --------------------------------------------------------


class FakeAdapter:
    """A made-up SMS gateway: ``{"id", "from", "text"}`` in, ``{"messages": [...]}`` out."""

    name = "fake"
    path = "/fake"
    serves = (Channel.SMS,)
    labels = {Channel.SMS: "Fake SMS"}
    required_settings = ("FAKE_SECRET",)
    secret_settings = ("FAKE_SECRET",)

    def __init__(self) -> None:
        self.sent: list[tuple[Mapping[str, Any], str]] = []
        self.preloaded = 0

    def capabilities(self, channel: Channel) -> Capabilities:
        return CAPABILITIES[channel]

    def verify(self) -> bool:
        expected = sign(current_app.config["FAKE_SECRET"], request.get_data())
        return hmac.compare_digest(request.headers.get(SIGNATURE, ""), expected)

    def parse(self) -> Parsed:
        payload = request.get_json(silent=True)
        if isinstance(payload, dict) and "status" in payload and "text" not in payload:
            raise Acknowledge(Response(status=204))  # a delivery report: nothing to answer
        if not isinstance(payload, dict):
            abort(400, description="expected a JSON object")
        message_id, sender, text = payload.get("id"), payload.get("from"), payload.get("text")
        if not all(isinstance(value, str) and value for value in (message_id, sender)) or (
            not isinstance(text, str)
        ):
            abort(400, description="id, from and text are required")
        key = sender_key(current_app.config["PSEUDONYM_KEY"], Channel.SMS, sender)
        inbound = Inbound(channel=Channel.SMS, sender_key=key, text=text[:1600],
                          provider_id=message_id)
        return Parsed(inbound, address={"channel": "sms", "to": sender})

    def render(self, answer: Answer, parsed: Parsed) -> Response:
        return jsonify({"messages": [message.text for message in answer.messages]})

    def send(self, config: Mapping[str, Any], address: Mapping[str, Any], text: str) -> None:
        self.sent.append((address, text))

    def preload(self) -> None:
        self.preloaded += 1


ADAPTER = FakeAdapter()


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- its row and its settings -----------------------------------------------------------------


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one row of the table."""
    monkeypatch.setitem(ADAPTERS, "fake", __name__)


@pytest.fixture
def fake_app(registered: None, make_app: Any) -> Flask:
    """The app with the fake channel on beside the others, and the SAMPLE directory."""
    app: Flask = make_app(SANGKHIM_CHANNELS="twilio,telegram,fake", FAKE_SECRET=SECRET)
    result = app.test_cli_runner().invoke(args=["directory", "import", "--sample"])
    assert result.exit_code == 0, result.output
    return app


def post(app: Flask, payload: object, *, secret: str = SECRET,
         body: bytes | None = None) -> TestResponse:
    data = json.dumps(payload).encode() if body is None else body
    return app.test_client().post(PATH, data=data, content_type="application/json",
                                  headers={SIGNATURE: sign(secret, data)})


def replies(response: TestResponse) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(response.get_json()["messages"])


# --- the proof ------------------------------------------------------------------------------------


def test_the_fake_adapter_implements_the_whole_protocol(registered: None) -> None:
    """Every member the protocol declares, on every adapter of the table (the fake's too)."""
    members = {name for name in vars(ChannelAdapter) if not name.startswith("_")}
    members |= set(ChannelAdapter.__annotations__)
    assert {"name", "path", "serves", "verify", "parse", "render", "send"} <= members
    for each in adapters():
        missing = {name for name in members if not hasattr(each, name)}
        assert not missing, (each.name, missing)
        assert ADAPTERS[each.name] == type(each).__module__ or each is ADAPTER


def test_a_verified_message_is_answered(fake_app: Flask) -> None:
    answer = replies(post(fake_app, {"id": "f-1", "from": "+85512000001",
                                     "text": "methadone in Phnom Penh"}))
    assert answer and "Methadone" in " ".join(answer), answer
    assert count_events(fake_app) == 1
    key = sender_key(fake_app.config["PSEUDONYM_KEY"], Channel.SMS, "+85512000001")
    assert conversation(fake_app, key) is not None


def test_a_bad_signature_is_refused(fake_app: Flask) -> None:
    message = {"id": "f-2", "from": "+85512000002", "text": "hello"}
    assert post(fake_app, message, secret="not-" + SECRET).status_code == 403
    assert fake_app.test_client().post(PATH, json=message).status_code == 403  # none at all
    assert count_rows(fake_app, ProcessedMessage) == 0


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[]", b"null", b'"text"', json.dumps({"id": "f-3"}).encode(),
    json.dumps({"id": 3, "from": "+85512000003", "text": "hi"}).encode(),
    json.dumps({"id": "f-3", "from": "+85512000003", "text": ["hi"]}).encode(),
    json.dumps({"id": "", "from": "+85512000003", "text": "hi"}).encode(),
], ids=["empty", "not-json", "list", "null", "string", "no-sender", "numeric-id",
        "text-not-a-string", "empty-id"])
def test_a_malformed_payload_is_answered_400(fake_app: Flask, body: bytes) -> None:
    assert post(fake_app, None, body=body).status_code == 400
    assert count_rows(fake_app, ProcessedMessage) == 0


def test_a_status_report_is_acknowledged_without_an_answer(fake_app: Flask) -> None:
    response = post(fake_app, {"id": "f-4", "status": "delivered"})
    assert response.status_code == 204 and not response.get_data()
    assert count_rows(fake_app, ProcessedMessage) == 0


def test_a_duplicate_delivery_is_answered_from_the_stored_reply(fake_app: Flask) -> None:
    sender = "+85512000005"
    first = replies(post(fake_app, {"id": "f-5", "from": sender,
                                    "text": "methadone in Phnom Penh"}))
    key = sender_key(fake_app.config["PSEUDONYM_KEY"], Channel.SMS, sender)
    state = conversation(fake_app, key)
    assert state is not None
    # The same delivery again, even with other words: the reply stored for it, nothing redone.
    again = replies(post(fake_app, {"id": "f-5", "from": sender, "text": "hello"}))
    assert again == first
    assert count_events(fake_app) == 1 and count_rows(fake_app, ProcessedMessage) == 1
    after = conversation(fake_app, key)
    assert after is not None and (after.data, after.version) == (state.data, state.version)
    # A new delivery with those words is answered anew (so the check above could fail).
    assert replies(post(fake_app, {"id": "f-6", "from": sender, "text": "hello"})) != first


def test_off_unless_sangkhim_channels_names_it(registered: None, make_app: Any) -> None:
    app = make_app(SANGKHIM_CHANNELS="twilio,telegram", FAKE_SECRET=SECRET)
    assert post(app, {"id": "f-7", "from": "+85512000007", "text": "hello"}).status_code == 404


def test_its_settings_are_checked_from_the_table(registered: None) -> None:
    """``SANGKHIM_CHANNELS`` knows the name, defaults to every row, production requires the
    adapter's ``required_settings``, ``flask doctor`` never prints its ``secret_settings``, and
    gunicorn's master preloads it when it is on."""
    config, _stated = settings.gather({"SANGKHIM_CHANNELS": "fake"})
    assert not list(settings.setting_problems(config)) and config["CHANNELS"] == ("fake",)
    assert "FAKE_SECRET" in settings.missing_in_production(config)
    assert "FAKE_SECRET" not in settings.missing_in_production({**config, "FAKE_SECRET": SECRET})
    default, _stated = settings.gather()
    list(settings.setting_problems(default))
    assert "fake" in default["CHANNELS"]

    assert SECRET in doctor.secret_values({**config, "FAKE_SECRET": SECRET})
    assert doctor.scrub(f"token {SECRET}", doctor.secret_values({"FAKE_SECRET": SECRET})) == (
        "token [secret]")

    from webhooks import preload

    before = ADAPTER.preloaded
    preload({"CHANNELS": ("fake",)})
    assert ADAPTER.preloaded == before + 1
    assert adapter("fake") is ADAPTER


def test_unregistered_it_is_unknown(make_app: Any) -> None:
    """Without its row the same configuration is refused at start-up: the row is what adds it."""
    config, _stated = settings.gather({"SANGKHIM_CHANNELS": "fake"})
    problems = list(settings.setting_problems(config))
    assert [problem.key for problem in problems] == ["SANGKHIM_CHANNELS"]
    with pytest.raises(settings.ConfigError, match="unknown channel"):
        make_app(SANGKHIM_CHANNELS="twilio,fake", FAKE_SECRET=SECRET)
