"""What a channel adapter is, and the table of adapters (``ADAPTERS``).

An adapter is what a provider needs and nothing more: ``verify`` the request is the
provider's, ``parse`` it into an ``Inbound`` (the whitelist at the door), ``render`` the
engine's answer as the provider's response, and ``send`` a later message (an outreach worker's
reply); ``capabilities`` say what the channel can show, and the engine shapes its replies by
them. Everything between, one receiving route does the same for every channel
(``webhooks/channels.py``).

This module imports no adapter: the table names each adapter's module, which is imported when
the adapter is first asked for (``adapter``), so an adapter module may import this one (for
``Parsed``, ``Acknowledge``, ``SendError``) without a cycle, and a provider's library is loaded
only by a process that uses it. Adding a channel is one module with an ``ADAPTER`` that
implements ``ChannelAdapter``, one row of ``ADAPTERS``, and its settings in
``webhooks/config.py`` (docs/ARCHITECTURE.md, "How to add a channel";
``tests/webhooks/test_adding_a_channel.py`` does exactly that).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from bot.types import Inbound
from core.vocabulary import Capabilities, Channel

if TYPE_CHECKING:
    from flask import Response

    from webhooks.pipeline import Answer

#: Where the adapters' webhooks are served: each at ``PREFIX + path``.
PREFIX = "/webhooks"

#: Every channel adapter: the name ``SANGKHIM_CHANNELS`` turns it on by → the module whose
#: ``ADAPTER`` it is. The order is the order of their routes, of ``SANGKHIM_CHANNELS``'s
#: default and of the lists that name them.
ADAPTERS: dict[str, str] = {
    "twilio": "webhooks.twilio",
    "telegram": "webhooks.telegram",
}


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
    """One provider's webhook and outbound messages. ``verify``, ``parse`` and ``render`` run
    inside the webhook's request (they read Flask's ``request`` and ``current_app``); the
    others take what they need as arguments."""

    #: The name ``SANGKHIM_CHANNELS`` turns the adapter on by: its key in ``ADAPTERS``.
    name: str
    #: The webhook's path under ``PREFIX`` ("/twilio/sms"), given to the provider.
    path: str
    #: The channels it serves: a message it parses is on one of them, and an outreach
    #: worker's reply to an address on one of them is sent through it.
    serves: tuple[Channel, ...]
    #: What the dashboard calls each channel it serves ("SMS", "WhatsApp").
    labels: Mapping[Channel, str]
    #: The settings production cannot start without while the channel is on (its credentials;
    #: checked by ``webhooks/config.py``, which defines and validates them).
    required_settings: tuple[str, ...]
    #: Its settings that are secrets (tokens, signing keys): ``flask doctor`` never prints
    #: their values.
    secret_settings: tuple[str, ...]

    def capabilities(self, channel: Channel) -> Capabilities:
        """What ``channel`` (one this adapter serves) can show and do: usually its row of
        ``core.vocabulary.CAPABILITIES``."""
        ...

    def verify(self) -> bool:
        """Whether the current request comes from the provider (its signature or secret,
        checked with the provider's own library where there is one). False is answered 403."""
        ...

    def parse(self) -> Parsed:
        """The current request as a message, with only what the engine may use copied into
        ``Parsed.inbound`` (the sender's address turned into a keyed hash). Raise
        ``Acknowledge`` for what needs an answer but no reply (status reports, edits), or
        ``abort(400)`` when the request is malformed: never anything that would answer 500."""
        ...

    def render(self, answer: Answer, parsed: Parsed) -> Response:
        """The provider's response carrying ``answer`` to the request ``parsed`` came from."""
        ...

    def send(self, config: Mapping[str, Any], address: Mapping[str, Any], text: str) -> None:
        """Deliver ``text`` after the webhook has answered (an outreach worker's reply), to an
        ``address`` that ``parse`` gave (``Parsed.address``); raise ``SendError``."""
        ...

    def preload(self) -> None:
        """Load now what the first message would otherwise load (a provider's library):
        gunicorn's master calls it for every channel that is on, before it forks
        (``webhooks.preload``). Nothing that must not cross a fork."""
        ...


def adapter(name: str) -> ChannelAdapter:
    """The adapter of ``ADAPTERS[name]``, its module imported at first use."""
    module = importlib.import_module(ADAPTERS[name])
    return module.ADAPTER  # type: ignore[no-any-return]


def adapters(names: tuple[str, ...] | None = None) -> Iterator[ChannelAdapter]:
    """The adapters named (every one in ``ADAPTERS`` by default), in the table's order."""
    for name in ADAPTERS:
        if names is None or name in names:
            yield adapter(name)


def serving(channel: Channel) -> ChannelAdapter:
    """The adapter that serves ``channel``; raise ``SendError`` if none does."""
    for candidate in adapters():
        if channel in candidate.serves:
            return candidate
    raise SendError(f"no adapter sends to {channel}")
