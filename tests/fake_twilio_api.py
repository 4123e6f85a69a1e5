"""A local fake of Twilio's REST API on 127.0.0.1 (``POST …/Messages.json``), for tests of
outreach workers' replies sent by SMS and WhatsApp; and ``GET …/Accounts/<sid>.json``, which
``flask doctor`` fetches to check the credentials."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.fake_http import json_server

ACCOUNT_SID = "AC" + "0" * 32
#: The auth token the account accepts (the tests' TWILIO_AUTH_TOKEN).
AUTH_TOKEN = "test-twilio-auth-token"


@dataclass
class FakeTwilioApi:
    """Answers like api.twilio.com's Messages resource; ``refuse`` makes it answer 400, and
    ``hold`` (an event) makes it wait before it answers, like a slow provider: ``arrived`` is
    set as each request comes in."""

    url: str = ""
    sent: list[dict[str, str]] = field(default_factory=list)
    #: The HTTP basic-auth user and password of each request.
    auth: list[tuple[str, str]] = field(default_factory=list)
    refuse: bool = False
    hold: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    #: What the account resource says of the account ("active", "suspended", "closed").
    status: str = "active"

    def answer(self, path: str, params: dict[str, str], auth: tuple[str, str]) -> tuple[int, Any]:
        self.arrived.set()
        if self.hold is not None:
            self.hold.wait(timeout=30)
        if path == f"/2010-04-01/Accounts/{ACCOUNT_SID}.json":
            self.auth.append(auth)
            if auth != (ACCOUNT_SID, AUTH_TOKEN):
                return 401, {"code": 20003, "message": "Authenticate", "status": 401,
                             "more_info": "https://www.twilio.com/docs/errors/20003"}
            return 200, {"sid": ACCOUNT_SID, "friendly_name": "Sangkhim test", "type": "Full",
                         "status": self.status, "owner_account_sid": ACCOUNT_SID,
                         "date_created": "Tue, 01 Sep 2026 08:00:00 +0000",
                         "date_updated": "Tue, 01 Sep 2026 08:00:00 +0000",
                         "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}.json"}
        if path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
            return 404, {"code": 20404, "message": "not found", "status": 404}
        self.auth.append(auth)
        if self.refuse:
            return 400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}
        self.sent.append(params)
        return 201, {
            "sid": f"SM{len(self.sent):032d}", "account_sid": ACCOUNT_SID, "status": "queued",
            "to": params.get("To"), "from": params.get("From"), "body": params.get("Body"),
            "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
        }


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilioApi]:
    fake = FakeTwilioApi()

    def respond(path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        _, _, encoded = headers.get("Authorization", "").partition(" ")
        user, _, password = base64.b64decode(encoded).decode().partition(":")
        return fake.answer(path, params, (user, password))

    with json_server(respond) as url:
        fake.url = url
        yield fake
