"""Directory files as spreadsheet programs save them: encoding and separator detected, every
problem of every line reported, nothing imported from a file with any problem."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest

from models import csv_input, directory_io
from models.csv_input import Detected, EncodingProblem

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "directory"
KNOWN = directory_io.COLUMNS
NAMES_EN = ["Methadone Clinic, Chamkar Mon", "Drop-in Centre Banan"]


# --- the two services every good fixture holds, however it was saved ---------------------------
@pytest.mark.parametrize(
    ("name", "detected"),
    [
        ("excel_csv_utf8.csv", Detected("utf-8-sig", ",")),
        ("semicolons.csv", Detected("utf-8", ";")),
        ("semicolons_bom.csv", Detected("utf-8-sig", ";")),
        ("excel_unicode_text.txt", Detected("utf-16", "\t")),
    ],
)
def test_a_saved_file_is_read_whatever_its_encoding_and_separator(
    name: str, detected: Detected
) -> None:
    rows, found = directory_io.read_csv_bytes((FIXTURES / name).read_bytes())
    assert found == detected
    assert [r["name_en"] for r in rows] == NAMES_EN  # the comma inside a name kept whole
    assert [r["name_km"] for r in rows] == ["គ្លីនិកមេតាដូន", "មណ្ឌលស្វាគមន៍"]
    assert [r["opening_hours"] for r in rows] == ["Mo-Fr 07:00-11:00", "Mo-Sa 08:00-17:00; PH off"]
    assert [r["is_walk_in"] for r in rows] == [True, False]
    # said to the reader only when it is not the usual UTF-8 with commas
    assert found.is_default == (name == "excel_csv_utf8.csv")


def test_a_latin1_file_is_refused_with_its_line_and_a_fix() -> None:
    with pytest.raises(EncodingProblem) as refused:
        directory_io.read_csv_bytes((FIXTURES / "latin1.csv").read_bytes())
    assert refused.value.values == {"line": "3"}  # "café" is on line 3
    assert "not UTF-8" in str(refused.value)
    assert "CSV UTF-8" in refused.value.hint


# --- decoding ---------------------------------------------------------------------------------
TEXT = "service_type,name_km\r\nmethadone,គ្លីនិក\r\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode(), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode(), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16"),  # no byte-order mark: told by the zero bytes
        (TEXT.encode("utf-16-be"), "utf-16"),
    ],
    ids=["utf-8", "utf-8 bom", "utf-16le bom", "utf-16be bom", "utf-16le", "utf-16be"],
)
def test_decode_reads_utf8_and_utf16_with_or_without_a_bom(data: bytes, encoding: str) -> None:
    assert csv_input.decode(data) == (TEXT, encoding)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ("a,b\r\nx,é\r\n".encode("latin-1"), "2"),
        ("a,b\r\nx,y\r\nz,€\r\n".encode("cp1252"), "3"),
        ("é".encode("latin-1"), "1"),
        (codecs.BOM_UTF8 + b"a,b\nx,\xff\n", "2"),  # marked UTF-8, but is not
        (codecs.BOM_UTF16_LE + "a,b\n".encode("utf-16-le") + b"\x00\xd8", "2"),  # a lone surrogate
    ],
    ids=["latin-1", "cp1252", "first line", "bad after a utf-8 bom", "bad utf-16"],
)
def test_decode_refuses_other_encodings_naming_the_line(data: bytes, line: str) -> None:
    with pytest.raises(EncodingProblem) as refused:
        csv_input.decode(data)
    assert refused.value.values == {"line": line}


# --- the separator ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("first_line", "separator"),
    [
        ("service_type,name_km,phone", ","),
        ("service_type;name_km;phone", ";"),
        ("service_type\tname_km\tphone", "\t"),
        ('"service_type";"name_km";"phone"', ";"),  # quoted names
        (" Service_Type ; NAME_KM ", ";"),  # spaces and capitals
        ("service_type;name_km;phone,fax", ";"),  # three names against one
        ("service_type;name_km,phone", ","),  # one against one: the first of the order
        ("service_type,name_km;phone;is_free", ";"),  # two known names with ; and a ; in one
        ("a;b;c", ";"),  # no known name: the one that occurs most
        ("a,b;c,d", ","),
        ("nothing here", ","),  # none at all: the default
        ("", ","),
        ("service_type", ","),  # a single known column: any, so the default
    ],
)
def test_the_separator_is_the_one_that_splits_the_header_into_known_names(
    first_line: str, separator: str
) -> None:
    assert csv_input.separator(first_line + "\r\nmore,lines;here\r\n", KNOWN) == separator


def test_the_separator_is_found_in_the_header_not_in_the_rows() -> None:
    text = "service_type,name_km\r\n" + "methadone;a;b;c;d;e;f\r\n" * 5
    assert csv_input.separator(text, KNOWN) == ","


def test_a_semicolon_file_is_no_longer_missing_columns() -> None:
    """The reported bug: a semicolon file read with commas was "missing column(s)"."""
    body = "service_type;name_km;name_en;province_code;phone\nmethadone;ក;Clinic;12;012 345 678\n"
    rows = directory_io.read_csv(io.StringIO(body))
    assert rows[0]["name_en"] == "Clinic"
    # a comma forced (as before) would not read it
    with pytest.raises(directory_io.DirectoryFileError) as refused:
        directory_io.read_csv(io.StringIO(body), delimiter=",")
    assert "missing column(s)" in str(refused.value)


# --- every problem of every line ----------------------------------------------------------------
def problems_by_line(error: directory_io.DirectoryFileError) -> dict[int, list[str]]:
    return {e.line: [p.column for p in e.problems] for e in error.errors}


def test_every_problem_of_a_line_is_reported_and_nothing_is_returned() -> None:
    with pytest.raises(directory_io.DirectoryFileError) as refused:
        directory_io.read_csv_bytes((FIXTURES / "several_errors.csv").read_bytes())
    assert problems_by_line(refused.value) == {
        3: ["name_km", "service_type", "phone", "opening_hours"],
        4: ["is_free"],
    }
    assert refused.value.detected == Detected("utf-8", ",")
    english = str(refused.value).splitlines()
    assert english == [
        "line 3: name_km is empty",
        "line 3: service_type 'rehab' is not one of voluntary_treatment, methadone, "
        "needle_exchange, drop_in",
        "line 3: phone '=1+2' is not a phone number: use only digits, spaces, brackets, + and -, "
        "with 3 to 20 digits",
        "line 3: opening_hours: 'whenever': days are Mo Tu We Th Fr Sa Su, ranges like Mo-Fr, and "
        "PH for public holidays. Write days, then times, rules apart by ';', for example Mo-Fr "
        "08:00-17:00; Sa 08:00-12:00; Su off; PH off",
        "line 4: is_free 'maybe' must be yes or no",
    ]


BASE = {"service_type": "methadone", "name_km": "ក", "name_en": "Clinic", "province_code": "12",
        "phone": "012 345 678"}


@pytest.mark.parametrize(
    ("changes", "columns"),
    [
        ({}, []),
        ({"name_km": "", "name_en": "", "phone": ""}, ["name_km", "name_en", "phone"]),
        # a bad province is said once, not again for its district and commune
        ({"province_code": "99", "district_code": "9901", "commune_code": "990101"},
         ["province_code"]),
        ({"province_code": "", "district_code": "1201"}, ["province_code"]),
        ({"district_code": "0203", "latitude": "north", "languages": "khmer"},
         ["district_code", "latitude", "languages"]),
        # one coordinate alone: said once; a bad one is not also "give both"
        ({"latitude": "11.5"}, ["latitude"]),
        ({"latitude": "30", "longitude": "104.9"}, ["latitude"]),
        ({"is_voluntary": "no", "is_full": "perhaps"}, ["is_full", "is_voluntary"]),
        ({"is_voluntary": "maybe"}, ["is_voluntary"]),
        ({"verified_on": "05/12/2026", "opening_hours": "Mo-Fr 17:00-08:00"},
         ["opening_hours", "verified_on"]),
    ],
)
def test_a_row_is_checked_whole(changes: dict[str, str], columns: list[str]) -> None:
    try:
        directory_io._validate({**BASE, **changes})  # noqa: SLF001
    except directory_io.RowProblems as found:
        assert [p.column for p in found.problems] == columns
    else:
        assert columns == []


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("service_type;name_km", "missing column(s): name_en, province_code, phone"),
        ("service_type,name_km,name_en,province_code,phone,email,fax",
         "unknown column(s): email, fax"),
        ("service_type,name_km,name_en,province_code,phone,phone", "column(s) named twice: phone"),
    ],
)
def test_header_problems_name_the_columns(header: str, message: str) -> None:
    with pytest.raises(directory_io.DirectoryFileError) as refused:
        directory_io.read_csv(io.StringIO(header + "\nmethadone,ក,Clinic,12,012\n"))
    assert message in str(refused.value) and str(refused.value).startswith("line 1: ")


def test_a_line_longer_than_the_header_is_said() -> None:
    body = "service_type,name_km,name_en,province_code,phone\nmethadone,ក,Clinic,12,012,extra\n"
    with pytest.raises(directory_io.DirectoryFileError) as refused:
        directory_io.read_csv(io.StringIO(body))
    assert str(refused.value) == "line 2: the line has more cells than the first line has columns"


def test_the_template_file_imports_as_one_sample_service() -> None:
    from webhooks.outreach import import_help

    text = import_help.template_csv()
    header, example = list(csv.reader(io.StringIO(text, newline="")))
    assert header == list(directory_io.COLUMNS)
    rows, detected = directory_io.read_csv_bytes(text.encode())
    assert detected.is_default and len(rows) == 1
    assert rows[0]["is_sample"] is True and rows[0]["name_en"].startswith("[SAMPLE]")
    assert rows[0]["name_km"].startswith("[SAMPLE]") and example[0] == "methadone"


# --- what spreadsheet programs add: empty lines and columns, decimal commas -----------------------
HEADER = "service_type,name_km,name_en,province_code,phone,latitude,longitude"
GOOD_LINE = "methadone,ក,Clinic,12,012 345 678,11.55,104.92"


@pytest.mark.parametrize(
    ("body", "names"),
    [
        # cleared rows saved as separators only, and blank lines: skipped, not problems
        (f"{HEADER}\n{GOOD_LINE}\n,,,,,,\n\n,,,,,,\n", ["Clinic"]),
        # empty columns after the last one (in the header and the rows)
        (f"{HEADER},,\n{GOOD_LINE},,\n", ["Clinic"]),
        # more cells than the header, all empty
        (f"{HEADER}\n{GOOD_LINE},,,\n", ["Clinic"]),
        # decimal commas, as a spreadsheet set to them writes (so with semicolons)
        (f"{HEADER.replace(',', ';')}\nmethadone;ក;Decimal;12;012 345 678;11,55;104,92\n",
         ["Decimal"]),
    ],
    ids=["empty lines", "empty columns", "empty extra cells", "decimal commas"],
)
def test_what_spreadsheets_add_is_no_problem(body: str, names: list[str]) -> None:
    rows, _detected = directory_io.read_csv_bytes(body.encode())
    assert [r["name_en"] for r in rows] == names
    assert (rows[0]["latitude"], rows[0]["longitude"]) == (11.55, 104.92)


@pytest.mark.parametrize(
    ("body", "english"),
    [
        (f"{HEADER},\n{GOOD_LINE},lost?\n",
         "line 2: the line has a value in a column with no name"),
        (f"{HEADER}\n{GOOD_LINE},,lost?\n",
         "line 2: the line has more cells than the first line has columns"),
        (f"{HEADER}\n,,,,,,\n", "line 1: the file has no rows"),
    ],
    ids=["value under no name", "value past the header", "only empty lines"],
)
def test_a_value_with_no_column_is_never_dropped(body: str, english: str) -> None:
    with pytest.raises(directory_io.DirectoryFileError) as refused:
        directory_io.read_csv_bytes(body.encode())
    assert str(refused.value) == english
