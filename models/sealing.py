"""Sealed values for a handoff: crypto-shredding with one data key per handoff.

A handoff (``models/handoffs.py``) must keep, for its life only, the texter's address (to send
the worker's replies) and the messages exchanged. Each handoff gets a fresh random 256-bit data
key; every value is sealed with it (AES-256-GCM, a random 96-bit nonce, and as associated data
the handoff's id *and the value's role*: the address, a texter's message, a worker's message),
so a sealed value can be moved neither to another handoff nor to another field of its own. The
data key itself is stored only wrapped (sealed) under ``HANDOFF_KEY``, which lives in the
environment, not in the database: a database copy alone opens nothing.

``HANDOFF_KEY`` can be rotated: a :class:`Keyring` holds the current key, which wraps every new
data key, and the previous ones (``HANDOFF_KEY_PREVIOUS``), which only unwrap, until ``flask
handoffs rekey`` (or the hourly purge) has re-wrapped every data key under the current one.

Closing or expiring a handoff deletes its wrapped key, and the key's storage is then compacted
(``models.retention.shred_keys``) so that no copy of it survives in the database's files.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NONCE_BYTES = 12
KEY_BYTES = 32
TAG_BYTES = 16
#: A wrapped data key: nonce, the sealed 32-byte key, tag.
WRAPPED_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES


class SealError(ValueError):
    """A sealed value could not be opened (wrong key, another handoff's or field's value,
    damaged)."""


def master_key(secret: str) -> bytes:
    """The 256-bit wrapping key from ``HANDOFF_KEY`` (random text of 32+ characters)."""
    return hashlib.sha256(b"sangkhim handoff wrapping key\x00" + secret.encode()).digest()


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _aesgcm(key: bytes) -> Any:
    # imported on first use: most workers never open a handoff, and the library weighs ~7 MB
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def seal(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    """``nonce || AES-GCM(key, plaintext, associated data = context)``."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aesgcm(key).encrypt(nonce, plaintext, context)


def unseal(key: bytes, sealed: bytes, context: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag

    if len(sealed) <= NONCE_BYTES:
        raise SealError("sealed value too short")
    try:
        return _aesgcm(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
    except InvalidTag:
        raise SealError("sealed value does not open with this key") from None


@dataclass(frozen=True, slots=True)
class Keyring:
    """The wrapping keys: ``current`` (from ``HANDOFF_KEY``) wraps, and it or any of
    ``previous`` (``HANDOFF_KEY_PREVIOUS``, while a rotation is under way) unwraps."""

    current: bytes
    previous: tuple[bytes, ...] = ()

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        return seal(self.current, data_key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> tuple[bytes, bool]:
        """The data key, and whether it was wrapped under the current key (False: under a
        previous one, so it should be re-wrapped). Raises ``SealError`` if no key opens it."""
        for number, master in enumerate((self.current, *self.previous)):
            try:
                return unseal(master, wrapped, context), number == 0
            except SealError:
                continue
        raise SealError("wrapped key opens with no configured HANDOFF_KEY")


def keyring(current: str, previous: Iterable[str] = ()) -> Keyring:
    return Keyring(master_key(current), tuple(master_key(p) for p in previous))


def keyring_of(config: Mapping[str, Any]) -> Keyring | None:
    """The keyring of an app's configuration; None where handoffs are off (no HANDOFF_KEY)."""
    if not config.get("HANDOFF_KEY"):
        return None
    return keyring(str(config["HANDOFF_KEY"]), previous_keys(config.get("HANDOFF_KEY_PREVIOUS")))


def previous_keys(value: Any) -> tuple[str, ...]:
    """``HANDOFF_KEY_PREVIOUS`` as a tuple: a list, or text with the keys separated by commas
    or white space (generated keys hold neither)."""
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(part for part in re.split(r"[\s,]+", value) if part)
    return tuple(str(part) for part in value if part)
