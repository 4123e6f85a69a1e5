"""Sealed values for a handoff: crypto-shredding with one data key per handoff.

A handoff (``models/handoffs.py``) must keep, for its life only, the texter's address (to send
the worker's replies) and the messages exchanged. Each handoff gets a fresh random 256-bit data
key; every value is sealed with it (AES-256-GCM, a random 96-bit nonce, the handoff's id as
associated data so a sealed value cannot be moved to another handoff). The data key itself is
stored only wrapped (sealed) under ``HANDOFF_KEY``, which lives in the environment, not in the
database: a database copy alone opens nothing. Closing or expiring a handoff deletes its
wrapped key with its rows, and without the key no copy of the ciphertext, a backup or a WAL
page that outlived the delete, can be opened.
"""

from __future__ import annotations

import hashlib
import os

from typing import Any

NONCE_BYTES = 12
KEY_BYTES = 32


class SealError(ValueError):
    """A sealed value could not be opened (wrong key, another handoff's value, damaged)."""


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


def wrap(master: bytes, data_key: bytes, context: bytes) -> bytes:
    return seal(master, data_key, b"key:" + context)


def unwrap(master: bytes, wrapped: bytes, context: bytes) -> bytes:
    return unseal(master, wrapped, b"key:" + context)
