"""How an uploaded spreadsheet file is read: its text encoding and its separator, detected.

Spreadsheet programs save "CSV" in several ways. Excel's "CSV UTF-8" starts with a byte-order
mark; "Unicode text" is UTF-16 with a byte-order mark and tabs between cells; a computer set
to a language that writes decimal commas (most of Europe) separates cells with semicolons. All
of these are read here. Any other encoding (Excel's plain "CSV" writes the computer's legacy
code page, which cannot hold Khmer) is refused with the line where it fails and a fix, never
guessed: a guessed code page would import wrong letters without a word.

The separator is chosen by a small rule rather than ``csv.Sniffer`` (which guesses from
character frequencies and can pick a letter or a space): the header must name known columns,
so the separator is the one of comma, semicolon and tab that splits the first line into the
most known column names; with no known name at all, the one that occurs most in the first
line; comma when there is none.
"""

from __future__ import annotations

import codecs
from collections.abc import Collection
from dataclasses import dataclass

from core.catalogs import N_

#: The separators read, in order of preference when they tie; the first is the default.
SEPARATORS = (",", ";", "\t")
#: How each separator is named on the page and in the command's output (msgids).
SEPARATOR_NAMES = {",": N_("commas (,)"), ";": N_("semicolons (;)"), "\t": N_("tabs")}
#: Encodings read, as named on the page (msgids).
ENCODING_NAMES = {
    "utf-8": N_("UTF-8"),
    "utf-8-sig": N_("UTF-8 with a byte-order mark (Excel \"CSV UTF-8\")"),
    "utf-16": N_("UTF-16 (Excel \"Unicode text\")"),
}
#: The fix for a file in any other encoding (msgid), shown with the error.
SAVE_AS_HINT = N_("In Excel choose File, Save As, \"CSV UTF-8 (Comma delimited)\". In "
                  "LibreOffice tick \"Edit filter settings\" and choose \"Unicode (UTF-8)\".")


class EncodingProblem(ValueError):
    """The file is not in an encoding read here: a msgid, its values, and a hint msgid."""

    def __init__(self, msgid: str, **values: str) -> None:
        super().__init__(msgid % values)
        self.msgid, self.values, self.hint = msgid, values, SAVE_AS_HINT


@dataclass(frozen=True, slots=True)
class Detected:
    """What was found: the encoding (a key of ``ENCODING_NAMES``) and the separator."""

    encoding: str = "utf-8"
    separator: str = ","

    @property
    def is_default(self) -> bool:
        """UTF-8 (with or without a byte-order mark) and commas: nothing to point out."""
        return self.encoding in ("utf-8", "utf-8-sig") and self.separator == ","

    def __str__(self) -> str:
        return (f"read as {ENCODING_NAMES[self.encoding]}, "
                f"cells separated by {SEPARATOR_NAMES[self.separator]}")


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and its encoding; raise ``EncodingProblem`` if it is none read here.

    A byte-order mark decides (UTF-8 or UTF-16, either byte order); without one, UTF-16 is
    recognised by the zero bytes every ASCII character then carries, else the text must be
    UTF-8. The byte-order mark is not part of the text returned."""
    if data.startswith(codecs.BOM_UTF8):
        encoding, codec, body = "utf-8-sig", "utf-8", data[len(codecs.BOM_UTF8):]
    elif data.startswith(codecs.BOM_UTF16_LE):
        encoding, codec, body = "utf-16", "utf-16-le", data[len(codecs.BOM_UTF16_LE):]
    elif data.startswith(codecs.BOM_UTF16_BE):
        encoding, codec, body = "utf-16", "utf-16-be", data[len(codecs.BOM_UTF16_BE):]
    elif _looks_like_utf16(data):
        codec = "utf-16-le" if data[1:2] == b"\0" else "utf-16-be"
        encoding, body = "utf-16", data
    else:
        encoding, codec, body = "utf-8", "utf-8", data
    try:
        return body.decode(codec), encoding
    except UnicodeDecodeError as error:
        # the line of the first byte that is not text (in UTF-16 neither ASCII nor Khmer puts
        # a 0x0A byte anywhere but in a line break, so counting them works there too)
        line = str(body[:error.start].count(b"\n") + 1)
        if encoding == "utf-16":
            raise EncodingProblem(N_("The file is marked as UTF-16 but line %(line)s is not "
                                     "UTF-16 text."), line=line) from None
        raise EncodingProblem(N_("The file is not UTF-8 text (from line %(line)s on): it was "
                                 "saved in another encoding, which can lose Khmer letters."),
                              line=line) from None


def _looks_like_utf16(data: bytes) -> bool:
    """No byte-order mark but zero bytes in every other place, as ASCII has in UTF-16."""
    head = data[:200]
    if len(head) < 4 or b"\0" not in head:
        return False
    even, odd = head[0::2], head[1::2]
    return odd.count(0) >= len(odd) * 0.6 or even.count(0) >= len(even) * 0.6


def separator(text: str, known: Collection[str]) -> str:
    """The separator of the CSV ``text`` whose header names columns of ``known`` (module doc)."""
    first = text.split("\n", 1)[0].strip("\r\ufeff")

    def names(sep: str) -> int:
        return sum(cell.strip().strip('"').strip().lower() in known for cell in first.split(sep))

    best = max(SEPARATORS, key=lambda sep: (names(sep), -SEPARATORS.index(sep)))
    if names(best) > 0:
        return best
    most = max(SEPARATORS, key=lambda sep: (first.count(sep), -SEPARATORS.index(sep)))
    return most if first.count(most) else SEPARATORS[0]


def read(data: bytes, known: Collection[str]) -> tuple[str, Detected]:
    """The text of an uploaded CSV file and what was detected (``decode``, ``separator``)."""
    text, encoding = decode(data)
    return text, Detected(encoding, separator(text, known))
