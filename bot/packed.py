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

import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from typing import overload


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
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
            if index < 0:
                raise IndexError("Strings index out of range")
        bounds = self._bounds
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
    """Distinct strings in sorted order, for membership tests by binary search (about 15
    comparisons among 10,000 strings) where a ``set`` would hold a ``str`` object per item."""

    __slots__ = ()

    def __init__(self, values: Iterable[str] = ()) -> None:
        super().__init__(sorted(set(values)))

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        at = bisect_left(self, value)
        return at < len(self) and self[at] == value


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
