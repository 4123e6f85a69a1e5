"""Password hashing (argon2id) and the password rules staff accounts follow.

A password must be 12 to 128 characters and hard to guess, as zxcvbn (Dropbox's estimator,
maintained on PyPI) measures it: ``aaaaaaaaaaaaaaaa`` or ``qwertyuiopasdf`` are long enough and
among the first guesses. zxcvbn counts the guesses an attacker needs, trying common passwords,
words and names, the account's e-mail address and this project's words, repeats, sequences,
keyboard rows and dates first; a password needs at least ``MIN_GUESSES`` (zxcvbn's score 3,
"safely unguessable" for an online attack and hard offline against argon2id). The reason shown
names what made it guessable, in the dashboard's language.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from core.catalogs import N_

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 12
MAX_LENGTH = 128
#: Guesses a password must need at least (zxcvbn's score 3).
MIN_GUESSES = 10**8
#: Words anyone would try first on this dashboard, besides the account's own e-mail address.
PROJECT_WORDS = ("sangkhim", "outreach", "dashboard", "cambodia", "khmer", "phnom", "penh",
                 "methadone", "worker", "admin", "password")
#: Why a password is easy to guess (msgids), by what zxcvbn found in it.
WEAK_REASONS = {
    "repeat": N_("This password is easy to guess: it repeats letters or words. Try four or five "
                 "words that do not belong together."),
    "sequence": N_("This password is easy to guess: it runs through letters or numbers in order, "
                   "like abcd or 4321. Try four or five words that do not belong together."),
    "spatial": N_("This password is easy to guess: it follows a row of keys, like qwerty. Try "
                  "four or five words that do not belong together."),
    "date": N_("This password is easy to guess: dates and years are among the first guesses. "
               "Try four or five words that do not belong together."),
    "user_inputs": N_("This password is easy to guess: it is made of your e-mail address or the "
                      "name of this service. Try four or five words that do not belong together."),
    "passwords": N_("This password is easy to guess: it is one of the most common passwords. "
                    "Try four or five words that do not belong together."),
    "words": N_("This password is easy to guess: common words and names are among the first "
                "guesses, even with numbers or symbols added. Try four or five words that do not "
                "belong together."),
    "": N_("This password is easy to guess. Try four or five words that do not belong together."),
}



@cache
def _hasher() -> PasswordHasher:
    """argon2-cffi's defaults: argon2id, RFC 9106's low-memory profile. Imported at the first
    sign-in or new password, not by every process that builds the app (its C bindings are
    about 0.4 MB)."""
    from argon2 import PasswordHasher

    return PasswordHasher()

#: Verified against when the e-mail is unknown, so the answer takes as long either way. Written
#: out rather than hashed at import (0.2 s at every start); made by ``_hasher()`` with the same
#: parameters as every new hash, which ``test_the_dummy_hash_costs_what_a_real_one_does`` checks.
_DUMMY_HASH = ("$argon2id$v=19$m=65536,t=3,p=4$F3ystQbFegTYNQGzxHHV7Q$"
               "eD6qF7Wwk/zDtYXV2zGn55u1P2M+VKHKLNXL1VMvfzo")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; ``password_hash`` None still costs one verification."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return (_hasher().verify(password_hash or _DUMMY_HASH, password)
                and password_hash is not None)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` cannot be used (an untranslated msgid), or None if it can."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least 12 characters.")
    if len(password) > MAX_LENGTH:
        return N_("Use at most 128 characters.")
    if email and password.strip().casefold() == email.strip().casefold():
        return N_("The password must not be your e-mail address.")
    return weakness(password, email)


def weakness(password: str, email: str = "") -> str | None:
    """Why zxcvbn finds ``password`` easy to guess (a msgid of ``WEAK_REASONS``), or None."""
    # the address, its parts, and the address with other separators or none
    own = [email, *re.split(r"[@._+-]+", email), re.sub(r"[@._+-]", ".", email),
           re.sub(r"[@._+-]", "", email)] if email else []
    from zxcvbn import zxcvbn  # at use: its dictionaries take a while to import

    found = zxcvbn(password, user_inputs=[w for w in (*own, *PROJECT_WORDS) if w],
                   max_length=MAX_LENGTH)
    if float(found["guesses"]) >= MIN_GUESSES:
        return None
    return WEAK_REASONS[_reason(found["sequence"])]


def _reason(sequence: list[dict[str, Any]]) -> str:
    """What made the password guessable: its longest piece that is not random."""
    patterns = [m for m in sequence if m["pattern"] != "bruteforce"]
    if not patterns:
        return ""
    longest = max(patterns, key=lambda m: len(m["token"]))
    pattern = longest["pattern"]
    if pattern in ("repeat", "sequence", "spatial", "date"):
        return str(pattern)
    if pattern == "regex":  # zxcvbn's only regex: a recent year
        return "date"
    if pattern == "dictionary":
        name = longest.get("dictionary_name", "")
        return name if name in ("user_inputs", "passwords") else "words"
    return ""
