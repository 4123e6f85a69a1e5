"""Intent and locale classification of one message.

Order of precedence (DESIGN.md section 6):
1. emergency words anywhere in the message override everything;
2. a whole-message global word (STOP/ឈប់, menu/help, a language name, MORE);
3. a bare menu number (Latin or Khmer digits);
4. keyword spans, each with a weight from the lexicon, summed per intent; the highest total
   wins, and ties go to the more specific intent (``_PRIORITY``);
5. a message that only names a place is ``location``;
6. otherwise a near-miss spelling of a keyword (rapidfuzz) is either accepted, when it is
   close, or offered back as a suggestion ("did you mean ...?"); else ``unknown``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.lexicon import Entry, Lexicon, default_lexicon
from bot.normalize import has_khmer, normalize
from bot.places import Place, PlaceResolver, default_resolver
from bot.types import Locale

INTENTS = (
    "menu",
    "find_clinic",
    "find_needle_exchange",
    "find_methadone",
    "faq_cost",
    "faq_privacy",
    "faq_voluntary",
    "faq_methadone",
    "family",
    "emergency",
    "set_language",
    "stop",
    "location",
    "unknown",
)
# Ties between span intents go to the earlier, more specific one.
_PRIORITY = (
    "emergency",
    "stop",
    "set_language:en",
    "set_language:km",
    "faq_methadone",
    "faq_privacy",
    "faq_voluntary",
    "faq_cost",
    "family",
    "find_methadone",
    "find_needle_exchange",
    "find_clinic",
    "menu",
)
_RANK = {intent: rank for rank, intent in enumerate(_PRIORITY)}
#: Lexicon pseudo-intents that only say which language a word belongs to.
_LANGUAGE_CUE = "lang"
_NUMBER = re.compile(r"^\d{1,2}$")
_LONE_NUMBER = re.compile(r"(?<!\d)\d(?!\d)")
_WHERE_CUE = "where"
#: Lexicon entries that are control words or cues, not intents of their own.
_NOT_INTENTS = frozenset({_LANGUAGE_CUE, _WHERE_CUE, "more", "yes"})


@dataclass(frozen=True, slots=True)
class Classification:
    intent: str
    locale: Locale
    #: The menu number when the message is a number (or "choose 2").
    number: int | None = None
    #: Target of ``set_language``.
    language: Locale | None = None
    #: True when the message asks for the next page.
    more: bool = False
    #: True when the message is a plain "yes" (to a "did you mean" question).
    affirmative: bool = False
    places: tuple[Place, ...] = ()
    #: False when the text says nothing about its language (a bare number, a place name).
    locale_certain: bool = False
    #: An intent the message may have meant, from a near-miss spelling ("did you mean").
    suggestion: str | None = None

    @property
    def place(self) -> Place | None:
        return self.places[0] if self.places else None

    def as_json(self) -> dict[str, object]:
        return {
            "intent": self.intent,
            "locale": str(self.locale),
            "place": self.place.as_json() if self.place else None,
        }


class Classifier:
    def __init__(self, lexicon: Lexicon | None = None, places: PlaceResolver | None = None) -> None:
        self.lexicon = lexicon or default_lexicon()
        self.places = places or default_resolver()

    def classify(self, text: str, locale_hint: Locale | None = None) -> Classification:
        norm = normalize(text)
        entries = [e for span in self.lexicon.find_spans(norm) for e in span.payloads]
        exact = self.lexicon.exact_match(norm)
        locale, certain = self._detect_locale(text, entries, exact, locale_hint)
        places = tuple(self.places.resolve(text)) if norm else ()

        def result(intent: str, **extra: object) -> Classification:
            values: dict[str, object] = {"locale": locale, "locale_certain": certain}
            values.update(extra)
            return Classification(intent=intent, places=places, **values)  # type: ignore[arg-type]

        if any(e.intent == "emergency" for e in entries):
            return result("emergency")
        if exact is not None:
            return self._global(exact.intent, result)
        if _NUMBER.match(norm):
            return result("menu", number=int(norm))
        scores: Counter[str] = Counter()
        for entry in entries:
            if entry.intent not in _NOT_INTENTS:
                scores[entry.intent] += entry.weight
        if any(e.intent == _WHERE_CUE for e in entries):  # "where ...?" asks for a place
            for intent in [i for i in scores if i.startswith("find_")]:
                scores[intent] += 1
        if scores:
            best = min(scores, key=lambda i: (-scores[i], _RANK.get(i, len(_RANK))))
            if best == "menu" and (number := _menu_choice(norm)) is not None:
                return result("menu", number=number)
            return self._global(best, result)
        return self._near_miss(norm, result, bool(places))

    def _global(self, intent: str, result):  # type: ignore[no-untyped-def]
        name, _, target = intent.partition(":")
        if name == "more":
            return result("unknown", more=True)
        if name == "yes":
            return result("unknown", affirmative=True)
        if name == "set_language":
            language = Locale(target)
            return result("set_language", language=language, locale=language, locale_certain=True)
        return result(name)

    def _near_miss(self, norm: str, result, has_place: bool):  # type: ignore[no-untyped-def]
        """A misspelt keyword: one typo (or a swap of two letters) is corrected, two typos in a
        longer word are offered back as a suggestion. A near-miss of an emergency word wins
        over every other (never leave a possible emergency). A place alone means ``location``."""
        candidates: list[tuple[int, Entry]] = []
        for word in norm.split(" "):
            if len(word) < 4 or not word.isascii() or not word.isalpha():
                continue
            for phrase, distance, _ in process.extract(
                word, self.lexicon.latin_words, scorer=OSA.distance, score_cutoff=2, limit=5
            ):
                if distance == 2 and len(word) < 6:
                    continue
                candidates += [
                    (int(distance), entry)
                    for entry in self.lexicon.entries_for(phrase)
                    if entry.intent not in _NOT_INTENTS
                ]
        emergency = [d for d, e in candidates if e.intent == "emergency"]
        if emergency and (min(emergency) <= 1 or not has_place):
            return result("emergency")
        if has_place:  # "Prey Veng" is a place, not a misspelt "eng"
            return result("location")
        candidates.sort(key=lambda c: (c[0], _RANK.get(c[1].intent, len(_RANK))))
        if candidates and candidates[0][0] <= 1:
            return self._global(candidates[0][1].intent, result)
        if not candidates:
            return result("unknown")
        return result("unknown", suggestion=candidates[0][1].intent.partition(":")[0])

    def _detect_locale(
        self, raw: str, entries: list[Entry], exact: Entry | None, hint: Locale | None
    ) -> tuple[Locale, bool]:
        """Khmer script means Khmer; Latin text is English only if its words read as English."""
        if has_khmer(raw):
            return Locale.KM, True
        votes: Counter[str] = Counter(e.language for e in entries)
        if exact is not None:
            votes[exact.language] += 2
        if votes["en"] > votes["km"]:
            return Locale.EN, True
        if votes["km"] > votes["en"]:
            return Locale.KM, True
        return hint or Locale.KM, False


def _menu_choice(norm: str) -> int | None:
    """"choose 2", "ជ្រើស ២": a menu word with one lone digit."""
    numbers = _LONE_NUMBER.findall(norm)
    return int(numbers[0]) if len(numbers) == 1 else None


@lru_cache(maxsize=1)
def default_classifier() -> Classifier:
    return Classifier()
