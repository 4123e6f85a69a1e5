"""Intent and locale classification of one message.

Order of precedence (DESIGN.md section 6): emergency words anywhere in the message override
everything; then whole-message global words (STOP/ឈប់, menu/help, a language name); then a bare
menu number; then keyword spans for services, questions and family; otherwise ``unknown``, or
``location`` when the message only names a place.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from bot.lexicon import Lexicon, default_lexicon
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
# When several span intents match, the more specific wins (a question about methadone is an FAQ,
# not a request for a methadone clinic).
_SPAN_PRIORITY = (
    "faq_methadone",
    "faq_privacy",
    "faq_voluntary",
    "faq_cost",
    "family",
    "find_methadone",
    "find_needle_exchange",
    "find_clinic",
)
_NUMBER = re.compile(r"^\d{1,2}$")


@dataclass(frozen=True, slots=True)
class Classification:
    intent: str
    locale: Locale
    #: The menu number when the whole message is a number.
    number: int | None = None
    #: Target of ``set_language``.
    language: Locale | None = None
    #: True when the message asks for the next page of results.
    more: bool = False
    places: tuple[Place, ...] = ()
    #: False when the text says nothing about its language (a bare number, a place name).
    locale_certain: bool = False

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
        self._english = self.lexicon.english_words()

    def classify(self, text: str, locale_hint: Locale | None = None) -> Classification:
        norm = normalize(text)
        locale, certain = self._detect_locale(text, norm, locale_hint)
        places = tuple(self.places.resolve(text)) if norm else ()
        hits = self.lexicon.find_spans(norm)

        def result(intent: str, **extra: object) -> Classification:
            return Classification(
                intent=intent, locale=locale, places=places, locale_certain=certain, **extra
            )  # type: ignore[arg-type]

        if any(hit.entry.intent == "emergency" for hit in hits):
            return result("emergency")
        exact = self.lexicon.exact_match(norm)
        if exact is not None:
            intent, _, target = exact.intent.partition(":")
            if intent == "more":
                return result("unknown", more=True)
            if intent == "set_language":
                return result("set_language", language=Locale(target))
            return result(intent)
        if _NUMBER.match(norm):
            return result("menu", number=int(norm))
        span_intents = {hit.entry.intent for hit in hits}
        for intent in _SPAN_PRIORITY:
            if intent in span_intents:
                return result(intent)
        if places:
            return result("location")
        return result("unknown")

    def _detect_locale(self, raw: str, norm: str, hint: Locale | None) -> tuple[Locale, bool]:
        """Khmer script means Khmer; Latin text is English only if it reads as English."""
        if has_khmer(raw):
            return Locale.KM, True
        words = norm.split(" ")
        votes: Counter[str] = Counter()
        exact = self.lexicon.exact_match(norm)
        if exact is not None:
            votes[exact.language] += 2
        for hit in self.lexicon.find_spans(norm):
            votes[hit.entry.language] += 1
        votes["en"] += sum(1 for w in words if w in _COMMON_ENGLISH)
        if votes["en"] > votes["km"]:
            return Locale.EN, True
        if votes["km"] > votes["en"]:
            return Locale.KM, True
        return hint or Locale.KM, False


# Frequent English function words: enough to tell an English sentence from romanised Khmer.
_COMMON_ENGLISH = frozenset(
    "i me my you your we he she it they is are am was can could would will where what how who "
    "when why the a an to for of in on at with and or not do does did please need want get "
    "help there here this that near nearest find any".split()
)


@lru_cache(maxsize=1)
def default_classifier() -> Classifier:
    return Classifier()
