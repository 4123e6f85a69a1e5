"""The one place that touches both the engine (``bot``) and storage (``models``).

For each inbound message, in one transaction: claim the delivery id, load the sender's state,
run the engine, save the new state (or delete it), the demand event and the reply sent. A
failure rolls the transaction back, which also releases the claim, so the provider's retry is
processed normally. A repeat of a completed delivery gets the stored reply and counts nothing.
If the database cannot be reached the texter still gets a safe static reply.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

import bot
from bot.intents import default_classifier
from bot.normalize import has_khmer
from bot.replies import Texts
from bot.types import Button, Inbound, Locale, OutMessage, Reply, State
from models import Conversation, DemandEvent, ProcessedMessage
from models import unique
from models.base import insert_ignore
from models.directory import SqlDirectory
from webhooks import ratelimit
from webhooks.database import get_db
from webhooks.pseudonym import inbound_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    messages: tuple[OutMessage, ...]
    duplicate: bool = False
    degraded: bool = False


def process(inbound: Inbound, now: datetime | None = None) -> Outcome:
    now = now or datetime.now(UTC)
    config = current_app.config
    key = inbound_key(config["PSEUDONYM_KEY"], inbound.channel, inbound.provider_id)
    db = get_db()
    if not _worker_bucket().take():
        log.warning("worker message limit reached; a message was not answered")
        return Outcome(())
    try:
        for attempt in range(ATTEMPTS):
            try:
                return _process_once(db.sessions, key, inbound, now)
            except IntegrityError:
                # Either the same delivery was claimed concurrently (answer with what it
                # stored), or another message from the same new sender created its
                # conversation first (run again: the row exists now).
                with db.sessions() as session:
                    stored = _stored_reply(session, key)
                if stored is not None or attempt + 1 == ATTEMPTS:
                    return Outcome(stored or (), duplicate=True)
        raise AssertionError("unreachable")
    except SQLAlchemyError as error:
        log.error("database unavailable (%s); sent the static reply", type(error).__name__)
        return Outcome((OutMessage(_texts_for(inbound).unavailable()),), degraded=True)
    except Exception as error:  # a bug must not cost the texter an answer, nor leak a traceback
        log.error("engine failed (%s); sent the static reply", type(error).__name__, exc_info=error)
        return Outcome((OutMessage(_texts_for(inbound).unavailable()),), degraded=True)


#: A transaction that lost a race on a unique key is run again this many times in all.
ATTEMPTS = 3


def _process_once(sessions: sessionmaker[Session], key: str, inbound: Inbound, now: datetime) -> Outcome:
    with sessions() as session, session.begin():
        if not _claim(session, key, now):
            # A repeat of a completed delivery (a concurrent copy waited for it to commit).
            return Outcome(_stored_reply(session, key) or (), duplicate=True)
        reply = _converse(session, inbound, now)
        table = ProcessedMessage.__table__
        session.connection().execute(
            update(table).where(table.c.inbound_key == key).values(reply=_dump(reply.storable))
        )
    return Outcome(reply.messages)


def _claim(session: Session, key: str, now: datetime) -> bool:
    """Claim a delivery in one statement: True when it is new. The time is kept to the hour
    only: the record lives for days, and a precise time could be matched with an operator's
    records of who texted when."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    return insert_ignore(session, ProcessedMessage,
                         {"inbound_key": key, "reply": "[]", "received_at": hour})


def _converse(session: Session, inbound: Inbound, now: datetime) -> Reply:
    config = current_app.config
    conversation = session.get(Conversation, inbound.sender_key, with_for_update=True)
    state = State()
    ttl = timedelta(hours=config["STATE_TTL_HOURS"])
    if conversation is not None and conversation.updated_at > now - ttl:
        state = State.restore(conversation.locale, conversation.step, conversation.data)
    counters = _counters(conversation, now, ttl)
    verdict = ratelimit.judge_sender(counters, now, _limits())
    if verdict is not ratelimit.Verdict.ANSWER and not _always_answered(inbound):
        if conversation is None:
            conversation = Conversation(sender_key=inbound.sender_key, step=str(state.step),
                                        locale=None, data=state.data_json(), updated_at=now)
            session.add(conversation)
        _store_counters(conversation, counters)
        notice = verdict is ratelimit.Verdict.NOTIFY
        texts = Texts(state.locale) if state.locale else _texts_for(inbound)
        return Reply(messages=(OutMessage(texts.slow_down()),) if notice else (), state=state)
    directory = SqlDirectory(
        session, include_sample=not config["PRODUCTION"], helpline=config["HELPLINE_PHONE"] or None
    )
    reply = bot.handle(inbound, state, directory, now)
    if reply.state is None:
        if conversation is not None:
            session.delete(conversation)
        unique.forget_sender(session, inbound.sender_key)  # STOP: nothing of today stays either
    else:
        if conversation is None:
            conversation = Conversation(sender_key=inbound.sender_key)
            session.add(conversation)
        conversation.locale = str(reply.state.locale) if reply.state.locale else None
        conversation.step = str(reply.state.step)
        conversation.data = reply.state.data_json()
        conversation.updated_at = now
        _store_counters(conversation, counters)
    if reply.demand_event is not None:
        event = reply.demand_event
        day = datetime.fromisoformat(event.day).date()
        if event.service_type:
            unique.count_sender(session, day, inbound.sender_key, str(event.service_type),
                                event.province_code, event.district_code)
        session.connection().execute(
            insert(DemandEvent.__table__).values(
                id=uuid.uuid4().hex,
                day=day,
                hour=event.hour,
                channel=str(event.channel),
                locale=str(event.locale),
                intent=event.intent,
                service_type=str(event.service_type) if event.service_type else None,
                province_code=event.province_code,
                district_code=event.district_code,
                outcome=event.outcome,
            )
        )
    return reply


def _limits() -> ratelimit.Limits:
    config = current_app.config
    return ratelimit.Limits(
        burst=config["RATE_SENDER_BURST"],
        conversation_replies=config["RATE_CONVERSATION_REPLIES"],
        worker_per_minute=config["RATE_WORKER_PER_MINUTE"],
    )


def _counters(conversation: Conversation | None, now: datetime, ttl: timedelta) -> ratelimit.Counters:
    if conversation is None or conversation.updated_at <= now - ttl:
        return ratelimit.Counters()
    return ratelimit.Counters(conversation.burst_start, conversation.burst_count,
                              conversation.limited, conversation.replies)


def _store_counters(conversation: Conversation, counters: ratelimit.Counters) -> None:
    conversation.burst_start = counters.burst_start
    conversation.burst_count = counters.burst_count
    conversation.limited = counters.limited
    conversation.replies = counters.replies


def _always_answered(inbound: Inbound) -> bool:
    """STOP must always work, and an emergency always gets the 119 advice."""
    return default_classifier().classify(inbound.text).intent in ("stop", "emergency")


def _worker_bucket() -> ratelimit.TokenBucket:
    extensions = current_app.extensions
    if "sangkhim.bucket" not in extensions:
        extensions["sangkhim.bucket"] = ratelimit.TokenBucket(_limits().worker_per_minute)
    return extensions["sangkhim.bucket"]  # type: ignore[no-any-return]


def _stored_reply(session: Session, key: str) -> tuple[OutMessage, ...] | None:
    """The reply sent to a delivery, to answer its redelivery identically (map pins, already
    sent once, are not repeated)."""
    raw = session.scalar(select(ProcessedMessage.reply).where(ProcessedMessage.inbound_key == key))
    if raw is None:
        return None
    return tuple(
        OutMessage(item["text"], tuple(Button(**b) for b in item.get("buttons", ())))
        for item in json.loads(raw)
    )


def _dump(messages: tuple[OutMessage, ...]) -> str:
    return json.dumps(
        [{"text": m.text, "buttons": [dataclasses.asdict(b) for b in m.buttons]} for m in messages],
        ensure_ascii=False,
    )


def _texts_for(inbound: Inbound) -> Texts:
    """The static reply's language: what the text reads as (the classifier needs no database),
    else the hint, else Khmer. An English texter must be able to read "call 119"."""
    try:
        return Texts(default_classifier().classify(inbound.text, inbound.locale_hint).locale)
    except Exception:  # the engine may be what failed
        if has_khmer(inbound.text):
            return Texts(Locale.KM)
        return Texts(inbound.locale_hint or Locale.KM)
