"""Packed columns (bot/packed.py) behave like the lists of strings and numbers they replace."""

from __future__ import annotations

import pytest

from bot.packed import SortedStrings, Strings, hex_dumps, hex_loads

VALUES = ["01", "", "បាត់ដំបង", "Battambang", "x" * 255, "ភូមិ២"]


def test_strings_read_back_as_the_list() -> None:
    packed = Strings(VALUES)
    assert len(packed) == len(VALUES)
    assert list(packed) == VALUES
    assert [packed[i] for i in range(len(VALUES))] == VALUES
    assert packed[-1] == VALUES[-1] and packed[1:3] == VALUES[1:3]
    assert packed.index("Battambang") == 3 and "ភូមិ២" in packed
    assert packed == VALUES and packed == Strings(VALUES) and packed != Strings(VALUES[:-1])
    with pytest.raises(IndexError):
        packed[len(VALUES)]
    with pytest.raises(IndexError):
        packed[-len(VALUES) - 1]


def test_strings_pack_and_unpack() -> None:
    text, lengths = Strings(VALUES).pack()
    assert Strings.unpack(text, lengths) == VALUES
    assert Strings.unpack(*Strings([]).pack()) == []
    with pytest.raises(ValueError):
        Strings.unpack(text + "x", lengths)
    with pytest.raises(ValueError):
        Strings(["x" * 256]).pack()


def test_sorted_strings_find_by_binary_search() -> None:
    words = SortedStrings(["kep", "battambang", "kep", "", "ត្បូងឃ្មុំ"])
    assert list(words) == ["", "battambang", "kep", "ត្បូងឃ្មុំ"]
    assert all(word in words for word in ("", "kep", "battambang", "ត្បូងឃ្មុំ"))
    assert not any(word in words for word in ("ke", "kepp", "a", "zzz", 5))
    assert SortedStrings.unpack(*words.pack()) == list(words)


def test_numbers_as_hexadecimal() -> None:
    numbers = [0, 1, 255, 65_536, 2**32 - 1]
    assert hex_dumps(numbers) == "00000000" "00000001" "000000ff" "00010000" "ffffffff"
    assert list(hex_loads(hex_dumps(numbers))) == numbers
    with pytest.raises(OverflowError):
        hex_dumps([2**32])


def test_sorted_strings_with_equal_crcs_compare_the_strings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot import packed

    monkeypatch.setattr(packed, "_crc", lambda value: 7)  # every string the same CRC
    words = SortedStrings(["kep", "kampot", "takeo"])
    assert all(word in words for word in ("kep", "kampot", "takeo"))
    assert "kandal" not in words
    again = SortedStrings.unpack(*words.pack())
    assert "takeo" in again and "kandal" not in again
