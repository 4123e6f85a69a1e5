"""Find many phrases inside a message at once (Aho-Corasick), with script-aware word edges.

Khmer is written without spaces, so phrases are matched inside runs of text; a Khmer match
must not begin right after a COENG (it would be the second half of a consonant cluster) nor end
before a dependent vowel, sign or COENG (it would cut a syllable). A Latin match must stand
between non-alphanumeric characters, or, when the caller passes the word boundaries of a text
whose words were run together (the gazetteer's folded form), start and end on them. No match
splits a number. Both keyword lexicons and the gazetteer use this one matcher.
"""

from __future__ import annotations

from array import array
from collections.abc import Container, Iterable, Sequence
from itertools import accumulate
from typing import Generic, NamedTuple, TypeVar

import ahocorasick

from bot.normalize import has_khmer

T = TypeVar("T")

_COENG = "\u17d2"
# What the automaton keeps of a phrase, in 31 bits (it stores 32): whether it is Khmer (bit
# 0), its length (bits 1-8) and its number (bits 9-30).
_LENGTH_MASK = 0xFF
_NUMBER_SHIFT = 9
_MAX_PHRASES = 1 << 22
#: Payload tuples kept for phrases found (``SpanMatcher._payloads_of``): a few hundred KB.
_TUPLES_KEPT = 2048
# Dependent vowels, signs and COENG: a Khmer match may not end right before one of these.
_KHMER_CONTINUATION = {chr(c) for c in range(0x17B6, 0x17D4)} | {"\u17dd"}


def _latin_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class Span(NamedTuple, Generic[T]):
    """A phrase found in a text: ``text[start:end] == phrase``. A named tuple, not a dataclass:
    a message's matchers make dozens, and a tuple is made in a third of the time."""

    start: int
    end: int
    phrase: str
    payloads: tuple[T, ...]


class SpanMatcher(Generic[T]):
    """Phrases (already normalised) mapped to payloads; several payloads may share a phrase.

    The automaton stores one whole number per phrase (``ahocorasick.STORE_INTS``), not a
    Python object: the phrase's number, its length and whether it is Khmer. Its payloads are
    the phrase's slice of one flat list (an ``array`` when they are small whole numbers, as the
    gazetteer's unit numbers are), between ``bounds[number]`` and ``bounds[number + 1]``. A
    match is the slice of the text its length gives, and the gazetteer's 20,000 phrases cost
    no Python objects of their own."""

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        table: dict[str, list[T]] = {}
        for phrase, payload in entries:
            if phrase:
                table.setdefault(phrase, []).append(payload)
        flat = [payload for payloads in table.values() for payload in payloads]
        counts = [len(payloads) for payloads in table.values()]
        khmer = [not phrase.isascii() and has_khmer(phrase) for phrase in table]
        self._build(list(table), counts, khmer, _compact(flat))

    @classmethod
    def packed(cls, phrases: Sequence[str], counts: Sequence[int], khmer: Sequence[bool],
               payloads: Sequence[int]) -> SpanMatcher[int]:
        """A matcher made from columns (the gazetteer's artefact): phrase ``i`` (distinct)
        has the next ``counts[i]`` of ``payloads``, and is Khmer when ``khmer[i]``."""
        matcher: SpanMatcher[int] = cls.__new__(cls)
        matcher._build(phrases, counts, khmer, payloads)
        return matcher

    def _build(self, phrases: Sequence[str], counts: Sequence[int], khmer: Sequence[bool],
               payloads: Sequence[T]) -> None:
        self._payloads = payloads
        self._bounds = array("I", accumulate(counts, initial=0))
        self._tuples: dict[int, tuple[T, ...]] = {}
        if len(phrases) > _MAX_PHRASES or self._bounds[-1] != len(payloads):
            raise ValueError("too many phrases, or payload counts that do not add up")
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        add_word = self._automaton.add_word
        for number, (phrase, is_khmer) in enumerate(zip(phrases, khmer)):
            if len(phrase) > _LENGTH_MASK:
                raise ValueError(f"phrase too long: {phrase!r}")
            add_word(phrase, number << _NUMBER_SHIFT | len(phrase) << 1 | bool(is_khmer))
        self._empty = not phrases
        if not self._empty:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self._automaton)

    def find_all(self, text: str, boundaries: Container[int] | None = None) -> list[Span[T]]:
        """Every match that respects word edges, overlapping ones included.

        ``boundaries``: positions where a word starts or ends in ``text``; when given, a
        non-Khmer match must start and end on one instead of between non-alphanumerics."""
        if self._empty or not text:
            return []
        found = []
        tuples = self._tuples
        size = len(text)
        # ``_edges_ok``, written out: every match of every message passes here
        for end_index, value in self._automaton.iter(text):
            end = end_index + 1
            start = end - (value >> 1 & _LENGTH_MASK)
            khmer = value & 1
            if not khmer and boundaries is not None and (
                start not in boundaries or end not in boundaries
            ):
                continue
            before = text[start - 1] if start > 0 else " "
            after = text[end] if end < size else " "
            if (before.isdigit() and text[start].isdigit()
                    or after.isdigit() and text[end - 1].isdigit()):
                continue  # "2" is not in "25"
            if khmer:
                if before == _COENG or after in _KHMER_CONTINUATION:
                    continue
            elif boundaries is None and (before.isascii() and before.isalnum()
                                         or after.isascii() and after.isalnum()):
                continue
            number = value >> _NUMBER_SHIFT
            payloads = tuples.get(number)
            if payloads is None:
                payloads = self._payloads_of(number)
            found.append(Span(start, end, text[start:end], payloads))
        return found

    def _payloads_of(self, number: int) -> tuple[T, ...]:
        """Phrase ``number``'s payloads as a tuple, kept for the next match: "ភូមិ២" names 540
        villages, and making 540 numbers at every match would cost more than finding it. At
        most ``_TUPLES_KEPT`` are kept (then they are all let go, and kept again as used)."""
        bounds = self._bounds
        payloads = tuple(self._payloads[bounds[number] : bounds[number + 1]])
        if len(self._tuples) >= _TUPLES_KEPT:
            self._tuples.clear()
        self._tuples[number] = payloads
        return payloads

    def find_maximal(self, text: str) -> list[Span[T]]:
        """Matches not contained in a longer match; overlapping ones are all kept."""
        spans = sorted(self.find_all(text), key=lambda s: (s.start, -s.end))
        kept: list[Span[T]] = []
        reach = -1  # the furthest end of the spans that start earlier (or as early and end later)
        for span in spans:  # two distinct spans never share both ends: they would be one phrase
            if span.end > reach:
                kept.append(span)
                reach = span.end
        return kept

    def find(self, text: str) -> list[Span[T]]:
        """Non-overlapping matches, leftmost first and longest at each position."""
        chosen: list[Span[T]] = []
        covered_until = -1
        for span in sorted(self.find_all(text), key=lambda s: (s.start, -(s.end - s.start))):
            if span.start >= covered_until:
                chosen.append(span)
                covered_until = span.end
        return chosen


def _compact(payloads: list[T]) -> Sequence[T]:
    """``payloads`` as an ``array`` when they are all small whole numbers, else as they are."""
    if all(type(p) is int and 0 <= p < 2**32 for p in payloads):
        return array("I", payloads)  # type: ignore[arg-type]
    return payloads


def _edges_ok(
    text: str, start: int, end: int, khmer: bool, boundaries: Container[int] | None = None
) -> bool:
    if not khmer and boundaries is not None and (start not in boundaries or end not in boundaries):
        return False
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isdigit() and text[start].isdigit() or after.isdigit() and text[end - 1].isdigit():
        return False  # "2" is not in "25"
    if khmer:
        return before != _COENG and after not in _KHMER_CONTINUATION
    return boundaries is not None or (not _latin_char(before) and not _latin_char(after))
