"""The rules an alert must keep, in one place: the CLI (``flask alerts``) and the dashboard's
form (``webhooks/alert_board.py``) apply them; storage (``models/alerts.py``) trusts what passed
them.

Pure: given the draft, the instant and what the directory says (which services exist, and their
own phone numbers), ``check`` returns every problem at once, each a gettext msgid with its
values (``AlertFinding``), shown in English by the CLI and translated by a page. An *error*
refuses the alert; a *warning* (words about police movements) refuses it too unless whoever
posts says it is about services (the CLI's ``--yes-it-is-about-services``, the form's tick).

Why these rules (README, "Service and health alerts"; docs/PRIVACY.md):

- each text fits one SMS segment (``TEXT_SEGMENTS``), so the bot can add an alert's line to a
  reply within its budget, in either language;
- an alert lasts 14 days at most (``MAX_TERM``), and a renewal gives at most 14 more days from
  the renewal: nothing stale stays up because nobody took it down;
- alerts speak about services and health, never about people: an e-mail address or a run of 8
  or more digits (a phone number) that is not a listed service's own number is refused; words
  about police movements (``POLICE_WORDS``) are flagged, since telling people where police are
  is not this service's job and could put outreach staff at risk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from core.alert_info import Scope, ScopeKind
from core.catalogs import N_
from core.place_codes import DISTRICT, PROVINCE, unit_rows
from core.sms_length import segment_count
from core.vocabulary import AlertKind

#: An alert lasts at most this long; a renewal ends at most this long after it is made.
MAX_TERM = timedelta(days=14)
#: Each text (and each piece of advice) fits this many SMS segments: one line of a reply.
TEXT_SEGMENTS = 1
#: A digit run this long (spaces, dots and dashes between digits allowed) is a phone number
#: or an identifier.
LONG_DIGITS = 8

#: Words about police movements, in English and Khmer. English words match at a word's start
#: ("raids", "checkpoints", "arrested"; not "cardiac arrest"), Khmer ones anywhere (Khmer writes
#: no spaces between words). REVIEW: a native speaker and the outreach team should check and
#: extend this list; a word here only warns, it never refuses on its own.
POLICE_WORDS: tuple[str, ...] = (
    # English
    "police", "cop", "raid", "crackdown", "checkpoint", "arrest", "patrol", "sweep",
    # Khmer (review: native speaker): police, arrest, crackdown, patrol, search/raid, police post
    "ប៉ូលិស", "ចាប់ខ្លួន", "បង្ក្រាប", "ល្បាត", "ឆែកឆេរ", "ប៉ុស្តិ៍",
)
_POLICE = re.compile("|".join(
    re.escape(word) if not word.isascii()
    else rf"(?<!cardiac )(?<!respiratory )\b{re.escape(word)}(?:s|ed|es|ing)?\b"
    for word in POLICE_WORDS), re.IGNORECASE)

_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
#: Digits (ASCII or Khmer), with at most one space, dot, dash or slash between two of them,
#: and an optional leading +.
_DIGIT_RUN = re.compile(r"\+?[0-9០-៩](?:[ .\-/]?[0-9០-៩])*")
#: A date written with digits (12.12.2026, 2026-12-12, 12/12/2026) is not a phone number.
_DATE = re.compile(r"[0-9]{1,2}([./-])[0-9]{1,2}\1[0-9]{4}|[0-9]{4}([./-])[0-9]{1,2}\2[0-9]{1,2}")
_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


@dataclass(frozen=True, slots=True)
class AlertFinding:
    """One problem: which field, a gettext msgid and its values (``%(name)s``)."""

    field: str
    msgid: str
    values: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        """In English (the CLI); a page translates ``msgid`` and formats it the same way."""
        return f"{self.field}: {self.msgid % dict(self.values)}"


@dataclass(frozen=True, slots=True)
class Verdict:
    errors: tuple[AlertFinding, ...] = ()
    warnings: tuple[AlertFinding, ...] = ()

    def refuses(self, about_services: bool = False) -> bool:
        """Whether the alert may not be posted: an error, or a warning not overridden."""
        return bool(self.errors) or (bool(self.warnings) and not about_services)


@dataclass(frozen=True, slots=True)
class AlertDraft:
    kind: str
    scope: Scope
    text_km: str
    text_en: str
    advice_km: str
    advice_en: str
    starts_at: datetime
    ends_at: datetime


def phone_digits(text: str) -> str:
    """A phone number's digits, Khmer digits read as ASCII, ``+855``/``855`` read as ``0``."""
    digits = re.sub(r"\D", "", text.translate(_KHMER_DIGITS))
    return "0" + digits[3:] if digits.startswith("855") else digits


@cache
def _codes(level: int) -> frozenset[str]:
    return frozenset(code for code, _km, _en in unit_rows(level))


def check(draft: AlertDraft, now: datetime, services: Mapping[int, str]) -> Verdict:
    """Every problem of a new alert. ``services``: the directory's services, id → its own
    phone (a service's number may appear in an alert; no other long number may)."""
    errors: list[AlertFinding] = []
    try:
        kind = AlertKind(draft.kind)
    except ValueError:
        errors.append(AlertFinding(
            "kind", N_("unknown kind %(kind)s: choose one of %(kinds)s"),
            {"kind": draft.kind, "kinds": ", ".join(AlertKind)}))
        kind = None
    errors += _scope_problems(draft.scope, services)
    errors += _term_problems(draft.starts_at, draft.ends_at, now)
    texts = {"text_km": draft.text_km, "text_en": draft.text_en}
    advice = {"advice_km": draft.advice_km, "advice_en": draft.advice_en}
    for name, text in texts.items():
        if not text.strip():
            errors.append(AlertFinding(
                name, N_("the text is empty: both languages are required")))
    if kind is AlertKind.HEALTH:
        for name, text in advice.items():
            if not text.strip():
                errors.append(AlertFinding(name, N_(
                    "a health alert says what to do, in both languages")))
    elif kind is not None and any(text.strip() for text in advice.values()):
        errors.append(AlertFinding("advice", N_("only a health alert carries advice")))
    own = {phone_digits(phone) for phone in services.values() if phone}
    warnings: list[AlertFinding] = []
    for name, text in {**texts, **advice}.items():
        if text.strip():
            errors += _text_problems(name, text, own)
            warnings += _police_words(name, text)
    return Verdict(tuple(errors), tuple(warnings))


def check_renewal(new_end: datetime, now: datetime, withdrawn: bool,
                  starts_at: datetime | None = None) -> Verdict:
    """A renewal ends after ``now`` (and after the start of an alert not begun yet) and at most
    ``MAX_TERM`` after it; a withdrawn alert is not renewed (post a new one)."""
    errors: list[AlertFinding] = []
    if starts_at is not None and new_end <= starts_at:
        errors.append(AlertFinding("until", N_("the end must come after the start")))
    if withdrawn:
        errors.append(AlertFinding("until", N_(
            "this alert was withdrawn: post a new one instead of renewing it")))
    if new_end <= now:
        errors.append(AlertFinding("until", N_("the new end must be after now (%(now)s)"),
                                        {"now": _shown(now)}))
    elif new_end > now + MAX_TERM:
        errors.append(AlertFinding("until", N_(
            "the new end may be %(days)s days from now at most (until %(latest)s)"),
            {"days": MAX_TERM.days, "latest": _shown(now + MAX_TERM)}))
    return Verdict(tuple(errors))


def _shown(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


def _scope_problems(scope: Scope, services: Mapping[int, str]) -> Iterable[AlertFinding]:
    if scope.kind is ScopeKind.PROVINCE and scope.code not in _codes(PROVINCE):
        yield AlertFinding("scope", N_("no province has the code %(code)s"), {"code": scope.code})
    elif scope.kind is ScopeKind.DISTRICT and scope.code not in _codes(DISTRICT):
        yield AlertFinding("scope", N_("no district has the code %(code)s"), {"code": scope.code})
    elif scope.kind is ScopeKind.SERVICE and not (
        scope.code.isdigit() and int(scope.code) in services
    ):
        yield AlertFinding("scope", N_("no service in the directory has the id %(code)s"),
                           {"code": scope.code})


def _term_problems(starts_at: datetime, ends_at: datetime, now: datetime) -> Iterable[AlertFinding]:
    if ends_at <= starts_at:
        yield AlertFinding("ends", N_("the end must come after the start"))
    elif ends_at - starts_at > MAX_TERM:
        yield AlertFinding("ends", N_(
            "an alert lasts %(days)s days at most: renew it when it is still true"),
            {"days": MAX_TERM.days})
    if ends_at <= now:
        yield AlertFinding("ends", N_("the end has already passed (now: %(now)s)"),
                           {"now": _shown(now)})


def _text_problems(name: str, text: str, own_phones: set[str]) -> Iterable[AlertFinding]:
    if segment_count(text) > TEXT_SEGMENTS:
        yield AlertFinding(name, N_(
            "too long for one SMS segment (%(segments)s segments): shorten it"),
            {"segments": segment_count(text)})
    if _EMAIL.search(text):
        yield AlertFinding(name, N_(
            "an e-mail address is personal data: alerts speak about services and health"))
    for match in _DIGIT_RUN.finditer(text):
        digits = phone_digits(match.group())
        if _DATE.fullmatch(match.group().translate(_KHMER_DIGITS)):
            continue
        if len(digits) >= LONG_DIGITS and digits not in own_phones:
            yield AlertFinding(name, N_(
                "%(digits)s looks like a phone number or an identifier that is not a listed "
                "service's own number: alerts never name or reach individuals"),
                {"digits": match.group()})


def _police_words(name: str, text: str) -> Iterable[AlertFinding]:
    found = list(dict.fromkeys(match.group().casefold() for match in _POLICE.finditer(text)))
    if found:
        yield AlertFinding(name, N_(
            "mentions %(words)s: alerts speak about services and health, never about police "
            "movements"), {"words": ", ".join(found)})
