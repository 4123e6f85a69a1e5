"""A local fake of Twilio's REST API on 127.0.0.1 (``POST …/Messages.json``), for tests of
outreach workers' replies sent by SMS and WhatsApp."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest

ACCOUNT_SID = "AC" + "0" * 32


@dataclass
class FakeTwilioApi:
    """Answers like api.twilio.com's Messages resource; ``refuse`` makes it answer 400."""

    url: str = ""
    sent: list[dict[str, str]] = field(default_factory=list)
    #: The HTTP basic-auth user and password of each request.
    auth: list[tuple[str, str]] = field(default_factory=list)
    refuse: bool = False

    def answer(self, path: str, params: dict[str, str], auth: tuple[str, str]) -> tuple[int, Any]:
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

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
            scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
            user, _, password = base64.b64decode(encoded).decode().partition(":")
            status, answer = fake.answer(self.path, params, (user, password))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()
