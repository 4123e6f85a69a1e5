"""Many short strings kept as one string and an array of offsets, and whole numbers as arrays.

The gazetteer has about 16,500 units, each with a code and two names, and 20,000 match forms.
As Python lists of ``str`` objects they take about 50 to 100 bytes each (the object's header,
plus two bytes a character for Khmer), and every web worker maps them; packed into one string per
column with an ``array`` of offsets, a column takes its characters and four bytes a value.
Reading an item makes a new ``str`` (a slice), which costs a fraction of a microsecond.

Both are written to the artefact as text that reads back without a Python object per value:
a column of strings as its characters and their lengths in hexadecimal (:meth:`Strings.pack`),
whole numbers as fixed-width hexadecimal (:func:`hex_dumps`).
"""

from __future__ import annotations

import operator
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from typing import cast, overload


class Strings(Sequence[str]):
    """An immutable sequence of strings: one string of all their characters, and where each
    ends (``bounds[i]:bounds[i + 1]`` is item ``i``)."""

    __slots__ = ("_text", "_bounds")

    def __init__(self, values: Iterable[str] = ()) -> None:
        parts = values if isinstance(values, list) else list(values)
        self._text = "".join(parts)
        self._bounds = array("I", accumulate(map(len, parts), initial=0))

    @classmethod
    def unpack(cls, text: str, lengths: str) -> Strings:
        """The strings of :meth:`pack`: all their characters, and each one's length as two
        hexadecimal digits. No Python object is made per string."""
        packed = cls.__new__(cls)
        packed._text = text
        packed._bounds = array("I", accumulate(bytes.fromhex(lengths), initial=0))
        if packed._bounds[-1] != len(text):
            raise ValueError("packed strings: the lengths do not add up to the text")
        return packed

    def pack(self) -> tuple[str, str]:
        """All the characters, and each string's length as two hexadecimal digits (a string
        may have at most 255 characters)."""
        lengths = bytes(b - a for a, b in zip(self._bounds, self._bounds[1:]))  # ValueError >255
        return self._text, lengths.hex()

    def __len__(self) -> int:
        return len(self._bounds) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        bounds = self._bounds
        if type(index) is int and index >= 0:  # the usual case first: read for every match
            return self._text[bounds[index] : bounds[index + 1]]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = operator.index(index)
        if index < 0:
            index += len(self)
            if index < 0:
                raise IndexError("Strings index out of range")
        return self._text[bounds[index] : bounds[index + 1]]

    def __iter__(self) -> Iterator[str]:
        text, bounds = self._text, self._bounds
        for i in range(len(bounds) - 1):
            yield text[bounds[i] : bounds[i + 1]]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Strings):
            return self._text == other._text and self._bounds == other._bounds
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Strings({len(self)} items)"


class SortedStrings(Strings):
    """Distinct strings in sorted order, and a set of them for membership tests that holds no
    ``str`` object per item: each string's CRC-32 in order (an ``array``), with the string's
    number. A test costs a CRC, a binary search in C and a comparison, well under a
    microsecond, where a ``set`` of 10,000 strings would take about 1 MB. The CRCs do not
    change from one process to the next (``hash`` does), so they are written to the artefact
    with the strings and read back as they are (:meth:`pack`, :meth:`unpack`)."""

    __slots__ = ("_crcs", "_numbers")

    def __init__(self, values: Iterable[str] = ()) -> None:
        super().__init__(sorted(set(values)))
        pairs = sorted((_crc(value), number) for number, value in enumerate(self))
        self._crcs = array("I", [crc for crc, _ in pairs])
        self._numbers = array("I", [number for _, number in pairs])

    def pack(self) -> tuple[str, str, str, str]:  # type: ignore[override]
        """As :meth:`Strings.pack`, then the CRCs in order and each one's string's number
        (:func:`hex_dumps`)."""
        return (*super().pack(), hex_dumps(self._crcs), hex_dumps(self._numbers))

    @classmethod
    def unpack(  # type: ignore[override]
        cls, text: str, lengths: str, crcs: str = "", numbers: str = ""
    ) -> SortedStrings:
        packed = cast(SortedStrings, super().unpack(text, lengths))
        packed._crcs, packed._numbers = hex_loads(crcs), hex_loads(numbers)
        if len(packed._crcs) != len(packed) or len(packed._numbers) != len(packed):
            raise ValueError("sorted strings: CRCs or numbers missing")
        return packed

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        wanted = _crc(value)
        crcs = self._crcs
        at = bisect_left(crcs, wanted)
        while at < len(crcs) and crcs[at] == wanted:  # the same CRC: compare the strings
            if self[self._numbers[at]] == value:
                return True
            at += 1
        return False


def _crc(value: str) -> int:
    return zlib.crc32(value.encode("utf-8", "surrogatepass"))


def hex_dumps(numbers: Iterable[int]) -> str:
    """Whole numbers (0 to 2**32 - 1) as eight hexadecimal digits each, big-endian."""
    values = array("I", numbers)
    if sys.byteorder == "little":
        values.byteswap()
    return values.tobytes().hex()


def hex_loads(text: str) -> array[int]:
    """The numbers of :func:`hex_dumps`, as an ``array('I')``."""
    values = array("I")
    values.frombytes(bytes.fromhex(text))
    if sys.byteorder == "little":
        values.byteswap()
    return values
