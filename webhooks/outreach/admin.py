"""Admin pages: staff accounts (create, role, deactivate, temporary password) and the audit log."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from werkzeug.wrappers import Response

from models.services import Service
from models.staff import AuditLog, StaffUser
from webhooks.database import get_db
from webhooks.outreach import accounts, audit, audit_view, i18n, labels
from webhooks.outreach.auth import admin_required, staff
from webhooks.outreach.blueprint import bp
from webhooks.outreach.forms import (
    ROLE_LABELS,
    ActionForm,
    UserCreateForm,
    UserPasswordForm,
    UserRoleForm,
)
from webhooks.outreach.paging import page_of

AUDIT_PAGE_SIZE = 100


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users() -> Any:
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            with get_db().sessions() as session, session.begin():
                accounts.create(session, form.email.data or "", form.role.data or "",
                                form.password.data or "", actor=staff(), temporary=True)
        except accounts.StaffAccountError as error:
            form.form_errors.append(_(str(error)))
        else:
            flash(_("The account has been created. Give the temporary password to its owner "
                    "in person; they choose their own at first login."), "info")
            return redirect(url_for("outreach.users"))
    with get_db().reads() as session:
        people = accounts.listing(session)
    return render_template(
        "outreach/users.html", form=form, people=people, roles=ROLE_LABELS,
        role_form=UserRoleForm(), password_form=UserPasswordForm(), action=ActionForm(),
    ), (400 if form.errors else 200)


def _change(user_id: int, change: Any) -> Response:
    try:
        with get_db().sessions() as session, session.begin():
            user = session.get(StaffUser, user_id)
            if user is None:
                abort(404)
            change(session, user)
    except accounts.StaffAccountError as error:
        flash(_(str(error)), "error")
    return redirect(url_for("outreach.users"))


@bp.post("/users/<id:user_id>/role")
@admin_required
def user_role(user_id: int) -> Response:
    form = UserRoleForm()
    if not form.validate_on_submit():
        abort(400)
    return _change(user_id, lambda s, u: accounts.set_role(s, u, form.role.data or "", staff()))


@bp.post("/users/<id:user_id>/active")
@admin_required
def user_active(user_id: int) -> Response:
    active = request.form.get("active") == "1"
    if user_id == staff().id and not active:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("outreach.users"))
    return _change(user_id, lambda s, u: accounts.set_active(s, u, active, staff()))


@bp.post("/users/<id:user_id>/password")
@admin_required
def user_password(user_id: int) -> Response:
    form = UserPasswordForm()
    if not form.validate_on_submit():
        flash(_("Enter a temporary password."), "error")
        return redirect(url_for("outreach.users"))
    return _change(
        user_id, lambda s, u: accounts.reset_password(s, u, form.password.data or "", staff())
    )


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    """The audit log, newest first, a page at a time, filtered by kind, person and days;
    sign-ins hidden unless asked for."""
    with get_db().reads() as session:
        people = list(session.execute(
            select(StaffUser.id, StaffUser.email).order_by(StaffUser.email)).all())
        filters = audit_view.parse(request.args, (person.id for person in people))
        where = filters.where()
        # one pass counts both the entries shown and the sign-ins hidden
        signins = case((AuditLog.action.in_(audit_view.SIGN_INS), 1), else_=0)
        counted = dataclasses.replace(filters, signins=True).where()
        every, hidden = session.execute(
            select(func.count(), func.coalesce(func.sum(signins), 0))
            .select_from(AuditLog).where(*counted)
        ).one()
        hidden = int(hidden) if filters.hides_signins else 0
        total = int(every) - hidden
        page, pages = page_of(total, AUDIT_PAGE_SIZE)
        entries = list(session.scalars(
            select(AuditLog).where(*where).order_by(AuditLog.at.desc(), AuditLog.id.desc())
            .limit(AUDIT_PAGE_SIZE).offset((page - 1) * AUDIT_PAGE_SIZE)
        ))
        ids = audit_view.service_ids(entries)
        services = {str(s.id): s for s in session.scalars(
            select(Service).where(Service.id.in_(ids)))} if ids else {}
    km = i18n.select_locale() == "km"
    return render_template(
        "outreach/audit.html",
        entries=entries,
        actions=audit.ACTIONS,
        describe=lambda details: audit.describe(details, _named),
        target=lambda entry: audit_view.target_name(entry, services, km),
        filters=filters,
        kinds=audit_view.kind_choices(),
        people=people,
        system=audit_view.SYSTEM,
        hidden=hidden,
        total=total,
        page=page,
        pages=pages,
    )


def _named(name: str, value: Any) -> str | None:
    """A coded value of the audit log's details, by name in the reader's language."""
    if not isinstance(value, str) or name not in audit_view.CODED_FIELDS:
        return None
    return {
        "service_type": labels.service_type,
        "role": labels.role,
        "province_code": labels.province,
        "district_code": labels.district,
    }[name](value)
