"""Keyword lexicons: data files under ``locales/lexicons`` compiled once into matchers.

Each line is ``intent<TAB>exact|span<TAB>phrase[<TAB>weight]``; see the README beside the files.
The intent may name a topic after a slash (``emergency/crisis``, ``stop/unsure``): which answer
the intent gets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.normalize import normalize
from bot.spans import Span, SpanMatcher
from core.vocabulary import Intent

LEXICON_DIR = Path(__file__).resolve().parent.parent / "locales" / "lexicons"
LANGUAGE_FILES = ("km", "en")


@dataclass(frozen=True, slots=True)
class Entry:
    intent: str
    phrase: str  # normalised
    language: str  # "km" or "en": the file it came from; "" for a word of both
    weight: float = 1.0
    topic: str = ""


class LexiconError(ValueError):
    """A lexicon file line that cannot be read; names the file and line."""


def read_lexicon(path: Path) -> list[tuple[int, str, str, str, float]]:
    """Return ``(line_number, intent, match, phrase, weight)`` rows of one lexicon file."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) < 3 or parts[1] not in {"exact", "span"} or not parts[2]:
            raise LexiconError(f"{path.name}:{number}: expected intent<TAB>exact|span<TAB>phrase")
        weight = 1.0
        if len(parts) > 3 and parts[3] and not parts[3].startswith("#"):
            try:
                weight = float(parts[3])
            except ValueError:
                raise LexiconError(f"{path.name}:{number}: weight {parts[3]!r} is not a number") from None
        rows.append((number, parts[0], parts[1], parts[2], weight))
    return rows


class Lexicon:
    """Whole-message phrases in a table; in-message phrases in one span matcher."""

    def __init__(self, directory: Path = LEXICON_DIR) -> None:
        self.exact: dict[str, Entry] = {}
        spans: list[tuple[str, Entry]] = []
        seen: set[tuple[str, str]] = set()
        languages: dict[str, set[str]] = {}
        for language in LANGUAGE_FILES:
            for _number, intent, match, phrase, weight in read_lexicon(directory / f"{language}.tsv"):
                name, _, topic = intent.partition("/")
                entry = Entry(name, normalize(phrase), language, weight, topic)
                if match == "exact":
                    known = self.exact.get(entry.phrase)
                    if known is None:
                        self.exact[entry.phrase] = entry
                    elif known.language != language:  # "menu", "stop": no sign of a language
                        self.exact[entry.phrase] = dataclasses.replace(known, language="")
                else:
                    languages.setdefault(entry.phrase, set()).add(language)
                    if (entry.phrase, name) not in seen:  # a word of both files counts once
                        seen.add((entry.phrase, name))
                        spans.append((entry.phrase, entry))
        # A phrase of both files ("clinic") says nothing about the language of a message.
        spans = [(p, dataclasses.replace(e, language="") if len(languages[p]) > 1 else e)
                 for p, e in spans]
        self._spans = SpanMatcher(spans)
        #: Emergency phrases alone, to search long texts cheaply.
        self._emergency = SpanMatcher((p, e) for p, e in spans if e.intent == Intent.EMERGENCY)
        self.latin_words = sorted(
            {e.phrase for e in self.exact.values()
             if e.phrase.isascii() and e.phrase.isalpha() and len(e.phrase) >= 4}
            | {p for p, e in spans if p.isascii() and " " not in p and len(p) >= 4}
        )

    def exact_match(self, normalised_text: str) -> Entry | None:
        return self.exact.get(normalised_text)

    def find_spans(self, normalised_text: str) -> list[Span[Entry]]:
        """Every hit not inside a longer hit ("voluntary treatment" hides "treatment")."""
        return self._spans.find_maximal(normalised_text)

    def has_emergency(self, normalised_text: str) -> bool:
        """Whether an emergency phrase occurs anywhere in the text (linear in its length)."""
        return bool(self._emergency.find_all(normalised_text))

    def entries_for(self, phrase: str) -> tuple[Entry, ...]:
        """Everything a (normalised) word means, as exact phrase or span; for typo correction."""
        found = [self.exact[phrase]] if phrase in self.exact else []
        for span in self._spans.find_all(phrase):
            if span.start == 0 and span.end == len(phrase):
                found.extend(span.payloads)
        return tuple(found)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon()
