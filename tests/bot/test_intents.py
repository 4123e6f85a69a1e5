"""Intent, place and locale classification of single messages."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.intents import INTENTS, TOPICS, Classifier, default_classifier
from bot.lexicon import LEXICON_DIR, default_lexicon, read_lexicon
from bot.model import LANGUAGE_COLUMN
from core.vocabulary import Intent, Locale, Topic


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return default_classifier()


@dataclass(frozen=True)
class Case:
    label: str
    text: str
    intent: str
    #: Expected province code of the first place, "" for "no place at all", None for "don't care".
    province: str | None = None
    number: int | None = None
    language: Locale | None = None
    more: bool = False


CASES = [
    # --- menu / greetings ---------------------------------------------------------------------
    Case("km menu word", "ម៉ឺនុយ", "menu", province=""),
    Case("km hello", "សួស្តី", "menu", province=""),
    Case("km help (also a village name)", "ជួយ", "menu", province=""),
    Case("romanised hello", "suosdei", "menu", province=""),
    Case("romanised help", "chuoy", "menu", province=""),
    Case("en menu", "MENU", "menu", province=""),
    Case("en hello is not a place", "hello", "menu", province=""),
    Case("en hi", "Hi!", "menu", province=""),
    Case("en help", "help", "menu", province=""),
    Case("telegram /start", "/start", "menu", province=""),
    # --- menu numbers ---------------------------------------------------------------------------
    Case("khmer digit one", "១", "menu", number=1, province=""),
    Case("khmer digit six", "៦", "menu", number=6),
    Case("latin digit", "3", "menu", number=3),
    Case("zero", "០", "menu", number=0),
    Case("digit with spaces", " 2 ", "menu", number=2),
    Case("two digits", "12", "menu", number=12),
    # --- find_clinic ----------------------------------------------------------------------------
    Case("km stop using yama is not stop", "ខ្ញុំចង់ឈប់ប្រើយ៉ាម៉ា", "find_clinic"),
    Case("km treatment", "ខ្ញុំចង់ព្យាបាល", "find_clinic"),
    Case("km clinic", "គ្លីនិកនៅឯណា", "find_clinic"),
    Case("romanised treatment", "chong pyabal", "find_clinic"),
    Case("en treatment", "Where can I get treatment?", "find_clinic"),
    Case("en stop using is not stop", "I want to stop using", "find_clinic"),
    Case("en rehab", "rehab clinic near me", "find_clinic"),
    # --- find_needle_exchange -------------------------------------------------------------------
    Case("en misspelt twice, read by the model", "neeedlle exchnge", "find_needle_exchange"),
    Case("km needle", "ខ្ញុំត្រូវការម្ជុលថ្មី", "find_needle_exchange"),
    Case("km syringe", "សឺរ៉ាំង", "find_needle_exchange"),
    Case("romanised needle", "mjul", "find_needle_exchange"),
    Case("en needles", "clean needles please", "find_needle_exchange"),
    Case("en drop-in", "drop-in centre", "find_needle_exchange"),
    # --- find_methadone -------------------------------------------------------------------------
    Case("km methadone", "មេតាដូន", "find_methadone"),
    Case("romanised methadone", "metadon", "find_methadone"),
    Case("en methadone", "methadone clinic", "find_methadone"),
    # --- faq_cost -------------------------------------------------------------------------------
    Case("km free", "ឥតគិតថ្លៃទេ?", "faq_cost"),
    Case("km how much money", "ប៉ុន្មានលុយ", "faq_cost"),
    Case("romanised free", "ot kit thlai te", "faq_cost"),
    Case("en free", "is it free", "faq_cost"),
    Case("en cost", "How much does it cost?", "faq_cost"),
    # --- faq_privacy ----------------------------------------------------------------------------
    Case("km police", "ប៉ូលីសដឹងទេ?", "faq_privacy"),
    Case("km arrest", "គេចាប់ខ្លួនខ្ញុំទេ", "faq_privacy"),
    Case("romanised police", "polis deng te", "faq_privacy"),
    Case("en police", "Will the police know?", "faq_privacy"),
    Case("en private", "is it private", "faq_privacy"),
    # --- faq_voluntary --------------------------------------------------------------------------
    Case("km voluntary", "ស្ម័គ្រចិត្តទេ?", "faq_voluntary"),
    Case("km forced", "គេបង្ខំខ្ញុំទេ", "faq_voluntary"),
    Case("romanised voluntary", "smak chet", "faq_voluntary"),
    Case("en voluntary", "is it voluntary", "faq_voluntary"),
    Case("en can I leave", "can I leave when I want", "faq_voluntary"),
    # --- faq_methadone --------------------------------------------------------------------------
    Case("km what is methadone", "តើមេតាដូនជាអ្វី?", "faq_methadone"),
    Case("en what is methadone (not find_methadone)", "What is methadone?", "faq_methadone"),
    Case("en missed dose", "I missed my dose", "faq_methadone"),
    # --- family ---------------------------------------------------------------------------------
    Case("km my child", "កូនខ្ញុំប្រើយ៉ាម៉ា", "family"),
    Case("km son", "កូនប្រុសខ្ញុំ", "family"),
    Case("romanised my child", "kon khnhom prae thnam", "family"),
    Case("en my son", "my son uses ice, what can I do", "family"),
    # --- emergency, which overrides everything -------------------------------------------------
    Case("km overdose", "គាត់ប្រើលើសកម្រិត", "emergency"),
    Case("km unconscious", "មិត្តខ្ញុំសន្លប់", "emergency"),
    Case("romanised unconscious", "sanlob", "emergency"),
    Case("en overdose beats methadone", "methadone overdose help", "emergency"),
    Case("en not breathing", "he is not breathing", "emergency"),
    Case("en emergency beats stop", "stop he is unconscious", "emergency"),
    Case("en emergency beats police", "police? she passed out", "emergency"),
    Case("km emergency beats police", "ប៉ូលីស សន្លប់", "emergency"),
    Case("emergency with a place", "overdose in Battambang", "emergency", province="02"),
    # --- stop -----------------------------------------------------------------------------------
    Case("km stop", "ឈប់", "stop"),
    Case("km stop with zero-width space", "\u200bឈប់\u200b", "stop"),
    Case("romanised stop", "chhob", "stop"),
    Case("en STOP", "STOP", "stop"),
    Case("en stop lower", "stop", "stop"),
    Case("en unsubscribe", "Unsubscribe", "stop"),
    Case("telegram /stop", "/stop", "stop"),
    # --- set_language ---------------------------------------------------------------------------
    Case("km khmer", "ខ្មែរ", "set_language", language=Locale.KM),
    Case("romanised khmer", "Khmer", "set_language", language=Locale.KM),
    Case("en english", "English", "set_language", language=Locale.EN),
    Case("en ENGLISH", "ENGLISH", "set_language", language=Locale.EN),
    Case("km english", "អង់គ្លេស", "set_language", language=Locale.EN),
    # --- location: the message only names a place ----------------------------------------------
    Case("romanised kompong som", "kompong som", "location", province="18"),
    Case("abbreviation SR", "SR", "location", province="17"),
    Case("km phnom penh", "ភ្នំពេញ", "location", province="12"),
    Case("km phnom penh with capital prefix", "រាជធានីភ្នំពេញ", "location", province="12"),
    Case("km province prefix", "ខេត្តសៀមរាប", "location", province="17"),
    Case("km prefix and zero-width space", "ខេត្ត\u200bសៀមរាប", "location", province="17"),
    Case("km coeng da spelling", "ឧត្ដរមានជ័យ", "location", province="22"),
    Case("km coeng ta spelling", "ឧត្តរមានជ័យ", "location", province="22"),
    Case("en battambang", "Battambang", "location", province="02"),
    Case("abbreviation BTB", "btb", "location", province="02"),
    Case("misspelt battambong", "Battambong", "location", province="02"),
    Case("kg folds to kampong", "Kg Cham", "location", province="03"),
    Case("sihanoukville", "Sihanoukville", "location", province="18"),
    Case("PP", "PP", "location", province="12"),
    Case("mondol kiri", "Mondol Kiri", "location", province="11"),
    Case("en sentence naming a place", "I am in Takeo", "location", province="21"),
    # --- a service and a place in one message --------------------------------------------------
    Case("en needle exchange with place", "needle exchange Battambang", "find_needle_exchange",
         province="02"),
    Case("en methadone with place", "I want methadone in Phnom Penh", "find_methadone", province="12"),
    Case("km treatment with place", "ព្យាបាលនៅសៀមរាប", "find_clinic", province="17"),
    # --- more -----------------------------------------------------------------------------------
    Case("en MORE", "MORE", "unknown", more=True),
    Case("km more", "បន្ថែម", "unknown", more=True),
    # --- unknown, and ordinary words that are not places ---------------------------------------
    Case("gibberish", "asdfgh", "unknown", province=""),
    Case("en in is not a place", "in", "unknown", province=""),
    Case("romanised chong is not a place", "chong", "unknown", province=""),
    Case("romanised bong is not a place", "bong", "unknown", province=""),
    Case("en ok", "ok", "unknown", province=""),
    Case("empty", "", "unknown", province=""),
    Case("only punctuation", "?!", "unknown", province=""),
]


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_classification(classifier: Classifier, case: Case) -> None:
    result = classifier.classify(case.text)
    assert result.intent == case.intent
    assert result.intent in INTENTS
    assert result.number == case.number
    assert result.language == case.language
    assert result.more is case.more
    if case.province == "":
        assert result.places == ()
    elif case.province is not None:
        assert result.place is not None
        assert result.place.province_code == case.province


def test_every_intent_is_covered() -> None:
    assert {c.intent for c in CASES} == set(INTENTS)


def test_every_intent_has_khmer_and_english_cases() -> None:
    khmer = {c.intent for c in CASES if any("\u1780" <= ch <= "\u17ff" for ch in c.text)}
    assert khmer >= set(INTENTS) - {"unknown"}


LOCALE_CASES = [
    # label, text, hint, locale, certain
    ("khmer script", "ខ្ញុំចង់ព្យាបាល", None, Locale.KM, True),
    ("khmer script beats an english hint", "ម្ជុល", Locale.EN, Locale.KM, True),
    ("khmer digit", "១", Locale.EN, Locale.KM, True),
    ("khmer place name", "ភ្នំពេញ", None, Locale.KM, True),
    ("plain english sentence", "Where can I find a clinic near me?", None, Locale.EN, True),
    ("english sentence beats a khmer hint", "is it free", Locale.KM, Locale.EN, True),
    ("english keyword alone", "syringes", None, Locale.EN, True),
    # a loanword romanised Khmer writes the same way tells no language: Khmer first
    ("a shared loanword alone", "methadone", None, Locale.KM, False),
    ("english stop", "STOP", None, Locale.EN, True),
    ("romanised khmer", "chong pyabal", None, Locale.KM, True),
    ("romanised khmer, english hint", "kon khnhom", Locale.EN, Locale.KM, True),
    ("latin digit says nothing", "1", None, Locale.KM, False),
    ("latin digit takes the hint", "1", Locale.EN, Locale.EN, False),
    ("latin place name says nothing", "Battambang", Locale.EN, Locale.EN, False),
]


@pytest.mark.parametrize(
    ("text", "hint", "locale", "certain"), [c[1:] for c in LOCALE_CASES], ids=[c[0] for c in LOCALE_CASES]
)
def test_locale_detection(
    classifier: Classifier, text: str, hint: Locale | None, locale: Locale, certain: bool
) -> None:
    result = classifier.classify(text, hint)
    assert result.locale is locale
    assert result.locale_certain is certain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "kompong som",
            {"intent": "location", "locale": "km", "place": {"level": "province", "code": "18"}},
        ),
        ("hello", {"intent": "menu", "locale": "en", "place": None}),
        ("ឈប់", {"intent": "stop", "locale": "km", "place": None}),
    ],
)
def test_as_json(classifier: Classifier, text: str, expected: dict[str, object]) -> None:
    assert classifier.classify(text).as_json() == expected


# --- safety: which answer (topic), and whether an opt-out is certain ------------------------

@dataclass(frozen=True)
class Safety:
    label: str
    text: str
    intent: str
    topic: str
    #: For stop: True when the bot may forget at once, False when it must ask first.
    definite: bool | None = None
    #: What the conversation is in (``bot.intents.CONTEXTS``).
    context: str = ""


SAFETY_CASES = [
    Safety("en overdose in plain words", "he wont wake up and his lips are going blue",
           "emergency", "overdose"),
    Safety("km not breathing", "គាត់មិនដកដង្ហើម", "emergency", "overdose"),
    Safety("en took too much", "my friend took too much and is snoring weird", "emergency",
           "overdose"),
    Safety("en crisis", "i want to kill myself", "emergency", "crisis"),
    Safety("km crisis", "ខ្ញុំចង់សម្លាប់ខ្លួន", "emergency", "crisis"),
    Safety("en cpr", "how do i do cpr", "emergency", "first_aid"),
    Safety("en naloxone", "where can i get naloxone", "emergency", "naloxone"),
    Safety("en are you police", "are you the police?", "faq_privacy", "police"),
    Safety("km are you police", "អ្នកជាប៉ូលីសមែនទេ", "faq_privacy", "police"),
    Safety("en police are here", "the police are outside my house now", "faq_privacy",
           "police_now"),
    Safety("en is it safe now", "is it safe to go to the clinic this week with the crackdown",
           "faq_privacy", "safe_now"),
    Safety("en what do you store", "what do you store about me", "faq_privacy", "data"),
    Safety("en my number", "do you keep my phone number", "faq_privacy", "number"),
    Safety("en should i delete", "should I delete the sms?", "faq_privacy", "delete"),
    Safety("km should i delete", "ខ្ញុំគួរលុបសារទេ?", "faq_privacy", "delete"),
    Safety("en id card", "do I need my ID card", "faq_privacy", "papers"),
    Safety("en bad batch", "is there a bad batch going around this week?", "faq_privacy",
           "news"),
    Safety("km any news", "សប្តាហ៍នេះមានព័ត៌មានថ្មីទេបង", "faq_privacy", "news"),
    Safety("romanised any news", "bong, thngai nis mean pordamean thmei ot", "faq_privacy", "news"),
    Safety("en any news", "hey any news about the drop in?", "faq_privacy", "news"),
    Safety("en book before", "must I book before I go?", "faq_voluntary", "booking"),
    Safety("en a friend along", "can my friend come with me", "faq_voluntary", "companion"),
    Safety("en the hospital", "is the hospital better?", "faq_voluntary", "hospital"),
    Safety("en cravings every evening", "the urge comes back every evening", "find_clinic",
           "cravings"),
    Safety("en clean is good news", "been clean for 2 weeks!!", "unknown", "progress"),
    Safety("en a past overdose is no alarm", "my friend overdosed last year but he is fine now",
           "unknown", ""),
    Safety("en thanks", "thank you", "unknown", "thanks"),
    Safety("km thanks", "អរគុណបង", "unknown", "thanks"),
    Safety("en afraid", "I feel so scared", "unknown", "afraid"),
    Safety("en a fit", "his body keeps jerking", "emergency", "seizure"),
    Safety("km a fit", "គាត់ប្រកាច់", "emergency", "seizure"),
    Safety("en overheating", "he is burning up after yama, sweating a lot", "emergency", "heat"),
    Safety("en chest pain", "chest pain after ice", "emergency", "chest_pain"),
    Safety("en seeing things", "he has not slept for 4 days and is seeing things",
           "emergency", "psychosis"),
    Safety("en breathing again", "ok he breathes now", "emergency", "breathing",
           context="emergency"),
    Safety("en police with the ambulance", "if I call 119 the police come with them",
           "emergency", "ambulance", context="emergency"),
    Safety("en and then", "what do I do now", "emergency", "first_aid", context="emergency"),
    Safety("en alone in a crisis", "no one can do anything for me", "emergency", "crisis",
           context="crisis"),
    Safety("en their number", "what's their number?", "menu", "phone", context="results"),
    Safety("en the first one", "the first one", "menu", "details", context="results"),
    Safety("en the weekend", "are they open at the weekend?", "menu", "open_now",
           context="results"),
    Safety("en locked in a centre", "will they lock me in a rehab centre", "faq_voluntary",
           "centre"),
    Safety("en can i leave", "can i leave the clinic whenever i want", "faq_voluntary",
           "voluntary"),
    Safety("en menu", "menu", "menu", "menu"),
    Safety("en a real person", "can i talk to a real person", "menu", "human"),
    Safety("km a real person", "ខ្ញុំចង់និយាយជាមួយមនុស្ស", "menu", "human"),
    Safety("en STOP is definite", "STOP", "stop", "stop", definite=True),
    Safety("km stop is definite", "ឈប់", "stop", "stop", definite=True),
    Safety("en delete my data", "please delete my data", "stop", "stop", definite=True),
    Safety("en DELETE", "DELETE", "stop", "stop", definite=True),
    Safety("km delete", "លុប", "stop", "stop", definite=True),
    Safety("en leave me alone asks first", "leave me alone", "stop", "unsure", definite=False),
    Safety("misspelt stop asks first", "stpo", "stop", "", definite=False),
    Safety("en back on methadone", "I stopped methadone 2 months ago, can I go back?",
           "faq_methadone", "restart"),
    Safety("en taken back", "will they take me back if I dropped out?", "faq_methadone",
           "restart"),
    Safety("km taken back", "ខ្ញុំឈប់មេតាដូនបីខែហើយ គេទទួលខ្ញុំវិញទេ", "faq_methadone",
           "restart"),
    Safety("en methadone for yama", "can I get methadone if I use yama?", "faq_methadone",
           "stimulants"),
    Safety("en what is methadone", "what is methadone", "faq_methadone", "methadone"),
    Safety("en son injects", "my son injects heroin, what can i do", "family", "injecting"),
    Safety("km son injects", "កូនប្រុសខ្ញុំចាក់ហេរ៉ូអ៊ីន ខ្ញុំគួរធ្វើអ្វី", "family", "injecting"),
    Safety("en family talk", "how do i talk to my daughter about her drug use", "family",
           "family"),
    Safety("en are they open", "are they open now?", "menu", "open_now"),
    Safety("km are they open", "បើកឥឡូវទេ", "menu", "open_now"),
    Safety("en i don't know is no alarm", "I don't know", "unknown", "unknown"),
    Safety("en quit yama is treatment", "how do i quit yama", "find_clinic", "clinic"),
    Safety("en worry is not an emergency", "my son uses ice every night and i am so worried, "
           "how can i help him", "family", ""),
]


@pytest.mark.parametrize("case", SAFETY_CASES, ids=[c.label for c in SAFETY_CASES])
def test_safety_readings(classifier: Classifier, case: Safety) -> None:
    result = classifier.classify(case.text, context=case.context)
    assert result.intent == case.intent
    if case.topic:
        assert result.topic == case.topic
    if case.definite is not None:
        assert result.definite is case.definite


def test_every_topic_has_a_safety_case() -> None:
    covered = {(c.intent, c.topic) for c in SAFETY_CASES}
    for intent, topics in TOPICS.items():
        assert {(intent, t) for t in topics} <= covered, intent


def test_every_lexicon_entry_names_a_known_intent_and_topic() -> None:
    lexicon = default_lexicon()
    entries = list(lexicon.exact.values())
    for path in sorted(LEXICON_DIR.glob("*.tsv")):
        for number, intent, _match, _phrase, _weight in read_lexicon(path):
            name, _, topic = intent.partition("/")
            name = name.partition(":")[0]
            where = f"{path.name}:{number}"
            assert name in INTENTS or name in ("lang", "where", "more", "yes", "no", "sign"), where
            if topic:
                assert topic in TOPICS.get(name, ()), where
    assert entries


def test_the_vocabulary_names_every_intent_and_topic_the_engine_produces(
    classifier: Classifier,
) -> None:
    """``Intent`` and ``Topic`` (core.vocabulary) are exactly what the classifier, its lexicons
    and its model can say; each topic belongs to one intent."""
    topics = [t for of_intent in TOPICS.values() for t in of_intent]
    assert sorted(topics) == sorted(Topic) and len(set(topics)) == len(topics)
    assert all(type(i) is Intent for i in TOPICS) and all(type(t) is Topic for t in topics)
    labels = [label for label in classifier.model.labels if label != LANGUAGE_COLUMN]
    for label in labels:
        name, _, topic = label.partition("/")
        assert name in INTENTS, label
        if topic:
            assert topic in TOPICS[Intent(name)], label
    model_intents = {label.partition("/")[0] for label in labels}
    assert model_intents == set(Intent), "the model is trained on every intent, no other"


def test_classifications_hold_the_vocabularys_members(classifier: Classifier) -> None:
    for case in CASES:
        result = classifier.classify(case.text)
        assert type(result.intent) is Intent, case.label
        assert type(result.topic) is Topic or result.topic == "", case.label


# --- hostile input: bounded work, and emergencies still found --------------------------------

def test_a_huge_message_is_classified(classifier: Classifier) -> None:
    result = classifier.classify("Battambang Siem Reap Takeo Kampot " * 2000)  # 68 KB
    assert result.intent in INTENTS
    assert len(result.places) <= 3


def test_an_emergency_word_late_in_a_long_message_is_found(classifier: Classifier) -> None:
    filler = "blah " * 700  # 3,500 characters: beyond what the model and places read
    assert classifier.classify(filler + "he is not breathing").intent == "emergency"
    assert classifier.classify(filler + "thanks").intent != "emergency"


def test_a_message_of_many_place_names_is_capped() -> None:
    from bot.places import MAX_MENTIONS, default_resolver

    resolver = default_resolver()
    assert MAX_MENTIONS <= 32
    assert len(resolver.resolve("ភ្នំពេញ " * 5000)) >= 1
    assert len(resolver.resolve("kampot takeo kep pursat " * 3000)) <= 3


# --- invisible padding (audit N16) ------------------------------------------------------------
# Characters that show nothing must count for nothing: hundreds of right-to-left marks before a
# message filled the first TEXT_LIMIT characters, so the model read only marks and an emergency
# that only the model recognises became "unknown".

RLM = "\u200f"
#: An emergency no keyword names (the model's to read), checked as such below.
MODEL_EMERGENCY = "she fell down and is not moving"
FILLERS = {
    "right-to-left marks": RLM * 500,
    "zero-width spaces": "\u200b" * 500,
    "mixed format characters": "\u200e\u202b\u2066\u2069\u2060\ufeff\u00ad\U000e0041" * 100,
    "fillers that are not format characters": "\u3164\u115f\u034f\ufe0f\u2800\u17b4" * 100,
    "white space": " \u200b\n\t" * 200,
}


def test_the_padded_emergency_is_one_only_the_model_reads(classifier: Classifier) -> None:
    result = classifier.classify(MODEL_EMERGENCY)
    assert result.intent == "emergency" and result.source == "model"


@pytest.mark.parametrize("filler", list(FILLERS.values()), ids=list(FILLERS))
def test_invisible_padding_does_not_hide_an_emergency_from_the_model(
    classifier: Classifier, filler: str
) -> None:
    result = classifier.classify(filler + MODEL_EMERGENCY)
    assert result.intent == "emergency"


@pytest.mark.parametrize("text", [f"he took an overd{RLM}ose", f"មិនដក{RLM}\u2066ដង្ហើម"])
def test_marks_inside_words_do_not_hide_an_emergency_word(
    classifier: Classifier, text: str
) -> None:
    """The keyword itself is found (the lexicon settles an emergency; the model only may)."""
    result = classifier.classify(text)
    assert result.intent == "emergency" and result.source == "lexicon"


def test_invisible_padding_does_not_push_an_emergency_word_past_the_scan(
    classifier: Classifier,
) -> None:
    """The keyword scan looks 4,096 characters far: marks do not count towards them."""
    assert classifier.classify(RLM * 5000 + "overdose").intent == "emergency"


@pytest.mark.parametrize("filler", list(FILLERS.values()), ids=list(FILLERS))
def test_invisible_padding_does_not_hide_a_place(classifier: Classifier, filler: str) -> None:
    result = classifier.classify(filler + "methadone in battambang")
    assert result.intent == "find_methadone"
    assert [p.province_code for p in result.places][:1] == ["02"]


def test_marks_inside_a_place_name_are_ignored() -> None:
    from bot.places import default_resolver

    places = default_resolver().resolve(f"methadone in Bat{RLM}tam\u2066bang")
    assert [p.province_code for p in places][:1] == ["02"]
    places = default_resolver().resolve(f"ខេត្ត{RLM}បាត់{RLM * 3}ដំបង")
    assert [p.province_code for p in places][:1] == ["02"]
