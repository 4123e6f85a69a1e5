"""Read an SQLite table's rows where they lie in the file, as a forensic reader would.

A table's logical order (its key) is not the only order a file keeps: inside each b-tree page,
SQLite writes a new cell just below the ones already there, so the byte offsets of the cells of
one page say which was written first, until the page is rebuilt (a split, a defragmentation).
This reads the pages of one table (its b-tree, interior pages included: the cells of a
``WITHOUT ROWID`` table's interior pages are whole rows too) and returns every row with the
page and offset it was found at. Only what the tests need: no overflow pages (rows are short)
and the file's pages alone, so checkpoint the write-ahead log first.

See https://www.sqlite.org/fileformat2.html ("B-tree Pages", "Record Format").
"""

from __future__ import annotations

import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INDEX_INTERIOR, TABLE_INTERIOR, INDEX_LEAF, TABLE_LEAF = 2, 5, 10, 13


@dataclass(frozen=True)
class StoredCell:
    page: int
    offset: int
    values: tuple[Any, ...]


def stored_cells(path: Path, table: str) -> list[StoredCell]:
    """Every row of ``table`` with where it lies in the database file (checkpointed first)."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = connection.execute(
            "SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()[0]
    data = path.read_bytes()
    page_size = struct.unpack(">H", data[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    usable = page_size - data[20]
    found: list[StoredCell] = []
    pages = [root]
    while pages:
        number = pages.pop()
        start = (number - 1) * page_size
        header = start + (100 if number == 1 else 0)
        kind = data[header]
        count = struct.unpack(">H", data[header + 3:header + 5])[0]
        interior = kind in (INDEX_INTERIOR, TABLE_INTERIOR)
        if interior:
            pages.append(struct.unpack(">I", data[header + 8:header + 12])[0])
        pointers = header + (12 if interior else 8)
        for i in range(count):
            offset = struct.unpack(">H", data[pointers + 2 * i:pointers + 2 * i + 2])[0]
            at = start + offset
            if interior:
                pages.append(struct.unpack(">I", data[at:at + 4])[0])
                at += 4
            if kind == TABLE_INTERIOR:
                continue  # a rowid table's interior cells hold keys only
            size, at = _varint(data, at)
            if kind == TABLE_LEAF:
                _rowid, at = _varint(data, at)
            if size > usable - 35:  # pragma: no cover - the tests' rows are short
                raise ValueError("row spills to an overflow page")
            found.append(StoredCell(number, offset, _record(data[at:at + size])))
    return found


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = data[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    raise AssertionError("unreachable")


def _record(payload: bytes) -> tuple[Any, ...]:
    header_size, at = _varint(payload, 0)
    types = []
    while at < header_size:
        serial, at = _varint(payload, at)
        types.append(serial)
    body = header_size
    values: list[Any] = []
    for serial in types:
        if serial == 0:
            values.append(None)
        elif serial in (8, 9):
            values.append(serial - 8)
        elif 1 <= serial <= 6:
            width = (1, 2, 3, 4, 6, 8)[serial - 1]
            values.append(int.from_bytes(payload[body:body + width], "big", signed=True))
            body += width
        elif serial == 7:
            values.append(struct.unpack(">d", payload[body:body + 8])[0])
            body += 8
        else:
            width = (serial - 12) // 2 if serial % 2 == 0 else (serial - 13) // 2
            raw = payload[body:body + width]
            values.append(raw if serial % 2 == 0 else raw.decode("utf-8"))
            body += width
    return tuple(values)


def layout(cells: list[StoredCell]) -> list[tuple[tuple[int, tuple[Any, ...]], ...]]:
    """The file's arrangement of rows, page numbers aside: for every page, which row lies at
    which offset."""
    pages: dict[int, list[tuple[int, tuple[Any, ...]]]] = {}
    for cell in cells:
        pages.setdefault(cell.page, []).append((cell.offset, cell.values))
    return sorted(tuple(sorted(page)) for page in pages.values())


def written_in_key_order(path: Path, table: str, scratch: Path) -> list[StoredCell]:
    """The cells ``table`` of ``path`` would have if its rows had been written into an empty
    table in the order of their key, in one transaction (a fresh file at ``scratch``, with the
    same page size and the table's own CREATE statement)."""
    with sqlite3.connect(path) as source:
        create = source.execute(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()[0]
        page_size = source.execute("PRAGMA page_size").fetchone()[0]
        rows = source.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - a test's table
    rows.sort(key=lambda row: row[0])
    target = sqlite3.connect(scratch)
    try:
        target.execute(f"PRAGMA page_size = {int(page_size)}")
        target.execute(create)
        marks = ", ".join("?" * len(rows[0])) if rows else ""
        with target:
            target.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608
    finally:
        target.close()
    return stored_cells(scratch, table)
