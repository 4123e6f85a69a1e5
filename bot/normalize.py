"""Text normalisation shared by every matcher (keywords, menu numbers, places).

Khmer has no spaces between words and its own digits; phones insert zero-width characters and
mix the two subscript forms of "t". Everything is folded here once so matchers compare like with like.
"""

from __future__ import annotations

import re
import unicodedata

KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
LATIN_TO_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# COENG DA and COENG TA are typed interchangeably (ឧត្ដរ / ឧត្តរ): fold to COENG TA.
_COENG = "\u17d2"
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"\s+")
# Punctuation and symbols become spaces so "help!!" and "help" match alike; Khmer signs stay.
_PUNCT = re.compile(r"[^\w\u1780-\u17ff\u19e0-\u19ff ]+")

KHMER_BLOCK = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")


def has_khmer(text: str) -> bool:
    return KHMER_BLOCK.search(text) is not None


def normalize(text: str) -> str:
    """Return the matching form of ``text``: NFC, no invisibles, case-folded, ASCII digits."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.casefold().translate(KHMER_DIGITS)
    text = _fold_coeng_da(text)
    text = _PUNCT.sub(" ", text)
    text = _REPEATS.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def _fold_coeng_da(text: str) -> str:
    if _COENG + "\u178a" not in text:
        return text
    return text.replace(_COENG + "\u178a", _COENG + "\u178f")


def to_khmer_digits(text: str) -> str:
    return text.translate(LATIN_TO_KHMER_DIGITS)
