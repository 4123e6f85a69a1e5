"""SMS segment arithmetic and splitting (3GPP TS 23.038)."""

from __future__ import annotations

import unicodedata

import pytest

from bot.segments import SMS_SEGMENT_BUDGET, chunk_blocks, fits_sms, sentences, split_for_sms
from core.sms_length import is_gsm7, segment_count

KA = "ក"  # one Khmer letter: one UTF-16 code unit, forces UCS-2
EMOJI = "🙂"  # outside the BMP: a surrogate pair, two UTF-16 code units
EURO = "€"  # GSM-7 extension table: escape + char, two septets

SEGMENT_CASES = [
    # label, text, segments
    ("empty", "", 1),
    ("gsm7 single full", "a" * 160, 1),
    ("gsm7 one over single", "a" * 161, 2),
    ("gsm7 two parts full", "a" * 306, 2),
    ("gsm7 one over two parts", "a" * 307, 3),
    ("gsm7 three parts full", "a" * 459, 3),
    ("gsm7 one over three parts", "a" * 460, 4),
    ("gsm7 basic accented letters stay gsm7", "é" * 160, 1),
    ("gsm7 newline counts one", "a\n" * 80, 1),
    ("extension chars count two", EURO * 80, 1),
    ("extension char tips over single", EURO * 81, 2),
    ("one extension char among basic", "a" * 159 + "{", 2),
    ("extension chars three parts full", "[" * 229 + "a", 3),
    ("extension chars one over three parts", "[" * 230, 4),
    ("ucs2 single full", KA * 70, 1),
    ("ucs2 one over single", KA * 71, 2),
    ("ucs2 two parts full", KA * 134, 2),
    ("ucs2 one over two parts", KA * 135, 3),
    ("ucs2 three parts full", KA * 201, 3),
    ("ucs2 one over three parts", KA * 202, 4),
    ("one khmer char makes latin ucs2", KA + "a" * 69, 1),
    ("one khmer char makes latin ucs2, over", KA + "a" * 70, 2),
    ("non-gsm latin char forces ucs2", "ç" * 71, 2),  # only capital Ç is in the GSM basic table
    ("emoji surrogate pairs, single full", EMOJI * 35, 1),
    ("emoji surrogate pairs, one over", EMOJI * 36, 2),
    ("emoji counts two units among latin", EMOJI + "a" * 68, 1),
    ("emoji counts two units among latin, over", EMOJI + "a" * 69, 2),
    ("emoji three parts", EMOJI * 100 + "a", 3),
    ("emoji over three parts", EMOJI * 101, 4),
]


@pytest.mark.parametrize(
    ("text", "segments"), [c[1:] for c in SEGMENT_CASES], ids=[c[0] for c in SEGMENT_CASES]
)
def test_segment_count(text: str, segments: int) -> None:
    assert segment_count(text) == segments


@pytest.mark.parametrize(
    ("text", "gsm7"),
    [
        ("Hello @ £ $ ¥ 0-9", True),
        (EURO + "^{}\\[~]|", True),
        ("ក", False),
        (EMOJI, False),
        ("ç", False),
        ("“quotes”", False),
    ],
)
def test_is_gsm7(text: str, gsm7: bool) -> None:
    assert is_gsm7(text) is gsm7


@pytest.mark.parametrize(
    ("text", "budget", "fits"),
    [
        (KA * 201, SMS_SEGMENT_BUDGET, True),
        (KA * 202, SMS_SEGMENT_BUDGET, False),
        ("a" * 459, SMS_SEGMENT_BUDGET, True),
        ("a" * 460, SMS_SEGMENT_BUDGET, False),
        (KA * 70, 1, True),
        (KA * 71, 1, False),
    ],
)
def test_fits_sms(text: str, budget: int, fits: bool) -> None:
    assert fits_sms(text, budget) is fits


def test_the_budget_is_three_segments() -> None:
    assert SMS_SEGMENT_BUDGET == 3


KHMER_SENTENCE = "ការព្យាបាលស្ម័គ្រចិត្ត នៅជិត ខេត្តបាត់ដំបង៖ "
KHMER_RUN = "ព្យាបាលស្ម័គ្រចិត្តឥតគិតថ្លៃ" * 40  # ~1,000 characters, no space at all
SPLIT_CASES = [
    # label, text, budget, at least this many parts
    ("short text is one part", "Hello", 3, 1),
    ("long english lines", "\n".join(f"Line {i}: " + "word " * 30 for i in range(12)), 3, 2),
    ("long english line without breaks", "word " * 300, 3, 3),
    ("long khmer lines", "\n".join(KHMER_SENTENCE * 4 for _ in range(8)), 3, 3),
    ("long khmer sentence with spaces", KHMER_SENTENCE * 40, 3, 5),
    ("long unbroken khmer run", KHMER_RUN, 3, 5),
    ("long unbroken khmer run, budget one", KHMER_RUN, 1, 14),
    ("unbroken latin run", "x" * 2000, 3, 5),
    ("emoji run", EMOJI * 400, 3, 4),
    ("mixed scripts and blank lines", "Menu\n\n" + KHMER_SENTENCE * 10 + "\n\nMORE " * 30, 2, 2),
    ("extension chars", "{[]}" * 300, 3, 3),
]


def _squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize(
    ("text", "budget", "at_least"), [c[1:] for c in SPLIT_CASES], ids=[c[0] for c in SPLIT_CASES]
)
def test_split_for_sms_keeps_all_text_within_budget(text: str, budget: int, at_least: int) -> None:
    parts = split_for_sms(text, budget)
    assert len(parts) >= at_least
    for part in parts:
        assert part.strip(), "an empty message would be sent"
        assert fits_sms(part, budget), (segment_count(part), part[:40])
    # Nothing dropped, nothing reordered: only the whitespace at the cuts may differ.
    assert _squeeze("".join(parts)) == _squeeze(text)


@pytest.mark.parametrize("budget", [1, 2, 3])
def test_split_for_sms_never_cuts_inside_a_khmer_cluster(budget: int) -> None:
    """A part must not begin with a dependent vowel or sign, or with the consonant after a COENG:
    phones render that as a broken glyph on a dotted circle."""
    parts = split_for_sms(KHMER_RUN, budget)
    assert len(parts) > 1
    for before, after in zip(parts, parts[1:]):
        assert not unicodedata.category(after[0]).startswith("M"), (before[-3:], after[:3])
        assert before[-1] != "\u17d2", (before[-3:], after[:3])


def test_split_for_sms_prefers_line_breaks() -> None:
    lines = [f"Service {i}\nStreet {i}\nHours: Mon-Fri\nTel: 012 000 00{i}" for i in range(12)]
    text = "\n".join(lines)
    parts = split_for_sms(text, 1)
    assert all(fits_sms(part, 1) for part in parts)
    # every line arrives whole
    for line in text.split("\n"):
        assert any(line in part.split("\n") for part in parts), line


def test_text_within_budget_is_not_split() -> None:
    text = KA * 201
    assert split_for_sms(text) == [text]


# --- answers cut to fit "reply MORE" --------------------------------------------------------------
HINT = "ឆ្លើយ បន្ថែម ដើម្បីអានបន្ត។"
KHMER_PAGE = "ហៅ ១១៩ ភ្លាម ហើយនៅជាមួយគាត់។ " * 3 + "ដាក់គាត់ដេកផ្អៀងម្ខាង។"


@pytest.mark.parametrize("block", [
    KHMER_PAGE, "One. Two! Three? Four", "ក។ខ។ គ", "no end mark at all", "",
])
def test_sentences_give_the_block_back_whole(block: str) -> None:
    assert "".join(sentences(block)) == block.rstrip() or not block.strip()


@pytest.mark.parametrize("blocks", [
    [KHMER_PAGE, KHMER_PAGE, "ខ្លី។"],
    [KHMER_PAGE * 2],
    ["Short one.", "Short two.", "Short three."],
    ["ខ្លី។"],
])
def test_chunks_fit_with_the_hint_and_keep_every_word(blocks: list[str]) -> None:
    chunks = chunk_blocks(blocks, HINT)
    for chunk in chunks[:-1]:
        assert fits_sms("\n".join([*chunk, HINT])), chunk
    assert fits_sms("\n".join(chunks[-1]))
    said = " ".join(" ".join(chunk) for chunk in chunks).split()
    assert said == " ".join(blocks).split()


def test_blocks_that_fit_together_are_one_chunk() -> None:
    assert chunk_blocks(["Short one.", "Short two."], "Reply MORE to read on.") == [
        ["Short one.", "Short two."]]
