"""Text normalisation shared by every matcher (keywords, menu numbers, places).

Khmer has no spaces between words and its own digits; phones insert zero-width characters and
mix the two subscript forms of "t". Everything is folded here once so matchers compare like with like.

Characters that show nothing count for nothing (``visible``): every format character (Unicode
category Cf: zero-width spaces and joiners, direction marks and isolates, the soft hyphen, word
joiners, the byte-order mark, tag characters…) and the fillers that are invisible without being
Cf (Hangul fillers, the combining grapheme joiner, variation selectors, Khmer's two inherent
vowels, the blank braille pattern). The classifier applies it before it cuts a message to its
first ``TEXT_LIMIT`` characters, so that hundreds of marks cannot push what was said out of view.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
LATIN_TO_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
#: Khmer's word break: invisible, but a break between words, which place names must not cross.
ZWSP = "\u200b"
#: Invisible without being format characters: the combining grapheme joiner, the Hangul
#: fillers, Khmer's inherent vowels AQ and AA (deprecated, never shown), Mongolian free variation
#: selectors, variation selectors (those of emoji too), the blank braille pattern.
FILLERS = (
    "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u2800\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef"
)


def _format_ranges() -> list[tuple[int, int]]:
    """Every format character (Cf) of this Python's Unicode database, as ranges of code
    points. They all lie below U+20000 or in the tags block, U+E0000 to U+E0FFF."""
    codes = [c for c in itertools.chain(range(0x20000), range(0xE0000, 0xE1000))
             if unicodedata.category(chr(c)) == "Cf"]
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return ranges


#: :func:`_format_ranges` of the Unicode databases it has been worked out for: looking at
#: 135,000 characters takes about 15 ms, which every process would pay as it starts. Any
#: other version is worked out (``tests/bot/test_normalize.py`` checks this one is right).
KNOWN_FORMAT_RANGES: dict[str, list[tuple[int, int]]] = {
    "14.0.0": [
        (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
        (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
        (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F),
        (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
        (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
    ],
}


def _format_characters() -> str:
    """Every format character (Cf) of this Python's Unicode database, as a regex class."""
    ranges = KNOWN_FORMAT_RANGES.get(unicodedata.unidata_version) or _format_ranges()
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "")
                   for a, b in ranges)


_FORMAT = _format_characters()
#: Everything that shows nothing, the zero-width space included.
_INVISIBLE = re.compile(f"[{_FORMAT}{FILLERS}]+")
#: The same, but for the zero-width space, which ``visible`` keeps as a word break.
_HIDDEN = re.compile(f"(?:(?!{ZWSP})[{_FORMAT}{FILLERS}])+")
#: A run of white space and zero-width spaces, which ``visible`` shortens to one.
_BLANK_RUN = re.compile(rf"[\s{ZWSP}]{{2,}}")
# COENG DA and COENG TA are typed interchangeably (ឧត្ដរ / ឧត្តរ): fold to COENG TA.
_COENG = "\u17d2"
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"\s+")
# Punctuation and symbols become spaces so "help!!" and "help" match alike; Khmer signs stay.
_PUNCT = re.compile(r"[^\w\u1780-\u17ff\u19e0-\u19ff ]+")

KHMER_BLOCK = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")


def has_khmer(text: str) -> bool:
    return KHMER_BLOCK.search(text) is not None


def visible(text: str) -> str:
    """``text`` as a reader sees it: without the characters that show nothing, and with each
    run of white space as one (a line break if it held one, a space if it held one, otherwise a
    zero-width space, which stays Khmer's word break). What a message says is then in its first
    characters, however it was padded."""
    return _BLANK_RUN.sub(_one_blank, _HIDDEN.sub("", text))


def _one_blank(run: re.Match[str]) -> str:
    blank = run.group()
    return "\n" if "\n" in blank else " " if blank.strip(ZWSP) else ZWSP


def normalize(text: str) -> str:
    """Return the matching form of ``text``: NFC, no invisibles, case-folded, ASCII digits."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    text = text.casefold().translate(KHMER_DIGITS)
    text = _fold_coeng_da(text)
    text = _PUNCT.sub(" ", text)
    text = _REPEATS.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def _fold_coeng_da(text: str) -> str:
    if _COENG + "\u178a" not in text:
        return text
    return text.replace(_COENG + "\u178a", _COENG + "\u178f")


def to_khmer_digits(text: str) -> str:
    return text.translate(LATIN_TO_KHMER_DIGITS)
