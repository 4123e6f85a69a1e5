"""The service directory as the engine sees it: a read-only source behind a protocol.

The engine never queries a database; the pipeline hands it a ``Directory``. Tests use
``InMemoryDirectory``; production uses the SQL-backed one in ``models.services``. Ranking by
distance is the engine's own work (``bot.ranking``), so every directory ranks alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from core.alert_info import AlertInfo
from core.geo import GeoPoint
from core.vocabulary import ServiceType


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    id: int
    service_type: ServiceType
    name_km: str
    name_en: str
    address_km: str
    address_en: str
    province_code: str
    district_code: str | None
    phone: str
    #: Opening hours in the OSM subset of ``core.hours`` ("Mo-Fr 08:00-17:00"); "" if unknown.
    opening_hours: str = ""
    commune_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    #: Languages spoken, as codes ("km", "en").
    languages: tuple[str, ...] = ("km",)
    is_free: bool = True
    is_voluntary: bool = True
    is_walk_in: bool = False
    is_full: bool = False
    is_sample: bool = False
    #: The day staff last checked the entry (None: never recorded).
    verified_on: date | None = None

    def name(self, locale: str) -> str:
        return self.name_km if locale == "km" and self.name_km else self.name_en

    def address(self, locale: str) -> str:
        return self.address_km if locale == "km" and self.address_km else self.address_en

    @property
    def point(self) -> GeoPoint | None:
        if self.latitude is None or self.longitude is None:
            return None
        return GeoPoint(self.latitude, self.longitude)

    @property
    def place_code(self) -> str:
        """Its most specific administrative unit."""
        return self.commune_code or self.district_code or self.province_code


class Directory(Protocol):
    #: A phone line people can call to ask, when none of the listed services is within reach.
    helpline: str | None

    def find(self, service_types: Sequence[ServiceType]) -> list[ServiceInfo]:
        """Every open, voluntary service of these types (unranked)."""

    def alerts(self) -> list[AlertInfo]:
        """The service and health alerts in force at the turn's instant (``core.alert_info``;
        the engine picks those that apply with ``applying_to``). Read only when a turn needs
        them, so a turn that says nothing of services costs no query."""


class InMemoryDirectory:
    """A directory over a list of services; the engine's tests use it."""

    def __init__(self, services: Iterable[ServiceInfo], helpline: str | None = None,
                 alerts: Iterable[AlertInfo] = ()) -> None:
        self._services = list(services)
        self.helpline = helpline
        self._alerts = list(alerts)

    def find(self, service_types: Sequence[ServiceType]) -> list[ServiceInfo]:
        wanted = set(service_types)
        return [s for s in self._services if s.service_type in wanted]

    def alerts(self) -> list[AlertInfo]:
        """All the alerts it was given (the engine checks each one's term against its ``now``)."""
        return list(self._alerts)
