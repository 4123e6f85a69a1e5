"""Processed inbound deliveries, for de-duplication of provider retries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ProcessedMessage(Base):
    __tablename__ = "processed_message"

    #: HMAC of channel and provider id (MessageSid, update_id): the raw id is never stored,
    #: so the table cannot be joined with the provider's logs.
    inbound_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The reply sent, as JSON (the bot never echoes user text, so this holds none).
    reply: Mapped[str] = mapped_column(Text, default="[]")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
