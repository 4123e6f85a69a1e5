"""Hashed character n-gram features of a message: one definition for training and for use.

Khmer is written without spaces between words, and romanised Khmer has no standard spelling,
so whole words are poor features: "knhom chong pyeabal" and "khnhom jong pyabal" share almost no
word, but many short runs of characters. Character n-grams of the normalised text (the same
form every matcher sees: NFC, no zero-width spaces, case-folded, Latin digits) work the same on
Khmer, romanised Khmer, English and their typos. Word unigrams and bigrams are added for the
Latin words, where they carry meaning of their own ("not breathing" against "breathing").

Each feature is hashed (CRC-32, stable across processes, unlike ``hash``) into ``DIMENSION``
buckets, so the model needs no vocabulary table; the model file keeps only the buckets its
training data used.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Mapping

#: Number of hash buckets (a power of two).
DIMENSION = 1 << 18
#: Lengths of the character n-grams.
CHAR_NGRAMS = (2, 3, 4, 5)
#: Changes whenever the feature definition changes, so an old model file is refused.
FEATURES_VERSION = "char2-5+words1-2+cues/crc32/2^18/v2"

_LATIN_WORD = re.compile(r"[a-z0-9']+")
_MASK = DIMENSION - 1


def feature_names(normalised: str) -> list[str]:
    """Every feature of one message, already normalised (``bot.normalize.normalize``), as text:
    ``3: kn`` is the character trigram " kn", ``w:help`` a word, ``b:not breathing`` a pair."""
    if not normalised:
        return []
    padded = f" {normalised} "
    size = len(padded)
    names = [f"{n}:{padded[i : i + n]}" for n in CHAR_NGRAMS for i in range(size - n + 1)]
    words = _LATIN_WORD.findall(normalised)
    names += ["w:" + word for word in words]
    names += [f"b:{a} {b}" for a, b in zip(words, words[1:])]
    return names


def feature_counts(normalised: str) -> Counter[int]:
    """Bucket -> count for one message: the buckets of ``feature_names`` (``feature_buckets``)."""
    return Counter(feature_buckets(normalised))


def feature_buckets(normalised: str) -> list[int]:
    """The bucket of each name of ``feature_names``, in the same order, worked out without
    writing the names out. A name's CRC-32 is its prefix's (``3:``) continued over its n-gram's
    UTF-8 bytes, and each n-gram's bytes are a slice of the message's, found through the byte
    offset of each character: every message runs this, and making a string for each of its
    few hundred names, then its bytes, took about a quarter of the model's time.
    ``tests/bot/test_model.py`` checks it against the names themselves."""
    if not normalised:
        return []
    crc32 = zlib.crc32
    padded = f" {normalised} "
    data = padded.encode()
    size = len(padded)
    if len(data) == size:  # ASCII: a character is a byte
        buckets = [crc32(data[i: i + n], start) & _MASK
                   for n, start in _NGRAM_STARTS for i in range(size - n + 1)]
    else:  # where each character starts: at every byte that does not continue a character
        offsets = [i for i, byte in enumerate(data) if byte & 0xC0 != 0x80]
        offsets.append(len(data))
        buckets = [crc32(data[offsets[i]: offsets[i + n]], start) & _MASK
                   for n, start in _NGRAM_STARTS for i in range(size - n + 1)]
    words = _LATIN_WORD.findall(normalised)
    buckets += [crc32(word.encode(), _WORD_START) & _MASK for word in words]
    buckets += [crc32(f"{a} {b}".encode(), _PAIR_START) & _MASK for a, b in zip(words, words[1:])]
    return buckets


#: The CRC-32 of each name's prefix, which the n-gram or word continues.
_NGRAM_STARTS = tuple((n, zlib.crc32(f"{n}:".encode())) for n in CHAR_NGRAMS)
_WORD_START = zlib.crc32(b"w:")
_PAIR_START = zlib.crc32(b"b:")


def feature_vector(
    normalised: str, cues: Mapping[str, float] | None = None
) -> tuple[list[int], list[float]]:
    """Sorted buckets and their values: log-scaled n-gram counts scaled to unit length, plus
    ``cues`` (what the keyword and place matchers found, ``bot.intents.cues``) as they are."""
    counts = feature_counts(normalised)
    values: dict[int, float] = {}
    if counts:
        scaled = {b: 1.0 + math.log(n) for b, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in scaled.values()))
        values = {b: v / norm for b, v in scaled.items()}
    for name, value in (cues or {}).items():
        bucket = zlib.crc32(f"x:{name}".encode()) & _MASK
        values[bucket] = values.get(bucket, 0.0) + value
    buckets = sorted(values)
    return buckets, [values[b] for b in buckets]
