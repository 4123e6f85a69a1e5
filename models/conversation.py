"""Conversation state: the only per-person memory, keyed by pseudonym, short-lived."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Conversation(Base):
    __tablename__ = "conversation"

    #: HMAC-SHA256(PSEUDONYM_KEY, channel:address), hex. Never the address itself.
    sender_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    step: Mapped[str] = mapped_column(String(32))
    #: JSON working data of the current conversation (never message text).
    data: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Abuse limits (webhooks/ratelimit.py): counts only, gone with the row.
    burst_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    burst_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    limited: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    replies: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Bumped by every save: a turn worked out without a lock is saved only if the row still
    #: has the version it read (webhooks/pipeline.py).
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
