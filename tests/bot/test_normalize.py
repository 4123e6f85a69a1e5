"""Normalisation: every matcher compares the same folded form of a message."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from bot.normalize import has_khmer, normalize, to_khmer_digits, visible

ZWSP, ZWNJ, ZWJ, WORD_JOINER, BOM, SOFT_HYPHEN = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"
COENG_DA, COENG_TA = "\u17d2\u178a", "\u17d2\u178f"

NORMALIZE_CASES = [
    # label, raw, expected
    ("khmer digits", "១២៣៤៥៦៧៨៩០", "1234567890"),
    ("khmer digit in a menu reply", "៣", "3"),
    ("mixed digits", "ឆ្លើយ ១ or 2", "ឆ្លើយ 1 or 2"),
    ("zero-width space inside a khmer word", f"ខេត្ត{ZWSP}សៀមរាប", "ខេត្តសៀមរាប"),
    ("every invisible character", f"{BOM}s{ZWNJ}t{ZWJ}o{WORD_JOINER}p{SOFT_HYPHEN}", "stop"),
    ("zero-width space between latin words", f"needle{ZWSP} exchange", "needle exchange"),
    ("nfc composes a decomposed accent", "cafe\u0301", "café"),
    ("nfc leaves composed text alone", "café", "café"),
    ("coeng da folds to coeng ta", f"ឧត{COENG_DA}រមានជ័យ", f"ឧត{COENG_TA}រមានជ័យ"),
    ("coeng ta unchanged", f"ខេត{COENG_TA}", f"ខេត{COENG_TA}"),
    ("every coeng da folds", f"ក{COENG_DA}ក{COENG_DA}", f"ក{COENG_TA}ក{COENG_TA}"),
    ("bare letter da is not a subscript", "ដ", "ដ"),
    ("upper case", "STOP", "stop"),
    ("mixed case", "NeEdLe ExChAnGe", "needle exchange"),
    ("case-fold, not just lower", "STRASSE Straße", "strasse strasse"),
    ("punctuation becomes space", "help!!! where?", "help where"),
    ("khmer punctuation kept as khmer", "ឈប់។", "ឈប់។"),
    ("repeated latin letters collapse", "stooooop", "stop"),
    ("a double letter is kept", "hello", "hello"),
    ("surrounding and repeated whitespace", "  methadone \t\n  clinic  ", "methadone clinic"),
    ("empty", "", ""),
    ("only invisibles", f"{ZWSP}{ZWSP}", ""),
    ("emoji dropped as a symbol", "help 🙏", "help"),
    ("direction marks and isolates", "\u200fs\u200et\u2066o\u2069p\u202b", "stop"),
    ("tag characters", "st\U000e0041\U000e007fop", "stop"),
    ("fillers that are not format characters", "\u3164st\u034fo\ufe0fp\u2800", "stop"),
]


@pytest.mark.parametrize(
    ("raw", "expected"), [c[1:] for c in NORMALIZE_CASES], ids=[c[0] for c in NORMALIZE_CASES]
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", [c[1] for c in NORMALIZE_CASES], ids=[c[0] for c in NORMALIZE_CASES])
def test_normalize_is_idempotent(raw: str) -> None:
    once = normalize(raw)
    assert normalize(once) == once


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ឧត្ដរមានជ័យ", "ឧត្តរមានជ័យ"),
        (f"ភ្នំ{ZWSP}ពេញ", "ភ្នំពេញ"),
        ("ឈប់", f" ឈប់{ZWSP} "),
        ("១", "1"),
        ("Battambang", "BATTAMBANG"),
    ],
)
def test_variants_typed_by_users_match_alike(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ឈប់", True),
        ("stop", False),
        ("១", True),  # Khmer digits are Khmer script
        ("hello ភ្នំពេញ", True),
        ("", False),
        ("123 !?", False),
        ("᧠", True),  # Khmer symbols block
    ],
)
def test_has_khmer(text: str, expected: bool) -> None:
    assert has_khmer(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0123456789", "០១២៣៤៥៦៧៨៩"), ("119", "១១៩"), ("Tel 012", "Tel ០១២"), ("", "")],
)
def test_to_khmer_digits(text: str, expected: str) -> None:
    assert to_khmer_digits(text) == expected


def test_normalize_removes_every_format_character() -> None:
    """Every Cf character of this Python's Unicode database, wherever it is."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1)
                         if unicodedata.category(chr(c)) == "Cf")
    assert len(everything) > 150
    assert normalize(f"st{everything}op") == "stop"
    assert visible(f"st{everything}op") == f"st{ZWSP}op"  # a zero-width space stays a break


VISIBLE_CASES = [
    ("marks before the text", "\u200f" * 500 + "help", "help"),
    ("marks inside a word", "over\u200f\u2066dose", "overdose"),
    ("a zero-width space stays a word break", f"ខេត្ត{ZWSP}សៀមរាប", f"ខេត្ត{ZWSP}សៀមរាប"),
    ("a run of zero-width spaces is one", f"{ZWSP * 500}ភ្នំពេញ", f"{ZWSP}ភ្នំពេញ"),
    ("a run of white space is one space", "a" + " \t" * 300 + "b", "a b"),
    ("a run with a line break is one line break", "a \n\n \u200b b", "a\nb"),
    ("ordinary text unchanged", "Methadone in Phnom Penh?", "Methadone in Phnom Penh?"),
]


@pytest.mark.parametrize(
    ("raw", "expected"), [c[1:] for c in VISIBLE_CASES], ids=[c[0] for c in VISIBLE_CASES]
)
def test_visible(raw: str, expected: str) -> None:
    assert visible(raw) == expected
    assert visible(expected) == expected


def test_the_known_format_characters_are_this_unicode_databases() -> None:
    """The written-out ranges of format characters are what the database says (worked out
    afresh here, as the module does for a version it does not know)."""
    from bot.normalize import KNOWN_FORMAT_RANGES, _format_ranges

    worked_out = _format_ranges()
    assert (0x200B, 0x200F) in worked_out  # zero-width space ... right-to-left mark
    known = KNOWN_FORMAT_RANGES.get(unicodedata.unidata_version)
    assert known is None or known == worked_out
