"""Published tables and the writers that take them out of Sangkhim.

Every export — ``flask demand export`` (CSV or DHIS2), ``flask demand report --format csv``, the
dashboard's CSV downloads — is a ``Table`` of rows whose numbers the statistics module has
already protected (``<k``, ``x``), handed to one writer of ``WRITERS``. A new format is one
writer; a new table is one function that returns a ``Table``. No writer computes or protects
anything itself, so a format cannot publish what another hides.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from models import dhis2, spreadsheet


@dataclass(frozen=True)
class Table:
    """A published table: its name, its columns in order, and its rows by column name."""

    name: str
    columns: tuple[str, ...]
    rows: Iterable[Mapping[str, object]]


class FormatError(ValueError):
    """A format that cannot write this table (DHIS2 needs the demand table's places)."""


def write_csv(table: Table, output: TextIO, options: Mapping[str, Any]) -> None:
    """CSV through ``models.spreadsheet`` (no cell can start a formula)."""
    spreadsheet.write_csv(output, [table.columns, *(
        [row.get(column, "") for column in table.columns] for row in table.rows)])


def write_dhis2(table: Table, output: TextIO, options: Mapping[str, Any]) -> None:
    """A DHIS2 data value set (``models.dhis2``); ``options["mapping"]`` gives the UIDs, and
    ``options["report"]``, if given, is told what was left out and why."""
    if table.name != "demand":
        raise FormatError(f"a DHIS2 data value set is made from the demand table, not {table.name}")
    value_set, skipped = dhis2.data_value_set(table.rows, options["mapping"])
    json.dump(value_set, output, ensure_ascii=False, indent=1)
    output.write("\n")
    report: Callable[[str], None] | None = options.get("report")
    if report is not None:
        for reason, count in sorted(skipped.items()):
            report(f"left out: {count} ({reason})")


Writer = Callable[[Table, TextIO, Mapping[str, Any]], None]
WRITERS: dict[str, Writer] = {"csv": write_csv, "dhis2": write_dhis2}


def to_text(table: Table, form: str = "csv", **options: Any) -> str:
    """A table written to a string (a download)."""
    buffer = io.StringIO()
    WRITERS[form](table, buffer, options)
    return buffer.getvalue()
