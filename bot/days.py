"""Which day(s) a message asks about, and whether it asks for the hours themselves.

"Are they open at the weekend?", "thngai saek bek te", "បើកថ្ងៃអាទិត្យទេ", "what are the
hours?": after a result list, the answer must be about the day asked, not about this moment.
This module only reads the words (in normalised text, ``bot.normalize``: case folded, Khmer
digits already Latin) and returns plain data — the dates, relative to a local date the caller
gives, and flags — so it needs no clock and no calendar; ``bot.listed.open_now`` answers.

Phrases are found as spans with the lexicons' matcher (``bot.spans``: Khmer has no spaces, and a
Khmer match never cuts a syllable; a Latin one stands between word edges), leftmost and longest
first, so "the day after tomorrow" is not "tomorrow" and ចុងអាទិត្យ is not អាទិត្យ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from bot.normalize import normalize
from bot.spans import SpanMatcher

#: Only the start of a message is read, as for classification (``bot.intents``).
MAX_CHARS = 480

# The words, as data. They live here and not in a TSV under locales/lexicons/ because every
# *.tsv there is read as an intent lexicon (bot/lexicon.py, tests/bot/test_intents.py) and is
# part of what the intent model is trained on (tests/intent_training.py): day words must not
# change the model. Keys are the meanings; "mo".."su" are weekdays. Romanised Khmer has no
# standard spelling: the common variants are listed. Khmer spellings follow the project
# glossary (shared/GLOSSARY.md) and the catalog's day names (ច័ន្ទ ... អាទិត្យ).
# review: every romanised spelling, and the Khmer entries marked "review" below, need a native
# speaker's check.
_WEEKDAY_PREFIXES = ("thngai", "thngay", "tngai", "tngay", "thgnai", "thnai", "tgnai")
_ROMANISED_WEEKDAYS = {
    "mo": ("chan", "chann", "chand"),
    "tu": ("angkear", "angkea", "ongkear", "ongkea", "angkia"),
    "we": ("puth", "pud", "put", "poat", "pudh"),
    "th": ("prohoas", "prohos", "prohous", "prohuos", "prohors"),
    "fr": ("sok", "sokr", "sukr"),
    "sa": ("sau", "sao", "saur", "sav"),
    "su": ("atit", "aatit", "atith", "a tit"),
}
WORDS: dict[str, tuple[str, ...]] = {
    "today": (
        "today", "2day", "tday", "this morning", "this afternoon", "this evening", "later today",
        "tonight", "tonite", "2night",
        "thngai nis", "thngai nih", "thngai ni", "tngai nis", "tngai nih", "thngay nis",
        "thgnai nis", "thnai nis",
        "yub nis", "yob nis", "yup nis", "yub nih", "yob nih", "yop nis",
        "ថ្ងៃនេះ", "យប់នេះ", "ល្ងាចនេះ", "ព្រឹកនេះ",
    ),
    "now": (
        "now", "right now", "at the moment", "currently",
        "eilov", "ei lov", "ey lov", "eylov", "ailov", "ai lov", "elov", "pel nis",
        "ឥឡូវ", "ឥឡូវនេះ", "ពេលនេះ",
    ),
    "tomorrow": (
        "tomorrow", "tmr", "tmrw", "tomorow", "tommorow", "tommorrow", "2moro", "2morrow",
        "tomoro",
        "saek", "sa ek", "thngai saek", "tngai saek", "thngai sa ek",
        "ស្អែក", "ថ្ងៃស្អែក",
    ),
    "after_tomorrow": (
        "day after tomorrow", "the day after tomorrow", "day after tmr",
        "khan saek", "khan sa ek", "kharn saek",
        "ខានស្អែក", "ថ្ងៃខានស្អែក",
    ),
    "weekend": (
        "weekend", "weekends", "week end", "week ends", "wkend",
        "chong sapda", "chong sabda", "chong saptah", "chung sapda",
        # review: ចុងអាទិត្យ ("end of the week", colloquial) and សៅរ៍អាទិត្យ (Sat-Sun)
        "ចុងសប្ដាហ៍", "ចុងអាទិត្យ", "សៅរ៍អាទិត្យ",
    ),
    "mo": ("mon", "monday", "mondays", "ច័ន្ទ"),
    "tu": ("tue", "tues", "tuesday", "tuesdays", "អង្គារ"),
    "we": ("wed", "weds", "wednesday", "wednesdays", "ពុធ"),
    # review: ព្រហ, the catalog's short form of ព្រហស្បតិ៍
    "th": ("thu", "thur", "thurs", "thursday", "thursdays", "ព្រហស្បតិ៍", "ព្រហ"),
    "fr": ("fri", "friday", "fridays", "សុក្រ"),
    "sa": ("sat", "saturday", "saturdays", "សៅរ៍"),
    # review: អាទិត្យ is Sunday, and also "week" in speech (អាទិត្យក្រោយ, "next week")
    "su": ("sun", "sunday", "sundays", "អាទិត្យ"),
    "holidays": (
        "holiday", "holidays", "public holiday", "public holidays", "national holiday",
        "new year", "khmer new year", "pchum ben", "water festival", "bon om touk",
        "thngai bon", "tngai bon", "thngai bonn", "chol chnam", "chaul chnam", "phchum ben",
        "om touk",
        # review: ថ្ងៃឈប់សម្រាក ("day off", also a public holiday)
        "ថ្ងៃបុណ្យ", "ថ្ងៃបុណ្យជាតិ", "ថ្ងៃឈប់សម្រាក", "ចូលឆ្នាំ", "ភ្ជុំបិណ្ឌ", "ភ្ផុំបិណ្ឌ", "អុំទូក",
    ),
    "hours": (
        "hours", "opening hours", "open hours", "opening times", "working hours",
        "what time", "what times", "which time", "timetable", "schedule", "time open",
        "when do they open", "when does it open", "when are they open", "when is it open",
        "when open",
        "mong ponman", "maong ponman", "mong pon man", "mong bonman", "mong ponmann",
        "mong bek", "maong baek", "mong baek", "mong tver kar", "mong twer ka",
        # review: ម៉ោងណា ("which hour"), បើកពេលណា ("open when")
        "ម៉ោងប៉ុន្មាន", "ម៉ោងបើក", "ម៉ោងធ្វើការ", "ម៉ោងបិទ", "ម៉ោងណា", "បើកពេលណា",
    ),
}
WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
#: Most days one answer names (a week).
MAX_DAYS = 7


@dataclass(frozen=True, slots=True)
class Asked:
    """What a message asks about opening: ``days`` (local dates, soonest first, no repeats),
    ``hours`` (the hours themselves), ``holidays`` (what happens on public holidays), ``now``
    (this moment: the status now, as before)."""

    days: tuple[date, ...] = ()
    hours: bool = False
    holidays: bool = False
    now: bool = False

    @property
    def about_days(self) -> bool:
        """Asked about a day, the hours or holidays: more than "open now?"."""
        return bool(self.days or self.hours or self.holidays)


@cache
def _matcher() -> SpanMatcher[str]:
    entries = [(normalize(p), meaning) for meaning, phrases in WORDS.items() for p in phrases]
    for weekday, names in _ROMANISED_WEEKDAYS.items():
        # "chan", "sok", "sao" alone are ordinary words ("sok sabay"): only after "thngai".
        entries += [(f"{prefix} {name}", weekday)
                    for prefix in _WEEKDAY_PREFIXES for name in names]
    return SpanMatcher(entries)


def asked(text: str, today: date) -> Asked:
    """The days ``text`` (normalised) asks about, as dates counted from ``today`` (the local
    date): a weekday is its next one, today included; the weekend is the next Saturday and
    Sunday (today counts: on a Sunday, today and Saturday after)."""
    meanings = {p for span in _matcher().find(text[:MAX_CHARS]) for p in span.payloads}
    ahead: set[int] = set()
    if "today" in meanings:
        ahead.add(0)
    if "tomorrow" in meanings:
        ahead.add(1)
    if "after_tomorrow" in meanings:
        ahead.add(2)
    wanted = {WEEKDAYS.index(m) for m in meanings if m in WEEKDAYS}
    if "weekend" in meanings:
        wanted |= {5, 6}
    ahead |= {(weekday - today.weekday()) % 7 for weekday in wanted}
    days = tuple(today + timedelta(days=n) for n in sorted(ahead)[:MAX_DAYS])
    return Asked(days, "hours" in meanings, "holidays" in meanings, "now" in meanings)


@cache
def latin_words() -> frozenset[str]:
    """Every single Latin word of the day phrases ("monday", "tomorrow", "saek"): real words,
    never a misspelling of a keyword to be corrected (``bot.intents``)."""
    return frozenset(w for phrases in WORDS.values() for p in phrases
                     for w in normalize(p).split() if w.isascii() and w.isalpha())
