"""The gettext catalogs: complete, in step with the code, placeholders intact, within SMS budget.

The Khmer catalog is the one most users read; an untranslated or fuzzy entry would silently fall
back to English, so it fails here instead.
"""

from __future__ import annotations

import csv
import gettext
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.intents import default_classifier
from bot.places import default_resolver
from bot.replies import Texts
from bot.segments import fits_sms
from bot.service_texts import SERVICE_KIND
from bot.turn import SERVICE_TYPES
from core.catalogs import LOCALES_DIR, catalog_paths, compile_catalog
from core.directory import ServiceInfo
from core.sms_length import segment_count
from core.vocabulary import Locale, ServiceType

ROOT = LOCALES_DIR.parent
POT = LOCALES_DIR / "messages.pot"
SAMPLE = ROOT / "data" / "sample_directory.csv"
#: Kinds listed together (exchange and drop-in), so each entry names its kind (bot.results).
MIXED_LIST = frozenset(t for kinds in SERVICE_TYPES.values() if len(kinds) > 1 for t in kinds)
PLACEHOLDER = re.compile(r"%\((\w+)\)")
SERVICE_TEMPLATE = "%(name)s\n%(address)s\nHours: %(hours)s\nTel: %(phone)s\n%(flags)s"


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def entries(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def translated(message: Message) -> str:
    """The text users see: the translation, or the msgid where English leaves it empty."""
    string = message.string[0] if isinstance(message.string, tuple) else message.string
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return string or msgid


@pytest.fixture(scope="module")
def km() -> Catalog:
    return load(catalog_paths(Locale.KM)[0], "km")


@pytest.fixture(scope="module")
def en() -> Catalog:
    return load(catalog_paths(Locale.EN)[0], "en")


@pytest.fixture(scope="module")
def pot() -> Catalog:
    return load(POT)


# --- completeness and consistency ---------------------------------------------------------------


@pytest.mark.parametrize("locale", [Locale.KM, Locale.EN])
def test_catalog_compiles(locale: Locale) -> None:
    data = compile_catalog(locale)
    translations = gettext.GNUTranslations(io.BytesIO(data))
    catalog = load(catalog_paths(locale)[0], str(locale))
    for message in entries(catalog):
        if message.string:
            assert translations.gettext(message.id) == message.string


@pytest.mark.parametrize("locale", [Locale.KM, Locale.EN])
def test_catalog_passes_babel_checks(locale: Locale) -> None:
    catalog = load(catalog_paths(locale)[0], str(locale))
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


def test_khmer_catalog_is_fully_translated(km: Catalog) -> None:
    untranslated = [m.id for m in entries(km) if not translated_string(m)]
    assert untranslated == [], f"{len(untranslated)} untranslated Khmer message(s)"


def test_khmer_catalog_has_no_fuzzy_entries(km: Catalog) -> None:
    assert [m.id for m in entries(km) if m.fuzzy] == []


def translated_string(message: Message) -> str:
    string = message.string
    if isinstance(string, tuple):
        return "" if not all(string) else string[0]
    return string


def test_khmer_is_khmer(km: Catalog) -> None:
    """A msgid pasted as its own translation is not a translation."""
    copied = [m.id for m in entries(km) if translated_string(m) and translated_string(m) == m.id
              and re.search("[A-Za-z]{3}", m.id)]
    assert copied == []


def test_catalogs_hold_the_same_messages_as_the_template(pot: Catalog, km: Catalog, en: Catalog) -> None:
    expected = {m.id for m in entries(pot)}
    assert expected, "the template is empty"
    assert {m.id for m in entries(km)} == expected
    assert {m.id for m in entries(en)} == expected


def test_template_matches_the_code(pot: Catalog) -> None:
    """``make extract`` would not change the set of messages (no string left out of the catalogs)."""
    with (LOCALES_DIR / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "_l": None}
    extracted = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT),
            method_map=method_map,
            options_map=options_map,
            keywords=keywords,
            comment_tags=("TRANSLATORS:",),
            directory_filter=lambda path: not Path(path).name.startswith((".", "__")),
        )
    }
    assert extracted == {m.id for m in entries(pot)}


@pytest.mark.parametrize("locale", [Locale.KM, Locale.EN])
def test_placeholders_survive_translation(locale: Locale) -> None:
    catalog = load(catalog_paths(locale)[0], str(locale))
    wrong = [
        (m.id, translated_string(m))
        for m in entries(catalog)
        if translated_string(m)
        and Counter(PLACEHOLDER.findall(m.id)) != Counter(PLACEHOLDER.findall(translated_string(m)))
    ]
    assert wrong == []


def test_translator_notes_reach_the_catalogs(pot: Catalog, km: Catalog) -> None:
    noted = {m.id for m in entries(pot) if any(c.startswith("TRANSLATORS:") for c in m.auto_comments)}
    assert SERVICE_TEMPLATE in noted
    for message in entries(km):
        if message.id in noted:
            assert any(c.startswith("TRANSLATORS:") for c in message.auto_comments), message.id


# --- SMS budget -------------------------------------------------------------------------------


def all_messages() -> list[tuple[str, str, str]]:
    cases = []
    for locale in (Locale.KM, Locale.EN):
        for message in entries(load(catalog_paths(locale)[0], str(locale))):
            if message.id != SERVICE_TEMPLATE:
                cases.append((str(locale), message.id, translated(message)))
    return cases


@pytest.mark.parametrize(
    ("locale", "msgid", "text"),
    all_messages(),
    ids=[f"{loc}:{msgid[:40]}" for loc, msgid, _ in all_messages()],
)
def test_every_message_fits_the_sms_budget(locale: str, msgid: str, text: str) -> None:
    assert fits_sms(text), f"{segment_count(text)} segments"


def longest_province_name(locale: Locale) -> str:
    resolver = default_resolver()
    names = [resolver.get(f"{code:02d}") for code in range(1, 26)]
    return max((p.name(str(locale)) for p in names if p is not None), key=len)


@pytest.mark.parametrize("locale", [Locale.KM, Locale.EN])
@pytest.mark.parametrize("intent", sorted(SERVICE_KIND))
def test_messages_with_placeholders_fit_with_real_values(locale: Locale, intent: str) -> None:
    texts = Texts(locale)
    place = longest_province_name(locale)
    for text in (
        texts.ask_place(intent),
        texts.results_heading(intent, place),
        texts.results_heading(intent, None),
        texts.none_within_reach(place, 50),
    ):
        assert fits_sms(text), (segment_count(text), text)
        assert "%(" not in text


def sample_services() -> list[ServiceInfo]:
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    services = []
    for number, row in enumerate(rows, start=1):
        service = ServiceInfo(
            id=number,
            service_type=ServiceType(row["service_type"]),
            name_km=row["name_km"],
            name_en=row["name_en"],
            address_km=row["address_km"],
            address_en=row["address_en"],
            province_code=row["province_code"],
            district_code=row["district_code"] or None,
            phone=row["phone"],
            opening_hours=row["opening_hours"],
            is_free=row["is_free"] == "yes",
            is_walk_in=row["is_walk_in"] == "yes",
            is_full=row["is_full"] == "yes",
            is_sample=True,
        )
        services.append(service)
    return services


@pytest.mark.parametrize("locale", [Locale.KM, Locale.EN])
@pytest.mark.parametrize("full", [False, True], ids=["as listed", "marked full"])
def test_service_entry_fits_with_realistic_values(locale: Locale, full: bool) -> None:
    """The service template, filled with every entry of the sample directory (realistic names,
    addresses and hours), as the results list shows it, and with fullness either way."""
    texts = Texts(locale)
    too_long = []
    for service in sample_services():
        if full:
            service = ServiceInfo(**{**_fields(service), "is_full": True})
        text = texts.service(service, show_type=service.service_type in MIXED_LIST)
        assert service.name(str(locale)) in text and service.phone in text
        if not fits_sms(text):
            too_long.append((segment_count(text), len(text.encode("utf-16-le")) // 2, service.name_en))
    assert too_long == []


def _fields(service: ServiceInfo) -> dict[str, object]:
    return {name: getattr(service, name) for name in ServiceInfo.__slots__}


# --- content the conversation relies on ----------------------------------------------------------


def test_khmer_menu_uses_khmer_digits() -> None:
    menu = Texts(Locale.KM).menu()
    starts = [line.strip()[:1] for line in menu.splitlines() if line.strip()]
    for digit in "១២៣៤៥៦":
        assert digit in starts, f"no menu line starts with {digit}"
    assert not any(start in "0123456789" for start in starts)


def test_khmer_questions_menu_uses_khmer_digits() -> None:
    menu = Texts(Locale.KM).faq_menu()
    starts = [line.strip()[:1] for line in menu.splitlines() if line.strip()]
    for digit in "០១២៣៤":
        assert digit in starts, f"no questions-menu line starts with {digit}"
    assert not any(start in "0123456789" for start in starts)


def test_english_menu_uses_latin_digits() -> None:
    starts = [line[:1] for line in Texts(Locale.EN).menu().splitlines()]
    for digit in "123456":
        assert digit in starts


@pytest.mark.parametrize("locale", [Locale.KM, Locale.EN])
def test_emergency_advice_says_119_and_never_police(locale: Locale) -> None:
    advice = "\n".join(Texts(locale).emergency())
    assert "119" in advice or "១១៩" in advice
    assert "police" not in advice.casefold() and "ប៉ូលីស" not in advice
    assert "117" not in advice and "១១៧" not in advice


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s=:,.;!?។៖\"“”'()]+", text) if w]


@pytest.mark.parametrize("locale", [Locale.KM, Locale.EN])
@pytest.mark.parametrize(
    ("message", "check"),
    [
        ("menu", lambda c: c.intent == "stop"),
        ("menu", lambda c: c.intent == "set_language"),
        ("more_hint", lambda c: c.more),
        ("more_hint", lambda c: c.intent == "menu"),
        ("still_not_understood", lambda c: c.intent == "menu"),
        ("faq_privacy", lambda c: c.intent == "stop"),
        ("confirm_stop", lambda c: c.intent == "stop" and c.definite),
        ("confirm_stop", lambda c: c.intent == "menu"),
        ("police_now", lambda c: c.intent == "stop" and c.definite),
        ("stopped_by_provider_word", lambda c: c.intent == "stop" and c.definite),
    ],
    ids=["menu names a stop word", "menu names a language word", "more hint names MORE",
         "more hint names MENU", "still-not-understood names MENU", "privacy promise names STOP",
         "are-you-sure names a definite DELETE", "are-you-sure names MENU",
         "police-are-here names a definite DELETE", "provider goodbye names STOP"],
)
def test_words_the_bot_asks_for_are_understood(locale: Locale, message: str, check: object) -> None:
    """A reply that says "reply X" must name an X the classifier understands."""
    text = getattr(Texts(locale), message)()
    text = text if isinstance(text, str) else "\n".join(text)
    classifier = default_classifier()
    assert any(check(classifier.classify(word)) for word in _words(text)), text  # type: ignore[operator]


def test_language_word_in_the_menu_switches_away_from_the_menu_language() -> None:
    classifier = default_classifier()
    for locale, other in ((Locale.KM, Locale.EN), (Locale.EN, Locale.KM)):
        words = _words(Texts(locale).menu())
        assert any(classifier.classify(w).language is other for w in words), locale
