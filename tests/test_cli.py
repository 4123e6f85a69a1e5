"""The command-line interface (README, "Command line"), through ``app.test_cli_runner()``, on SQLite
and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, inspect, select

from models import Conversation, ProcessedMessage, Service
from models import migrate as migrations
from models.base import make_engine
from models.directory_io import COLUMNS
from webhooks.timesource import Pinned


def cli(app: Flask, *args: str, input: str | None = None) -> Result:
    return app.test_cli_runner().invoke(args=list(args), input=input)


def service_count(app: Flask, **where: Any) -> int:
    with app.extensions["sangkhim.db"].sessions() as session:
        query = select(func.count()).select_from(Service).filter_by(**where)
        return int(session.scalar(query) or 0)


# --- flask classify ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "kompong som",
            {"intent": "location", "locale": "km", "place": {"level": "province", "code": "18"}},
        ),
        ("needle exchange Battambang",
         {"intent": "find_needle_exchange", "locale": "en", "place": {"level": "province", "code": "02"}}),
        ("ឈប់", {"intent": "stop", "locale": "km", "place": None}),
        ("methadone overdose help", {"intent": "emergency", "locale": "en", "place": None}),
    ],
)
def test_classify_prints_one_json_line(app: Flask, text: str, expected: dict[str, Any]) -> None:
    result = cli(app, "classify", text)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == expected


def test_classify_jsonl_reads_one_message_per_line_from_stdin(app: Flask) -> None:
    messages = ["hello", "១", "ខេត្តសៀមរាប", "is it free", "", "asdfgh"]
    result = cli(app, "classify", "--jsonl", "-", input="\n".join(messages) + "\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["intent"] for r in rows] == ["menu", "menu", "location", "faq_cost", "unknown", "unknown"]
    assert rows[2]["place"] == {"level": "province", "code": "17"}
    assert rows[2]["locale"] == "km" and rows[3]["locale"] == "en"
    assert all(set(r) == {"intent", "locale", "place"} for r in rows)


def test_classify_takes_64_kb_lines(app: Flask) -> None:
    """Hostile input is bounded: 64 KB of one Khmer letter, of place names, or a long story
    with an emergency near its end, each get an answer (once, this took minutes)."""
    messages = ["ក" * 65_536, ("ភ្នំពេញ " * 10_000)[:65_536],
                "blah " * 700 + "he is not breathing" + " ok" * 20_000]
    result = cli(app, "classify", "--jsonl", "-", input="\n".join(messages) + "\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3
    assert rows[1]["place"] == {"level": "province", "code": "12"}
    assert rows[2]["intent"] == "emergency"


def test_classify_needs_text_or_jsonl(app: Flask) -> None:
    assert cli(app, "classify").exit_code != 0
    assert cli(app, "classify", "hi", "--jsonl", "-", input="hi\n").exit_code != 0


# --- flask directory import / export ------------------------------------------------------------

GOOD = {
    "service_type": "voluntary_treatment",
    "name_km": "គ្លីនិកសហគមន៍ បាណន់",
    "name_en": "Banan Community Clinic",
    "address_km": "ភូមិក្រូចឆ្មារ, បាណន់",
    "address_en": "Krouch Chhmar village, Banan",
    "province_code": "02",
    "district_code": "0201",
    "commune_code": "",
    "latitude": "13.0957",
    "longitude": "103.2022",
    "phone": "012 345 678",
    "opening_hours": "Mo-Fr 08:00-17:00",
    "languages": "km,en",
    "is_free": "yes",
    "is_voluntary": "yes",
    "is_walk_in": "no",
    "is_full": "no",
    "is_sample": "no",
}
GOOD_METHADONE = {
    **GOOD,
    "service_type": "methadone",
    "name_km": "គ្លីនិកមេតាដូន",
    "name_en": "Methadone Clinic, \"Khmer-Soviet\"",  # a comma and quotes, to exercise CSV quoting
    "province_code": "12",
    "district_code": "",
    "latitude": "",
    "longitude": "",
    "phone": "023 000 111",
    "is_walk_in": "yes",
}


def write_csv(
    path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = COLUMNS
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


BAD_ROWS = [
    # label, changes to a good row, reason fragment
    ("unknown service type", {"service_type": "rehab_centre"}, "service_type 'rehab_centre' is not one of"),
    ("bad province code", {"province_code": "99", "district_code": ""}, "province_code '99'"),
    ("district not in the province", {"district_code": "1201"},
     "district_code '1201' is not a district of province 02"),
    ("latitude outside cambodia", {"latitude": "20.5"}, "latitude 20.5 is outside Cambodia"),
    ("longitude outside cambodia", {"longitude": "99.1"}, "longitude 99.1 is outside Cambodia"),
    ("latitude not a number", {"latitude": "north"}, "latitude 'north' is not a number"),
    ("not voluntary", {"is_voluntary": "no"}, "Sangkhim lists voluntary services only"),
    ("flag not yes or no", {"is_free": "maybe"}, "is_free 'maybe' must be yes or no"),
    ("empty required value", {"name_en": ""}, "name_en is empty"),
    ("opening hours not understood", {"opening_hours": "weekdays 8-5"},
     "opening_hours: 'weekdays'"),
    ("closing before opening", {"opening_hours": "Mo-Fr 17:00-08:00"},
     "opening_hours: '17:00-08:00': times are HH:MM-HH:MM, opening before closing"),
    ("language not a code", {"languages": "khmer"}, "languages khmer: use two-letter codes"),
    ("public holidays not understood", {"opening_hours": "Mo-Fr 08:00-17:00; PH closed"},
     "opening_hours: 'closed': times are HH:MM-HH:MM, opening before closing. Write days, "
     "then times, rules apart by ';', for example Mo-Fr 08:00-17:00; Sa 08:00-12:00; Su off; "
     "PH off"),
    ("public holidays misspelt", {"opening_hours": "Mo-Fr 08:00-17:00; PHs off"},
     "opening_hours: 'PHs': days are Mo Tu We Th Fr Sa Su, ranges like Mo-Fr, and PH for "
     "public holidays"),
]


@pytest.mark.parametrize(("changes", "reason"), [c[1:] for c in BAD_ROWS], ids=[c[0] for c in BAD_ROWS])
def test_import_refuses_a_bad_row_and_imports_nothing(
    sample_app: Flask, tmp_path: Path, changes: dict[str, str], reason: str
) -> None:
    before = service_count(sample_app)
    path = write_csv(tmp_path / "services.csv", [GOOD, {**GOOD, **changes}, GOOD_METHADONE])
    result = cli(sample_app, "directory", "import", str(path))
    assert result.exit_code != 0
    assert f"line 3: {reason}" in result.stderr
    assert "line 2" not in result.stderr and "line 4" not in result.stderr
    assert "nothing imported" in result.stderr
    assert service_count(sample_app) == before


def test_import_reports_every_bad_row_with_its_line(sample_app: Flask, tmp_path: Path) -> None:
    rows = [GOOD] + [{**GOOD, **changes} for _label, changes, _reason in BAD_ROWS] + [GOOD_METHADONE]
    path = write_csv(tmp_path / "services.csv", rows)
    before = service_count(sample_app)
    result = cli(sample_app, "directory", "import", str(path))
    assert result.exit_code != 0
    for line, (_label, _changes, reason) in enumerate(BAD_ROWS, start=3):
        assert f"line {line}: {reason}" in result.stderr
    assert f"{len(BAD_ROWS)} invalid row(s)" in result.stderr
    assert service_count(sample_app) == before


@pytest.mark.parametrize(
    ("columns", "reason"),
    [
        ([c for c in COLUMNS if c != "phone"], "line 1: missing column(s): phone"),
        ([c for c in COLUMNS if c not in ("service_type", "province_code")],
         "line 1: missing column(s): service_type, province_code"),
        ([*COLUMNS, "email"], "line 1: unknown column(s): email"),
    ],
    ids=["missing phone", "missing two", "unknown column"],
)
def test_import_refuses_a_bad_header(
    sample_app: Flask, tmp_path: Path, columns: list[str], reason: str
) -> None:
    path = write_csv(tmp_path / "services.csv", [GOOD], columns)
    before = service_count(sample_app)
    result = cli(sample_app, "directory", "import", str(path))
    assert result.exit_code != 0
    assert reason in result.stderr
    assert service_count(sample_app) == before


def test_import_refuses_an_empty_file(app: Flask, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "services.csv", [])
    result = cli(app, "directory", "import", str(path))
    assert result.exit_code != 0
    assert "no rows" in result.stderr
    assert service_count(app) == 0


def test_import_of_a_missing_file_fails(app: Flask, tmp_path: Path) -> None:
    result = cli(app, "directory", "import", str(tmp_path / "nope.csv"))
    assert result.exit_code != 0
    assert "no such file" in result.output


def test_import_of_a_good_file(sample_app: Flask, tmp_path: Path) -> None:
    before = service_count(sample_app)
    path = write_csv(tmp_path / "services.csv", [GOOD, GOOD_METHADONE])
    result = cli(sample_app, "directory", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 2 services" in result.stdout
    assert service_count(sample_app) == before + 2
    assert service_count(sample_app, is_sample=False) == 2
    with sample_app.extensions["sangkhim.db"].sessions() as session:
        clinic = session.scalars(select(Service).filter_by(name_en=GOOD["name_en"])).one()
        assert (clinic.province_code, clinic.district_code, clinic.commune_code) == ("02", "0201", None)
        assert (clinic.latitude, clinic.longitude) == (13.0957, 103.2022)
        assert clinic.name_km == GOOD["name_km"]
        flags = (clinic.is_free, clinic.is_voluntary, clinic.is_walk_in, clinic.is_full)
        assert flags == (True, True, False, False)
        query = select(Service).filter_by(service_type="methadone", is_sample=False)
        methadone = session.scalars(query).one()
        assert methadone.name_en == GOOD_METHADONE["name_en"]
        assert methadone.is_walk_in is True and methadone.district_code is None


def test_sample_import_twice_does_not_duplicate(app: Flask) -> None:
    first = cli(app, "directory", "import", "--sample")
    assert first.exit_code == 0, first.output
    count = service_count(app)
    assert count > 0
    assert service_count(app, is_sample=True) == count
    second = cli(app, "directory", "import", "--sample")
    assert second.exit_code == 0, second.output
    assert service_count(app) == count


def test_imports_are_kept_in_the_directory_history(
    app: Flask, clock: Pinned, tmp_path: Path
) -> None:
    """``--sample`` and ``--replace`` write the history, dated by the app's clock (a deletion
    by the database's: models/directory_history.py)."""
    from models import ServiceHistory
    from models.directory_history import services_as_of
    from models.stats import directory_services

    assert cli(app, "directory", "import", "--sample").exit_code == 0
    imported_at = clock()
    with app.extensions["sangkhim.db"].sessions() as session:
        samples = sorted(directory_services(session, True), key=lambda s: s.id)
        assert samples and services_as_of(session, imported_at, True) == samples
        assert services_as_of(session, imported_at - timedelta(seconds=1), True) == []
        assert set(session.scalars(select(ServiceHistory.valid_from))) == {imported_at}
    clock.advance(timedelta(days=1))
    assert cli(app, "directory", "import", "--replace",
               str(write_csv(tmp_path / "s.csv", [GOOD]))).exit_code == 0
    with app.extensions["sangkhim.db"].sessions() as session:
        assert [s.name_en for s in services_as_of(session, clock(), True)] == [GOOD["name_en"]]
        kept = session.scalars(select(ServiceHistory)).all()
        assert len(kept) == len(samples) + 1  # the samples' history stays
        assert sum(h.valid_to is None for h in kept) == 1


def test_sample_import_keeps_real_services(sample_app: Flask, tmp_path: Path) -> None:
    assert cli(sample_app, "directory", "import", str(write_csv(tmp_path / "s.csv", [GOOD]))).exit_code == 0
    samples = service_count(sample_app, is_sample=True)
    assert cli(sample_app, "directory", "import", "--sample").exit_code == 0
    assert service_count(sample_app, is_sample=False) == 1
    assert service_count(sample_app, is_sample=True) == samples


def test_import_needs_a_file_or_sample(app: Flask, tmp_path: Path) -> None:
    assert cli(app, "directory", "import").exit_code != 0
    path = write_csv(tmp_path / "s.csv", [GOOD])
    assert cli(app, "directory", "import", str(path), "--sample").exit_code != 0
    assert service_count(app) == 0


def test_export_round_trips_through_import(sample_app: Flask, tmp_path: Path) -> None:
    own = write_csv(tmp_path / "s.csv", [GOOD, GOOD_METHADONE])
    assert cli(sample_app, "directory", "import", str(own)).exit_code == 0
    count = service_count(sample_app)
    first = cli(sample_app, "directory", "export")
    assert first.exit_code == 0, first.output
    exported = first.stdout
    header, *rows = list(csv.reader(io.StringIO(exported)))
    assert tuple(header) == COLUMNS
    assert len(rows) == count

    path = tmp_path / "export.csv"
    path.write_text(exported, encoding="utf-8")
    again = cli(sample_app, "directory", "import", "--replace", str(path))
    assert again.exit_code == 0, again.output
    assert service_count(sample_app) == count
    assert service_count(sample_app, is_sample=False) == 2
    second = cli(sample_app, "directory", "export", "-o", str(tmp_path / "second.csv"))
    assert second.exit_code == 0, second.output
    assert (tmp_path / "second.csv").read_text(encoding="utf-8") == exported


def test_hsds_export_round_trips_through_import(sample_app: Flask, tmp_path: Path) -> None:
    """Open Referral HSDS-style JSON: services with phones, schedules, languages, locations."""
    own = write_csv(tmp_path / "s.csv", [GOOD, GOOD_METHADONE])
    assert cli(sample_app, "directory", "import", str(own)).exit_code == 0
    count = service_count(sample_app)
    first = cli(sample_app, "directory", "export", "--format", "hsds")
    assert first.exit_code == 0, first.output
    document = json.loads(first.stdout)
    assert document["hsds_version"] == "3.0" and len(document["services"]) == count
    service = next(s for s in document["services"] if s["name"] == GOOD["name_en"])
    assert service["phones"] == [{"number": GOOD["phone"]}]
    assert service["schedules"][0] == {
        "freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "opens_at": "08:00", "closes_at": "17:00"
    }
    assert {"code": "en"} in service["languages"]

    path = tmp_path / "export.json"
    path.write_text(first.stdout, encoding="utf-8")
    again = cli(sample_app, "directory", "import", "--replace", str(path))
    assert again.exit_code == 0, again.output
    assert service_count(sample_app) == count
    second = cli(sample_app, "directory", "export", "--format", "hsds")

    def without_ids(text: str) -> list[dict[str, Any]]:
        return [{k: v for k, v in s.items() if k != "id"} for s in json.loads(text)["services"]]

    assert without_ids(second.stdout) == without_ids(first.stdout)


def test_public_holiday_rules_import_and_export_round_trip(
    sample_app: Flask, tmp_path: Path
) -> None:
    """``PH off`` and ``PH 07:00-09:00`` are accepted (a holiday rule is kept last); HSDS has no
    weekly schedule for them, so they stay out of ``schedules`` and live on, whole, in
    ``x_sangkhim.opening_hours``: the export imports back unchanged."""
    rows = [{**GOOD, "opening_hours": "PH off; Mo-Fr 08:00-17:00"},
            {**GOOD_METHADONE, "opening_hours": "Mo-Su 07:00-11:00; PH 07:00-09:00"}]
    result = cli(sample_app, "directory", "import", str(write_csv(tmp_path / "s.csv", rows)))
    assert result.exit_code == 0, result.output
    with sample_app.extensions["sangkhim.db"].sessions() as session:
        stored = dict(session.execute(
            select(Service.name_en, Service.opening_hours).filter_by(is_sample=False)).all())
    assert stored == {GOOD["name_en"]: "Mo-Fr 08:00-17:00; PH off",
                      GOOD_METHADONE["name_en"]: "Mo-Su 07:00-11:00; PH 07:00-09:00"}

    first = cli(sample_app, "directory", "export", "--format", "hsds", "--no-sample")
    assert first.exit_code == 0, first.output
    services = {s["name"]: s for s in json.loads(first.stdout)["services"]}
    clinic, methadone = services[GOOD["name_en"]], services[GOOD_METHADONE["name_en"]]
    assert clinic["schedules"] == [
        {"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "opens_at": "08:00", "closes_at": "17:00"}]
    assert [s["byday"] for s in methadone["schedules"]] == ["MO,TU,WE,TH,FR,SA,SU"]
    assert clinic["x_sangkhim"]["opening_hours"] == "Mo-Fr 08:00-17:00; PH off"

    path = tmp_path / "export.json"
    path.write_text(first.stdout, encoding="utf-8")
    again = cli(sample_app, "directory", "import", "--replace", str(path))
    assert again.exit_code == 0, again.output
    second = cli(sample_app, "directory", "export", "--format", "hsds", "--no-sample")

    def without_ids(text: str) -> list[dict[str, Any]]:
        return [{k: v for k, v in s.items() if k != "id"} for s in json.loads(text)["services"]]

    assert without_ids(second.stdout) == without_ids(first.stdout)


def test_hsds_import_reports_each_bad_service_and_imports_nothing(
    sample_app: Flask, tmp_path: Path
) -> None:
    count = service_count(sample_app)
    document = {"services": [
        {"name": "Good", "alternate_name": "ល្អ", "phones": [{"number": "012"}],
         "x_sangkhim": {"service_type": "methadone", "province_code": "12"}},
        {"name": "Bad type", "alternate_name": "x", "phones": [{"number": "012"}],
         "x_sangkhim": {"service_type": "prison", "province_code": "12"}},
        "not an object",
    ]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = cli(sample_app, "directory", "import", str(path))
    assert result.exit_code != 0
    assert "service 2: service_type 'prison'" in result.stderr
    assert "service 3:" in result.stderr
    assert service_count(sample_app) == count
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", encoding="utf-8")
    result = cli(sample_app, "directory", "import", str(broken))
    assert result.exit_code != 0 and "not valid JSON" in result.stderr
    assert service_count(sample_app) == count


def test_export_without_samples(sample_app: Flask, tmp_path: Path) -> None:
    assert cli(sample_app, "directory", "import", str(write_csv(tmp_path / "s.csv", [GOOD]))).exit_code == 0
    result = cli(sample_app, "directory", "export", "--no-sample")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["name_en"] for r in rows] == [GOOD["name_en"]]
    assert "[SAMPLE]" not in result.stdout


# --- flask purge --------------------------------------------------------------------------------


def insert_state(
    app: Flask, now: datetime, conversations: dict[str, timedelta], inbox: dict[str, timedelta]
) -> None:
    with app.extensions["sangkhim.db"].sessions() as session, session.begin():
        for key, age in conversations.items():
            session.add(
                Conversation(sender_key=key, locale="km", step="menu", data="{}", updated_at=now - age)
            )
        for key, age in inbox.items():
            session.add(ProcessedMessage(inbound_key=key, reply="[]", received_at=now - age))


def remaining(app: Flask) -> tuple[set[str], set[str]]:
    with app.extensions["sangkhim.db"].sessions() as session:
        return (
            set(session.scalars(select(Conversation.sender_key))),
            set(session.scalars(select(ProcessedMessage.inbound_key))),
        )


def test_purge_deletes_exactly_what_expired(app: Flask, clock: Pinned) -> None:
    now = clock()
    insert_state(
        app,
        now,
        {"a" * 64: timedelta(hours=25), "b" * 64: timedelta(days=30),
         "c" * 64: timedelta(hours=23), "d" * 64: timedelta(minutes=1)},
        {"1" * 64: timedelta(days=8), "2" * 64: timedelta(days=6), "3" * 64: timedelta(seconds=5)},
    )
    result = cli(app, "purge")
    assert result.exit_code == 0, result.output
    assert "purged 2 expired conversation(s), 1 processed-message record(s)" in result.stdout
    assert remaining(app) == ({"c" * 64, "d" * 64}, {"2" * 64, "3" * 64})
    again = cli(app, "purge")
    assert "purged 0 expired conversation(s), 0 processed-message record(s)" in again.stdout


def test_purge_follows_the_configured_lifetimes(
    make_app: Callable[..., Flask], clock: Pinned
) -> None:
    app = make_app(STATE_TTL_HOURS=2, PROCESSED_RETENTION_DAYS=1)
    now = clock()
    insert_state(
        app, now,
        {"a" * 64: timedelta(hours=3), "c" * 64: timedelta(hours=1)},
        {"1" * 64: timedelta(days=2), "2" * 64: timedelta(hours=12)},
    )
    assert cli(app, "purge").exit_code == 0
    assert remaining(app) == ({"c" * 64}, {"2" * 64})


# --- flask db upgrade -------------------------------------------------------------------------


def test_db_upgrade_builds_the_schema(app: Flask, db_url: str) -> None:
    tables = {"conversation", "processed_message", "demand_event", "service"}
    engine = make_engine(db_url)
    try:
        assert cli(app, "db", "downgrade", "base").exit_code == 0
        assert not tables & set(inspect(engine).get_table_names())
        result = cli(app, "db", "upgrade")
        assert result.exit_code == 0, result.output
        assert "database at head" in result.stdout
        assert tables <= set(inspect(engine).get_table_names())
        assert cli(app, "db", "upgrade").exit_code == 0  # again: nothing to do, no error
    finally:
        engine.dispose()
        migrations.upgrade(db_url)  # leave the shared database usable whatever happened


def test_db_upgrade_on_a_new_sqlite_file(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    app = make_app(DATABASE_URL=url)
    result = cli(app, "db", "upgrade")
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    try:
        assert {"conversation", "processed_message", "demand_event", "service"} <= set(
            inspect(engine).get_table_names()
        )
    finally:
        engine.dispose()


# --- SAMPLE services stay out of production ---------------------------------------------------


def chat(app: Flask, *lines: str) -> str:
    typed = "".join(f"{line}\n" for line in lines)
    result = cli(app, "chat", "--channel", "telegram", "--locale", "en", input=typed)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_production_does_not_serve_sample_services(
    sample_app: Flask, make_app: Callable[..., Flask]
) -> None:
    production = make_app(SANGKHIM_ENV="production", TESTING=False)
    assert production.config["PRODUCTION"] is True
    assert service_count(production, is_sample=True) > 0

    answer = chat(production, "needle exchange Battambang")
    assert "No service of this kind is listed yet" in answer
    assert "[SAMPLE]" not in answer

    # the same question in development lists the samples, so the difference is the mode
    answer = chat(sample_app, "needle exchange Battambang")
    assert "[SAMPLE]" in answer
    assert "No service of this kind is listed yet" not in answer


def test_production_serves_real_services(
    sample_app: Flask, make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    needle = {
        **GOOD, "service_type": "needle_exchange", "name_en": "Banan Needle Exchange", "phone": "012 999 000"
    }
    own = write_csv(tmp_path / "s.csv", [needle])
    assert cli(sample_app, "directory", "import", str(own)).exit_code == 0
    production = make_app(SANGKHIM_ENV="production", TESTING=False)
    answer = chat(production, "needle exchange Battambang")
    assert "Banan Needle Exchange" in answer and "012 999 000" in answer
    assert "[SAMPLE]" not in answer


# --- development helpers exist only in development --------------------------------------------


def test_dev_commands_do_not_exist_in_production(make_app: Callable[..., Flask]) -> None:
    """``flask dev examples`` prints the Telegram secret and valid Twilio signatures."""
    production = make_app(SANGKHIM_ENV="production", TESTING=False)
    result = cli(production, "dev", "examples")
    assert result.exit_code == 2
    assert "No such command 'dev'" in result.output
    assert production.config["TELEGRAM_WEBHOOK_SECRET"] not in result.output
    listed = cli(production, "--help").output.splitlines()
    assert not [line for line in listed if line.split()[:1] == ["dev"]]


def test_dev_examples_in_development(app: Flask) -> None:
    result = cli(app, "dev", "examples", "--base-url", "http://127.0.0.1:5077/")
    assert result.exit_code == 0, result.output
    secret = app.config["TELEGRAM_WEBHOOK_SECRET"]
    assert f"X-Telegram-Bot-Api-Secret-Token: {secret}" in result.output
    assert "http://127.0.0.1:5077/simulator" in result.output
    # an unset SANGKHIM_ENV is production: the line to paste says development
    assert "SANGKHIM_ENV=development .venv/bin/flask chat" in result.output


# --- files as spreadsheet programs save them (tests/fixtures/directory) ---------------------------
DIRECTORY_FILES = Path(__file__).resolve().parent / "fixtures" / "directory"


@pytest.mark.parametrize(
    ("name", "said"),
    [("excel_csv_utf8.csv", None),
     ("semicolons.csv", "cells separated by semicolons (;)"),
     ("excel_unicode_text.txt",
      'read as UTF-16 (Excel "Unicode text"), cells separated by tabs')],
)
def test_import_reads_files_as_spreadsheets_save_them(
    app: Flask, name: str, said: str | None
) -> None:
    result = cli(app, "directory", "import", str(DIRECTORY_FILES / name))
    assert result.exit_code == 0, result.output
    assert "imported 2 services" in result.stdout and service_count(app) == 2
    assert (said in result.stderr) if said else ("read as" not in result.stderr)


def test_import_lists_every_problem_of_a_line(app: Flask) -> None:
    result = cli(app, "directory", "import", str(DIRECTORY_FILES / "several_errors.csv"))
    assert result.exit_code != 0 and service_count(app) == 0
    assert "2 invalid row(s); nothing imported." in result.stderr
    listed = [line.strip() for line in result.stderr.splitlines() if line.startswith("  line ")]
    assert [line.split(":")[0] for line in listed] == ["line 3"] * 4 + ["line 4"]
    assert listed[0] == "line 3: name_km is empty"
    assert listed[-1] == "line 4: is_free 'maybe' must be yes or no"


def test_import_refuses_another_encoding_with_a_fix(app: Flask) -> None:
    result = cli(app, "directory", "import", str(DIRECTORY_FILES / "latin1.csv"))
    assert result.exit_code != 0 and service_count(app) == 0
    assert "not UTF-8 text (from line 3 on)" in result.output
    assert "CSV UTF-8" in result.output
