"""A local fake of the Telegram Bot API on 127.0.0.1, for tests of outbound calls."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.fake_http import json_server

TOKEN = "123456:TEST-TOKEN"
BOT = {
    "id": 123456, "is_bot": True, "first_name": "Sangkhim", "username": "sangkhim_test_bot",
    "can_join_groups": False, "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class FakeBotApi:
    """Answers like api.telegram.org: ``{"ok": true, "result": …}``, or an error if told to;
    ``hold`` (an event) makes it wait before it answers, like a slow provider: ``arrived`` is
    set as each request comes in."""

    url: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    refuse: dict[str, str] = field(default_factory=dict)  # method -> error description
    hold: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    #: When Telegram last failed to deliver to the webhook (Unix time; long ago by default).
    last_error_date: int = 1732400000
    #: The chats ``getChat`` knows, by id as text or @name (any other: "chat not found"), and
    #: our bot's membership in each (``getChatMember``; none: Telegram will not say).
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_channel(self, chat_id: str, title: str = "Sangkhim alerts", chat_type: str = "channel",
                    status: str | None = "administrator", can_post: bool = True) -> None:
        """A chat ``getChat`` finds (by its id and, for an @name, that too), with our bot's
        status in it: ``status`` None when Telegram would refuse to say."""
        numeric = -1009876543210 if chat_id.startswith("@") else int(chat_id)
        chat = {"id": numeric, "type": chat_type, "title": title, "accent_color_id": 0,
                "max_reaction_count": 11, "accepted_gift_types": {
                    "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                    "premium_subscription": False, "gifts_from_channels": False}}
        if chat_id.startswith("@"):
            chat["username"] = chat_id[1:]
        for key in {chat_id, str(numeric)}:
            self.chats[key] = chat
        if status is not None:
            member: dict[str, Any] = {"status": status, "user": BOT}
            if status == "administrator":  # as Telegram answers for a channel's admin
                member.update({name: False for name in (
                    "can_be_edited", "is_anonymous", "can_delete_messages",
                    "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                    "can_change_info", "can_post_stories", "can_edit_stories",
                    "can_delete_stories", "can_edit_messages")})
                member.update(can_manage_chat=True, can_invite_users=True,
                              can_post_messages=can_post)
            elif status == "creator":
                member["is_anonymous"] = False
            self.members[str(numeric)] = member

    def answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.arrived.set()
        if self.hold is not None:
            self.hold.wait(timeout=30)
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
        if method == "sendVenue":
            return 200, {"ok": True, "result": {
                "message_id": len(self.calls), "date": 1767225600,
                "chat": {"id": params.get("chat_id"), "type": "private"},
                "venue": {"location": {"latitude": params.get("latitude"),
                                       "longitude": params.get("longitude")},
                          "title": params.get("title"), "address": params.get("address")},
            }}
        if method == "sendMessage":
            return 200, {"ok": True, "result": {
                "message_id": len(self.calls), "date": 1767225600,
                "chat": {"id": params.get("chat_id"), "type": "private"},
                "text": params.get("text"),
            }}
        if method == "getChat":
            chat = self.chats.get(str(params.get("chat_id")))
            if chat is None:
                return 400, {"ok": False, "error_code": 400,
                             "description": "Bad Request: chat not found"}
            return 200, {"ok": True, "result": chat}
        if method == "getChatMember":
            member = self.members.get(str(params.get("chat_id")))
            if member is None or str(params.get("user_id")) != str(BOT["id"]):
                return 400, {"ok": False, "error_code": 400,
                             "description": "Bad Request: member list is inaccessible"}
            return 200, {"ok": True, "result": member}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {
                "url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": 2, "last_error_date": self.last_error_date,
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

    def respond(path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        return fake.answer(path, _decode(headers.get("Content-Type", ""), body))

    with json_server(respond) as url:
        fake.url = f"{url}/bot"
        yield fake
