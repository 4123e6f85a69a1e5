"""How hard a key is to guess, measured rather than counted (README, "Configuration").

A key's length says little: ``"changeme" * 5`` is 40 characters and one guess away. ``key_bits``
estimates the bits of randomness in a key the way an attacker would guess it, cheapest reading
first. zxcvbn (Dropbox's estimator, maintained on PyPI) finds what makes a string guessable —
words and names of its dictionaries and of this project, common passwords, repeats, sequences,
keyboard walks, dates, l33t spellings — and says how many guesses each takes. Every character
that no such pattern explains is charged as random, drawn from the smallest usual alphabet of
the key's characters: 16 for hexadecimal, otherwise 10 for digits, 26 for each case of letters,
33 for ASCII symbols and space, 100 more for anything else. The estimate is the cheapest split
of the key into such pieces (zxcvbn's own brute-force rate, 10 a character, is made for human
passwords, and would count a random hexadecimal key as less than half of what it is).

``secrets.token_urlsafe(32)`` scores about 230 bits (175 at worst in 1,000 draws), 64 hex digits
about 210 (179 at worst); a key of 32 hex digits holds 128 bits at best and scores a little
under, so it is refused: generate 32 random bytes, not 16. Chance patterns in a random key (a
short word, a year) make the estimate lower than the truth, never higher.
"""

from __future__ import annotations

import math
import string

#: Bits a key must hold: SECRET_KEY, PSEUDONYM_KEY, HANDOFF_KEY.
KEY_MIN_BITS = 128
#: Bits TELEGRAM_WEBHOOK_SECRET must hold: guessing it takes a request to the webhook each time.
WEBHOOK_SECRET_MIN_BITS = 64
#: Only so much of a key is read (the work grows with its square); more could only add bits.
READ_LIMIT = 128
#: Words anyone would try first for this project's keys.
PROJECT_WORDS = (
    "sangkhim", "cambodia", "khmer", "phnom", "penh", "siem", "reap", "battambang", "outreach",
    "handoff", "pseudonym", "telegram", "twilio", "whatsapp", "secret", "key", "token", "webhook",
    "production", "development", "staging", "password", "admin", "example", "changeme",
)
_HEX = frozenset(string.hexdigits.lower()), frozenset(string.hexdigits.upper())
_SYMBOLS = frozenset(string.punctuation + " ")


def alphabet(value: str) -> int:
    """The size of the smallest usual alphabet that holds every character of ``value``."""
    chars = set(value)
    if chars and any(chars <= hex_digits for hex_digits in _HEX) and not chars <= set(
        string.digits
    ):
        return 16
    size = 0
    size += 10 if chars & set(string.digits) else 0
    size += 26 if chars & set(string.ascii_lowercase) else 0
    size += 26 if chars & set(string.ascii_uppercase) else 0
    size += 33 if chars & _SYMBOLS else 0
    size += 100 if any(not c.isascii() for c in chars) else 0
    return max(size, 2)


def key_bits(value: str, words: tuple[str, ...] = ()) -> float:
    """Estimated bits of randomness in ``value``; ``words`` are more words to try first."""
    value = value[:READ_LIMIT]
    if not value:
        return 0.0
    from zxcvbn import matching, scoring  # at use: its dictionaries take a while to import

    dictionaries = dict(matching.RANKED_DICTIONARIES)  # a copy: the module's stays as it is
    dictionaries["user_inputs"] = matching.build_ranked_dict(
        [w.lower() for w in (*PROJECT_WORDS, *words) if w]
    )
    ending: dict[int, list[tuple[int, float]]] = {}
    for match in matching.omnimatch(value, dictionaries):
        guesses = max(float(scoring.estimate_guesses(match, value)), 1.0)
        ending.setdefault(match["j"], []).append((match["i"], math.log2(guesses)))
    per_character = math.log2(alphabet(value))
    cheapest = [0.0] * (len(value) + 1)  # cheapest[n]: bits of the first n characters
    for j in range(len(value)):
        cheapest[j + 1] = cheapest[j] + per_character
        for i, bits in ending.get(j, ()):
            cheapest[j + 1] = min(cheapest[j + 1], cheapest[i] + bits)
    return cheapest[-1]
