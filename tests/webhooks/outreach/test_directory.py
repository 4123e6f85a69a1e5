"""Directory pages: roles, mark full (and the bot's answer), add, edit, close, import, export;
every change in the audit log."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.vocabulary import CAMBODIA, ServiceType
from models.directory_history import ServiceHistory, services_as_of
from models.services import Service, SqlDirectory
from models.staff import AuditLog
from tests.webhooks.outreach.helpers import ADMIN, OUTREACH, login, make_user, post
from webhooks.database import get_db
from webhooks.timesource import Pinned

VALID_ROW = {
    "service_type": "methadone", "name_km": "គ្លីនិកមេតាដូនថ្មី", "name_en": "New Methadone Clinic",
    "address_km": "", "address_en": "Street 1", "province_code": "12", "district_code": "1201",
    "commune_code": "", "latitude": "", "longitude": "", "phone": "012 000 111",
    "opening_hours": "Mo-Fr 07:00-11:00", "languages": "km,en", "is_free": "y",
}


def first_service(app: Flask) -> Service:
    with app.app_context(), get_db().sessions() as session:
        service = session.scalars(select(Service).order_by(Service.id)).first()
        assert service is not None
        return service


def service(app: Flask, service_id: int) -> Service:
    with app.app_context(), get_db().sessions() as session:
        found = session.get(Service, service_id)
        assert found is not None
        return found


def count(app: Flask) -> int:
    with app.app_context(), get_db().sessions() as session:
        return session.scalar(select(func.count()).select_from(Service)) or 0


def audit(app: Flask) -> list[AuditLog]:
    with app.app_context(), get_db().sessions() as session:
        return list(session.scalars(select(AuditLog).order_by(AuditLog.id)))


def logged_in(app: Flask, email: str, role: str) -> FlaskClient:
    make_user(app, email, role)
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def test_outreach_workers_mark_full_but_cannot_change_anything_else(sample_app: Flask) -> None:
    app = sample_app
    worker = logged_in(app, OUTREACH, "outreach")
    target = first_service(app)
    listing = worker.get("/outreach/directory").get_data(as_text=True)
    assert f"mark-full-{target.id}" in listing and "add-service" not in listing
    response = post(worker, f"/outreach/directory/{target.id}/full", {"full": "1"})
    assert response.status_code == 302
    assert service(app, target.id).is_full
    forbidden = [
        worker.get("/outreach/directory/new"), worker.get("/outreach/directory/import"),
        worker.get("/outreach/users"), worker.get("/outreach/audit"),
        post(worker, f"/outreach/directory/{target.id}/active", {"active": "0"}),
        post(worker, f"/outreach/directory/{target.id}", {**VALID_ROW}),
        post(worker, "/outreach/users", {"email": "x@example.org", "role": "admin",
                                         "password": "long enough password"}),
    ]
    assert [r.status_code for r in forbidden] == [403] * len(forbidden)
    assert service(app, target.id).is_active
    page = worker.get(f"/outreach/directory/{target.id}").get_data(as_text=True)
    assert "service-details" in page and "save-service" not in page
    [entry] = audit(app)[-1:]
    assert (entry.action, entry.actor_email, entry.target_id) == ("service.mark_full", OUTREACH, str(target.id))


def test_marking_full_changes_what_the_bot_lists(sample_app: Flask) -> None:
    app = sample_app
    admin = logged_in(app, ADMIN, "admin")
    target = first_service(app)
    kind = ServiceType(target.service_type)

    def listed() -> dict[int, bool]:
        with app.app_context(), get_db().sessions() as session:
            return {s.id: s.is_full for s in SqlDirectory(session).find([kind])}

    assert listed()[target.id] is False
    post(admin, f"/outreach/directory/{target.id}/full", {"full": "1"})
    assert listed()[target.id] is True
    post(admin, f"/outreach/directory/{target.id}/full", {"full": "0"})
    assert listed()[target.id] is False
    post(admin, f"/outreach/directory/{target.id}/active", {"active": "0"})
    assert target.id not in listed()
    post(admin, f"/outreach/directory/{target.id}/active", {"active": "1"})
    assert target.id in listed()
    actions = [e.action for e in audit(app) if e.target_type == "service"]
    assert actions == ["service.mark_full", "service.mark_not_full", "service.close", "service.reopen"]


def test_the_bot_sees_an_edited_service_and_reuses_unchanged_ones(sample_app: Flask) -> None:
    """``SqlDirectory.find`` keeps each row's ``ServiceInfo`` (a national directory is over a
    thousand services a message): an unchanged row gives the same object again, and a row
    changed in any column a new one, never the old."""
    app = sample_app
    target = first_service(app)
    kind = ServiceType(target.service_type)

    def listed() -> dict[int, object]:
        with app.app_context(), get_db().sessions() as session:
            return {s.id: s for s in SqlDirectory(session).find([kind])}

    before = listed()
    again = listed()
    assert all(again[i] is before[i] for i in before)
    with app.app_context(), get_db().sessions() as session, session.begin():
        edited = session.get(Service, target.id)
        assert edited is not None
        edited.name_en, edited.opening_hours = "Renamed Clinic", "Mo-Su 06:00-10:00"
    after = listed()
    assert (after[target.id].name_en, after[target.id].opening_hours) == (  # type: ignore[attr-defined]
        "Renamed Clinic", "Mo-Su 06:00-10:00")
    assert all(after[i] is before[i] for i in before if i != target.id)


def test_search_and_filters(sample_app: Flask) -> None:
    admin = logged_in(sample_app, ADMIN, "admin")
    page = admin.get("/outreach/directory?q=Battambang&type=methadone").get_data(as_text=True)
    table = page.split('data-testid="directory-table"', 1)[1]
    assert "Methadone Clinic Battambang" in table
    assert "Banteay Meanchey" not in table and "Needle" not in table
    assert "Services found: 1" in page
    empty = admin.get("/outreach/directory?q=no-such-clinic-anywhere").get_data(as_text=True)
    assert "No service matches." in empty
    full = admin.get("/outreach/directory?status=full").get_data(as_text=True)
    assert "Methadone Clinic Phnom Penh 2" in full.split('data-testid="directory-table"', 1)[1]


def test_admin_adds_and_edits_a_service_with_the_import_rules(app: Flask) -> None:
    admin = logged_in(app, ADMIN, "admin")
    bad = post(admin, "/outreach/directory/new", {**VALID_ROW, "district_code": "0203"},
               page="/outreach/directory/new")
    assert bad.status_code == 400
    # the import's rule, said with the form's own label and the province named
    assert ("District &#39;0203&#39; is not a district of province 12 (Phnom Penh)"
            in bad.get_data(as_text=True))
    hours = post(admin, "/outreach/directory/new", {**VALID_ROW, "opening_hours": "whenever"},
                 page="/outreach/directory/new")
    assert hours.status_code == 400 and "opening_hours" in hours.get_data(as_text=True)
    assert count(app) == 0
    created = post(admin, "/outreach/directory/new", VALID_ROW, page="/outreach/directory/new")
    assert created.status_code == 302
    new_id = int(created.headers["Location"].rsplit("/", 1)[1])
    saved = service(app, new_id)
    assert (saved.name_en, saved.district_code, saved.opening_hours, saved.is_voluntary) == (
        "New Methadone Clinic", "1201", "Mo-Fr 07:00-11:00", True)
    edited = post(admin, f"/outreach/directory/{new_id}", {**VALID_ROW, "phone": "012 999 999"},
                  page=f"/outreach/directory/{new_id}")
    assert edited.status_code == 302
    assert service(app, new_id).phone == "012 999 999"
    entries = audit(app)
    assert [e.action for e in entries][-2:] == ["service.create", "service.update"]
    assert json.loads(entries[-1].details) == {"phone": ["012 000 111", "012 999 999"]}
    assert "012 999 999" in admin.get("/outreach/audit").get_data(as_text=True)


CSV_HEADER = "service_type,name_km,name_en,province_code,district_code,phone,opening_hours\n"


def upload(client: FlaskClient, body: str, name: str = "services.csv", **fields: str):  # type: ignore[no-untyped-def]
    data = {"file": (io.BytesIO(body.encode()), name), "file_format": "auto", **fields}
    return post(client, "/outreach/directory/import", data, page="/outreach/directory/import",
                content_type="multipart/form-data")


def import_errors(page: str) -> dict[int, list[str]]:
    """The import page's errors: each line's number and its problems (HTML, as shown)."""
    found = {}
    for line in re.findall(r'data-testid="import-line">(.*?)</ul>', page, re.S):
        number = re.match(r"\s*\S+ (\d+)", line)  # "Line 3:", "ជួរ 3៖"
        assert number, line
        found[int(number.group(1))] = re.findall(r'data-testid="import-problem">(.*?)</li>', line)
    return found


def test_import_reports_every_bad_line_and_imports_nothing(app: Flask) -> None:
    admin = logged_in(app, ADMIN, "admin")
    body = (CSV_HEADER
            + "methadone,ក,Good,12,1201,012,Mo-Fr 08:00-17:00\n"
            + "rehab,ខ,Bad type,12,,012,\n"
            + "methadone,គ,Bad district,12,0203,012,\n"
            + "rehab,,Three problems,12,,=1,whenever\n")
    response = upload(admin, body)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    errors = import_errors(page)
    assert list(errors) == [3, 4, 5] and "Line 3:" in page
    assert errors[3] == ["<code>service_type</code> (Type of service) &#39;rehab&#39; is not one "
                         "of voluntary_treatment, methadone, needle_exchange, drop_in"]
    assert errors[4] == ["<code>district_code</code> (District) &#39;0203&#39; is not a district "
                         "of province 12 (Phnom Penh)"]
    # every problem of a line, not only the first
    assert [p.split("</code>")[0] for p in errors[5]] == [
        "<code>name_km", "<code>service_type", "<code>phone", "<code>opening_hours"]
    assert "Nothing was imported" in page
    assert count(app) == 0
    assert not [e for e in audit(app) if e.action == "directory.import"]


def test_import_csv_and_hsds_then_export(app: Flask) -> None:
    admin = logged_in(app, ADMIN, "admin")
    response = upload(admin, CSV_HEADER + "methadone,ក,Clinic A,12,1201,012,\nneedle_exchange,ខ,Drop B,02,,013,\n")
    assert response.status_code == 302 and count(app) == 2
    with admin.get("/outreach/directory/export.json") as exported:
        hsds = exported.get_data(as_text=True)
    assert json.loads(hsds)["services"][0]["name"] in ("Clinic A", "Drop B")
    response = upload(admin, hsds, name="directory.json", replace="y")
    assert response.status_code == 302 and count(app) == 2  # replaced, not added
    with admin.get("/outreach/directory/export.csv") as exported:
        csv_text = exported.get_data(as_text=True)
    assert exported.headers["Content-Disposition"].startswith("attachment")
    assert csv_text.lstrip("\ufeff").startswith("service_type,name_km,name_en") and "Clinic A" in csv_text
    imports = [json.loads(e.details) for e in audit(app) if e.action == "directory.import"]
    assert imports == [{"format": "csv", "replace": False, "rows": 2},
                       {"format": "hsds", "replace": True, "rows": 2}]


def test_import_accepts_files_bigger_than_a_webhook(app: Flask) -> None:
    admin = logged_in(app, ADMIN, "admin")
    row = "methadone,ក,Clinic with a long name " + "x" * 120 + ",12,1201,012,\n"
    body = CSV_HEADER + row * 600  # ~100 KB: over the 64 KB webhook limit
    assert len(body.encode()) > app.config["MAX_CONTENT_LENGTH"]
    assert upload(admin, body).status_code == 302
    assert count(app) == 600
    too_big = post(admin, "/outreach/directory/1/full", {"full": "1", "pad": "x" * 70_000})
    assert too_big.status_code == 413


def test_unreadable_files_get_a_clear_answer(app: Flask) -> None:
    admin = logged_in(app, ADMIN, "admin")
    huge_field = CSV_HEADER + "methadone,ក," + "x" * 200_000 + ",12,1201,012,\n"
    response = upload(admin, huge_field)
    assert response.status_code == 400
    assert "The file cannot be read as CSV." in response.get_data(as_text=True)
    deep = upload(admin, "[" * 100_000, name="directory.json")
    assert deep.status_code == 400
    assert "The file cannot be read as HSDS JSON." in deep.get_data(as_text=True)
    assert count(app) == 0


def test_admin_manages_users(app: Flask) -> None:
    admin = logged_in(app, ADMIN, "admin")
    created = post(admin, "/outreach/users", {"email": "New@Example.org", "role": "outreach",
                                              "password": "temporary password 1"}, page="/outreach/users")
    assert created.status_code == 302
    page = admin.get("/outreach/users").get_data(as_text=True)
    assert "new@example.org" in page and "Temporary password" in page
    duplicate = post(admin, "/outreach/users", {"email": "new@example.org", "role": "admin",
                                                "password": "temporary password 2"}, page="/outreach/users")
    assert "already an account" in duplicate.get_data(as_text=True)
    new_user = app.test_client()
    assert login(new_user, "new@example.org", "temporary password 1").headers["Location"] == (
        "/outreach/account/password")
    from tests.webhooks.outreach.test_auth import users

    new_id = next(u.id for u in users(app) if u.email == "new@example.org")
    post(admin, f"/outreach/users/{new_id}/role", {"role": "admin"}, page="/outreach/users")
    assert new_user.get("/outreach/demand").status_code == 302  # the role change signed it out
    admin_id = next(u.id for u in users(app) if u.email == ADMIN)
    self_off = post(admin, f"/outreach/users/{admin_id}/active", {"active": "0"}, page="/outreach/users")
    assert self_off.status_code == 302
    assert admin.get("/outreach/demand").status_code == 200
    actions = [e.action for e in audit(app) if e.target_type == "user"]
    assert "user.create" in actions and "user.update" in actions


def test_every_change_on_the_dashboard_is_kept_in_the_directory_history(
    app: Flask, clock: Pinned
) -> None:
    """Added, marked full, room again, closed, edited: each a state of the service's history,
    dated by the app's clock (so a past week's report reads the directory as it was)."""
    admin = logged_in(app, ADMIN, "admin")
    created = post(admin, "/outreach/directory/new", VALID_ROW, page="/outreach/directory/new")
    new_id = int(created.headers["Location"].rsplit("/", 1)[1])
    moments = [clock()]
    for path, form in ((f"/outreach/directory/{new_id}/full", {"full": "1"}),
                       (f"/outreach/directory/{new_id}/full", {"full": "0"}),
                       (f"/outreach/directory/{new_id}/active", {"active": "0"}),
                       (f"/outreach/directory/{new_id}", {**VALID_ROW, "province_code": "02",
                                                          "district_code": "0201"})):
        moments.append(clock.advance(timedelta(days=1)))
        assert post(admin, path, form, page=f"/outreach/directory/{new_id}").status_code == 302
    with app.app_context(), get_db().sessions() as session:
        kept = session.scalars(select(ServiceHistory).where(ServiceHistory.service_id == new_id)
                               .order_by(ServiceHistory.valid_from)).all()
        states = [(h.valid_from, h.is_full, h.is_active, h.province_code) for h in kept]
        assert states == [(moments[0], False, True, "12"), (moments[1], True, True, "12"),
                          (moments[2], False, True, "12"), (moments[3], False, False, "12"),
                          (moments[4], False, False, "02")]
        assert [h.valid_to for h in kept] == [*moments[1:], None]
        full_day = moments[1].astimezone(CAMBODIA).date()
        assert [s.is_full for s in services_as_of(session, full_day, True)] == [True]
        assert services_as_of(session, moments[4], True) == []  # closed
