"""Place resolution over the whole gazetteer (administrative levels, the
place-name variants people type, and ordinary words that are also gazetteer names)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.gazetteer import PLACES_DIR, Gazetteer
from bot.placenames import latin_key
from bot.places import MAX_CHOICES, GazetteerResolver, Place, default_resolver
from bot.spans import SpanMatcher

ZWSP = "\u200b"


@pytest.fixture(scope="module")
def resolver() -> GazetteerResolver:
    return default_resolver()


@dataclass(frozen=True)
class Case:
    label: str
    text: str
    #: Codes expected, best first: () for "no place"; one code for a clear reading; several when
    #: the bot should ask the user to choose.
    codes: tuple[str, ...]


def resolved(resolver: GazetteerResolver, text: str) -> tuple[str, ...]:
    return tuple(place.code for place in resolver.resolve(text))


LEVELS_AND_SCRIPTS = [
    Case("province, latin", "battambang", ("02",)),
    Case("province, khmer", "បាត់ដំបង", ("02",)),
    Case("province inside a latin sentence", "is there methadone in kampot?", ("07",)),
    Case("province inside a khmer sentence", "ខ្ញុំនៅកំពង់ចាម", ("03",)),
    Case("province in a mixed sentence", "methadone នៅភ្នំពេញ", ("12",)),
    Case("district, latin", "tuol kouk", ("1204",)),
    Case("district, khmer", "ទួលគោក", ("1204",)),
    Case("district of a province", "Chhuk, Kampot", ("0703",)),
    Case("commune, latin, with its district", "prek ta mak, khsach kandal", ("080310",)),
    Case("commune, khmer, with its district", "ឃុំព្រែកតាមាក់ ស្រុកខ្សាច់កណ្ដាល", ("080310",)),
    Case("village, latin, with its commune", "phum 2 sangkat boeng salang", ("12041002",)),
    Case("village, khmer, with its commune", "ភូមិ ២ សង្កាត់បឹងសាឡាង", ("12041002",)),
    Case("long distinctive commune name alone", "Phnom Penh Thmei", ("120801",)),
    Case("one-name message of a commune", "kaoh dach", ("121101",)),
]

PREFIX_WORDS = [
    Case("ខេត្ត: the province", "ខេត្តកំពត", ("07",)),
    Case("ក្រុង: the town, not the province", "ក្រុងកំពត", ("0708",)),
    Case("ក្រុង of the capital is the capital", "ក្រុងភ្នំពេញ", ("12",)),
    Case("ក្រុងព្រះសីហនុ is the town", "ក្រុងព្រះសីហនុ", ("1801",)),
    Case("ខេត្តព្រះសីហនុ is the province", "ខេត្តព្រះសីហនុ", ("18",)),
    Case("khet", "khet kampot", ("07",)),
    Case("srok", "srok kampot", ("0708",)),
    Case("khan", "khan chamkar mon", ("1201",)),
    Case("krong", "krong siem reap", ("1710",)),
    Case("sangkat", "sangkat koh dach", ("121101",)),
    Case("ស្រុក", "ស្រុកឈូក", ("0703",)),
    Case("ខណ្ឌ", "ខណ្ឌសែនសុខ", ("1208",)),
    Case("សង្កាត់", "សង្កាត់ទន្លេបាសាក់", ("120101",)),
    Case("english level word after the name", "Kampot province", ("07",)),
    Case("'town' after the name", "siem reap town", ("1710",)),
    Case("a level word the name has no unit of is ignored", "khum in", ()),
]

VARIANTS = [
    Case("Kg", "Kg Chhnang", ("04",)),
    Case("Kompong", "kompong speu", ("05",)),
    Case("Kampong run together", "kampongspeu", ("05",)),
    Case("Siemreap in one word", "Siemreap", ("17",)),
    Case("SR", "im in SR", ("17",)),
    Case("PP", "methadone PP", ("12",)),
    Case("PNH", "PNH", ("12",)),
    Case("BTB", "BTB", ("02",)),
    Case("BMC", "BMC", ("01",)),
    Case("KPS", "KPS", ("18",)),
    Case("Kompong Som", "kompong som", ("18",)),
    Case("Phnom Penh run together", "phnompenh", ("12",)),
    Case("Toul = Tuol, Kork = Kouk", "tuol kork", ("1204",)),
    Case("vowel spellings (ae/e, ey/ei)", "bantey mean chey", ("01",)),
    Case("Reap = Reab", "siem reab", ("17",)),
    Case("apart or together: Chakto Mukh", "chaktomuk", ("120207",)),
    Case("a number as a digit", "psar thmei 2", ("120202",)),
    Case("a number in khmer digits", "ផ្សារថ្មីទី៣", ("120203",)),
    Case("a lekh number with its province", "sangkat 1 sihanoukville", ("180101",)),
]

ALIASES = [
    Case("Toul Kork", "methadone in toul kork", ("1204",)),
    Case("Sen Sok", "sen sok", ("1208",)),
    Case("Takhmao", "takhmao", ("0811",)),
    Case("Poipet", "poipet", ("0110",)),
    Case("Sisophon", "sisophon", ("0106",)),
    Case("Banlung", "banlung", ("1602",)),
    Case("BKK1", "BKK1", ("121301",)),
    Case("Olympic", "sangkat olympic", ("121304",)),
]

PARENTS_AND_LARGER_UNITS = [
    Case("a name of two levels means the larger", "Battambang", ("02",)),
    Case("...in khmer too", "កំពង់ចាម", ("03",)),
    Case("a district named alone", "Baray", ("0601",)),
    Case("a child beside its parent is the child", "baray takeo", ("210801",)),
    Case("the parent after a comma", "Baray, Takeo", ("210801",)),
    Case("a province settles a commune name", "kampong cham commune, kratie", ("100402",)),
    Case("a district settles a commune name", "teuk thla sen sok", ("120802",)),
    Case("a province settles a district name", "samraong oddar meanchey", ("2204",)),
    Case("village, commune and district", "ភូមិទឹកថ្លា សង្កាត់ទឹកថ្លា ខណ្ឌសែនសុខ", ("12080209",)),
    Case("a long name is one place, not a name and a parent", "Prasat Sambour", ("0605",)),
]

TRAPS = [
    Case("english 'in'", "in", ()),
    Case("english 'khmer'", "khmer", ()),
    Case("khmer ខ្មែរ", "ខ្មែរ", ()),
    Case("khmer ជួយ (help)", "ជួយ", ()),
    Case("khmer ចង់ (want)", "ចង់", ()),
    Case("khmer ផ្សារ (market)", "ផ្សារ", ()),
    Case("near a market is not a commune", "ខ្ញុំនៅជិតផ្សារ", ()),
    Case("romanised chong", "chong", ()),
    Case("romanised thnam", "thnam", ()),
    Case("romanised bong", "bong", ()),
    Case("romanised chob", "chob", ()),
    Case("greeting", "hello", ()),
    Case("khmer greeting", "សួស្តីបង", ()),
    Case("question without a place", "what is methadone?", ()),
    Case("khmer question without a place", "ផឹកស្រាពេលប្រើមេតាដូនបានទេ", ()),
    Case("sentence of trap words", "knhom chong chob", ()),
    Case("ordinary words that spell a district", "ot chong pre tiet", ()),
    Case("ordinary words that spell a commune", "my boss will know", ()),
    Case("an english word like a province", "keep going", ()),
    Case("a short word inside khmer text is not a village", "ត្រូវការការព្យាបាលនៅសៀមរាប", ("17",)),
    Case("a trap word with its level word and parent", "ភូមិជួយ ស្រុកតាវែង", ("16080103",)),
    Case("'in' with phum and khum", "phum in, khum ta lav", ("16010402",)),
    Case("a number alone is no place", "2", ()),
]

AMBIGUOUS = [
    Case("two places named", "from battambang to kampot", ("02", "07")),
    Case("abbreviations of two places", "btb or sr", ("02", "17")),
    Case("a commune of two provinces", "ឃុំកំពង់ចាម", ("030502", "100402")),
    Case("a district name in two provinces", "Samraong", ("2107", "2204")),
    Case("the numbered communes of one name", "psar thmei", ("120201", "120202", "120203")),
    # four communes, and villages in eight provinces: a village among the choices, so that the
    # engine asks the province (a commune is most often named after a village in it)
    Case("a commune name of four provinces, and of villages in eight", "Tuek Thla",
         ("120802", "010608", "141311", "180212", "12051203")),
]

KHMER_INPUT = [
    Case("zero-width space inside a name", f"ភ្នំ{ZWSP}ពេញ", ("12",)),
    Case("zero-width spaces between words", f"ស្រុក{ZWSP}មោង{ZWSP}ឫស្សី", ("0206",)),
    Case("stray space inside a name", "ភ្នំ ពេញ", ("12",)),
    Case("្ដ as in the gazetteer", "ឧត្ដរមានជ័យ", ("22",)),
    Case("្ត typed instead", "ឧត្តរមានជ័យ", ("22",)),
    Case("្ដ in a district", "ស្រុកអណ្ដូងមាស", ("1601",)),
    Case("្ត in a district", "ស្រុកអណ្តូងមាស", ("1601",)),
    Case("khmer digits in a village", "ភូមិ១ សង្កាត់លេខ៤ ក្រុងព្រះសីហនុ", ("18010401",)),
]

FUZZY = [
    Case("misspelt province", "batdambang", ("02",)),
    Case("misspelt province in a sentence", "any methadone in kampott", ("07",)),
    Case("vowel typo", "kampung chhnang", ("04",)),
    Case("letters swapped", "shianoukville", ("18",)),
    Case("province over a lone village of the same spelling", "prey veang", ("14",)),
    Case("fuzzy does not fire on service words", "methadone treatment", ()),
    Case("fuzzy needs the first letter", "travelling to bangkok", ()),
]


@pytest.mark.parametrize(
    "case",
    LEVELS_AND_SCRIPTS + PREFIX_WORDS + VARIANTS + ALIASES + PARENTS_AND_LARGER_UNITS + TRAPS
    + AMBIGUOUS + KHMER_INPUT + FUZZY,
    ids=lambda c: c.label,
)
def test_resolve(resolver: GazetteerResolver, case: Case) -> None:
    assert resolved(resolver, case.text) == case.codes


def test_a_crowded_name_offers_at_most_five_choices(resolver: GazetteerResolver) -> None:
    places = resolver.resolve("ភូមិ ២")  # about 80 villages are called "Phum 2"
    assert len(places) == MAX_CHOICES
    assert {p.level for p in places} == {"village"}


def test_places_carry_level_names_and_parents(resolver: GazetteerResolver) -> None:
    place = resolver.resolve("ភូមិ ២ សង្កាត់បឹងសាឡាង")[0]
    assert place == Place("village", "12041002", "ភូមិ ២", "Phum Pir")
    assert (place.province_code, place.district_code) == ("12", "1204")
    assert place.name("km") == "ភូមិ ២" and place.name("en") == "Phum Pir"
    assert place.as_json() == {"level": "village", "code": "12041002"}


@pytest.mark.parametrize(
    "code, level, name_en",
    [
        ("12", "province", "Phnom Penh"),
        ("1204", "district", "Tuol Kouk"),
        ("120404", "commune", "Tuek L'ak Ti Muoy"),
        ("12091306", "village", None),  # a village of commune 120913, which has no commune row
    ],
)
def test_get_every_level(
    resolver: GazetteerResolver, code: str, level: str, name_en: str | None
) -> None:
    place = resolver.get(code)
    assert place is not None and place.code == code and place.level == level
    if name_en is not None:
        assert place.name_en == name_en


def test_get_unknown_code(resolver: GazetteerResolver) -> None:
    assert resolver.get("99") is None
    assert resolver.get("") is None
    # found by binary search among the codes in order: the neighbours of real codes are not
    for code in ("0", "000", "01020", "0102010", "010201011", "25999999", "~"):
        assert resolver.get(code) is None, code
    assert resolver.get("01") is not None and resolver.get("25") is not None


def test_whole_gazetteer_is_loaded(resolver: GazetteerResolver) -> None:
    gazetteer = resolver._gaz  # noqa: SLF001 - a white-box count
    counts = {level: 0 for level in range(4)}
    for level in gazetteer.levels:
        counts[level] += 1
    assert counts[0] == 25 and counts[1] > 200 and counts[2] > 1600 and counts[3] > 14000


def test_default_resolver_is_built_once() -> None:
    assert default_resolver() is default_resolver()


def test_empty_and_symbol_messages(resolver: GazetteerResolver) -> None:
    for text in ("", "   ", "?!", "😀", ZWSP):
        assert resolver.resolve(text) == []


@pytest.mark.parametrize(
    "variants",
    [
        ("Tuol Kouk", "toul kork", "tuol kok"),
        ("Saen Sokh", "sen sok"),
        ("Boeng Trabaek", "boeung trabek"),
        ("Paoy Paet", "poipet"),
        ("Preah Vihear", "preah vihar"),
        ("Chaom Chau", "chom chao"),
    ],
)
def test_spelling_key_merges_romanisations(variants: tuple[str, ...]) -> None:
    folder = default_resolver()._gaz.folder  # noqa: SLF001
    assert len({folder.form(v).text for v in variants}) == 1


def test_spelling_key_keeps_distinct_names_apart() -> None:
    assert latin_key("kampong") != latin_key("kampot")
    assert latin_key("kep") != latin_key("kap")


def test_spans_never_split_a_number() -> None:
    matcher = SpanMatcher([("2", "two"), ("ផ្សារ2", "market two")])
    assert [s.payloads for s in matcher.find_all("25")] == []
    assert [s.payloads for s in matcher.find_all("ផ្សារ25")] == []
    assert [s.payloads for s in matcher.find_all("ផ្សារ2")] == [("market two",), ("two",)]


def test_spans_on_given_word_boundaries() -> None:
    matcher = SpanMatcher([("tolkok", 1)])
    assert matcher.find_all("tolkok", boundaries={0, 3, 6}) != []
    assert matcher.find_all("xtolkok", boundaries={0, 1, 7}) != []
    assert matcher.find_all("xtolkok", boundaries={0, 7}) == []


def _data_dir(tmp_path: Path, aliases: str) -> Path:
    for name in ("folds.tsv", "common_words.txt"):
        (tmp_path / name).write_text((PLACES_DIR / name).read_text("utf-8"), "utf-8")
    (tmp_path / "aliases.tsv").write_text(aliases, encoding="utf-8")
    return tmp_path


def test_aliases_are_data(tmp_path: Path) -> None:
    """The files of locales/places/ are the only configuration: an alias added there is found."""
    resolver = GazetteerResolver(Gazetteer(_data_dir(tmp_path, "0703\tpepper coast\n"), tmp_path))
    assert resolver.resolve("pepper coast") == [resolver.get("0703")]
    assert default_resolver().resolve("pepper coast") == []


def test_an_alias_of_an_unknown_code_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="9999"):
        Gazetteer(_data_dir(tmp_path, "9999\tnowhere\n"))


def test_exact_accuracy_on_the_labelled_places() -> None:
    """At least 90% of tests/data/places.tsv resolve to exactly the labelled code."""
    from tests.evaluation import evaluate_places

    report = evaluate_places()
    assert report.total >= 300
    assert report.exact_accuracy >= 0.90, report.errors


# --- names many places share ------------------------------------------------------------------

#: Communes called Prasat (in six provinces), then one of the 38 villages of that name.
PRASATS = ("010404", "060707", "081006", "140309", "12140406")


@pytest.mark.parametrize(("text", "codes"), [
    ("Prasat", PRASATS),  # the whole message: a choice
    ("clinic in Prasat", PRASATS),  # after "in" at the end: a choice too
    ("needles at prasat?", PRASATS),
    ("clinic in Prasat please", PRASATS),  # English "in" before a bare word: a name
    ("ខ្ញុំនៅប្រាសាទ", ("010404", "060707", "081006", "140309", "12140406")),  # នៅ at the end
    ("methadone prasat", ()),  # inside a sentence, without a word that says where: "temple"
    ("I live near the temple", ()),
    ("methadone in siem reap", ("17",)),  # a clear place is read as before
])
def test_a_shared_name_after_where_words_is_offered(
    resolver: GazetteerResolver, text: str, codes: tuple[str, ...]
) -> None:
    assert resolved(resolver, text) == codes


def test_namesakes_are_every_unit_of_that_level_and_name(resolver: GazetteerResolver) -> None:
    prasat = resolver.resolve("Prasat")[0]
    namesakes = resolver.namesakes(prasat)
    assert prasat in namesakes
    assert {p.level for p in namesakes} == {"commune"}
    assert {p.name_en for p in namesakes} == {"Prasat"}
    assert len({p.province_code for p in namesakes}) == 6 > MAX_CHOICES
    assert resolver.namesakes(Place("province", "99", "", "")) == []


# --- a place needs evidence ---------------------------------------------------------------------
# Everyday words (English, romanised Khmer, Khmer) that are also the names of villages, communes
# or districts somewhere, in messages that name no place: none of them is read as one.

ORDINARY_WORDS = [
    Case("use again", "i want to use again", ()),
    Case("a place", "is there a place for me", ()),
    Case("the place", "where is the place", ()),
    Case("my child wants to quit", "kon khnhom chong chob", ()),
    Case("near the market", "I live near the market", ()),
    Case("at home", "knhom nov phteah", ()),
    Case("use again, romanised (was the district Cheung Prey)", "knhom ot chong prae tiet te", ()),
    Case("'the' before 'village' (was a village Theay)", "will the village chief find out", ()),
    Case("'our' before 'village'", "they are doing a sweep in our village, where do i go", ()),
    Case("'can the' before 'village' (was a village Kantir)",
         "can the village chief send me to rehab", ()),
    Case("my village, after nov (was a village Khnhaom)", "raid nov phum knhom eilov", ()),
    Case("'phum' before 'that will' (was the village Ta Nong)", "me phum tha nung banhchoun", ()),
    Case("'khum' before a particle (was a commune Theay)", "ke yok chhmous knhom tov me khum te", ()),
    Case("a short commune name that is a verb: reaksa (care)", "thae reaksa kon knhom phong", ()),
    Case("a short commune name that is a verb: cham (wait)", "pel cham pet mok", ()),
    Case("a short commune name that is a verb: chek (share)", "pdey knhom chek tourasap", ()),
    Case("a village name of a generic part and a word: salt water",
         "oy kat phoek tuek ambel ban te", ()),
    Case("a district sharing only a spelling key (barey, cigarette: Baray)",
         "knhom yok barey dot dai khluon eng", ()),
    Case("an English word like a district (based: Basaed)",
         "looking for community based treatment", ()),
    Case("a near miss of a district by an English word (checking: Chi Kraeng)",
         "police are checking phones on the street now", ()),
    Case("a near miss of a district by an English word (strong: Stoung)",
         "new batch is really strong, two people went down", ()),
    Case("a near miss of a district by romanised words (khluon rung: Kaoh Rung)",
         "kat khluon rung haey nhor", ()),
    Case("khmer: a village name that is a word (ក្រុមហ៊ុន, company)", "ក្រុមហ៊ុនឈប់សម្រាកថ្ងៃណា", ()),
    Case("khmer: half a keyword is no name (មេតាដូន|ពេញ, not Doun Penh)",
         "ផឹកមេតាដូនពេញមួយជីវិតឬ", ()),
    Case("khmer: a short district name inside a word (ក្រសួង, ministry: Suong)",
         "អ្នកផ្ញើព័ត៌មានខ្ញុំទៅក្រសួងទេ", ()),
    Case("khmer: a short district name inside a word (ពួកគេ, they: Puok)",
         "ពួកគេនឹងយកឈ្មោះខ្ញុំទៅដាក់ក្នុងបញ្ជីខ្មៅទេ", ()),
    Case("khmer: a noun after នៅ (រោងចក្រ, factory)", "ខ្ញុំចង់ឈប់ធ្វើការនៅរោងចក្រ", ()),
    Case("khmer: កណ្ដាល inside a word (middle of the road)", "គាត់ដួលនៅកណ្ដាលផ្លូវ", ()),
    Case("khmer: a noun after នៅ that ends the message (at the factory)", "ខ្ញុំនៅរោងចក្រ", ()),
    Case("khmer: where exactly? (ត្រង់ is a word)", "នៅត្រង់ណា?", ()),
]

EVIDENCE = [
    # provinces, districts and well-known names need no preposition
    Case("a province alone", "battambang", ("02",)),
    Case("a province beside a service", "methadone pp", ("12",)),
    Case("a province in khmer after នៅ", "ខ្ញុំនៅតាកែវ", ("21",)),
    # a name after នៅ that ends the question, whatever particle follows, is the place asked
    Case("a commune after នៅ, then a question particle", "មានកន្លែងព្យាបាលនៅឈើទាលទេ?",
         ("020104", "060601", "080202", "200507", "25071004")),
    Case("a commune after nov, then please", "clinic nov lvea please",
         ("020403", "031307", "140907", "170707", "12110102")),
    Case("a district beside a service", "needles tuol kork", ("1204",)),
    Case("a near miss of a province anywhere", "pailen methadone", ("24",)),
    Case("a near miss of a province after 'in'", "any methadone in kampott", ("07",)),
    Case("a long, distinctive commune name", "methadone psar thmei 3", ("120203",)),
    Case("កណ្ដាល set apart after នៅ is Kandal", "ខ្ញុំនៅកណ្ដាល ចង់រកការព្យាបាល", ("08",)),
    # a commune or village: a preposition, a level word, the whole message
    Case("a commune after 'in'", "methadone clinic in chaktomuk", ("120207",)),
    Case("... but not without it", "methadone chaktomuk", ()),
    Case("a village after 'in'", "clinic in kantrak", ("17100202",)),
    Case("a village with its level word", "methadone near kantrak village", ("17100202",)),
    Case("a commune with its level word", "sangkat tonle bassac", ("120101",)),
    Case("a commune as the whole message", "kaoh dach", ("121101",)),
    Case("an everyday word with its level word, alone and spelled as the name", "chob commune",
         ("250706",)),
    Case("... with its level word in khmer", "ភូមិជួយ", ("16080103",)),
    Case("... but not 'my village'", "phum knhom", ()),
    Case("a near miss of a district as the whole message", "chi kreng", ("1704",)),
]


@pytest.mark.parametrize("case", ORDINARY_WORDS + EVIDENCE, ids=lambda c: c.label)
def test_a_place_needs_evidence(resolver: GazetteerResolver, case: Case) -> None:
    assert resolved(resolver, case.text) == case.codes


# --- a message that answers the place question ------------------------------------------------

THMEI = ("070716", "080108", "100610", "130403", "12050101")  # communes Thmei, then a village


@pytest.mark.parametrize(("text", "alone", "answering"), [
    ("kantrak", (), ("17100202",)),  # a one-word village name: only as an answer
    ("thmei", (), THMEI),  # "new": a name only as an answer (then the province is asked)
    ("ផ្សារ", (), ("040107",)),  # "market" likewise
    ("methadone kantrak", (), ("17100202",)),
    ("ព្រៃក្ដី", (), ("05020507", "05030222", "05070114", "05070202", "05071206")),
    # an answer is no evidence for everyday words or phrases
    ("near the market", (), ()),
    ("knhom nov phteah", (), ()),
    ("I don't know", (), ()),
    ("by the river", (), ()),
    ("in our village", (), ()),
    ("phum knhom", (), ()),
    ("ខ្ញុំនៅជិតផ្សារ", (), ()),
    # and what was clear stays so
    ("battambang", ("02",), ("02",)),
    ("ភូមិថ្មី", ("12050101", "12052002", "12060804", "09030102", "13080102"),
     ("12050101", "12052002", "12060804", "09030102", "13080102")),
])
def test_an_answer_to_the_place_question_takes_weaker_evidence(
    resolver: GazetteerResolver, text: str, alone: tuple[str, ...], answering: tuple[str, ...]
) -> None:
    assert resolved(resolver, text) == alone
    assert tuple(p.code for p in resolver.resolve(text, expecting=True)) == answering


# --- names many places share: the province is asked ------------------------------------------

@pytest.mark.parametrize(("text", "name", "provinces"), [
    ("clinic in Thmei", "Thmei", 24),  # 155 villages and 5 communes
    ("needles near Prey Kdei", "Prey Kdei", 4),
    ("methadone at Trapeang Veng", "Trapeang Veaeng", 8),  # 1 commune, villages in 8 provinces
    ("ម្ជុលនៅភូមិព្រៃក្ដី", "Prey Kdei", 4),
])
def test_a_service_in_a_name_many_places_share_offers_them_all(
    resolver: GazetteerResolver, text: str, name: str, provinces: int
) -> None:
    """The place is not ignored and no one of them is picked: its namesakes (more than a list
    holds) are offered, so that the engine asks the province (``bot.place_choice.choose_place``)."""
    places = resolver.resolve(text)
    assert len(places) == MAX_CHOICES
    assert {p.name_en for p in places} == {name}
    assert not any(p.named_in for p in places)
    namesakes = {p.code: p for place in places for p in resolver.namesakes(place)}
    assert len({p.province_code for p in namesakes.values()}) == provinces


def test_a_commune_named_like_villages_everywhere_comes_first(resolver: GazetteerResolver) -> None:
    """"Prefer the larger unit" still orders them: the one commune Trapeang Veaeng first."""
    places = resolver.resolve("methadone at Trapeang Veng")
    assert places[0] == resolver.get("080127")
    assert {p.level for p in places[1:]} == {"village"}


# --- two places, one inside the other: the pair ------------------------------------------------


@dataclass(frozen=True)
class Pair:
    label: str
    text: str
    codes: tuple[str, ...]
    named_in: str  # the larger place named beside it


HIERARCHY = [
    # village + commune (a village of that name elsewhere was picked before)
    Pair("village, commune", "near Trapeang Chhuk, Mien", ("03130804",), "031308"),
    Pair("commune, village", "Mien, Trapeang Chhuk", ("03130804",), "031308"),
    Pair("village and commune with level words", "phum trapeang chhuk khum mien",
         ("03130804",), "031308"),
    Pair("village and commune with english level words",
         "Trapeang Chhuk village, Mien commune", ("03130804",), "031308"),
    Pair("village, commune in khmer", "ត្រពាំងឈូក មៀន", ("03130804",), "031308"),
    Pair("village, commune in khmer with level words", "ភូមិត្រពាំងឈូក ឃុំមៀន",
         ("03130804",), "031308"),
    Pair("a generic village name right beside its commune", "Thmei, Prey Khnes",
         ("14050419",), "140504"),
    Pair("... in either order", "Prey Khnes Thmei", ("14050419",), "140504"),
    Pair("... in khmer", "ថ្មី ព្រៃឃ្នេស", ("14050419",), "140504"),
    Pair("village, commune in another province's name (Stueng, not the one in Kampong Thom)",
         "Stueng, Svay Chek", ("01080803",), "0108"),
    Pair("village, commune of a short name", "Kbal Thnal, Kak", ("05011308",), "050113"),
    # village + district
    Pair("village, district", "near Thum, Sambour", ("10040802",), "1004"),
    Pair("district, village", "Sambour Thum", ("10040802",), "1004"),
    # commune + district
    Pair("commune, district", "Thmei, Chet Borei", ("100610",), "1006"),
    Pair("commune, district in khmer", "ថ្មី ចិត្របុរី", ("100610",), "1006"),
    Pair("a short commune name, district", "Pou, Tbaeng Mean Chey", ("130704",), "1307"),
    Pair("a short commune name after 'in', district", "im in Pis Thpong", ("05080111",), "0508"),
    # anything + province
    Pair("commune, province", "Thmei Kratie", ("100610",), "10"),
    Pair("commune, province with a preposition", "clinic near Dar Kampong Chhnang",
         ("040402",), "04"),
    Pair("commune, province after a comma", "Thmei, Svay Rieng", ("200211",), "20"),
    Pair("village, province", "Peam Kampong Speu", ("05040402",), "05"),
    Pair("province, village: two of that name there, a choice", "Battambang Kruos",
         ("02020410", "02020505"), "02"),
    Pair("a misspelt province still holds its commune",
         "i need methadone in banteay neang, bantkay meanchey", ("010201",), "01"),
]


@pytest.mark.parametrize("pair", HIERARCHY, ids=lambda p: p.label)
def test_a_place_inside_another_named_beside_it_is_the_pair(
    resolver: GazetteerResolver, pair: Pair
) -> None:
    places = resolver.resolve(pair.text)
    assert tuple(p.code for p in places) == pair.codes
    assert {p.named_in for p in places} == {pair.named_in}
    assert all(p.code.startswith(pair.named_in) for p in places)


def test_a_kandal_inside_a_district_name_is_no_village(resolver: GazetteerResolver) -> None:
    """Nor does a word of a longer name pair with the word after it: "Khsach Kandal, Kandal"
    is the district and the province, not a village Kandal."""
    assert resolved(resolver, "Svay Romiet commune, Khsach Kandal, Kandal") == ("080316",)


def test_the_larger_place_named_is_not_part_of_a_places_identity(
    resolver: GazetteerResolver,
) -> None:
    place = resolver.resolve("Thmei Kratie")[0]
    assert place.named_in == "10"
    assert place == resolver.get("100610") and hash(place) == hash(resolver.get("100610"))
    assert place.as_json() == {"level": "commune", "code": "100610"}


def test_where_words_are_data(tmp_path: Path) -> None:
    """The words that say where are a kind of common_words.txt: without "near", "clinic near
    Thmei" names no place."""
    common = (PLACES_DIR / "common_words.txt").read_text("utf-8").replace("near\twhere", "near")
    data = _data_dir(tmp_path, (PLACES_DIR / "aliases.tsv").read_text("utf-8"))
    (data / "common_words.txt").write_text(common, encoding="utf-8")
    resolver = GazetteerResolver(Gazetteer(data, tmp_path))
    assert resolver.resolve("clinic near Thmei") == []
    assert {p.name_en for p in default_resolver().resolve("clinic near Thmei")} == {"Thmei"}


def test_an_unknown_kind_of_common_word_fails_loudly(tmp_path: Path) -> None:
    data = _data_dir(tmp_path, "")
    (data / "common_words.txt").write_text("near\tpreposition\n", encoding="utf-8")
    with pytest.raises(ValueError, match="preposition"):
        Gazetteer(data, tmp_path)
