"""The service directory as the engine sees it: a read-only lookup behind a protocol.

The engine never queries a database; the pipeline hands it a ``Directory``. Tests use
``InMemoryDirectory``; production uses the SQL-backed one in ``models.directory``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.types import ServiceType


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
    hours_km: str
    hours_en: str
    is_free: bool = True
    is_voluntary: bool = True
    is_walk_in: bool = False
    is_full: bool = False
    is_sample: bool = False

    def name(self, locale: str) -> str:
        return self.name_km if locale == "km" and self.name_km else self.name_en

    def address(self, locale: str) -> str:
        return self.address_km if locale == "km" and self.address_km else self.address_en

    def hours(self, locale: str) -> str:
        return self.hours_km if locale == "km" and self.hours_km else self.hours_en


class Directory(Protocol):
    def find(
        self,
        service_types: Sequence[ServiceType],
        province_code: str | None,
        district_code: str | None = None,
    ) -> list[ServiceInfo]:
        """Open services of these types, best first for the given place."""


def rank(
    services: Iterable[ServiceInfo], province_code: str | None, district_code: str | None
) -> list[ServiceInfo]:
    """Same district first, then same province, then the rest; services with room before full ones.

    Distance ranking (nearest by great-circle distance) replaces the place tiers once services
    and places carry reference points.
    """

    def key(service: ServiceInfo) -> tuple[int, int, str]:
        if district_code and service.district_code == district_code:
            tier = 0
        elif province_code and service.province_code == province_code:
            tier = 1
        else:
            tier = 2
        return (tier, int(service.is_full), service.name_en.casefold())

    return sorted(services, key=key)


class InMemoryDirectory:
    """A directory over a list of services; the engine's tests and `flask chat` fakes use it."""

    def __init__(self, services: Iterable[ServiceInfo]) -> None:
        self._services = list(services)

    def find(
        self,
        service_types: Sequence[ServiceType],
        province_code: str | None,
        district_code: str | None = None,
    ) -> list[ServiceInfo]:
        wanted = set(service_types)
        return rank(
            (s for s in self._services if s.service_type in wanted), province_code, district_code
        )
