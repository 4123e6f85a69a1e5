"""A service or health alert as every layer reads it: its scope, texts and term.

Storage (``models/alerts.py``) returns these; the public page, the dashboard, the CLI and the
Telegram channel show them, and the engine is given those in force (``Directory.alerts``),
picks the ones that apply to a place (``applying_to``, in ``bot/notices.py``) and says them in
the conversation's language (``AlertInfo.text``).
Nothing here is about a texter: an alert is about services and health.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from core.vocabulary import AlertKind, Locale


class ScopeKind(enum.StrEnum):
    """How far an alert reaches: the stored names."""

    COUNTRY = "country"
    PROVINCE = "province"
    DISTRICT = "district"
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class Scope:
    """Where an alert applies: the whole country, a province (``"12"``), a district
    (``"1201"``: its code nests its province's) or one service (its id, as text)."""

    kind: ScopeKind
    code: str = ""

    @classmethod
    def parse(cls, text: str) -> Scope:
        """``country``, ``province:12``, ``district:1201`` or ``service:7`` (what the CLI and
        the export write). Raises ``ValueError`` for anything else; whether the code exists is
        the rules' question (``core.alert_rules``)."""
        name, _, code = text.strip().partition(":")
        try:
            kind = ScopeKind(name.strip().lower())
        except ValueError:
            raise ValueError(
                f"scope {text!r}: say country, province:CODE, district:CODE or service:ID"
            ) from None
        code = code.strip()
        if (kind is ScopeKind.COUNTRY) != (code == ""):
            raise ValueError(f"scope {text!r}: " + (
                "the whole country takes no code" if kind is ScopeKind.COUNTRY
                else f"a {kind} scope needs its code, as {kind}:CODE"))
        return cls(kind, code)

    def __str__(self) -> str:
        return str(self.kind) if self.kind is ScopeKind.COUNTRY else f"{self.kind}:{self.code}"

    def covers(self, province_code: str | None, district_code: str | None = None,
               service_id: int | None = None) -> bool:
        """Whether this scope covers a place (a province, a district in it) or a service (in
        that place). A district scope covers its district, not the rest of its province; a
        province scope covers all its districts; a service scope covers only that service."""
        if self.kind is ScopeKind.COUNTRY:
            return True
        if self.kind is ScopeKind.PROVINCE:
            return bool(province_code) and province_code == self.code
        if self.kind is ScopeKind.DISTRICT:
            return bool(district_code) and district_code == self.code
        return service_id is not None and str(service_id) == self.code


@dataclass(frozen=True, slots=True)
class AlertInfo:
    """One alert, as it stood at the instant it was read (``models.alerts.alerts_as_of``):
    ``ends_at`` is its end as known then (a renewal changes it from then on)."""

    id: int
    kind: AlertKind
    scope: Scope
    text_km: str
    text_en: str
    advice_km: str
    advice_en: str
    starts_at: datetime
    ends_at: datetime
    withdrawn_at: datetime | None = None

    def text(self, locale: Locale | str) -> str:
        return self.text_km if locale == Locale.KM else self.text_en

    def advice(self, locale: Locale | str) -> str:
        return self.advice_km if locale == Locale.KM else self.advice_en

    def active_at(self, moment: datetime) -> bool:
        """Started, not ended and not withdrawn at ``moment`` (its term as known here)."""
        return (self.starts_at <= moment < self.ends_at
                and (self.withdrawn_at is None or moment < self.withdrawn_at))


def applying_to(alerts: Iterable[AlertInfo], province_code: str | None,
                district_code: str | None = None, service_id: int | None = None
                ) -> list[AlertInfo]:
    """The alerts (already those active at an instant) that concern a place or a service,
    health alerts first, then the narrowest scope first (a service's own before its district's,
    its province's, the country's), then the latest started."""
    narrow = {ScopeKind.SERVICE: 0, ScopeKind.DISTRICT: 1, ScopeKind.PROVINCE: 2,
              ScopeKind.COUNTRY: 3}
    found = [a for a in alerts if a.scope.covers(province_code, district_code, service_id)]
    return sorted(found, key=lambda a: (a.kind is not AlertKind.HEALTH, narrow[a.scope.kind],
                                        -a.starts_at.timestamp(), a.id))
