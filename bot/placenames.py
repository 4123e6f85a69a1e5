"""Matching forms of place names: one folding applied alike to the gazetteer and to messages.

Romanised Khmer has no fixed spelling ("Tuol Kouk", "Toul Kork", "tuol kok"), and Khmer script
is written without spaces but typed with stray ones. So both sides are reduced to a *match form*:

- Khmer runs lose their spaces (``ភ្នំ ពេញ`` = ``ភ្នំពេញ``); digits stay digits.
- Each Latin word goes through the whole-word folds of ``locales/places/folds.tsv`` (Kg =
  Kompong = Kampong) and then :func:`latin_key`, a spelling key that merges the romanisation
  variants of one Khmer sound (ou/uo/o/u, ae/e/ai/ei/ey/i, ph/p, th/t, kh/k, an r after a
  vowel, final b/p and d/t, td/d, doubled letters). Latin words are then run together, so
  "chaktomuk" meets "Chakto Mukh"; a match must still start and end on a word boundary (see
  ``SpanMatcher.find_all``). Punctuation ("Baray, Takeo") is a break no name runs across.

Level words (ខេត្ត, srok, khum, "village", ...) are recognised here and reported separately:
they are not part of a name, but tell the level of the name next to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.normalize import KHMER_BLOCK, normalize
from core.place_codes import COMMUNE, DISTRICT, PROVINCE, VILLAGE

#: ក្រុង (krong, "town") is a district-level town, or the capital itself (ក្រុងភ្នំពេញ).
TOWN = 4

#: Khmer level words, written before the name (ខេត្ត province, ស្រុក/ខណ្ឌ/ក្រុង district,
#: ឃុំ/សង្កាត់ commune, ភូមិ village).
KHMER_LEVEL_WORDS = {
    "រាជធានី": PROVINCE, "ខេត្ត": PROVINCE, "ស្រុក": DISTRICT, "ខណ្ឌ": DISTRICT,
    "ក្រុង": TOWN, "ឃុំ": COMMUNE, "សង្កាត់": COMMUNE, "ភូមិ": VILLAGE,
}
#: Romanised level words, written before the name ("khan toul kork", "phum 3").
LATIN_PREFIX_WORDS = {
    "khet": PROVINCE, "khaet": PROVINCE, "srok": DISTRICT, "khan": DISTRICT, "krong": TOWN,
    "khum": COMMUNE, "khom": COMMUNE, "sangkat": COMMUNE, "sangkath": COMMUNE,
    "phum": VILLAGE, "phoum": VILLAGE, "phoom": VILLAGE,
}
#: English level words, written after the name ("kandal province", "kantrak village").
LATIN_SUFFIX_WORDS = {
    "province": PROVINCE, "district": DISTRICT, "city": TOWN, "town": TOWN,
    "commune": COMMUNE, "village": VILLAGE,
}
#: Number words of the official romanisation (Muoy = 1 ...), to find "Ti Pir" = "2" in names.
_NUMBER_WORD = re.compile(
    r"^(?:muoy|mouy|pir|bei|buon|pram|dab|dap|mphei|mphey|sam|seb|sep|sae|ha|hok|chet|paet|kau"
    r"|rouy|roy)+$"
)
_ORDINAL_WORDS = {"ti", "lekh", "phum"}
_KHMER_NUMBERED = re.compile(r"^(.*?)(ទី|លេខ)?(\d+)$")
_APOSTROPHE = re.compile(r"(?<=\w)['’`](?=\w)")
#: Khmer is typed with zero-width spaces between words: a word boundary, like a space.
ZWSP = "\u200b"
_BREAK = re.compile(r"[,;:/|()\[\]\n!?។៕]+")
_TOKEN = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]+|\d+|[^\W\d_]+")

# --- the Latin spelling key ----------------------------------------------------------------
_C_NOT_CH = re.compile(r"c(?!h)")
_ASPIRATE = re.compile(r"(?<=[bcdfgjklmnpqrstvwxz])h")
_FINAL_H = re.compile(r"(?<=[aeiouy])h$")
_R_AFTER_VOWEL = re.compile(r"(?<=[aeiouy])r(?=[^aeiouy]|$)")
_FINAL_V = re.compile(r"(?<=[aeiou])v$")
_FINAL_VOICED = {"b": "p", "d": "t", "g": "k"}
_VOWELS = re.compile(r"[aeiou]+(?:y(?![aeiou]))?|(?<![aeiou])y(?![aeiou])")
_DOUBLE = re.compile(r"(.)\1+")
_A_RUNS = frozenset({"a", "aa", "ea", "oa", "eaa"})


def _vowel_class(match: re.Match[str]) -> str:
    run = match.group()
    if run in _A_RUNS:
        return "a"
    if "o" in run or "u" in run:
        return "o"
    return "e"


@lru_cache(maxsize=8192)
def latin_key(word: str) -> str:
    """Spelling key of one (normalised, folded) Latin word: "kork", "kouk" and "kok" -> "kok"."""
    if not word.isalpha():
        return word
    word = _C_NOT_CH.sub("k", word).replace("chh", "c").replace("ch", "c")
    word = word.replace("w", "v").replace("j", "c").replace("q", "k").replace("td", "d")
    word = _FINAL_H.sub("", _ASPIRATE.sub("", word))
    word = _R_AFTER_VOWEL.sub("", word)
    word = _FINAL_V.sub("o", word)
    if len(word) > 2 and word[-1] in _FINAL_VOICED and word[-2] != "n":  # Reab = Reap; not -ng
        word = word[:-1] + _FINAL_VOICED[word[-1]]
    word = _VOWELS.sub(_vowel_class, word)
    return _DOUBLE.sub(r"\1", word)


# --- message and name forms --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    start: int  # position in the match form
    end: int
    plain: str  # the folded word before the spelling key, or the number; "" for Khmer


@dataclass(frozen=True, slots=True)
class MatchForm:
    text: str
    boundaries: frozenset[int]
    tokens: tuple[Token, ...]
    #: (start, end, level) of the Latin level words: prefixes end where their name starts,
    #: suffixes start where it ends.
    prefixes: tuple[tuple[int, int, int], ...] = ()
    suffixes: tuple[tuple[int, int, int], ...] = ()
    #: Where punctuation separated the text ("Baray, Takeo"): no name runs across one.
    breaks: tuple[int, ...] = ()

    def plain_words(self) -> list[str]:
        return [t.plain for t in self.tokens if t.plain]

    def crosses_break(self, start: int, end: int) -> bool:
        return any(start < b < end for b in self.breaks)

    def plain(self, start: int = 0, end: int | None = None) -> str:
        """The Latin words and numbers of ``[start, end)`` as typed (after folds), run together:
        what a span spells before the spelling key."""
        end = len(self.text) if end is None else end
        return "".join(t.plain for t in self.tokens if start <= t.start and t.end <= end)


class Folder:
    """Computes match forms; holds the whole-word folds."""

    def __init__(self, folds: dict[str, str]) -> None:
        self._folds = folds

    def fold_word(self, word: str) -> str:
        return self._folds.get(word, word)

    def form(self, text: str) -> MatchForm:
        """Match form of raw text (a message or a name)."""
        parts: list[str] = []
        tokens: list[Token] = []
        prefixes: list[tuple[int, int, int]] = []
        suffixes: list[tuple[int, int, int]] = []
        breaks: list[int] = []
        position = 0
        for chunk in _BREAK.split(_APOSTROPHE.sub("", text).replace(ZWSP, " ")):
            if position:
                breaks.append(position)
            for raw in _TOKEN.findall(normalize(chunk)):
                if KHMER_BLOCK.match(raw) or raw.isdigit():
                    plain, piece = ("" if not raw.isdigit() else raw), raw
                else:
                    plain = self.fold_word(raw)
                    piece = latin_key(plain)
                if not piece:
                    continue
                token = Token(position, position + len(piece), plain)
                if plain in LATIN_PREFIX_WORDS:
                    prefixes.append((token.start, token.end, LATIN_PREFIX_WORDS[plain]))
                elif plain in LATIN_SUFFIX_WORDS:
                    suffixes.append((token.start, token.end, LATIN_SUFFIX_WORDS[plain]))
                tokens.append(token)
                parts.append(piece)
                position = token.end
        bounds = frozenset([t.start for t in tokens] + [t.end for t in tokens])
        return MatchForm(
            "".join(parts), bounds, tuple(tokens), tuple(prefixes), tuple(suffixes), tuple(breaks)
        )

    def name_forms(self, name: str, level: int) -> set[tuple[str, str]]:
        """(match form, plain spelling) of an official name or alias: as written, and without
        the unit's own level word ("រាជធានីភ្នំពេញ" -> "ភ្នំពេញ")."""
        stripped = strip_level_word(name, level)
        forms = [self.form(name)] + ([self.form(stripped)] if stripped != name else [])
        return {(f.text, f.plain()) for f in forms if f.text}

    def numbered_forms(self, name_km: str, name_en: str, level: int) -> set[tuple[str, str]]:
        """Digit forms of a numbered unit: "ផ្សារដេប៉ូទី ២" / "Phsar Depou Ti Pir" give
        "ផ្សារដេប៉ូ2" and "psadepo2", and the bare "ផ្សារដេប៉ូ" and "psadepo" that all the
        numbered Phsar Depou share; a village that is only a number ("ភូមិ ២") gives "2"."""
        km = strip_level_word(normalize(name_km), level).replace(" ", "")
        found = _KHMER_NUMBERED.match(km)
        if not found:
            return set()
        base_km, number = found.group(1), found.group(3)
        if not base_km:
            return {(number, number)}
        base_form = self.form(base_km).text
        forms = {(base_form + number, ""), (base_form, "")}
        words = normalize(name_en).split(" ")
        while words and _NUMBER_WORD.match(words[-1]):
            words.pop()
        while words and words[-1] in _ORDINAL_WORDS:
            words.pop()
        if words:
            base = self.form(" ".join(words))
            forms |= {(base.text + number, base.plain() + number), (base.text, base.plain())}
        return forms


def strip_level_word(name: str, level: int) -> str:
    """"រាជធានីភ្នំពេញ" -> "ភ្នំពេញ", "ភូមិ ២" -> "២": only the unit's own level word is removed."""
    for word, word_level in KHMER_LEVEL_WORDS.items():
        if word_level == level and name.startswith(word) and len(name) > len(word):
            return name[len(word):].strip()
    return name


def read_folds(path: Path) -> dict[str, str]:
    """``variant<TAB>canonical`` word folds, both sides normalised."""
    folds = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            variant, _, canonical = line.partition("\t")
            folds[normalize(variant)] = normalize(canonical)
    return folds
