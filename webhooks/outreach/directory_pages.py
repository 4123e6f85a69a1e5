"""Directory pages: list and search, add, edit, close and reopen, mark full, import and export.

Admins change anything; outreach workers mark a service full or having room again. Forms are
checked by the same rules as ``flask directory import`` (``models.directory_io``), and every
change is written to the audit log in the same transaction.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core.vocabulary import ServiceType
from models import csv_input, directory_io
from models.services import Service
from webhooks import timesource
from webhooks.database import get_db
from webhooks.outreach import audit, exports, i18n, import_help, labels
from webhooks.outreach.auth import admin_required, staff
from webhooks.outreach.blueprint import bp
from webhooks.outreach.forms import (
    ActionForm,
    ImportForm,
    ServiceForm,
    district_choices,
    province_choices,
)
from webhooks.outreach.paging import page_of

PAGE_SIZE = 50
#: Columns an edit may change, in the order the audit log lists them.
EDITABLE = tuple(c for c in directory_io.COLUMNS if c not in ("is_voluntary", "verified_on"))
STATUSES = {
    "": _l("All"),
    "open": _l("Open, has room"),
    "full": _l("Full"),
    "closed": _l("Closed"),
}
#: The validation shared with the CSV/HSDS import: one row of strings in, typed values out.
validate_row = directory_io._validate  # noqa: SLF001  (the import's own per-row rules)


def _service_or_404(session: Session, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        abort(404)
    return service


def _snapshot(service: Service) -> dict[str, Any]:
    return {column: getattr(service, column) for column in (*EDITABLE, "is_active")}


def _form_choices(form: ServiceForm) -> None:
    locale = i18n.select_locale()
    form.province_code.choices = province_choices(locale, _l("Choose a province"))
    form.district_code.choices = district_choices(locale, _l("No district"))


# --- list and search ------------------------------------------------------------------------
@bp.get("/directory")
def directory() -> str:
    query_text = request.args.get("q", "").strip()[:100]
    kind = request.args.get("type", "")
    province = request.args.get("province", "")
    status = request.args.get("status", "")
    query = select(Service)
    if query_text:
        pattern = f"%{query_text.replace('%', '').replace('_', '')}%"
        query = query.where(or_(
            Service.name_km.ilike(pattern), Service.name_en.ilike(pattern),
            Service.address_km.ilike(pattern), Service.address_en.ilike(pattern),
            Service.phone.ilike(pattern),
        ))
    if kind in {t.value for t in ServiceType}:
        query = query.where(Service.service_type == kind)
    if province:
        query = query.where(Service.province_code == province)
    if status == "open":
        query = query.where(Service.is_active.is_(True), Service.is_full.is_(False))
    elif status == "full":
        query = query.where(Service.is_active.is_(True), Service.is_full.is_(True))
    elif status == "closed":
        query = query.where(Service.is_active.is_(False))
    with get_db().reads() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        page, pages = page_of(total, PAGE_SIZE)
        services = list(session.scalars(
            query.order_by(Service.province_code, Service.service_type, Service.name_en, Service.id)
            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        ))
    locale = i18n.select_locale()
    return render_template(
        "outreach/directory.html",
        services=services,
        total=total,
        page=page,
        pages=pages,
        q=query_text,
        kind=kind,
        province=province,
        status=status,
        statuses=STATUSES,
        kinds=labels.service_type_choices(),
        provinces=province_choices(locale, _l("All provinces")),
        action=ActionForm(),
    )


# --- full / has room (every staff member) ----------------------------------------------------
@bp.post("/directory/<id:service_id>/full")
def mark_full(service_id: int) -> Response:
    full = request.form.get("full") == "1"
    with get_db().sessions() as session, session.begin():
        service = _service_or_404(session, service_id)
        if service.is_full != full:
            service.is_full = full
            service.full_since = timesource.now() if full else None
            service.full_by = staff().role if full else None
            audit.record(session, staff(), "service.mark_full" if full else "service.mark_not_full",
                         "service", service.id, service.name_en, {"is_full": [not full, full]})
        name = service.name_km if i18n.select_locale() == "km" else service.name_en
    if full:
        flash(_("%(name)s is marked full. The bot now says so.", name=name), "info")
    else:
        flash(_("%(name)s has room again. The bot now says so.", name=name), "info")
    return redirect(_back())


def _back() -> str:
    target = request.form.get("next", "")
    if target.startswith("/outreach/directory") and "//" not in target and "\\" not in target:
        return target
    return url_for("outreach.directory")


@bp.post("/directory/<id:service_id>/checked")
def mark_checked(service_id: int) -> Response:
    """"Checked today": staff went over the entry with the service (all staff may)."""
    with get_db().sessions() as session, session.begin():
        service = _service_or_404(session, service_id)
        service.verified_on = timesource.cambodia_today()
        audit.record(session, staff(), "service.checked", "service", service.id, service.name_en)
    flash(_("Marked as checked today."), "info")
    return redirect(_back())


# --- close / reopen (admins) ---------------------------------------------------------------------
@bp.post("/directory/<id:service_id>/active")
@admin_required
def set_active(service_id: int) -> Response:
    active = request.form.get("active") == "1"
    with get_db().sessions() as session, session.begin():
        service = _service_or_404(session, service_id)
        if service.is_active != active:
            service.is_active = active
            audit.record(session, staff(), "service.reopen" if active else "service.close",
                         "service", service.id, service.name_en, {"is_active": [not active, active]})
        name = service.name_km if i18n.select_locale() == "km" else service.name_en
    if active:
        flash(_("%(name)s is open again.", name=name), "info")
    else:
        flash(_("%(name)s is closed: the bot no longer offers it.", name=name), "info")
    return redirect(_back())


# --- add and edit (admins; outreach workers see the entry) ---------------------------------------
@bp.route("/directory/new", methods=["GET", "POST"])
@admin_required
def service_new() -> Any:
    form = ServiceForm()
    _form_choices(form)
    if request.method == "GET":
        form.is_free.data = True
    if form.validate_on_submit():
        row = _validated(form)
        if row is not None:
            with get_db().sessions() as session, session.begin():
                service = Service(**row, is_active=True)
                session.add(service)
                session.flush()
                audit.record(session, staff(), "service.create", "service", service.id,
                             service.name_en, {c: row[c] for c in EDITABLE if row.get(c) not in (None, "")})
                service_id = service.id
            flash(_("The service has been added."), "info")
            return redirect(url_for("outreach.service", service_id=service_id))
    return render_template("outreach/service_form.html", form=form, service=None), (
        400 if form.errors else 200
    )


@bp.route("/directory/<id:service_id>", methods=["GET", "POST"])
def service(service_id: int) -> Any:
    with get_db().reads() as session:
        current = _service_or_404(session, service_id)
    user = staff()
    form = ServiceForm(obj=current)
    _form_choices(form)
    if request.method == "GET":
        form.district_code.data = current.district_code or ""
        form.commune_code.data = current.commune_code or ""
    if request.method == "POST":
        if not user.is_admin:
            abort(403)
        if form.validate_on_submit():
            row = _validated(form)
            if row is not None:
                with get_db().sessions() as session, session.begin():
                    service = _service_or_404(session, service_id)
                    before = _snapshot(service)
                    for column in EDITABLE:
                        setattr(service, column, row[column])
                    changed = audit.changes(before, _snapshot(service), EDITABLE)
                    service.verified_on = timesource.cambodia_today()  # an admin went over it
                    if changed:
                        audit.record(session, user, "service.update", "service", service.id,
                                     service.name_en, changed)
                if changed:
                    flash(_("The changes have been saved."), "info")
                else:
                    flash(_("Nothing was changed."), "info")
                return redirect(url_for("outreach.service", service_id=service_id))
    return render_template(
        "outreach/service_form.html", form=form, service=current, action=ActionForm(),
        readonly=not user.is_admin,
    ), (400 if form.errors else 200)


def _validated(form: ServiceForm) -> dict[str, Any] | None:
    """The form's values checked by the import's rules; errors go on the form."""

    def text(value: Any) -> str:
        return "" if value is None else str(value).strip()

    raw = {
        "service_type": text(form.service_type.data),
        "name_km": text(form.name_km.data),
        "name_en": text(form.name_en.data),
        "address_km": text(form.address_km.data),
        "address_en": text(form.address_en.data),
        "province_code": text(form.province_code.data),
        "district_code": text(form.district_code.data),
        "commune_code": text(form.commune_code.data),
        "latitude": text(form.latitude.data),
        "longitude": text(form.longitude.data),
        "phone": text(form.phone.data),
        "opening_hours": text(form.opening_hours.data),
        "languages": text(form.languages.data),
        "is_voluntary": "yes",
    }
    for flag in ("is_free", "is_walk_in", "is_full", "is_sample"):
        raw[flag] = "yes" if getattr(form, flag).data else "no"
    try:
        return validate_row(raw)
    except directory_io.RowProblems as found:
        for problem in found.problems:  # every problem, each on its own field
            field = getattr(form, problem.column, None)
            if field is None:
                form.form_errors.append(import_help.problem_text(problem))
            else:
                message = import_help.problem_text(problem, column=field.label.text)
                field.errors = [*field.errors, message]
    return None


# --- import and export ---------------------------------------------------------------------------
@bp.route("/directory/import", methods=["GET", "POST"], endpoint="directory_import")
@admin_required
def directory_import() -> Any:
    """Check a whole file, then import all of it or nothing: every problem of every line is
    listed (in the page's language) and nothing is written while any is left."""
    form = ImportForm()
    errors: list[directory_io.RowError] = []
    detected: csv_input.Detected | None = None
    if form.validate_on_submit():
        upload = form.file.data
        file_format = form.file_format.data
        if file_format == "auto":
            file_format = "hsds" if (upload.filename or "").lower().endswith(".json") else "csv"
        data = upload.read()
        try:
            if file_format == "hsds":
                rows = directory_io.read_hsds(io.StringIO(data.decode("utf-8-sig"), newline=""))
            else:
                rows, detected = directory_io.read_csv_bytes(data)
        except UnicodeDecodeError:
            form.file.errors = [_("The file is not UTF-8 text.")]
        except csv_input.EncodingProblem as problem:
            form.file.errors = import_help.encoding_problem(problem)
        except (csv.Error, RecursionError):  # a field over the csv module's limit; deep JSON
            form.file.errors = [_("The file cannot be read as %(format)s.",
                                  format="HSDS JSON" if file_format == "hsds" else "CSV")]
        except directory_io.DirectoryFileError as error:
            errors, detected = error.errors, error.detected
        else:
            replace = bool(form.replace.data)
            with get_db().sessions() as session, session.begin():
                count = directory_io.import_rows(session, rows, "all" if replace else None)
                audit.record(session, staff(), "directory.import", "directory", None,
                             upload.filename or "", {"rows": count, "format": file_format,
                                                     "replace": replace})
            flash(_("Imported %(count)s services.", count=count), "info")
            if note := import_help.detected_note(detected):
                flash(note, "info")
            return redirect(url_for("outreach.directory"))
    status = 400 if (errors or form.errors) else 200
    return render_template(
        "outreach/import.html", form=form, errors=errors, problem_text=import_help.problem_text,
        detected=import_help.detected_note(detected), columns=import_help.columns(),
        provinces=import_help.provinces(),
    ), status


@bp.get("/directory/template.csv")
@admin_required
def directory_template() -> Response:
    """The file to fill in: the header and one example line marked SAMPLE."""
    return exports.csv_response(import_help.template_csv(), "sangkhim-directory-template.csv")


@bp.get("/directory/export.csv")
def directory_export_csv() -> Response:
    with get_db().reads() as session:
        body = directory_io.export_csv(session, include_sample=not current_app.config["PRODUCTION"])
    return exports.csv_response(body, "sangkhim-directory.csv")


@bp.get("/directory/export.json")
def directory_export_hsds() -> Response:
    with get_db().reads() as session:
        body = directory_io.export_hsds(session, include_sample=not current_app.config["PRODUCTION"])
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="sangkhim-directory-hsds.json"'
    return response
