"""How likely a span of a message is to be a place, and which place (ordinary words such as
"in", "chong" or ជួយ are also gazetteer names). ``bot/places.py`` finds the spans; this module
weighs them.

A *mention* is one name span with every unit it may name; a *reading* is one of those units,
with what supports it: a level word next to it (ខេត្ត, srok, sangkat, "village"), parents named
elsewhere in the message, and how much of the message the name and its parents explain.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.gazetteer import Gazetteer
from bot.placenames import COMMUNE, DISTRICT, PROVINCE, TOWN, MatchForm

#: A commune or village name found in this many places (districts, communes) stands alone only
#: as the whole message or spelled exactly in several words: otherwise it is a word.
CROWDED = 3


@dataclass(slots=True)
class Mention:
    """One name span of the message and the units it may name."""

    start: int
    end: int
    units: tuple[int, ...]
    hint: int | None  # level told by a level word next to it
    hint_span: tuple[int, int] | None  # where that level word is
    common: bool  # an ordinary word (or inside one)
    exact: bool  # spelled like a name, not only sharing its spelling key
    khmer: bool
    alias: bool  # an alias of locales/places/aliases.tsv
    number: bool  # only a number ("ភូមិ ២")
    tokens: int  # Latin words and numbers it covers
    ordinary_tokens: int  # how many of them are ordinary words
    length: int  # characters as typed (Latin) or written (Khmer)
    plain: str  # the Latin words as typed, run together
    key: str  # the span in match form
    whole: bool  # the message is only this name (and level words)
    separate: bool  # set apart from the words around it (spaces, punctuation, level words)

    def overlaps(self, other: Mention) -> bool:
        return self.start < other.end and other.start < self.end

    def inside(self, other: Mention) -> bool:
        """Whether ``other`` lies within this longer span."""
        return (
            self.start <= other.start and other.end <= self.end
            and self.end - self.start > other.end - other.start
        )

    def stands_as(self, level: int) -> bool:
        """Whether the span alone is good evidence of a unit of ``level``: a province or district
        spelled like its name (not "keep" for Kep), a commune or village with a distinctive name."""
        if self.hint == level or self.alias:
            return True
        if self.khmer:
            return level <= DISTRICT or (not self.common and self.length >= 6)
        # ordinary words ("i can", "chong pre") are not Kan or Cheung Prey
        if self.ordinary_tokens == self.tokens:
            return False
        if level <= DISTRICT:
            return self.exact or self.tokens > 1 or (
                self.length >= 5 and len(self.key) >= 3 and not self.common
            )
        # nor, among ~16,000 communes and villages, mostly ordinary words that only share a
        # name's spelling key ("boss know" is not Bos Khnor)
        if not self.exact and 2 * self.ordinary_tokens >= self.tokens:
            return False
        if self.common or self.number or self.length <= 3:
            return False
        return self.tokens > 1 or self.length >= 6 or (
            level == COMMUNE and self.exact and self.length >= 4
        )


@dataclass(slots=True)
class Reading:
    unit: int
    mention: Mention
    level: int
    hinted: bool
    anchors: list[Mention] = field(default_factory=list)
    depth: int = 0  # how many of its parents the message names
    parent_level: int = -1  # the level of the smallest of them
    coverage: int = 0  # characters of the message its span and its parents' spans explain
    namesakes: int = 1  # places with a unit of this name and level

    def rank(self) -> tuple[int, int, int, int, int, int]:
        """Higher is better: explains more of the message, in fewer pieces (one long name over
        a short name beside its parent), names more parents, has a level word, is the larger
        unit, is spelled exactly."""
        pieces = 1 + len(self.anchors)
        return (self.coverage, -pieces, self.depth, self.hinted, -self.level, self.mention.exact)

    def extent(self) -> tuple[int, int]:
        """Its span, with the level word that told its level."""
        span = self.mention.hint_span if self.hinted else None
        if span is None:
            return self.mention.start, self.mention.end
        return min(span[0], self.mention.start), max(span[1], self.mention.end)

    def weak(self) -> bool:
        """A commune or village standing alone, with nothing around it to confirm it."""
        return self.level > DISTRICT and not (self.hinted or self.depth or self.mention.alias)


def places_named(gaz: Gazetteer, units: tuple[int, ...]) -> Counter[int]:
    """Per level, in how many places (districts for communes, communes for villages) these
    units lie: the numbered Phsar Thmei 1-3 are one place, the four Tuek Thla communes four."""
    return Counter(
        level for level, _ in {(gaz.levels[u], gaz.codes[u][: 2 * gaz.levels[u]]) for u in units}
    )


def counts(reading: Reading) -> bool:
    """Whether a reading is likely enough to be a place at all (a common word is rarely one)."""
    mention, level, namesakes = reading.mention, reading.level, reading.namesakes
    if level <= DISTRICT or reading.hinted or mention.alias:
        return mention.stands_as(level)
    if mention.common or mention.number:
        return False
    distinctive = mention.stands_as(level)
    if reading.depth:
        # beside its district or commune a plainer name will do (a Khmer one set apart by
        # spaces: unspaced Khmer hides short names inside words); but a province has ~900
        # villages, so beside a province alone only a commune, written apart, will do
        if distinctive:
            return True
        near = reading.parent_level > PROVINCE
        if mention.khmer:
            return mention.separate and (
                (near and mention.length >= 3) or (level == COMMUNE and mention.length >= 4)
            )
        return near and mention.length >= 4 and 2 * mention.ordinary_tokens < mention.tokens
    if mention.khmer and mention.whole and mention.separate and level == COMMUNE:
        distinctive = mention.length >= 4
    if not distinctive:
        return False
    if namesakes >= CROWDED and not (mention.whole or (mention.exact and mention.tokens > 1)):
        return False  # a name many units share is a word in a sentence, or a choice alone
    if level == COMMUNE:  # one word spelled unlike the name only when it is the whole message
        return mention.khmer or mention.exact or mention.tokens > 1 or mention.whole
    # a village alone: only a long name, spelled exactly, that few villages share
    if mention.khmer:
        return mention.length >= 9
    return mention.tokens >= 3 or (mention.exact and mention.tokens > 1 and mention.length >= 8)


def message_core(text: str, marks: set[tuple[int, int]]) -> tuple[int, int]:
    """The message without a leading or trailing level word: a name spanning it is all there is."""
    start = max((e for s, e in marks if s == 0), default=0)
    end = min((s for s, e in marks if e == len(text)), default=len(text))
    return start, end


def cuts_syllable(form: MatchForm, end: int) -> bool:
    """A Khmer name ending in a vowel, followed (without a space) by a lone consonant, would
    steal the first half of a syllable whose final consonant that is (ដូនបា|ន in មេតាដូនបានទេ)."""
    text = form.text
    if end >= len(text) or end in form.boundaries or not _is_khmer_vowel(text[end - 1]):
        return False
    following = text[end + 1] if end + 1 < len(text) else " "
    return (
        _is_khmer_consonant(text[end])
        and not _is_khmer_vowel(following)
        and following not in _KHMER_SIGNS
    )


def _is_khmer_vowel(ch: str) -> bool:
    return "\u17b6" <= ch <= "\u17c5"


def _is_khmer_consonant(ch: str) -> bool:
    return "\u1780" <= ch <= "\u17a2"


_KHMER_SIGNS = frozenset(chr(c) for c in range(0x17C6, 0x17D4)) | {"\u17dd"}


def covered(spans: list[tuple[int, int]]) -> int:
    """Characters of the match form covered by these spans (overlaps counted once)."""
    total, reach = 0, -1
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def told_level(hint: int, levels: set[int]) -> int | None:
    """The level a level word gives a span, if the span names a unit of that level: ក្រុង/krong
    is a district-level town, or else the capital (ក្រុងភ្នំពេញ)."""
    for level in (DISTRICT, PROVINCE) if hint == TOWN else (hint,):
        if level in levels:
            return level
    return None


def drop_contained(readings: list[Reading]) -> list[Reading]:
    """A span inside a longer span that counts as a place is part of that name ("phsar kandal"
    hides Kandal), unless it is better anchored ("Samraong Takeo" is not one village name). A
    name with its level word is one span: "ភូមិ|ថ្មី" is not inside the commune "ភូមិថ្មី"."""
    best: dict[tuple[int, int], int] = {}  # extent -> most parents named by a reading of it
    for r in readings:
        extent = r.extent()
        best[extent] = max(best.get(extent, 0), r.depth)
    kept = []
    for r in readings:
        start, end = r.extent()
        if not any(
            s <= start and end <= e and e - s > end - start and depth >= r.depth
            for (s, e), depth in best.items()
        ):
            kept.append(r)
    return kept
