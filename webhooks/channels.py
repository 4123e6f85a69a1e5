"""Channel adapters, registered from one table.

An adapter is what a provider needs and nothing more: ``verify`` the request is the
provider's, ``parse`` it into an ``Inbound`` (the whitelist at the door), and ``render`` the
engine's answer as the provider's response; ``capabilities`` say what the channel can show, and
the engine shapes its replies by them. Everything between, one receiving route does the same
for every channel. A new channel (Viber, Messenger) is one module with an adapter, one row of
``core.vocabulary.CAPABILITIES`` and one line in ``adapters()`` (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from flask import Blueprint, Flask, Request, Response, abort, current_app
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from bot.types import Inbound
from core.vocabulary import CAPABILITIES, Capabilities, Channel
from webhooks import metrics, pipeline


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed request: the message, where the response's follow-ups go (a Telegram chat id,
    for map pins), and the address a later message would be sent to (for a handoff to an
    outreach worker: only ever stored sealed, inside the handoff). Both live in memory for this
    request only, and are never logged."""

    inbound: Inbound
    reply_to: int | None = None
    address: dict[str, Any] | None = None


class Acknowledge(Exception):
    """A request to acknowledge without answering (a delivery status report, an edited
    message, a group message): ``response`` is what the provider expects back."""

    def __init__(self, response: Response) -> None:
        super().__init__("acknowledged without an answer")
        self.response = response


class SendError(RuntimeError):
    """A message could not be delivered; the text says why, never the address or a token."""


class ChannelAdapter(Protocol):
    #: The name ``SANGKHIM_CHANNELS`` turns the adapter on by ("twilio", "telegram").
    name: str
    #: The webhook's path under /webhooks.
    path: str
    #: The channels it serves.
    serves: tuple[Channel, ...]

    def capabilities(self, channel: Channel) -> Capabilities:
        """What ``channel`` (one this adapter serves) can show and do."""

    def verify(self) -> bool:
        """Whether the current request comes from the provider (its signature or secret)."""

    def parse(self) -> Parsed:
        """The current request as a message; raise ``Acknowledge``, or abort(400) when it is
        malformed."""

    def render(self, answer: pipeline.Answer, parsed: Parsed) -> Response:
        """The provider's response carrying ``answer``."""

    def send(self, config: Mapping[str, Any], address: Mapping[str, Any], text: str) -> None:
        """Deliver ``text`` after the webhook has answered (an outreach worker's reply), to an
        address ``parse`` gave; raise ``SendError``."""


def send(config: Mapping[str, Any], address: Mapping[str, Any], text: str) -> None:
    """Deliver ``text`` through the adapter that serves the address's channel."""
    channel = Channel(str(address.get("channel", "")))
    for adapter in adapters():
        if channel in adapter.serves:
            adapter.send(config, address, text)
            return
    raise SendError(f"no adapter sends to {channel}")


def adapters() -> tuple[ChannelAdapter, ...]:
    """Every channel adapter, in the order their routes are registered."""
    from webhooks import telegram, twilio

    return (twilio.ADAPTER, telegram.ADAPTER)


def receive(adapter: ChannelAdapter) -> Response:
    """One webhook request, whatever the channel: on → verified → parsed → answered."""
    started = time.perf_counter()
    if adapter.name not in current_app.config["CHANNELS"]:
        abort(404)
    if not adapter.verify():
        abort(403)
    try:
        parsed = adapter.parse()
    except Acknowledge as acknowledged:
        return acknowledged.response
    channel = parsed.inbound.channel
    answer = pipeline.process(parsed.inbound, capabilities=adapter.capabilities(channel),
                              address=parsed.address)
    response = adapter.render(answer, parsed)
    metrics.replied(channel, time.perf_counter() - started)
    return response


def default_capabilities(channel: Channel) -> Capabilities:
    return CAPABILITIES[channel]


#: Where the providers' webhooks are served.
PREFIX = "/webhooks"


class _Sessions(SecureCookieSessionInterface):
    """The dashboard's signed-cookie sessions, but none for a webhook: a provider carries no
    cookie of ours and the webhook keeps nothing in one, while opening and saving the session
    (a signing serializer made anew, the cookie read and written back) took about 0.1 ms of
    every message's 2 ms (``make bench``). A webhook gets Flask's null session: it reads as
    empty, and writing to it fails loudly."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(PREFIX + "/"):
            return None  # Flask then makes the null session, and saves nothing
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = _Sessions()
    blueprint = Blueprint("channels", __name__, url_prefix=PREFIX)
    for adapter in adapters():
        blueprint.add_url_rule(adapter.path, endpoint=adapter.name,
                               view_func=partial(receive, adapter), methods=["POST"])
    app.register_blueprint(blueprint)
