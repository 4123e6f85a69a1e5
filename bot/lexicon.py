"""Keyword lexicons: data files under ``locales/lexicons`` compiled once into matchers.

Latin phrases match on word boundaries; Khmer phrases match anywhere (Khmer is written without
spaces), except that a match may not begin right after a COENG sign (it would be the second half
of a consonant cluster).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.normalize import has_khmer, normalize

LEXICON_DIR = Path(__file__).resolve().parent.parent / "locales" / "lexicons"


@dataclass(frozen=True, slots=True)
class Entry:
    intent: str
    phrase: str  # normalised
    language: str  # "km" or "en": the file it came from


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    start: int
    end: int


class LexiconError(ValueError):
    """A lexicon file line that cannot be read; names the file and line."""


def read_lexicon(path: Path) -> list[tuple[int, str, str, str]]:
    """Return ``(line_number, intent, match, phrase)`` rows of one lexicon file."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3 or parts[1] not in {"exact", "span"} or not parts[2].strip():
            raise LexiconError(f"{path.name}:{number}: expected intent<TAB>exact|span<TAB>phrase")
        rows.append((number, parts[0].strip(), parts[1], parts[2].strip()))
    return rows


class Lexicon:
    """Exact-phrase table plus one compiled span pattern over every language file."""

    def __init__(self, directory: Path = LEXICON_DIR) -> None:
        self.exact: dict[str, Entry] = {}
        spans: dict[str, Entry] = {}
        for path in sorted(directory.glob("*.tsv")):
            language = path.stem
            for _number, intent, match, phrase in read_lexicon(path):
                entry = Entry(intent=intent, phrase=normalize(phrase), language=language)
                table = self.exact if match == "exact" else spans
                table.setdefault(entry.phrase, entry)
        self.spans = spans
        self._pattern = _compile(list(spans))

    def exact_match(self, normalised_text: str) -> Entry | None:
        return self.exact.get(normalised_text)

    def find_spans(self, normalised_text: str) -> list[Hit]:
        """Non-overlapping hits, longest phrase first at each position."""
        return [
            Hit(self.spans[m.group(0)], m.start(), m.end())
            for m in self._pattern.finditer(normalised_text)
        ]

    def english_words(self) -> frozenset[str]:
        return frozenset(p for p, e in {**self.exact, **self.spans}.items() if e.language == "en")


def _compile(phrases: list[str]) -> re.Pattern[str]:
    alternatives = []
    for phrase in sorted(phrases, key=len, reverse=True):
        escaped = re.escape(phrase)
        if has_khmer(phrase):
            alternatives.append(rf"(?<!\u17d2){escaped}")
        else:
            alternatives.append(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])")
    if not alternatives:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(alternatives))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon()
