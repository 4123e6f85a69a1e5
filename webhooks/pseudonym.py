"""Pseudonyms: the only form in which a sender or a provider message id reaches storage."""

from __future__ import annotations

import hashlib
import hmac


def _mac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def sender_key(key: str, channel: str, address: str) -> str:
    """HMAC-SHA256(PSEUDONYM_KEY, channel:address) as hex (docs/PRIVACY.md)."""
    return _mac(key, f"{channel}:{address}")


def inbound_key(key: str, channel: str, provider_id: str) -> str:
    """A keyed digest of a delivery id, so stored ids cannot be joined with provider logs."""
    return _mac(key, f"inbound:{channel}:{provider_id}")
