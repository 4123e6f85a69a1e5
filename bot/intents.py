"""Intent, topic and locale of one message: keyword lexicons and a learned model together.

Order of precedence:
1. emergency words anywhere in the message override everything (the lexicon is authoritative),
   unless the message tells of the past or says it is no emergency ("he overdosed last year,
   he is fine now") and the model, which has seen the keywords too, does not read it as one;
2. a whole-message global word (STOP/ឈប់, menu/help, a language name, MORE, YES);
3. a bare menu number (Latin or Khmer digits);
4. the learned model (``bot/model.py``) says the message may be an emergency: emergency. The bar
   is low on purpose: a false alarm costs one screen of first aid, a miss can cost a life;
5. opt-out phrases of the lexicon ("stop texting me", "leave me alone") are the lexicon's;
6. a message that is little more than a place's name is ``location``;
7. the model's reading when it is confident enough and, where keywords named another intent,
   it clearly disagrees with them (``Thresholds.keywords_kept``). It sees the message's
   character n-grams and what the keyword and place matchers found (``cues``), so it has
   learned how far each keyword can be trusted;
8. otherwise the keyword spans, each weighted by the lexicon, summed per intent;
9. otherwise a near-miss spelling of a keyword is corrected or offered back ("did you mean"),
   or the message is ``unknown`` and the engine falls back to the menu (with 119).

Only an unambiguous opt-out is ``definite``: a whole-message STOP word or an explicit phrase of
the lexicon ("stop texting me", "delete my data"). A typo of STOP, "leave me alone", or an
opt-out only the model saw is still ``stop``, and the engine asks before deleting anything.

Classification reads at most ``TEXT_LIMIT`` characters, so its cost is bounded whatever arrives
(a 4,096-character Telegram message, a 64 KB ``flask classify`` line). Emergency words are looked
for further, up to ``EMERGENCY_SCAN_LIMIT`` characters, with the linear keyword automaton only.
Both limits count what a reader sees: characters that show nothing (direction marks, zero-width
spaces, other format characters and fillers) are taken out first, and runs of white space count
as one (``bot.normalize.visible``), so padding cannot push a message out of view.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot import days
from bot.lexicon import Entry, Lexicon, default_lexicon
from bot.model import IntentModel, Prediction, default_model
from bot.normalize import has_khmer, normalize, visible
from bot.places import Place, PlaceResolver, default_resolver
from core.vocabulary import Intent, Locale, Topic

#: Every intent name (``core.vocabulary.Intent``), in the order the evaluation reports them.
INTENTS = tuple(Intent)
#: Intents whose answer depends on what exactly was asked; the first topic is the default.
TOPICS: dict[Intent, tuple[Topic, ...]] = {
    Intent.EMERGENCY: (Topic.OVERDOSE, Topic.CRISIS, Topic.FIRST_AID, Topic.NALOXONE,
                       Topic.SEIZURE, Topic.HEAT, Topic.CHEST_PAIN, Topic.PSYCHOSIS,
                       Topic.BREATHING, Topic.AMBULANCE),
    Intent.FAQ_PRIVACY: (Topic.DATA, Topic.POLICE, Topic.POLICE_NOW, Topic.SAFE_NOW,
                         Topic.DELETE, Topic.NUMBER, Topic.PAPERS, Topic.NEWS),
    Intent.FAQ_VOLUNTARY: (Topic.VOLUNTARY, Topic.CENTRE, Topic.BOOKING, Topic.COMPANION,
                           Topic.HOSPITAL),
    Intent.FAQ_METHADONE: (Topic.METHADONE, Topic.RESTART, Topic.STIMULANTS),
    Intent.FAMILY: (Topic.FAMILY, Topic.INJECTING),
    Intent.FIND_CLINIC: (Topic.CLINIC, Topic.CRAVINGS),
    Intent.MENU: (Topic.MENU, Topic.HUMAN, Topic.OPEN_NOW, Topic.PHONE, Topic.DETAILS),
    Intent.STOP: (Topic.STOP, Topic.UNSURE),
    Intent.UNKNOWN: (Topic.UNKNOWN, Topic.THANKS, Topic.PROGRESS, Topic.AFRAID),
}
#: A classification's topic when its intent has none.
NO_TOPIC: Literal[""] = ""
#: What a conversation can be in when a message arrives (``docs/CONVERSATION.md``): the model
#: reads it as an input, since "and next?" or "no one can help me" mean something else there.
CONTEXTS = ("emergency", "crisis", "results", "handoff")
# Ties between span intents go to the earlier, more specific one.
_PRIORITY = (
    Intent.EMERGENCY,
    Intent.STOP,
    f"{Intent.SET_LANGUAGE}:{Locale.EN}",
    f"{Intent.SET_LANGUAGE}:{Locale.KM}",
    Intent.FAQ_METHADONE,
    Intent.FAQ_PRIVACY,
    Intent.FAQ_VOLUNTARY,
    Intent.FAQ_COST,
    Intent.FAMILY,
    Intent.FIND_METHADONE,
    Intent.FIND_NEEDLE_EXCHANGE,
    Intent.FIND_CLINIC,
    Intent.MENU,
)
_RANK: dict[str, int] = {intent: rank for rank, intent in enumerate(_PRIORITY)}
_NUMBER = re.compile(r"^\d{1,2}$")
_LATIN_WORD = re.compile(r"[a-z]{2,}")
_LONE_NUMBER = re.compile(r"(?<!\d)\d(?!\d)")
#: Lexicon entries that name no intent (``Entry.intent``): a word that only says which
#: language it belongs to, a "where" word, and the control words MORE, YES and NO.
_LANGUAGE_CUE = "lang"
_WHERE_CUE = "where"
_MORE, _YES, _NO = "more", "yes", "no"
#: The intents that ask for a service: a "where" word adds to their keyword scores, and a
#: place named beside one is a place to search (``Classification.suggestion``).
_FIND = frozenset({Intent.FIND_CLINIC, Intent.FIND_METHADONE, Intent.FIND_NEEDLE_EXCHANGE})
#: Words that say what kind of place follows, and "in"/"at": not part of a place's name.
_LEVEL_WORDS = re.compile(
    r"ខេត្ត|ស្រុក|ក្រុង|ខណ្ឌ|ឃុំ|សង្កាត់|ភូមិ|នៅ|\b(?:khet|srok|krong|khan|khum|phum|province|"
    r"district|city|town|commune|village|in|at|near|nov|tov)\b"
)
#: How close (rapidfuzz ratio) a message must be to a place's name to be only that name.
PLACE_ONLY = 80
_NOT_INTENTS = frozenset({_LANGUAGE_CUE, _WHERE_CUE, _MORE, _YES, _NO})
#: Lexicon entries ``sign:<name>`` are signs read beside the intent (``Classification.signals``):
#: ``police`` (police named), ``better`` (inside an emergency: the person breathes again),
#: ``worse`` (breathing or waking stopped: it cancels ``better`` and the topic ``breathing``, so
#: "he stopped breathing again" or "he woke up but stopped breathing" is never good news).
_SIGN = "sign:"


def _signals(entries: list[Entry]) -> frozenset[str]:
    """The signs of a message (``Classification.signals``). Breathing or waking that stopped
    ("not breathing again") outweighs any sign of getting better: the safe reading."""
    signals = {e.intent[len(_SIGN):] for e in entries if e.intent.startswith(_SIGN)}
    if any(e.intent == _WHERE_CUE for e in entries):
        signals.add("where")
    if "worse" in signals:
        signals.discard("better")
    return frozenset(signals)


def _cue(intent: str) -> bool:
    """Whether a lexicon entry only gives a cue, not an intent of its own."""
    return intent in _NOT_INTENTS or intent.startswith(_SIGN)

#: "Stopped ... for <a number of> days/weeks/months/years (already)", in Khmer and romanised
#: Khmer ("ឈប់ប្រើបាន ២ ខែហើយ", "chhob ban 1 khae hoy"): good news, where the words for
#: stopping alone would ask for treatment.
_STOPPED_FOR = re.compile(
    r"(?:ឈប់|លែង|chhob|chob|leng).*(?:បាន|ban)\s*(?:\d+|មួយ|ពីរ|បី|បួន|ប្រាំ|ដប់|muoy|mouy|pir|"
    r"bei|buon|pram|dop)\s*(?:ថ្ងៃ|សប្តាហ៍|សប្ដាហ៍|អាទិត្យ|ខែ|ឆ្នាំ|thngai|saptah|atit|khae|chnam)"
)
#: A question: a question mark, or Khmer's question particles at the end ("... ទេ?", "... te").
_QUESTION = re.compile(r"\?|(?:ទេ|ឬទេ|អត់|te|ot)\s*[!.។]*$")
#: Characters of a message that are classified (seven SMS parts of Khmer; people put what they
#: want first, and a longer message is most often a story whose request comes early).
TEXT_LIMIT = 480
#: Characters searched for emergency words (a whole Telegram message).
EMERGENCY_SCAN_LIMIT = 4096
#: Keyword weight of a phrase that settles an intent (the scale of the model's keyword inputs).
SETTLED = 3.0
#: How far the model's reading of a particular emergency (a fit, heat...) must lead the
#: overdose first aid, which covers every emergency, to be answered on its own.
LEAD = 2.0
#: Weight of an opt-out phrase explicit enough to delete a conversation without asking.
DEFINITE_STOP = 5.0


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where the model's probabilities decide. Chosen by cross-validation over the training
    seeds (``python -m tests.intent_training --sweep``), never on a held-out set; the language
    bar and ``maybe_emergency`` by hand."""

    #: The model's emergency probability at which a message is treated as an emergency.
    emergency: float = 0.25
    #: Below that bar, but enough that a message over the abuse limit is still answered. Set
    #: by hand, not swept: it only decides whether a rate-limited sender still gets a reply,
    #: and a reply too many costs little.
    maybe_emergency: float = 0.12
    #: Probability at which the model's reading is taken (it has seen the keywords too, as
    #: inputs); below it the keywords decide, and without keywords the message is not
    #: understood.
    model: float = 0.30
    #: When keywords named an intent, the model overrides them only if it gives that intent
    #: less than this (it disagrees, not merely prefers a neighbour: "methadone" alone asks for
    #: methadone clinics even if the model leans to the methadone FAQ).
    keywords_kept: float = 0.30
    #: The language head's probability at which it settles the reply language.
    language: float = 0.85


THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class Classification:
    intent: Intent
    locale: Locale
    #: The menu number when the message is a number (or "choose 2").
    number: int | None = None
    #: Target of ``set_language``.
    language: Locale | None = None
    #: True when the message asks for the next page.
    more: bool = False
    #: True when the message is a plain "yes" (to a "did you mean" question).
    affirmative: bool = False
    #: True when the message is a plain "no".
    negative: bool = False
    places: tuple[Place, ...] = ()
    #: False when the text says nothing about its language (a bare number, a place name).
    locale_certain: bool = False
    #: What the message may have meant, from a near-miss spelling ("did you mean"): the
    #: lexicon's name for it (``Entry.intent``), an intent or ``set_language:<locale>``.
    suggestion: str | None = None
    #: Which answer of the intent (``TOPICS``); ``NO_TOPIC`` for intents without topics.
    topic: Topic | Literal[""] = NO_TOPIC
    #: For ``stop``: an unambiguous opt-out, to act on without asking.
    definite: bool = False
    #: How likely the message is to be an emergency (1.0 on an emergency word).
    emergency_score: float = 0.0
    #: What decided: "lexicon", "model", "typo", "place" or "" (nothing did).
    source: str = ""
    #: Signs found beside the intent (``_SIGN`` entries of the lexicons): "police", "better",
    #: "past"; and "where" (a "where" word).
    signals: frozenset[str] = frozenset()

    @property
    def place(self) -> Place | None:
        return self.places[0] if self.places else None

    @property
    def urgent(self) -> bool:
        """Must be answered even over the abuse limits: an opt-out or a possible emergency."""
        return (self.intent in (Intent.STOP, Intent.EMERGENCY)
                or self.emergency_score >= THRESHOLDS.maybe_emergency)

    def as_json(self) -> dict[str, object]:
        return {
            "intent": self.intent,
            "locale": str(self.locale),
            "place": self.place.as_json() if self.place else None,
        }


Result = Callable[..., Classification]


class Classifier:
    def __init__(
        self,
        lexicon: Lexicon | None = None,
        places: PlaceResolver | None = None,
        model: IntentModel | None = None,
        thresholds: Thresholds = THRESHOLDS,
    ) -> None:
        self.lexicon = lexicon or default_lexicon()
        self.places = places or default_resolver()
        self.model = model or default_model()
        self.thresholds = thresholds

    def classify(
        self,
        text: str,
        locale_hint: Locale | None = None,
        context: str = "",
        *,
        expecting_place: bool = False,
    ) -> Classification:
        """``context``: what the conversation is in (``CONTEXTS``), or "" for nothing.
        ``expecting_place``: the bot has just asked where (``Step.ASK_PLACE``, or which of
        several places): the message is read as a place on weaker evidence (``bot/places.py``)."""
        text = visible(text)  # before any limit: marks and fillers must not fill the head
        head, norm, entries, exact, places = _observe(
            text[:TEXT_LIMIT], self.lexicon, self.places, expecting_place
        )
        locale, certain = self._detect_locale(head, entries, exact, locale_hint)
        bars = self.thresholds
        names_only = bool(places) and _names_only(norm, places)  # asked up to three times below
        prediction = (self.model.predict(norm, cues(norm, entries, exact, places, context,
                                                    names_only=names_only))
                      if norm else None)
        emergency_score = prediction.intent_probability(Intent.EMERGENCY) if prediction else 0.0
        signals = _signals(entries)

        def result(intent: Intent, **extra: object) -> Classification:
            values: dict[str, object] = {
                "locale": locale, "locale_certain": certain, "emergency_score": emergency_score,
            }
            values.update(extra)
            wordy = prediction is not None and _wordy(intent, values, norm, entries, places)
            if not values["locale_certain"] and prediction is not None and wordy:
                # no keyword told the language: the model's language head (Latin script)
                english = prediction.english
                if english >= bars.language or english <= 1 - bars.language:
                    values["locale"] = Locale.EN if english >= 0.5 else Locale.KM
                    values["locale_certain"] = True
            if intent in TOPICS and "topic" not in values:
                values["topic"] = _topic(intent, entries, prediction, signals)
            if intent == Intent.LOCATION and "suggestion" not in values and not (
                names_only  # a name alone names no service
            ):
                # "niddle exchange phnom phen": the place, and the service it is for
                service, language = self._service_typo(norm)
                values["suggestion"] = service
                if service and language and not values["locale_certain"]:
                    values["locale"], values["locale_certain"] = Locale(language), True
            return Classification(intent=intent, places=places, signals=signals,  # type: ignore[arg-type]
                                  **values)

        keyword_emergency = any(e.intent == Intent.EMERGENCY for e in entries)
        defused = False
        if keyword_emergency and "past" in signals and emergency_score < bars.emergency:
            # "he overdosed last year, he is fine now": a story, as the model reads it; the
            # emergency words then count for no more than the model gives them
            entries = [e for e in entries if e.intent != Intent.EMERGENCY]
            defused = True
        elif keyword_emergency or (len(text) > TEXT_LIMIT and self._emergency_further(text)):
            return result(Intent.EMERGENCY, emergency_score=1.0, source="lexicon")
        if exact is not None:
            return self._global(exact, result, definite=exact.intent == Intent.STOP)
        if _NUMBER.match(norm):
            return result(Intent.MENU, number=int(norm), topic=Topic.MENU, source="lexicon")
        if emergency_score >= bars.emergency:
            return result(Intent.EMERGENCY, source="model")
        scores: Counter[str] = Counter()
        for entry in entries:
            if not _cue(entry.intent):
                scores[entry.intent] += entry.weight
        if any(e.intent == _WHERE_CUE for e in entries):  # "where ...?" asks for a place
            for intent in [i for i in scores if i in _FIND]:
                scores[intent] += 1
        keywords = (min(scores, key=lambda i: (-scores[i], _RANK.get(i, len(_RANK))))
                    if scores else None)
        if (keywords == Intent.FIND_CLINIC and _STOPPED_FOR.search(norm)
                and not _QUESTION.search(norm)):
            # "ខ្ញុំឈប់ប្រើយ៉ាម៉ាបាន ១ ខែហើយ!": stopped, for a month already, is good news
            return result(Intent.UNKNOWN, topic=Topic.PROGRESS, source="lexicon")
        if keywords == Intent.STOP:  # opt-outs are the lexicon's to decide
            definite = max(e.weight for e in entries if e.intent == Intent.STOP) >= DEFINITE_STOP
            return self._global(_entry_for(Intent.STOP, entries), result, definite=definite)
        if places and not scores and names_only:  # "mondol kiri": a place
            return result(Intent.LOCATION, source="place")
        model_intent, model_p = Intent.UNKNOWN, 0.0
        if prediction is not None:
            label, model_p = prediction.best_intent()
            model_intent = Intent(label)
        disagrees = keywords is None or prediction is None or (
            prediction.intent_probability(keywords) < bars.keywords_kept
        )
        if model_p >= bars.model and model_intent != keywords and disagrees:
            if model_intent == Intent.LOCATION or model_intent == Intent.UNKNOWN and places:
                if places:
                    return result(Intent.LOCATION, source="place")
            elif model_intent == Intent.SET_LANGUAGE:  # which language, only a keyword says
                if keywords is not None and keywords.startswith(Intent.SET_LANGUAGE):
                    return self._global(_entry_for(keywords, entries), result)
            elif model_intent == Intent.UNKNOWN and keywords is None:
                # nothing understood, as the model says: a misspelt keyword may still be
                # offered back ("mehtadnoe": did you mean methadone?)
                return self._near_miss(norm, result, bool(places), defused)
            elif model_intent != Intent.UNKNOWN:
                if model_intent == Intent.MENU and (number := _menu_choice(norm)) is not None:
                    return result(Intent.MENU, number=number, topic=Topic.MENU, source="model")
                return self._from_model(model_intent, result, prediction)
        if keywords is not None:
            if keywords == Intent.MENU and (number := _menu_choice(norm)) is not None:
                return result(Intent.MENU, number=number, topic=Topic.MENU, source="lexicon")
            return self._global(_entry_for(keywords, entries), result)
        return self._near_miss(norm, result, bool(places), defused)

    def _emergency_further(self, text: str) -> bool:
        """An emergency word past ``TEXT_LIMIT`` (the keyword automaton is linear)."""
        return self.lexicon.has_emergency(normalize(text[TEXT_LIMIT - 50 : EMERGENCY_SCAN_LIMIT]))

    def _global(self, entry: Entry, result: Result, definite: bool = False) -> Classification:
        """The classification a lexicon entry names: a control word (MORE, YES, NO), a
        language to switch to (``set_language:<locale>``), or an intent and its topic."""
        name, _, target = entry.intent.partition(":")
        if name == _MORE:  # control words: no topic of their own
            return result(Intent.UNKNOWN, more=True, topic=Topic.UNKNOWN, source="lexicon")
        if name == _YES:
            return result(Intent.UNKNOWN, affirmative=True, topic=Topic.UNKNOWN, source="lexicon")
        if name == _NO:
            return result(Intent.UNKNOWN, negative=True, topic=Topic.UNKNOWN, source="lexicon")
        intent = Intent(name)
        if intent == Intent.SET_LANGUAGE:
            language = Locale(target)
            return result(Intent.SET_LANGUAGE, language=language, locale=language,
                          locale_certain=True, source="lexicon")
        extra: dict[str, object] = {"source": "lexicon"}
        if entry.topic:
            extra["topic"] = Topic(entry.topic)
        if intent == Intent.STOP:
            extra["definite"] = definite and entry.topic in (NO_TOPIC, Topic.STOP)
        return result(intent, **extra)

    def _from_model(
        self, intent: Intent, result: Result, prediction: Prediction
    ) -> Classification:
        if intent == Intent.SET_LANGUAGE:  # which language, the model does not say (a
            return result(Intent.UNKNOWN, source="model")  # keyword does)
        extra: dict[str, object] = {"source": "model"}
        if intent in TOPICS:
            extra["topic"] = _model_topic(prediction, intent) or TOPICS[intent][0]
        return result(intent, **extra)

    def _service_typo(self, norm: str) -> tuple[str | None, str]:
        """A service named beside a place, by keyword or misspelt as ``_near_miss`` allows
        ("clinc", "niddle"): which one, and the language of its word ("" when it says none)."""
        found = [e for span in self.lexicon.find_spans(norm) for e in span.payloads
                 if e.intent in _FIND]
        found += [e for _, e in sorted(self._misspelt(norm), key=lambda c: c[0])
                  if e.intent in _FIND]
        return (found[0].intent, found[0].language or "") if found else (None, "")

    def _misspelt(self, norm: str) -> list[tuple[int, Entry]]:
        """Keyword entries within one typo of a Latin word of the message, or two of a word of
        six letters or more, with the distance."""
        candidates: list[tuple[int, Entry]] = []
        for word in norm.split(" "):
            if len(word) < 4 or not word.isascii() or not word.isalpha():
                continue
            if word in days.latin_words():  # "monday" is a day, not a misspelt "bondan"
                continue
            for phrase, distance, _ in process.extract(
                word, self.lexicon.latin_words, scorer=OSA.distance, score_cutoff=2, limit=5
            ):
                if distance == 2 and len(word) < 6:
                    continue
                candidates += [
                    (int(distance), entry)
                    for entry in self.lexicon.entries_for(phrase)
                    if not _cue(entry.intent)
                ]
        return candidates

    def _near_miss(
        self, norm: str, result: Result, has_place: bool, defused: bool = False
    ) -> Classification:
        """A misspelt keyword: one typo (or a swap of two letters) is corrected, two typos in a
        longer word are offered back as a suggestion. A near-miss of an emergency word wins
        over every other (never leave a possible emergency). A place alone means ``location``.
        A corrected STOP is never definite: the engine asks first."""
        candidates = self._misspelt(norm)
        if defused:  # the emergency words were read already, as a story of the past
            candidates = [(d, e) for d, e in candidates if e.intent != Intent.EMERGENCY]
        emergency = [d for d, e in candidates if e.intent == Intent.EMERGENCY]
        if emergency and (min(emergency) <= 1 or not has_place):
            return result(Intent.EMERGENCY, source="typo")
        if has_place:  # "Prey Veng" is a place, not a misspelt "eng"
            return result(Intent.LOCATION, source="place")
        candidates.sort(key=lambda c: (c[0], _RANK.get(c[1].intent, len(_RANK))))
        if candidates and candidates[0][0] <= 1:
            entry = candidates[0][1]
            corrected = self._global(entry, result)
            return result(corrected.intent, **{
                "language": corrected.language, "more": corrected.more,
                "affirmative": corrected.affirmative, "negative": corrected.negative,
                "source": "typo",
                **({"topic": corrected.topic} if corrected.topic else {}),
                # "stpo" reads as English once it is read as "stop"
                **({"locale": Locale(entry.language), "locale_certain": True}
                   if entry.language and corrected.intent != Intent.SET_LANGUAGE else {}),
            })
        if not candidates:
            return result(Intent.UNKNOWN)
        return result(Intent.UNKNOWN, suggestion=candidates[0][1].intent)

    def _detect_locale(
        self, raw: str, entries: list[Entry], exact: Entry | None, hint: Locale | None
    ) -> tuple[Locale, bool]:
        """Khmer script means Khmer; Latin text is English only if its words read as English."""
        if has_khmer(raw):
            return Locale.KM, True
        votes: Counter[str] = Counter(e.language for e in entries if not e.intent.startswith(_SIGN))
        if exact is not None and exact.language:
            votes[exact.language] += 2
        if votes["en"] > votes["km"]:
            return Locale.EN, True
        if votes["km"] > votes["en"]:
            return Locale.KM, True
        return hint or Locale.KM, False


def observe(
    text: str, lexicon: Lexicon, resolver: PlaceResolver, *, expecting_place: bool = False
) -> tuple[str, str, list[Entry], Entry | None, tuple[Place, ...]]:
    """What the matchers see in a message's first ``TEXT_LIMIT`` characters: that text, its
    normalised form, the keyword entries found in it, a whole-message keyword, the places
    (``expecting_place``: the message answers the bot's place question). Characters that show
    nothing are taken out before the text is cut (``visible``)."""
    return _observe(visible(text)[:TEXT_LIMIT], lexicon, resolver, expecting_place)


def _observe(
    head: str, lexicon: Lexicon, resolver: PlaceResolver, expecting_place: bool
) -> tuple[str, str, list[Entry], Entry | None, tuple[Place, ...]]:
    """``observe`` of a text already ``visible`` and cut (``visible`` of it changes nothing)."""
    norm = normalize(head)
    entries = [e for span in lexicon.find_spans(norm) for e in span.payloads]
    places = tuple(resolver.resolve(head, expecting=expecting_place)) if norm else ()
    return head, norm, entries, lexicon.exact_match(norm), places


def cues(
    norm: str,
    entries: list[Entry],
    exact: Entry | None,
    places: tuple[Place, ...],
    context: str = "",
    *,
    names_only: bool | None = None,
) -> dict[str, float]:
    """What the keyword lexicons and the place resolver found, as inputs of the model (it learns
    how far to trust each): keyword weight per intent and per topic, a whole-message keyword, a
    "where" word, whether a place is named and whether that is nearly all the message says; and
    what the conversation is in (``CONTEXTS``), which changes what a follow-up means.
    ``names_only``: ``_names_only(norm, places)`` if the caller has it already."""
    found: dict[str, float] = {}
    if context:
        found[f"ctx:{context}"] = 1.0
    for entry in entries:
        keys = [f"lex:{entry.intent}"]
        if entry.topic:
            keys.append(f"lex:{entry.intent}/{entry.topic}")
        for key in keys:
            found[key] = min(found.get(key, 0.0) + entry.weight / SETTLED, 2.0)
    if exact is not None:
        found[f"exact:{exact.intent}"] = 1.0
    if places:
        found["place"] = 1.0
        found[f"place:{places[0].level}"] = 0.5
        if _names_only(norm, places) if names_only is None else names_only:
            found["place:only"] = 1.0
    return found


def _entry_for(key: str, entries: list[Entry]) -> Entry:
    """The heaviest entry behind a winning score: its topic names the answer."""
    return max((e for e in entries if e.intent == key), key=lambda e: (e.weight, bool(e.topic)))


def _topic(
    intent: Intent,
    entries: list[Entry],
    prediction: Prediction | None,
    signals: frozenset[str] = frozenset(),
) -> Topic:
    """Which answer: a topic the keywords name, else the model's, else the intent's default.
    A relative who injects or uses heroin gets the answer about needles and methadone."""
    topic = _topic_read(intent, entries, prediction, signals)
    if topic in (Topic.BREATHING, Topic.PROGRESS) and "worse" in signals:
        # "he was breathing again, now he stopped": no good news (the first aid, in an emergency)
        return TOPICS[intent][0]
    return topic


def _topic_read(
    intent: Intent,
    entries: list[Entry],
    prediction: Prediction | None,
    signals: frozenset[str],
) -> Topic:
    """``_topic`` before the signs that overrule it."""
    named = [e for e in entries if e.intent == intent and e.topic]
    if named:
        return Topic(max(named, key=lambda e: e.weight).topic)
    if intent == Intent.FAMILY and "inject" in signals:
        return Topic.INJECTING
    if prediction is not None and prediction.intent_probability(intent) >= 0.2:
        topic = _model_topic(prediction, intent) or TOPICS[intent][0]
        default = TOPICS[intent][0]
        if intent == Intent.EMERGENCY and topic != default and (
            prediction.probability(f"{intent}/{topic}")
            < LEAD * prediction.probability(f"{intent}/{default}")
        ):
            return default  # "he took too much": the whole first aid, not one part of it
        return topic
    return TOPICS[intent][0]


def _model_topic(prediction: Prediction, intent: Intent) -> Topic | None:
    """The model's likeliest topic of ``intent``; None if it knows no topics for it."""
    label = prediction.best_topic(intent)
    return Topic(label) if label else None


def _names_only(norm: str, places: tuple[Place, ...]) -> bool:
    """Whether the message is little more than the name of its first place ("mondol kiri",
    "ខេត្តមណ្ឌលគិរី"): then it answers "where?", whatever else its letters resemble."""
    place = places[0]
    names = (_normal_name(place.name_km), _normal_name(place.name_en))
    bare = _LEVEL_WORDS.sub(" ", norm).strip()
    return any(fuzz.ratio(bare, name) >= PLACE_ONLY for name in names if name)


@lru_cache(maxsize=1024)
def _normal_name(name: str) -> str:
    """``normalize`` of a place's name (the gazetteer's, not a message's: kept for the next)."""
    return normalize(name)


def _wordy(
    intent: Intent,
    values: dict[str, object],
    norm: str,
    entries: list[Entry] = (),  # type: ignore[assignment]
    places: tuple[Place, ...] = (),
) -> bool:
    """Whether a message says something in words (not only a place, a number, MORE or YES),
    so that its language can be read from its letters. A message nothing understood needs
    three different words: "xxxx" or "qzxv wplk" say nothing about a language; nor do words
    both languages use ("clinic", "methadone") beside a place's name ("clinic battambang")."""
    words = set(_LATIN_WORD.findall(norm))
    if intent == Intent.UNKNOWN and len(words) < 3:
        return False
    shared = {w for e in entries if not e.language for w in e.phrase.split()}
    named = {w for p in places for w in _normal_name(p.name_en).split()}
    if words and not any(len(w) > 2 and w not in shared and w not in named for w in words):
        return False
    return intent != Intent.LOCATION and values.get("number") is None and not any(
        values.get(name) for name in ("more", "affirmative", "negative", "language")
    )


def _menu_choice(norm: str) -> int | None:
    """"choose 2", "ជ្រើស ២": a menu word with one lone digit."""
    numbers = _LONE_NUMBER.findall(norm)
    return int(numbers[0]) if len(numbers) == 1 else None


@lru_cache(maxsize=1)
def default_classifier() -> Classifier:
    return Classifier()
