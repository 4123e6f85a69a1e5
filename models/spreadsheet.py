"""Cells of the spreadsheet (CSV) files Sangkhim writes and reads: formulas neutralised on the
way out, phone numbers checked on the way in.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula, so a directory entry such as ``=HYPERLINK("http://…", …)`` could
act for whoever opens an export. Every CSV written here puts a single quote before such a cell
(OWASP, "CSV Injection"); the directory import (command line and dashboard) takes that quote
off again, so an export still imports back unchanged. Lines end in CRLF (RFC 4180): the csv
module then quotes every cell that holds a carriage return, which a spreadsheet would otherwise
read as the start of a new row.

Every CSV that leaves Sangkhim goes through ``to_csv``: the dashboard's downloads, ``flask
demand export`` and ``flask directory export``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import TextIO, TypeVar

from core.catalogs import N_

T = TypeVar("T")
#: What makes a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Digits, spaces, brackets and dashes, with a ``+`` only in front: nothing a formula needs.
PHONE = re.compile(r"\+?[0-9 ()\-]+")
PHONE_DIGITS = (3, 20)
PHONE_MAX_LENGTH = 40
#: The msgid shown for a bad phone number (``%(column)s``: the column or field, ``%(phone)s``:
#: the value as typed, quoted).
PHONE_RULE = N_("%(column)s %(phone)s is not a phone number: use only digits, spaces, brackets, "
                "+ and -, with 3 to 20 digits")


def cell(value: T) -> T | str:
    """The value as a spreadsheet should get it: text that starts like a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unescape(value: str) -> str:
    """Undo ``cell``: an imported cell that is a quote and then a formula start loses the quote."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def write_csv(handle: TextIO, rows: Iterable[Iterable[object]]) -> None:
    """Write the rows (the first is the header) as CSV, every cell passed through ``cell``."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerows([cell(value) for value in row] for row in rows)


def to_csv(rows: Iterable[Iterable[object]]) -> str:
    """``write_csv`` to a string."""
    buffer = io.StringIO()
    write_csv(buffer, rows)
    return buffer.getvalue()


def phone_problem(phone: str) -> str | None:
    """``PHONE_RULE`` if ``phone`` is not a phone number, else None."""
    digits = sum(c in "0123456789" for c in phone)
    if (PHONE.fullmatch(phone) and len(phone) <= PHONE_MAX_LENGTH
            and PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]):
        return None
    return PHONE_RULE
