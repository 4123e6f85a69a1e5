"""Password hashing (argon2id) and the password rules staff accounts follow."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.catalogs import N_

MIN_LENGTH = 12
MAX_LENGTH = 128

#: argon2-cffi's defaults: argon2id, RFC 9106's low-memory profile.
_hasher = PasswordHasher()
#: Verified against when the e-mail is unknown, so the answer takes as long either way.
_DUMMY_HASH = _hasher.hash("sangkhim-no-such-account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; ``password_hash`` None still costs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` cannot be used (an untranslated msgid), or None if it can."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least 12 characters.")
    if len(password) > MAX_LENGTH:
        return N_("Use at most 128 characters.")
    if email and password.strip().casefold() == email.strip().casefold():
        return N_("The password must not be your e-mail address.")
    return None
