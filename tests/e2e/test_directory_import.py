"""In a browser, on the Khmer dashboard: a file with several problems on a line shows every one
of them in Khmer (and imports nothing); the template file downloads and imports back."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from core.catalogs import translations
from core.vocabulary import Locale
from models import directory_io
from models import spreadsheet as cells
from tests.e2e.live import LiveServer
from tests.e2e.test_dashboard import log_in, page  # noqa: F401  (``page``: the checked browser tab)
from tests.webhooks.outreach.helpers import ADMIN

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "directory"
KM = translations(Locale.KM)


def column(name: str, label: str) -> str:
    """A column as the Khmer page shows it: the header name, then its meaning."""
    return f"{name} ({KM.gettext(label)})"


def test_import_errors_are_all_in_khmer_and_the_template_downloads(
    live: LiveServer, page: Any, tmp_path: Path  # noqa: F811
) -> None:
    base = live.url
    log_in(page, base, ADMIN, "km")
    page.goto(f"{base}/outreach/directory")
    before = page.inner_text("[data-testid=directory-table]")
    page.goto(f"{base}/outreach/directory/import")

    # Line 3 has four problems, line 4 one: every one of them, in Khmer.
    page.set_input_files("input[name=file]", str(FIXTURES / "several_errors.csv"))
    page.click("[data-testid=import-submit]")
    lines = page.locator("[data-testid=import-line]")
    assert lines.count() == 2
    third = lines.nth(0).locator("[data-testid=import-problem]").all_inner_texts()
    fourth = lines.nth(1).locator("[data-testid=import-problem]").all_inner_texts()
    hours = KM.gettext("%(column)s: %(reason)s.") % {
        "column": column("opening_hours", "Opening hours"),
        "reason": KM.gettext("%(part)s: days are Mo Tu We Th Fr Sa Su, ranges like Mo-Fr, and PH "
                             "for public holidays") % {"part": "'whenever'"},
    }
    assert [p.strip() for p in third] == [
        KM.gettext("%(column)s is empty") % {"column": column("name_km", "Name in Khmer")},
        KM.gettext("%(column)s %(value)s is not one of %(choices)s") % {
            "column": column("service_type", "Type of service"), "value": "'rehab'",
            "choices": "voluntary_treatment, methadone, needle_exchange, drop_in"},
        KM.gettext(cells.PHONE_RULE) % {"column": column("phone", "Phone"), "phone": "'=1+2'"},
        hours + " " + KM.gettext(directory_io.HOURS_HINT),
    ]
    assert [p.strip() for p in fourth] == [
        KM.gettext("%(column)s %(value)s must be yes or no") % {
            "column": column("is_free", "Free of charge"), "value": "'maybe'"}]
    box = page.inner_text("[data-testid=import-errors]")
    assert KM.gettext("Line %(line)s:") % {"line": 3} in box
    assert KM.gettext("Lines with an error: %(num)s. Nothing was imported.") % {"num": 2} in box
    for english in ("Line", "is empty", "is not one of", "phone number", "days are", "Write days",
                    "must be yes or no", "Nothing was imported"):
        assert english not in box, english

    # Nothing was imported.
    page.goto(f"{base}/outreach/directory")
    assert page.inner_text("[data-testid=directory-table]") == before

    # The template: downloaded from the import page, it reads back as one SAMPLE service.
    page.goto(f"{base}/outreach/directory/import")
    with page.expect_download() as download:
        page.click("[data-testid=import-template]")
    assert download.value.suggested_filename == "sangkhim-directory-template.csv"
    saved = tmp_path / "template.csv"
    download.value.save_as(saved)
    header, example = list(csv.reader(io.StringIO(saved.read_text("utf-8-sig"), newline="")))
    assert header == list(directory_io.COLUMNS)
    assert dict(zip(header, example))["is_sample"] == "yes"
    page.set_input_files("input[name=file]", str(saved))
    page.click("[data-testid=import-submit]")
    page.wait_for_url("**/outreach/directory")
    assert KM.gettext("Imported %(count)s services.") % {"count": 1} in page.inner_text("body")
