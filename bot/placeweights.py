"""How likely a span of a message is to be a place, and which place (ordinary words such as
"in", "chong" or ជួយ are also gazetteer names). ``bot/places.py`` finds the spans; this module
weighs them.

A *mention* is one name span with every unit it may name; a *reading* is one of those units,
with what supports it. A place needs evidence, and the weaker the name the more it needs:

- *evidence*: a level word next to it (ខេត្ត, srok, sangkat, "village"); a larger unit named
  beside it that contains it (a *pair*: "Thmei, Prey Khnes"); a word that says where right
  before it ("in", "at", "near", នៅ, nov); the message being only the name; or the message
  answering the bot's place question (*expecting* a place);
- *names*: a province or district spelled as its name (or an alias) needs none; a commune or
  village needs evidence, except a long, distinctive name that few places share ("psar thmei
  3", "methadone boeng trabek"); a name that many places share needs more than នៅ or nov in
  the middle of a sentence (they also mean "to stay", "still"); a generic part of names alone
  ("thmei" new, ផ្សារ market) needs its level word, its parent right beside it, an English
  "in"/"at"/"near" that ends the message ("clinic in Thmei": English would say "in the
  market"), or to be the whole answer to the place question; and an everyday word ("the",
  "knhom", ជួយ) is a place only with its level word and either its parent beside it or, spelled
  as the name, nothing else in the message ("the village chief" is not the village The, "phum
  knhom" is "my village").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.gazetteer import Gazetteer
from bot.placenames import TOWN, MatchForm
from core.place_codes import COMMUNE, DISTRICT, PROVINCE

#: A commune or village name found in this many places (districts, communes) is a place
#: without a level word or a parent only as the whole message, after English "in"/"at"/"near",
#: after នៅ/nov at the end (or in several words spelled exactly), or in answer to "where?".
CROWDED = 3
#: A commune whose villages of the same name lie in more provinces than this is not simply
#: "the larger unit": the name is a common one, so the villages are offered after it and the
#: province is asked ("Trapeang Veaeng": one commune, villages in 8 provinces).
SPREAD = 5
#: Characters a Khmer province or district name needs to be read inside unspaced text with
#: nothing around it (សួង is also the end of ក្រសួង, ministry).
KHMER_EMBEDDED = 5


@dataclass(slots=True)
class Mention:
    """One name span of the message and the units it may name."""

    start: int
    end: int
    units: tuple[int, ...]
    hint: int | None  # level told by a level word next to it
    hint_span: tuple[int, int] | None  # where that level word is
    ordinary: bool  # an everyday word or a keyword ("the", "knhom", ជួយ), or made of them
    generic: bool  # a generic part of names alone ("thmei", "psar", ផ្សារ)
    exact: bool  # spelled like a name, not only sharing its spelling key
    khmer: bool
    alias: bool  # an alias of locales/places/aliases.tsv
    number: bool  # only a number ("ភូមិ ២")
    tokens: int  # Latin words and numbers it covers
    ordinary_tokens: int  # how many of them are ordinary words
    part_tokens: int  # how many of them are generic parts of names ("prey", "thmei")
    length: int  # characters as typed (Latin) or written (Khmer)
    plain: str  # the Latin words as typed, run together
    key: str  # the span in match form
    whole: bool  # the message is only this name (and level words)
    separate: bool  # set apart from the words around it (spaces, punctuation, level words)
    where: str = ""  # the kind of word right before it that says where ("where", "locative")
    tail: bool = False  # it ends the message (but for level words)
    provinces: Counter[int] | None = None  # per level, in how many provinces (when asked)
    nested: bool = False  # inside a longer name span ("kandal" in "khsach kandal")

    def overlaps(self, other: Mention) -> bool:
        return self.start < other.end and other.start < self.end

    def inside(self, other: Mention) -> bool:
        """Whether ``other`` lies within this longer span."""
        return (
            self.start <= other.start and other.end <= self.end
            and self.end - self.start > other.end - other.start
        )

    def strong(self, level: int) -> bool:
        """Whether the name alone, with no evidence around it, reads as a unit of ``level``: a
        province or district spelled like its name (not "based" for Basaed, not "keep" for
        Kep), or a long commune or village name, not mostly everyday words nor only generic
        parts of names ("tuek ambel" is salt water, "kompung koh" no commune)."""
        if self.hint == level or self.alias:
            return True
        if self.ordinary or self.number or self.generic and (self.khmer or level > DISTRICT):
            return False
        if self.khmer:  # long enough, or set apart, not to be hiding inside a word
            if level <= DISTRICT:
                return self.separate or self.length >= KHMER_EMBEDDED
            if level == COMMUNE:
                return self.length >= 6
            return self.length >= (9 if self.separate else 12)
        if level <= DISTRICT:
            return self.exact or (self.tokens > 1 and not self.ordinary_tokens)
        if 2 * self.ordinary_tokens >= self.tokens:
            return False
        if self.tokens == 1:
            return level == COMMUNE and self.exact and self.length >= 7
        if level == COMMUNE:  # a number makes a generic name one place ("psar thmei 3")
            return self.length >= 7 and (
                self.key[-1].isdigit() or self.part_tokens + self.ordinary_tokens < self.tokens
            )
        return self.exact and self.length >= 8 and (self.part_tokens == 0 or self.tokens >= 3)

    def stands_as(self, level: int) -> bool:
        """Whether the span is a plausible name of a unit of ``level`` once something says it is
        a place (a parent beside it, a word that says where): a province or district spelled
        like its name or close, a commune or village with a distinctive name."""
        if self.hint == level or self.alias:
            return True
        if self.ordinary or self.number:
            return False
        if self.khmer:
            return level <= DISTRICT or (not self.generic and self.length >= 6)
        if level <= DISTRICT:
            return self.exact or self.tokens > 1 or (
                self.length >= 5 and len(self.key) >= 3 and not self.generic
            )
        # nor, among ~16,000 communes and villages, mostly ordinary words that only share a
        # name's spelling key ("boss know" is not Bos Khnor)
        if not self.exact and 2 * self.ordinary_tokens >= self.tokens:
            return False
        if self.generic or self.length <= 3:
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
    adjacent: bool = False  # a parent is named right beside it (nothing but level words between)
    coverage: int = 0  # characters of the message its span and its parents' spans explain
    namesakes: int = 1  # places with a unit of this name and level
    spread: bool = False  # a commune named like villages all over the country (``SPREAD``)

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


def counts(reading: Reading, expecting: bool = False) -> bool:
    """Whether a reading is likely enough to be a place at all: the evidence it has against
    how easily its name is something else (module docstring). ``expecting``: the message
    answers the bot's place question."""
    mention, level = reading.mention, reading.level
    hinted, anchored = reading.hinted, reading.depth > 0
    if mention.number:
        return hinted  # "ភូមិ ២", "sangkat 4": a number is a name only with its level word
    if mention.ordinary:  # "the village chief", "in our village", "raid nov phum knhom"
        # with its level word, and its parent beside it, or as the whole message spelled as
        # the name ("ភូមិជួយ", "chob commune"; "phum knhom" is "my village"); an answer to
        # the place question is no more evidence for it
        return hinted and (anchored or mention.whole and mention.exact)
    if mention.alias:
        return True
    told = hinted or expecting or mention.whole
    if level <= DISTRICT:
        if mention.generic and mention.khmer:  # កណ្ដាល is Kandal, and also "the middle"
            return told or anchored or bool(mention.where) and mention.separate
        if told or anchored or mention.where:
            return mention.stands_as(level)
        return mention.strong(level)
    # a commune or a village
    if hinted:
        return True
    if anchored and _anchored(reading):
        return True
    # after English "in", "at", "near" a bare word is a name (a common noun would have "the");
    # after នៅ or nov, which also mean "to stay" and "still", a shared name only at the end
    english = mention.where == "where"
    if mention.generic:  # "thmei" (new), ផ្សារ (market): only a name that ends the message
        return (expecting and mention.whole) or (english and mention.tail)
    crowded = reading.namesakes >= CROWDED
    if mention.khmer and mention.where and mention.tail:
        # "...នៅឈើទាលទេ?": a name right after នៅ that ends the question is the place asked about
        return mention.length >= 4
    if expecting or english:
        return _plausible_alone(mention, level, loose=True)
    if mention.whole or mention.where and (
        mention.tail or not crowded or mention.exact and mention.tokens > 1
    ):
        return _plausible_alone(mention, level, loose=False)
    return not crowded and mention.strong(level)


def _anchored(reading: Reading) -> bool:
    """Whether a commune or village name is plausible beside the parent the message names: right
    beside it almost any name will do (a pair of names, one inside the other, is rare by
    chance); farther away, a plainer name beside its district or commune (a Khmer one set
    apart by spaces: unspaced Khmer hides short names inside words), but a province has ~900
    villages, so beside a province alone only a commune written apart, or a distinctive name."""
    mention, level = reading.mention, reading.level
    beside = reading.adjacent and not mention.nested  # not a word of a longer name
    if mention.generic:
        return beside
    if mention.khmer:
        if not mention.separate:
            return False
        if beside:
            return mention.length >= 2
    elif not mention.exact and 2 * mention.ordinary_tokens >= mention.tokens:
        return False
    elif beside:
        return mention.length >= 3
    if mention.stands_as(level):
        return True
    near = reading.parent_level > PROVINCE
    if mention.khmer:
        return (near and mention.length >= 3) or (level == COMMUNE and mention.length >= 4)
    return near and mention.length >= 4


def _plausible_alone(mention: Mention, level: int, loose: bool) -> bool:
    """A commune or village name with evidence but no parent: the message is only the name, it
    follows a word that says where, or (``loose``) it follows an English one or answers the
    place question (after នៅ a noun may follow: នៅរោងចក្រ, at the factory)."""
    if mention.khmer:
        if mention.separate and (loose or mention.whole and level == COMMUNE):
            return mention.length >= 4
        return mention.length >= (6 if level == COMMUNE else 9)
    if not mention.stands_as(level):
        return False
    if level == COMMUNE:  # one word spelled unlike the name: not inside a sentence
        return mention.exact or mention.tokens > 1 or mention.whole or loose
    if loose:
        return mention.tokens > 1 or mention.exact and mention.length >= 5
    # a village alone: only a long name, spelled exactly or in three words
    return mention.tokens >= 3 or (mention.exact and mention.tokens > 1 and mention.length >= 8)


def provinces_named(gaz: Gazetteer, units: tuple[int, ...]) -> Counter[int]:
    """Per level, in how many provinces these units lie."""
    return Counter(level for level, _ in {(gaz.levels[u], gaz.codes[u][:2]) for u in units})


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
