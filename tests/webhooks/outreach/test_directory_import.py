"""The import page in Khmer and English: files as spreadsheet programs save them, every problem
of every line in the page's language, what was detected, the template file."""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.catalogs import translations
from core.vocabulary import Locale
from models import csv_input, directory_io
from models import spreadsheet as cells
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, post
from tests.webhooks.outreach.test_directory import count, import_errors, logged_in

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "directory"
KM = translations(Locale.KM)
EN = translations(Locale.EN)


def client_in(app: Flask, locale: str) -> FlaskClient:
    client = logged_in(app, ADMIN, "admin")
    post(client, "/outreach/language", {"locale": locale}, page="/outreach/directory")
    return client


def send(client: FlaskClient, name: str, data: bytes | None = None):  # type: ignore[no-untyped-def]
    body = (FIXTURES / name).read_bytes() if data is None else data
    return post(client, "/outreach/directory/import",
                {"file": (io.BytesIO(body), name), "file_format": "auto"},
                page="/outreach/directory/import", content_type="multipart/form-data")


def visible(page: str) -> str:
    """The page's text as read: tags out, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.split("<body>", 1)[1]))


@pytest.mark.parametrize(
    ("name", "detected"),
    [("excel_csv_utf8.csv", None), ("semicolons.csv", csv_input.Detected("utf-8", ";")),
     ("excel_unicode_text.txt", csv_input.Detected("utf-16", "\t"))],
)
def test_saved_files_import_and_what_was_detected_is_said(
    app: Flask, name: str, detected: csv_input.Detected | None
) -> None:
    client = client_in(app, "km")
    response = send(client, name)
    assert response.status_code == 302 and count(app) == 2
    listing = visible(client.get("/outreach/directory").get_data(as_text=True))
    assert KM.gettext("Imported %(count)s services.") % {"count": 2} in listing
    note = KM.gettext("The file was read as %(encoding)s, with cells separated by %(separator)s.")
    if detected is None:
        assert note.split("%")[0] not in listing
    else:
        assert note % {"encoding": KM.gettext(csv_input.ENCODING_NAMES[detected.encoding]),
                       "separator": KM.gettext(csv_input.SEPARATOR_NAMES[detected.separator])
                       } in listing


@pytest.mark.parametrize("locale", ["km", "en"])
def test_a_file_in_another_encoding_is_refused_with_a_fix(app: Flask, locale: str) -> None:
    catalog = KM if locale == "km" else EN
    response = send(client_in(app, locale), "latin1.csv")
    assert response.status_code == 400 and count(app) == 0
    text = visible(response.get_data(as_text=True))
    assert catalog.gettext("The file is not UTF-8 text (from line %(line)s on): it was saved in "
                           "another encoding, which can lose Khmer letters.") % {"line": 3} in text
    assert catalog.gettext(csv_input.SAVE_AS_HINT) in text


def test_every_problem_of_every_line_is_in_khmer(app: Flask) -> None:
    response = send(client_in(app, "km"), "several_errors.csv")
    assert response.status_code == 400 and count(app) == 0
    page = response.get_data(as_text=True)
    errors = {line: [visible("<body>" + p) for p in found]
              for line, found in import_errors(page).items()}

    def column(name: str, label: str) -> str:
        return f"{name} ({KM.gettext(label)})"

    hours_reason = KM.gettext("%(part)s: days are Mo Tu We Th Fr Sa Su, ranges like Mo-Fr, and "
                              "PH for public holidays") % {"part": "'whenever'"}
    assert errors == {
        3: [KM.gettext("%(column)s is empty") % {"column": column("name_km", "Name in Khmer")},
            KM.gettext("%(column)s %(value)s is not one of %(choices)s") % {
                "column": column("service_type", "Type of service"), "value": "'rehab'",
                "choices": "voluntary_treatment, methadone, needle_exchange, drop_in"},
            KM.gettext(cells.PHONE_RULE) % {"column": column("phone", "Phone"), "phone": "'=1+2'"},
            KM.gettext("%(column)s: %(reason)s.") % {
                "column": column("opening_hours", "Opening hours"), "reason": hours_reason}
            + " " + KM.gettext(directory_io.HOURS_HINT)],
        4: [KM.gettext("%(column)s %(value)s must be yes or no") % {
            "column": column("is_free", "Free of charge"), "value": "'maybe'"}],
    }
    text = visible(page)
    assert KM.gettext("Line %(line)s:") % {"line": 3} in text
    assert KM.gettext("Lines with an error: %(num)s. Nothing was imported.") % {"num": 2} in text
    # none of the English of these messages is left on the Khmer page
    for english in ("is empty", "is not one of", "is not a phone number", "days are",
                    "Write days", "must be yes or no", "Line 3", "Nothing was imported"):
        assert english not in text, english


def test_header_problems_name_each_column_with_its_meaning(app: Flask) -> None:
    body = "service_type;name_km;email\nmethadone;ក;x@example.org\n".encode()
    response = send(client_in(app, "km"), "header.csv", body)
    assert response.status_code == 400
    [missing, unknown] = import_errors(response.get_data(as_text=True))[1]
    assert (f"<code>name_en</code> ({KM.gettext('Name in English')}), "
            f"<code>province_code</code> ({KM.gettext('Province')}), "
            f"<code>phone</code> ({KM.gettext('Phone')})") in missing
    assert "<code>email</code>" in unknown  # not a column: no meaning to give
    assert KM.gettext(directory_io.HEADER_HINT) in html.unescape(missing)


@pytest.mark.parametrize("locale", ["km", "en"])
def test_the_page_explains_every_column_and_offers_the_template(app: Flask, locale: str) -> None:
    catalog = KM if locale == "km" else EN
    page = client_in(app, locale).get("/outreach/directory/import").get_data(as_text=True)
    table = page.split('data-testid="import-columns"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td><code>(\w+)</code></td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    assert [r[0] for r in rows] == list(directory_io.COLUMNS)
    meanings = dict((name, html.unescape(meaning)) for name, meaning, _how in rows)
    assert meanings["phone"].startswith(catalog.gettext("Phone"))
    assert catalog.gettext("required") in meanings["phone"]
    assert catalog.gettext("required") not in meanings["address_km"]
    hows = dict((name, html.unescape(how)) for name, _meaning, how in rows)
    assert hows["opening_hours"] == catalog.gettext(directory_io.HOURS_HINT)
    assert 'href="/outreach/directory/template.csv"' in page
    assert "<code>12</code> " + ("រាជធានីភ្នំពេញ" if locale == "km" else "Phnom Penh") in page


def test_the_template_is_a_safe_csv_download_for_admins(app: Flask) -> None:
    with client_in(app, "km").get("/outreach/directory/template.csv") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="sangkhim-directory-template.csv"')
        text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # spreadsheet programs then read Khmer as UTF-8
    header, example = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert header == list(directory_io.COLUMNS)
    assert all(not c.startswith(cells.FORMULA_START) for c in header + example)
    assert dict(zip(header, example))["is_sample"] == "yes"
    worker = logged_in(app, OUTREACH, "outreach")
    assert worker.get("/outreach/directory/template.csv").status_code == 403


def test_the_template_filled_in_imports(app: Flask) -> None:
    client = client_in(app, "en")
    with client.get("/outreach/directory/template.csv") as response:
        body = response.get_data()
    assert send(client, "template.csv", body).status_code == 302 and count(app) == 1


def test_what_the_file_says_is_shown_as_text_never_as_markup(app: Flask) -> None:
    body = ("service_type,name_km,name_en,province_code,phone,<b>bold</b>\n"
            "methadone,ក,Clinic,12,012,x\n").encode()
    client = client_in(app, "km")
    header = send(client, "h.csv", body).get_data(as_text=True)
    assert "<code>&lt;b&gt;bold&lt;/b&gt;</code>" in header and "<b>bold</b>" not in header
    body = ("service_type,name_km,name_en,province_code,phone,opening_hours\n"
            "<i>rehab</i>,ក,Clinic,12,012,<script>x</script>\n").encode()
    page = send(client, "v.csv", body).get_data(as_text=True)
    assert "&#39;&lt;i&gt;rehab&lt;/i&gt;&#39;" in page and "<i>rehab</i>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
