"""Outbound messages through Twilio's REST API (twilio's own client), for an outreach worker's
reply in a handoff. Requests go to ``TWILIO_API_BASE_URL`` (https://api.twilio.com in
production; a local fake on 127.0.0.1 in the tests)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from webhooks.adapter import SendError

#: Twilio's client logs each request (with its body) at INFO: never let that through.
_QUIET = logging.getLogger("sangkhim.twilio_rest")
_QUIET.setLevel(logging.WARNING)
_QUIET.propagate = False

TWILIO_API = "https://api.twilio.com"
#: Twilio's own limit for one message body.
MAX_BODY_CHARS = 1600
SEND_TIMEOUT_SECONDS = 10.0


def _http_client(base_url: str) -> Any:
    """Twilio's HTTP client, sending to ``base_url`` instead of api.twilio.com (built on first
    use: Twilio's REST client and its HTTP stack are loaded only when a worker replies)."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.http.response import Response

    class AtBaseUrl(TwilioHttpClient):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
            if url.startswith(TWILIO_API):
                url = base_url.rstrip("/") + url[len(TWILIO_API):]
            return super().request(method, url, *args, **kwargs)

    return AtBaseUrl(timeout=SEND_TIMEOUT_SECONDS, logger=_QUIET)


def send_text(config: Mapping[str, Any], to: str, sender: str, text: str) -> None:
    """Send ``text`` to ``to`` (``+855…`` or ``whatsapp:+855…``) from our number ``sender``."""
    from twilio.base.exceptions import TwilioException
    from twilio.rest import Client

    if not config.get("TWILIO_ACCOUNT_SID"):
        raise SendError("TWILIO_ACCOUNT_SID is not set")
    client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                    http_client=_http_client(config["TWILIO_API_BASE_URL"]))
    try:
        client.messages.create(to=to, from_=sender, body=text[:MAX_BODY_CHARS])
    except (TwilioException, OSError) as error:
        raise SendError(f"Twilio did not take the message ({type(error).__name__})") from None


class AccountError(RuntimeError):
    """Twilio refused the account's credentials or could not be reached: ``status`` is the
    HTTP status Twilio answered (401: the SID and auth token do not match), or None."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def account_status(config: Mapping[str, Any]) -> str:
    """Fetch our own account with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, a request that
    changes nothing and sends nothing (``flask doctor``): its status, "active" when all is
    well ("suspended", "closed"). Errors never quote the SID, the token or the URL."""
    from twilio.base.exceptions import TwilioException, TwilioRestException
    from twilio.rest import Client

    sid = config.get("TWILIO_ACCOUNT_SID")
    if not sid or not config.get("TWILIO_AUTH_TOKEN"):
        raise AccountError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are both needed")
    client = Client(sid, config["TWILIO_AUTH_TOKEN"],
                    http_client=_http_client(config["TWILIO_API_BASE_URL"]))
    try:
        return str(client.api.v2010.accounts(sid).fetch().status)
    except TwilioRestException as error:
        raise AccountError(f"Twilio answered {error.status}"
                           + (f" (error {error.code})" if error.code else ""),
                           status=error.status) from None
    except (TwilioException, OSError) as error:
        raise AccountError(f"Twilio could not be reached ({type(error).__name__})") from None
