"""Channel adapters, registered from one table.

An adapter is what a provider needs and nothing more: ``verify`` the request is the
provider's, ``parse`` it into an ``Inbound`` (the whitelist at the door), and ``render`` the
engine's answer as the provider's response; ``capabilities`` say what the channel can show, and
the engine shapes its replies by them. Everything between, one receiving route does the same
for every channel. A new channel (Viber, Messenger) is one module with an adapter, one row of
``bot.vocabulary.CAPABILITIES`` and one line in ``adapters()`` (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Protocol

from flask import Blueprint, Flask, Response, abort, current_app

from bot.types import Inbound
from bot.vocabulary import CAPABILITIES, Capabilities, Channel
from webhooks import pipeline


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed request: the message, and where a reply must be addressed when the response
    alone cannot carry everything (a Telegram chat id, for map pins sent afterwards). The
    address lives in memory for this request only: it is never stored or logged."""

    inbound: Inbound
    reply_to: int | None = None


class Acknowledge(Exception):
    """A request to acknowledge without answering (a delivery status report, an edited
    message, a group message): ``response`` is what the provider expects back."""

    def __init__(self, response: Response) -> None:
        super().__init__("acknowledged without an answer")
        self.response = response


class ChannelAdapter(Protocol):
    #: The name ``SANGKHIM_CHANNELS`` turns the adapter on by ("twilio", "telegram").
    name: str
    #: The webhook's path under /webhooks.
    path: str

    def capabilities(self, channel: Channel) -> Capabilities:
        """What ``channel`` (one this adapter serves) can show and do."""

    def verify(self) -> bool:
        """Whether the current request comes from the provider (its signature or secret)."""

    def parse(self) -> Parsed:
        """The current request as a message; raise ``Acknowledge``, or abort(400) when it is
        malformed."""

    def render(self, answer: pipeline.Answer, parsed: Parsed) -> Response:
        """The provider's response carrying ``answer``."""


def adapters() -> tuple[ChannelAdapter, ...]:
    """Every channel adapter, in the order their routes are registered."""
    from webhooks import telegram, twilio

    return (twilio.ADAPTER, telegram.ADAPTER)


def receive(adapter: ChannelAdapter) -> Response:
    """One webhook request, whatever the channel: on → verified → parsed → answered."""
    if adapter.name not in current_app.config["CHANNELS"]:
        abort(404)
    if not adapter.verify():
        abort(403)
    try:
        parsed = adapter.parse()
    except Acknowledge as acknowledged:
        return acknowledged.response
    channel = parsed.inbound.channel
    answer = pipeline.process(parsed.inbound, capabilities=adapter.capabilities(channel))
    return adapter.render(answer, parsed)


def default_capabilities(channel: Channel) -> Capabilities:
    return CAPABILITIES[channel]


def init_app(app: Flask) -> None:
    blueprint = Blueprint("channels", __name__, url_prefix="/webhooks")
    for adapter in adapters():
        blueprint.add_url_rule(adapter.path, endpoint=adapter.name,
                               view_func=partial(receive, adapter), methods=["POST"])
    app.register_blueprint(blueprint)
