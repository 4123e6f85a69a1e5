"""Anonymous handoffs: a texter and an outreach worker write to each other through Sangkhim.

A handoff exists only while the conversation with a person is open. It holds what the worker
may see (a short random handle, the district at most, the language, what was asked, whether an
emergency was told) and, sealed under the handoff's own key (``models/sealing.py``), the address
replies are sent to and the messages both sides wrote. No phone number, chat id, name or
pseudonym is stored in the clear, and the worker never sees any of them. Closing the handoff
(by the worker, by STOP, or at expiry) deletes its key, its address and its messages together.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    case,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from bot.vocabulary import CAMBODIA, Intent, Outcome
from models import sealing
from models.base import Base, UTCDateTime
from models.demand_events import DemandEvent

#: Handles are read aloud and typed by staff: no 0/O, 1/I/L.
HANDLE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
HANDLE_LENGTH = 5
WAITING, CLAIMED = "waiting", "claimed"
#: A worker's message: recorded before it is sent (outside any transaction), then marked as
#: sent or failed; a failed one is kept, to send again. A texter's message has no delivery.
SENDING, SENT, FAILED = "sending", "sent", "failed"


class Handoff(Base):
    __tablename__ = "handoff"

    #: Random; the conversation's state names it, so the texter's next message finds it.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: What staff call it ("K7QF2"): random, unrelated to the texter.
    handle: Mapped[str] = mapped_column(String(8), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    province_code: Mapped[str | None] = mapped_column(String(2))
    district_code: Mapped[str | None] = mapped_column(String(4))
    #: What the texter had asked about ("faq_methadone/restart", "family"), or "".
    topic: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default=WAITING)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A worker has written at least once (counted as answered when it closes).
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: Messages from the texter the worker has not opened yet.
    unread: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: The handoff's data key, sealed under HANDOFF_KEY (never stored in the clear).
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: Where replies go ({"channel", "to", "from"} or a chat id), sealed with the data key.
    address: Mapped[bytes] = mapped_column(LargeBinary)


class HandoffMessage(Base):
    __tablename__ = "handoff_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[str] = mapped_column(
        ForeignKey("handoff.id", ondelete="CASCADE"), index=True
    )
    from_texter: Mapped[bool] = mapped_column(Boolean)
    #: The text, sealed with the handoff's data key.
    body: Mapped[bytes] = mapped_column(LargeBinary)
    #: To the minute: enough to read a conversation, no finer.
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: A worker's message: ``SENDING``, ``SENT`` or ``FAILED``; None for a texter's.
    delivery: Mapped[str | None] = mapped_column(String(16))


_handoff = Handoff.__table__
_message = HandoffMessage.__table__


class Said(NamedTuple):
    """One message of a handoff, opened."""

    from_texter: bool
    text: str
    at: datetime
    id: int = 0
    #: A worker's message: ``SENDING``, ``SENT`` or ``FAILED``; None for a texter's.
    delivery: str | None = None


@dataclass(frozen=True, slots=True)
class Opened:
    """What a worker may read of one handoff (its address stays sealed)."""

    row: Any
    messages: list[Said]


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _context(handoff_id: str) -> bytes:
    return handoff_id.encode()


def _new_handle(connection: Connection) -> str:
    while True:
        handle = "".join(secrets.choice(HANDLE_ALPHABET) for _ in range(HANDLE_LENGTH))
        taken = connection.execute(select(_handoff.c.id).where(_handoff.c.handle == handle))
        if taken.first() is None:
            return handle


def open_handoff(
    connection: Connection,
    master: bytes,
    *,
    address: dict[str, Any],
    channel: str,
    locale: str,
    province_code: str | None,
    district_code: str | None,
    topic: str,
    now: datetime,
    ttl: timedelta,
) -> str:
    """Create a handoff; returns its id. ``address`` is sealed at once and never logged."""
    handoff_id = secrets.token_hex(16)
    data_key = sealing.new_data_key()
    context = _context(handoff_id)
    connection.execute(insert(_handoff).values(
        id=handoff_id,
        handle=_new_handle(connection),
        channel=channel,
        locale=locale,
        province_code=province_code,
        district_code=district_code,
        topic=topic,
        status=WAITING,
        emergency=False,
        answered=False,
        unread=0,
        opened_at=_minute(now),
        last_message_at=_minute(now),
        expires_at=_minute(now) + ttl,  # no time finer than the minute is kept
        wrapped_key=sealing.wrap(master, data_key, context),
        address=sealing.seal(data_key, json.dumps(address).encode(), context),
    ))
    return handoff_id


def find(connection: Connection, handoff_id: str) -> Any | None:
    return connection.execute(select(_handoff).where(_handoff.c.id == handoff_id)).first()


def by_handle(connection: Connection, handle: str) -> Any | None:
    return connection.execute(select(_handoff).where(_handoff.c.handle == handle)).first()


def _data_key(master: bytes, row: Any) -> bytes:
    return sealing.unwrap(master, row.wrapped_key, _context(row.id))


def add_message(
    connection: Connection, master: bytes, row: Any, text: str, *, from_texter: bool,
    now: datetime, emergency: bool = False, delivery: str | None = None,
) -> int:
    """Keep one message, sealed; returns its id. A texter's message counts as unread for the
    worker; a worker's answers the handoff unless it is yet to be sent (``delivery``)."""
    key = _data_key(master, row)
    added = connection.execute(insert(_message).values(
        handoff_id=row.id, from_texter=from_texter, at=_minute(now), delivery=delivery,
        body=sealing.seal(key, text.encode(), _context(row.id)),
    ))
    values: dict[str, Any] = {"last_message_at": _minute(now)}
    if from_texter:
        values["unread"] = _handoff.c.unread + 1
    elif delivery in (None, SENT):
        values["answered"] = True
    if emergency:
        values["emergency"] = True
    connection.execute(update(_handoff).where(_handoff.c.id == row.id).values(**values))
    return int(added.inserted_primary_key[0])


def set_delivery(
    connection: Connection, handoff_id: str, message_id: int, delivery: str,
    *, was: str | None = None,
) -> bool:
    """Mark a worker's message ``delivery`` (only if it is ``was``, when given); a message sent
    answers the handoff. False if no such message (the handoff closed meanwhile, or another
    request changed it first)."""
    query = update(_message).where(
        _message.c.id == message_id, _message.c.handoff_id == handoff_id,
        _message.c.from_texter.is_(False),
    )
    if was is not None:
        query = query.where(_message.c.delivery == was)
    if connection.execute(query.values(delivery=delivery)).rowcount != 1:
        return False
    if delivery == SENT:
        connection.execute(update(_handoff).where(_handoff.c.id == handoff_id)
                           .values(answered=True))
    return True


def read(connection: Connection, master: bytes, row: Any) -> Opened:
    """The handoff and its messages, opened, oldest first. Writes nothing (``mark_read``)."""
    key = _data_key(master, row)
    found = connection.execute(
        select(_message).where(_message.c.handoff_id == row.id).order_by(_message.c.id)
    ).all()
    messages = [
        Said(m.from_texter, sealing.unseal(key, m.body, _context(row.id)).decode(), m.at, m.id,
             m.delivery)
        for m in found
    ]
    return Opened(row, messages)


def mark_read(connection: Connection, handoff_id: str, seen: int) -> None:
    """The worker has seen ``seen`` of the texter's unread messages (any that came since stay
    unread)."""
    unread = _handoff.c.unread
    connection.execute(update(_handoff).where(_handoff.c.id == handoff_id)
                       .values(unread=case((unread > seen, unread - seen), else_=0)))


def address(master: bytes, row: Any) -> dict[str, Any]:
    """Where the worker's replies go, opened in memory for one send."""
    key = _data_key(master, row)
    opened = json.loads(sealing.unseal(key, row.address, _context(row.id)))
    if not isinstance(opened, dict):
        raise sealing.SealError("address is not an object")
    return opened


def claim(connection: Connection, handoff_id: str, staff_id: int) -> bool:
    """The worker takes the handoff; False if another worker has it."""
    result = connection.execute(
        update(_handoff)
        .where(_handoff.c.id == handoff_id)
        .where((_handoff.c.claimed_by.is_(None)) | (_handoff.c.claimed_by == staff_id))
        .values(claimed_by=staff_id, status=CLAIMED)
    )
    return result.rowcount == 1


def close(connection: Connection, handoff_id: str, now: datetime) -> Any | None:
    """Delete the handoff: its key, its address and every message; count it (answered or
    not) as demand, by district, with no link to the texter. Returns the row as it was, or
    None if it was already gone."""
    row = find(connection, handoff_id)
    if row is None:
        return None
    connection.execute(delete(_message).where(_message.c.handoff_id == handoff_id))
    connection.execute(delete(_handoff).where(_handoff.c.id == handoff_id))
    local = now.astimezone(CAMBODIA)
    connection.execute(insert(DemandEvent.__table__).values(
        id=uuid.uuid4().hex, day=local.date(), hour=local.hour, channel=row.channel,
        locale=row.locale, intent=str(Intent.MENU), service_type=None,
        province_code=row.province_code, district_code=row.district_code,
        outcome=str(Outcome.HANDOFF_ANSWERED if row.answered else Outcome.HANDOFF_UNANSWERED),
    ))
    return row


def close_expired(connection: Connection, now: datetime) -> int:
    """Close every handoff past its time; returns how many."""
    ids = connection.execute(select(_handoff.c.id).where(_handoff.c.expires_at <= now)).scalars()
    return sum(close(connection, handoff_id, now) is not None for handoff_id in list(ids))


def waiting_list(connection: Connection) -> list[Any]:
    """Open handoffs for the inbox: emergencies first, then the longest waiting."""
    return list(connection.execute(
        select(_handoff).order_by(_handoff.c.emergency.desc(), _handoff.c.opened_at)
    ).all())
