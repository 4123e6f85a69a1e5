"""The one place that runs a turn across the engine (``bot``) and storage (``models``): for
each inbound message it loads, calls the engine, stores and answers. It decides nothing a
texter reads. (The import contracts in pyproject.toml declare the modules that may call the
engine; docs/ARCHITECTURE.md, "The import contracts".)

- Load: the sender's conversation row (a state past its time starts afresh), and the facts
  the engine is given: what the abuse limits say of this message (``ratelimit.judge_sender``
  on the row's counters, as a ``Pace``) and what became of the handoff the state names (as
  ``Linked``: gone, waiting or answered).
- Call: ``bot.handle`` decides the reply and the next state: the slow-down notice or
  silence, urgency and opt-outs answered anyway, a handoff left or resumed.
- Store, in one short transaction: the handoff the reply opens, feeds or closes, the new
  state (or its deletion), the staged demand event (the clock's hourly run publishes it,
  apart from the turn: ``models.demand_events``), and the delivery id with the reply sent.
- Answer: the reply's messages as an ``Answer`` the adapter renders.

No upkeep runs here: an opt-out only marks a compaction as due (``models.upkeep``). A
failure rolls the transaction back, so the provider's retry is processed normally. A repeat
of a completed delivery is rolled back too, gets the stored reply and counts nothing. If the
database or the engine fails the texter still gets the engine's static reply
(``bot.unavailable``). What the pipeline keeps between messages is the app's: the worker's
message limit (``init_app``); the configuration is read once per message (``_Settings``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

import bot
from bot.types import Button, Desk, Inbound, Linked, OutMessage, Pace, Reply, State, Step
from core.vocabulary import CAPABILITIES, Capabilities, DemandEvent
from models import demand_events, handoffs, retention, sealing, turns, unique, upkeep
from models.base import reading, writer_turn
from models.services import SqlDirectory
from webhooks import metrics, ratelimit, timesource
from webhooks.database import get_db
from webhooks.pseudonym import inbound_key

log = logging.getLogger(__name__)

#: Where the app keeps the worker's message limit (``ratelimit.TokenBucket``).
BUCKET = "sangkhim.bucket"


def init_app(app: Flask) -> None:
    """Give the app what the pipeline keeps between messages: the worker's message limit, a
    token bucket in this process's memory (``RATE_WORKER_PER_MINUTE``)."""
    app.extensions[BUCKET] = ratelimit.TokenBucket(app.config["RATE_WORKER_PER_MINUTE"])


@dataclass(frozen=True, slots=True)
class _Settings:
    """What a turn needs of the app's configuration, read once per message (and passed down,
    so that no step of the turn reads the app's configuration on its own)."""

    state_ttl_hours: int
    handoff_ttl_hours: int
    limits: ratelimit.Limits
    #: The handoffs' keyring; None where handoffs are off (no ``HANDOFF_KEY``).
    keys: sealing.Keyring | None
    handoff_hours: str
    handoff_max_waiting: int
    include_sample: bool
    helpline: str | None

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> _Settings:
        return cls(
            state_ttl_hours=config["STATE_TTL_HOURS"],
            handoff_ttl_hours=config["HANDOFF_TTL_HOURS"],
            limits=ratelimit.Limits(
                burst=config["RATE_SENDER_BURST"],
                conversation_replies=config["RATE_CONVERSATION_REPLIES"],
                worker_per_minute=config["RATE_WORKER_PER_MINUTE"],
            ),
            keys=sealing.keyring_of(config),
            handoff_hours=config["HANDOFF_HOURS"],
            handoff_max_waiting=config["HANDOFF_MAX_WAITING"],
            include_sample=not config["PRODUCTION"],
            helpline=config["HELPLINE_PHONE"] or None,
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """What goes back to the texter: the messages, and whether they are a stored copy (a
    redelivery) or the safe static reply (the database or the engine failed)."""

    messages: tuple[OutMessage, ...]
    duplicate: bool = False
    degraded: bool = False


def process(
    inbound: Inbound,
    now: datetime | None = None,
    capabilities: Capabilities | None = None,
    address: dict[str, Any] | None = None,
) -> Answer:
    """Answer one inbound message; ``capabilities`` are the adapter's for its channel (by
    default the channel's row of ``core.vocabulary.CAPABILITIES``). ``address`` is where the
    provider would deliver to the texter: with it (and ``HANDOFF_KEY``) the texter may ask
    for an outreach worker, and it is kept only sealed, inside the handoff it opens."""
    now = now or timesource.now()
    can = capabilities or CAPABILITIES[inbound.channel]
    app = current_app
    key = inbound_key(app.config["PSEUDONYM_KEY"], inbound.channel, inbound.provider_id)
    db = get_db()
    bucket: ratelimit.TokenBucket = app.extensions[BUCKET]
    if not bucket.take():
        log.warning("worker message limit reached; a message was not answered")
        metrics.message(inbound.channel, metrics.WORKER_LIMIT)
        return Answer(())
    try:
        settings = _Settings.of(app.config)
        for attempt in range(ATTEMPTS):
            try:
                return _process_once(db.engine, settings, key, inbound, now, can, address,
                                     optimistic=attempt == 0)
            except _Repeat:
                # The delivery was answered before, or by a concurrent copy that committed
                # first: everything this run wrote was rolled back; answer what was stored.
                metrics.message(inbound.channel, metrics.DUPLICATE)
                return Answer(_stored_reply(db.engine, key), duplicate=True)
            except (_Conflict, IntegrityError):
                # Another message from the same sender changed the conversation while this one
                # was worked out, or created it first: work it out again, on the saved row.
                if attempt + 1 == ATTEMPTS:
                    metrics.message(inbound.channel, metrics.DUPLICATE)
                    return Answer(_stored_reply(db.engine, key), duplicate=True)
            except DBAPIError as error:
                # A pooled connection that died with a server restart: the pool has been
                # invalidated, so the next attempt gets a fresh connection.
                if not error.connection_invalidated or attempt + 1 == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")
    except SQLAlchemyError as error:
        log.error("database unavailable (%s); sent the static reply", type(error).__name__)
        metrics.safe_reply(inbound.channel, "database")
        return Answer((bot.unavailable(inbound),), degraded=True)
    except Exception as error:  # a bug must not cost the texter an answer, nor leak a traceback
        log.error("engine failed (%s); sent the static reply", type(error).__name__, exc_info=error)
        metrics.safe_reply(inbound.channel, "engine")
        return Answer((bot.unavailable(inbound),), degraded=True)


#: A turn is worked out at most this many times: first optimistically, then under a lock.
ATTEMPTS = 3


class _Repeat(Exception):
    """This delivery was already recorded: roll the turn back."""


class _Conflict(Exception):
    """The conversation changed after the turn read it: roll back and work it out again."""


@dataclass(frozen=True, slots=True)
class _Turn:
    """A turn worked out but not yet saved: the reply (whose ``state`` is the state to keep,
    None to forget the sender) and the sender's abuse-limit counters after this message."""

    reply: Reply
    counters: ratelimit.Counters
    #: The open handoff the conversation was in when the turn was worked out, if any.
    handoff: str | None = None
    #: The handoff the conversation named, open or not (STOP closes it even past its time).
    linked: str | None = None


#: How /metrics counts a saved turn (``metrics.MESSAGE_OUTCOMES``), by how the engine paced it.
_PACE_OUTCOMES = {
    Pace.ANSWER: metrics.ANSWERED,
    Pace.NOTIFY: metrics.RATE_NOTICE,
    Pace.SILENT: metrics.RATE_SILENT,
}


def _process_once(
    engine: Engine, settings: _Settings, key: str, inbound: Inbound, now: datetime,
    can: Capabilities, address: dict[str, Any] | None, optimistic: bool,
) -> Answer:
    """Work out and save one turn.

    Optimistically (the first attempt): read the conversation and work the turn out outside any
    transaction, then save it in a short one, only if the row still has the version read. On
    SQLite, which lets one writer in at a time, this keeps the engine's work out of the write
    lock. Otherwise the row is read and locked inside the transaction: the turn cannot conflict.

    The delivery is recorded last, with its reply, in the same transaction: if it was recorded
    before (a provider retry, or a copy that another worker committed first), the transaction
    is rolled back and the turn counts nothing."""
    with turns.turn_connection(engine) as connection:  # one pooled connection for the turn
        if optimistic:
            row = turns.load_conversation(connection, inbound.sender_key)
            turn = _think(connection, settings, inbound, row, now, can, address is not None)
            with writer_turn(engine), turns.writing(connection):
                closed = _save(connection, settings, key, inbound, row, turn, now, address)
        else:
            with writer_turn(engine), turns.writing(connection):
                row = turns.load_conversation(connection, inbound.sender_key, lock=True)
                turn = _think(connection, settings, inbound, row, now, can, address is not None)
                closed = _save(connection, settings, key, inbound, row, turn, now, address)
    metrics.message(inbound.channel, _PACE_OUTCOMES[turn.reply.pace])
    _after_turn(engine, forgot=turn.reply.state is None, closed_handoff=closed)
    return Answer(turn.reply.messages)


def _after_turn(engine: Engine, forgot: bool, closed_handoff: bool) -> None:
    """Upkeep is not the texter's to wait for: purge, publication and compaction run in the
    ``flask clock`` process (``models.upkeep``). A turn that deleted the texter's rows (STOP)
    or ended a chat only marks the compaction (and the shredding of the chat's key) as due,
    cheaply, after its own transaction; the clock's next tick does it, once for however many
    opt-outs came since."""
    if forgot or closed_handoff:
        upkeep.mark_due(engine, compact=True, shred=closed_handoff)


def _think(
    connection: Connection, settings: _Settings, inbound: Inbound, row: Any | None,
    now: datetime, can: Capabilities, reachable: bool,
) -> _Turn:
    """Load what the engine is given about the sender's saved row and call it. Reads the
    directory and the linked handoff; writes nothing. ``reachable``: the adapter gave an
    address a worker's reply could go to."""
    hours = settings.state_ttl_hours
    if row is not None and retention.in_handoff(row.step, row.data):
        hours = max(hours, settings.handoff_ttl_hours)  # lives as long as its handoff may
    current = row is not None and row.updated_at > now - timedelta(hours=hours)
    state = State.restore(row.locale, row.step, row.data) if current else State()
    linked = _handoff_of(state)
    found = _linked(connection, settings.keys, linked, now) if linked is not None else None
    counters = _counters(row) if current else ratelimit.Counters()
    pace = ratelimit.judge_sender(counters, now, settings.limits)
    directory = SqlDirectory(
        connection, include_sample=settings.include_sample, helpline=settings.helpline, now=now,
    )
    desk = None
    if reachable and settings.keys is not None:
        cap = settings.handoff_max_waiting
        desk = Desk(settings.handoff_hours, settings.handoff_ttl_hours,
                    full=lambda: handoffs.waiting(connection, now) >= cap)
    reply = bot.handle(inbound, state, directory, now, capabilities=can, desk=desk,
                       pace=pace, linked=found)
    return _Turn(reply, counters, None if found is Linked.GONE else linked, linked)


def _linked(
    connection: Connection, keys: sealing.Keyring | None, handoff_id: str, now: datetime,
) -> Linked:
    """What became of the handoff a conversation names: gone (closed by the worker, past its
    time, or its key unreadable), waiting, or answered by a worker."""
    found = handoffs.find(connection, handoff_id, now)
    if found is not None and (keys is None or not handoffs.opens(connection, keys, handoff_id)):
        log.warning("a chat's key opens with no configured HANDOFF_KEY (changed without "
                    "HANDOFF_KEY_PREVIOUS?); the bot answers its texter")
        found = None
    if found is None:
        return Linked.GONE
    return Linked.ANSWERED if found.answered else Linked.WAITING


def _handoff_of(state: State) -> str | None:
    """The id of the handoff a conversation is in, if any."""
    value = state.data.get("handoff")
    return value if isinstance(value, str) and value else None


def _handoff_effects(
    connection: Connection, settings: _Settings, inbound: Inbound, turn: _Turn, now: datetime,
    address: dict[str, Any] | None,
) -> tuple[bool, bool]:
    """Open, feed or close the texter's handoff as the engine decided. The address and the
    texts are sealed under the handoff's own key (``models/handoffs.py``). Nothing is read
    unless the conversation is in a handoff, nor for a message the abuse limits held back.
    Returns whether a handoff was closed (its key is then shredded after the transaction) and
    whether the turn's demand event counts (not when the texter already has a chat: one
    texter, one chat)."""
    if turn.reply.pace is not Pace.ANSWER:
        return False, True
    keys = settings.keys
    reply, current = turn.reply, turn.handoff
    found = handoffs.find(connection, current, now) if current else None  # still open, now?
    if found is None:
        current = None  # closed by the worker, expired or unreadable since
    counts = True
    if reply.handoff is not None and reply.state is not None:
        if address is None or keys is None:
            raise RuntimeError("the engine opened a handoff without a desk")
        if current is not None:
            reply.state.data["handoff"] = current  # one chat per texter, never a second
            counts = False
        else:
            _hold_the_queue(connection)
            if handoffs.waiting(connection, now) >= settings.handoff_max_waiting:
                raise _Conflict  # filled since the turn was worked out: the engine tells them
            reply.state.data["handoff"] = handoffs.open_handoff(
                connection, keys,
                address=address, channel=str(inbound.channel), locale=str(reply.locale),
                province_code=reply.handoff.province_code,
                district_code=reply.handoff.district_code, topic=reply.handoff.topic,
                now=now, ttl=timedelta(hours=settings.handoff_ttl_hours),
            )
    elif current and reply.state is not None and not _handoff_of(reply.state):
        reply.state.data["handoff"] = current  # the bot's turns keep the link to the worker
    if reply.relay and found is not None and keys is not None:
        handoffs.add_message(connection, keys, found, inbound.text, from_texter=True, now=now,
                             emergency=reply.alarm)
    if found is not None:
        # the place the texter names after the chat opened: in a message to the worker, or
        # to the bot while the chat waits out of hours (kept to the district at most)
        named = reply.named_place
        if named is None and reply.state is not None and reply.state.step is not Step.HANDOFF:
            remembered = reply.state.data.get("place")
            named = remembered if isinstance(remembered, str) else None
        if named is not None:
            handoffs.name_place(connection, found, named)
    closed = False
    if reply.state is None and turn.linked:  # STOP: the chat with the worker ends, and is deleted
        closed = handoffs.close(connection, turn.linked, now) is not None
    return closed, counts


def _hold_the_queue(connection: Connection) -> None:
    """Opening handoffs one at a time, so that two texters cannot both take the last place in
    the queue (PostgreSQL; SQLite lets one writer in at a time anyway)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7226384101)")


def _save(connection: Connection, settings: _Settings, key: str, inbound: Inbound,
          row: Any | None, turn: _Turn, now: datetime,
          address: dict[str, Any] | None = None) -> bool:
    """Write the turn: handoff, conversation row, demand event, delivery record (the last
    three in one statement on PostgreSQL: ``models.turns.save_turn``). Raises ``_Conflict`` if
    the row is no longer the one read, ``_Repeat`` if the delivery was recorded before.
    Returns whether a handoff was closed."""
    sender = inbound.sender_key
    closed, counts = _handoff_effects(connection, settings, inbound, turn, now, address)
    state = turn.reply.state
    event = turn.reply.demand_event if counts else None
    reply = _dump(turn.reply.storable)
    if state is None:
        if row is not None and not turns.delete_conversation(connection, sender, row.version):
            raise _Conflict
        unique.forget_sender(connection, sender)  # STOP: nothing of today stays either
        if event is not None:
            values = _demand_values(connection, sender, event)
            demand_events.stage(connection, values, new_sender=values["new_sender"])
        if not turns.record_delivery(connection, key, reply, _hour(now)):
            raise _Repeat
        return closed
    kept = turn.counters  # its fields, not ``dataclasses.asdict`` (a deep copy: 0.05 ms)
    burst_start = kept.burst_start
    if burst_start is not None:  # the 5-minute window needs minutes only
        burst_start = burst_start.replace(second=0, microsecond=0)
    counters = {"burst_start": burst_start, "burst_count": kept.burst_count,
                "limited": kept.limited, "replies": kept.replies}
    values = {
        "locale": str(state.locale) if state.locale else None,
        "step": str(state.step),
        "data": state.data_json(),
        # The expiry (STATE_TTL_HOURS) needs hours only; a finer time could be matched
        # with a carrier's records of who texted when.
        "updated_at": _hour(now),
        **counters,
    }
    saved = turns.save_turn(
        connection, sender, None if row is None else row.version, values,
        None if event is None else _demand_values(connection, sender, event),
        key, reply, _hour(now),
    )
    if saved is turns.Saved.CONFLICT:
        raise _Conflict
    if saved is turns.Saved.REPEAT:
        raise _Repeat
    return closed


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _demand_values(connection: Connection, sender_key: str, event: DemandEvent) -> dict[str, Any]:
    """The turn's demand event as it is staged (``models.demand_events``), and whether it
    counts a new sender for the day, whose digest is recorded here; the hourly purge publishes
    the event, and the new sender's count, in a batch apart from this turn's transaction."""
    day = datetime.fromisoformat(event.day).date()
    new_sender = False
    if event.service_type:
        new_sender = unique.count_sender(connection, day, sender_key, str(event.service_type),
                                         event.province_code, event.district_code, later=True)
    return {
        "day": day,
        "hour": event.hour,
        "channel": str(event.channel),
        "locale": str(event.locale),
        "intent": event.intent,
        "service_type": str(event.service_type) if event.service_type else None,
        "province_code": event.province_code,
        "district_code": event.district_code,
        "outcome": event.outcome,
        "new_sender": new_sender,
    }


def _counters(row: Any) -> ratelimit.Counters:
    return ratelimit.Counters(row.burst_start, row.burst_count, row.limited, row.replies)


def _stored_reply(engine: Engine, key: str) -> tuple[OutMessage, ...]:
    """The reply sent to a delivery, to answer its redelivery identically (map pins, already
    sent once, are not repeated); nothing if none was stored."""
    with reading(engine) as connection:
        raw = turns.stored_reply(connection, key)
    if raw is None:
        return ()
    return tuple(
        OutMessage(item["text"], tuple(Button(**b) for b in item.get("buttons", ())))
        for item in json.loads(raw)
    )


def _dump(messages: tuple[OutMessage, ...]) -> str:
    return json.dumps(
        [{"text": m.text, "buttons": [dataclasses.asdict(b) for b in m.buttons]} for m in messages],
        ensure_ascii=False,
    )


def chat_closed_notice(locale: str) -> str:
    """What a texter is told when an outreach worker ends their chat, in the chat's language.
    The words are the engine's (``bot.chat_closed``); the dashboard, which sends them, asks
    here and never imports the engine (the import contracts, pyproject.toml)."""
    return bot.chat_closed(locale)
