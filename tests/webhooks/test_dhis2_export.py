"""``flask demand export --format dhis2``: a DHIS2 data value set, checked against DHIS2's
documented format (``tests/fixtures/dhis2/dataValueSet.schema.json``), with every protected
cell left out."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from flask import Flask

from models import dhis2
from tests.conftest import FIXTURES
from tests.webhooks.test_demand_cli import MONDAY, add, cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_MAPPING = ROOT / "data" / "dhis2_mapping.sample.json"
SCHEMA = json.loads((FIXTURES / "dhis2" / "dataValueSet.schema.json").read_text())
WEEK = f"{MONDAY.isocalendar()[0]}W{MONDAY.isocalendar()[1]}"


def test_the_data_value_set_matches_dhis2s_format_and_the_csv(app: Flask) -> None:
    add(app, "1602", "methadone", "served_farther", 8)
    add(app, "1602", "methadone", "no_service", 2)
    code, out, err = cli(app, "export", "--format", "dhis2", "--mapping", str(SAMPLE_MAPPING),
                         "--level", "district")
    assert code == 0, err
    value_set = json.loads(out)
    jsonschema.validate(value_set, SCHEMA)
    values = {(v["orgUnit"], v["dataElement"]): v["value"] for v in value_set["dataValues"]}
    assert {v["period"] for v in value_set["dataValues"]} == {WEEK}
    # Ban Lung (1602), methadone: 10 requests, 10 unmet, exactly as the CSV says
    assert values[("SampleD1602", "SmpReqMmt00")] == "10"
    assert values[("SampleD1602", "SmpUnmMmt00")] == "10"
    _, csv_out, _ = cli(app, "export")
    row = next(r for r in csv.DictReader(io.StringIO(csv_out))
               if r["district_code"] == "1602" and r["service_type"] == "methadone")
    assert row["requests"] == "10" and row["no_service"] == "<5"


def test_by_default_dhis2_gets_provinces_with_their_zeros(app: Flask) -> None:
    """Province level by default (most districts' counts are small), and a count shown as 0 is
    sent as 0 — every province, those nobody wrote from included — so that DHIS2 can tell
    "none" from "not reported"; a protected cell is never sent."""
    add(app, "1602", "methadone", "served_farther", 8)
    add(app, "1602", "methadone", "no_service", 2)
    add(app, "1201", "needle_exchange", "served_within_10km", 30)
    code, out, err = cli(app, "export", "--format", "dhis2", "--mapping", str(SAMPLE_MAPPING))
    assert code == 0, err
    value_set = json.loads(out)
    jsonschema.validate(value_set, SCHEMA)
    mapping = dhis2.load_mapping(SAMPLE_MAPPING)
    units = {unit: code for code, unit in mapping.org_units.items()}
    sent = [(units[v["orgUnit"]], v["dataElement"], v["value"]) for v in value_set["dataValues"]]
    assert {len(code) for code, _, _ in sent} == {2}  # provinces only
    assert {code for code, _, _ in sent} == {c for c in mapping.org_units if len(c) == 2}
    requests_all = mapping.data_elements["requests"]["all"]
    by_place = {code: value for code, element, value in sent if element == requests_all}
    assert by_place["16"] == "10" and by_place["12"] == "30" and by_place["11"] == "0"
    assert all(value.isdigit() for _, _, value in sent)  # never "<5" or "x"


def test_a_protected_cell_is_left_out_not_sent_as_a_number() -> None:
    mapping = dhis2.Dhis2Mapping({"02": "OrgUnit0002"},
                                 {"requests": {"all": "DataElem001"}, "unmet": {"all": "DataElem002"}})
    rows = [{"place": "02", "period": "2026-11", "service_type": "all", "requests": 12,
             "unmet": "<5"},
            {"place": "02?", "period": "2026-11", "service_type": "all", "requests": 9,
             "unmet": 7}]
    value_set, skipped = dhis2.data_value_set(rows, mapping)
    jsonschema.validate(value_set, SCHEMA)
    assert value_set["dataValues"] == [{"dataElement": "DataElem001", "period": "202611",
                                        "orgUnit": "OrgUnit0002", "value": "12"}]
    assert skipped["protected or empty cell"] == 1
    assert skipped["place not mapped (or district not known)"] == 1


@pytest.mark.parametrize(("label", "expected"), [
    ("2026-W48", "2026W48"), ("2026-W01", "2026W1"), ("2026-11", "202611"), ("2027-01", "202701"),
])
def test_period_ids_are_dhis2s(label: str, expected: str) -> None:
    assert dhis2.period_id(label) == expected


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "not valid JSON"),
    ('{"orgUnits": {}, "dataElements": {"requests": {"all": "DataElem001"}}}', "orgUnits"),
    ('{"orgUnits": {"02": "short"}, "dataElements": {"requests": {"all": "DataElem001"}}}',
     "is not a DHIS2 UID"),
    ('{"orgUnits": {"Battambang": "OrgUnit0002"}, "dataElements": {"requests": {}}}',
     "not a province or district code"),
    ('{"orgUnits": {"02": "OrgUnit0002"}, "dataElements": {"visits": {"all": "DataElem001"}}}',
     "unknown measure 'visits'"),
])
def test_a_wrong_mapping_file_is_named_and_explained(
    app: Flask, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "mapping.json"
    path.write_text(content, encoding="utf-8")
    code, out, err = cli(app, "export", "--format", "dhis2", "--mapping", str(path))
    assert code == 1 and message in err and str(path) in err and out == ""


def test_dhis2_needs_a_mapping(app: Flask) -> None:
    code, _, err = cli(app, "export", "--format", "dhis2")
    assert code == 2 and "--mapping" in err


def test_the_sample_mapping_loads_and_names_every_province() -> None:
    mapping = dhis2.load_mapping(SAMPLE_MAPPING)
    assert sum(len(code) == 2 for code in mapping.org_units) == 25


def test_every_export_is_a_published_table_written_by_one_writer(app: Flask) -> None:
    """CSV, DHIS2 and the report's CSV share ``models.publish``: the same protected rows."""
    from models import publish

    add(app, "1602", "methadone", "served_farther", 8)
    add(app, "1602", "methadone", "no_service", 2)
    _, csv_out, _ = cli(app, "export")
    _, report_csv, _ = cli(app, "report", "--format", "csv")
    ranking = list(csv.DictReader(io.StringIO(report_csv)))
    assert ranking[0]["district_code"] == "1602" and ranking[0]["unmet"] == "10"
    assert ranking[0]["no_service"] == "<5" and "?" not in report_csv
    table = publish.Table("unmet", ("a",), [{"a": "=1+1"}])
    assert publish.to_text(table) == "a\r\n'=1+1\r\n"  # the one CSV writer quotes formulas
    with pytest.raises(publish.FormatError):
        publish.to_text(table, "dhis2", mapping=None)
