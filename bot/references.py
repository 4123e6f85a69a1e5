"""Which listed service a message points at: "the first one", "number 2", "ទីមួយ", "ti pir".

After a result list people rarely reply with a bare number; they write "the first one" or
"what about the second?". This finds the position they mean, in English, romanised Khmer and
Khmer script (Khmer digits are Latin digits after ``bot.normalize``).
"""

from __future__ import annotations

import re

#: Ordinal words (normalised), by position. Khmer ordinals are ទី + a number (ទីមួយ, ទី១).
_WORDS = {
    1: ("first", "1st", "number one", "no 1", "ទីមួយ", "ទី1", "ti muoy", "ti mouy", "ti moy"),
    2: ("second", "2nd", "number two", "no 2", "ទីពីរ", "ទី2", "ti pir", "ti pi"),
    3: ("third", "3rd", "number three", "no 3", "ទីបី", "ទី3", "ti bei", "ti bey"),
    4: ("fourth", "4th", "number four", "no 4", "ទីបួន", "ទី4", "ti buon", "ti bourn"),
    5: ("fifth", "5th", "number five", "no 5", "ទីប្រាំ", "ទី5", "ti pram"),
}
_PATTERN = re.compile(
    "|".join(
        rf"(?P<n{n}_{i}>(?<![a-z0-9]){re.escape(word)}(?![a-z0-9]))"
        for n, words in _WORDS.items() for i, word in enumerate(words)
    )
)
#: "number 2", "no. 3", "#4", "លេខ២" ("number two" in Khmer).
_NUMBERED = re.compile(r"(?:\bnumber|\bno\.?|#|លេខ|\blek)\s*(\d{1,2})\b")
#: "the last one".
_LAST = re.compile(r"\blast one\b|\bthe last\b|ចុងក្រោយ")


def position(normalised: str, listed: int) -> int | None:
    """The 1-based position of the listed service the text points at, if any (``listed``:
    how many were shown, for "the last one")."""
    match = _NUMBERED.search(normalised)
    if match:
        return int(match.group(1))
    match = _PATTERN.search(normalised)
    if match and match.lastgroup:
        return int(match.lastgroup[1:].partition("_")[0])
    if listed and _LAST.search(normalised):
        return listed
    return None
