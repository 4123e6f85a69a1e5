"""Value types that cross the boundary between the channel adapters and the engine (the words
they share, such as ``Channel`` and ``DemandEvent``, are in ``core/vocabulary.py``).

Everything here is plain data. ``Inbound`` is the whitelist at the door: an adapter can only hand
the engine what fits in it, so provider metadata (names, usernames, cities) never gets in.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.geo import GeoPoint
from core.vocabulary import Channel, DemandEvent, Locale


class Step(enum.StrEnum):
    """Where a conversation is; persisted by name in the conversation row."""

    START = "start"
    MENU = "menu"
    ASK_PLACE = "ask_place"
    CHOOSE_PLACE = "choose_place"
    RESULTS = "results"
    FAQ_MENU = "faq_menu"
    PAGES = "pages"
    CONFIRM = "confirm"
    #: Talking with an outreach worker: what the texter writes goes to them.
    HANDOFF = "handoff"


class Pace(enum.StrEnum):
    """What the abuse limits say of a message (``webhooks/ratelimit.py`` counts); the engine
    decides what the texter gets (``bot/pacing.py``)."""

    ANSWER = "answer"
    NOTIFY = "notify"  # the first message over the limit: one polite notice
    SILENT = "silent"  # every further one: no reply at all


class Linked(enum.StrEnum):
    """What storage says of the handoff (a chat with an outreach worker) a conversation is
    linked to, as the turn is worked out (``bot/resume.py``)."""

    #: Closed by the worker, past its time, or its key cannot be opened: the bot answers again.
    GONE = "gone"
    #: Open, and no worker has written yet.
    WAITING = "waiting"
    #: Open, and a worker has written (perhaps to a chat asked for out of hours).
    ANSWERED = "answered"


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a person, already verified and pseudonymised by an adapter."""

    channel: Channel
    sender_key: str
    text: str = ""
    location: GeoPoint | None = None
    locale_hint: Locale | None = None
    #: The provider's id for this delivery (MessageSid, update_id); used only for de-duplication.
    provider_id: str = ""
    #: True when the message carried something the bot cannot read (photo, sticker, voice...).
    unsupported: bool = False
    #: True when the provider itself acted on an opt-out word: Twilio blocks further SMS to the
    #: sender until they send START, so the engine must not promise "text any time".
    provider_opted_out: bool = False


@dataclass(slots=True)
class State:
    """What the bot remembers to finish the current conversation, and nothing more."""

    locale: Locale | None = None
    step: Step = Step.START
    #: Small, JSON-serialisable working data (chosen service type, place code, result page...).
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def locale_settled(self) -> bool:
        """The conversation's language is settled: the person named it, or a message of theirs
        showed it (``bot.reply_locale``)."""
        return self.locale is not None and bool(self.data.get("locale_settled"))

    def data_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def restore(cls, locale: str | None, step: str | None, data_json: str | None) -> State:
        """Rebuild state from its stored columns; anything unreadable starts afresh."""
        try:
            data = json.loads(data_json or "{}")
            if not isinstance(data, dict):
                raise ValueError("data must be an object")
            return cls(
                locale=Locale(locale) if locale else None,
                step=Step(step or Step.START),
                data=data,
            )
        except (ValueError, TypeError):
            return cls()


@dataclass(frozen=True, slots=True)
class Button:
    """A quick-reply choice; channels that cannot show buttons ignore it (the text lists choices)."""

    label: str
    request_location: bool = False


@dataclass(frozen=True, slots=True)
class Venue:
    """A map pin for a service (Telegram ``sendVenue``); only services with their own coordinates."""

    latitude: float
    longitude: float
    title: str
    address: str


@dataclass(frozen=True, slots=True)
class OutMessage:
    text: str
    buttons: tuple[Button, ...] = ()
    venues: tuple[Venue, ...] = ()


def _never_full() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Desk:
    """The outreach workers who answer handoffs, as the engine needs to know them: when they
    work (opening hours, ``core/hours.py`` syntax), how long a handoff lives at most, and
    whether the queue of chats waiting for a worker is full now (asked only when a texter asks
    for a person: the caller counts them)."""

    hours: str
    ttl_hours: int
    full: Callable[[], bool] = _never_full


@dataclass(frozen=True, slots=True)
class HandoffRequest:
    """A texter agreed to talk to an outreach worker: what the worker may know of it."""

    #: What had been asked ("faq_methadone/restart", "find_methadone", "family"), or "".
    topic: str
    province_code: str | None
    district_code: str | None


@dataclass(frozen=True, slots=True)
class Reply:
    """What the engine decided: messages to send, the next state, and at most one demand event.

    ``state`` is ``None`` when the conversation must be forgotten (STOP).
    """

    messages: tuple[OutMessage, ...]
    state: State | None
    demand_event: DemandEvent | None = None
    locale: Locale = Locale.KM
    #: What may be stored to answer a redelivery, when it must differ from ``messages``:
    #: distances measured from a shared GPS point are sent but never stored.
    record: tuple[OutMessage, ...] | None = None
    #: Open a handoff to an outreach worker (the texter has agreed).
    handoff: HandoffRequest | None = None
    #: The inbound text goes to the open handoff's worker; ``alarm`` when it told of an
    #: emergency (the worker sees a flag at once).
    relay: bool = False
    alarm: bool = False
    #: A place the texter named in a message relayed to the worker (the code of the smallest
    #: unit every place read in it lies in): the handoff shows it, cut to the district.
    named_place: str | None = None
    #: What the reply does, in the words of ``docs/CONVERSATION.md`` ("emergency/seizure",
    #: "results/find_methadone", "thanks"): for tests and the evaluation; never stored.
    kind: str = ""
    #: How the abuse limits paced this turn: ``ANSWER`` when the engine answered (also a
    #: message over the limits that it answers anyway: an opt-out, anything urgent),
    #: ``NOTIFY`` the slow-down notice, ``SILENT`` no reply. Counted by the pipeline.
    pace: Pace = Pace.ANSWER

    @property
    def storable(self) -> tuple[OutMessage, ...]:
        return self.messages if self.record is None else self.record
