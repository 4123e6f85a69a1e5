"""The service directory: voluntary treatment, methadone, needle-syringe exchange, drop-in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Boolean, Float, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.directory import ServiceInfo
from bot.types import ServiceType
from models.base import Base, UTCDateTime, utcnow


class Service(Base):
    __tablename__ = "service"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_type: Mapped[str] = mapped_column(String(32), index=True)
    name_km: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    address_km: Mapped[str] = mapped_column(Text, default="")
    address_en: Mapped[str] = mapped_column(Text, default="")
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    district_code: Mapped[str | None] = mapped_column(String(4))
    commune_code: Mapped[str | None] = mapped_column(String(6))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(64), default="")
    #: Structured opening hours, the OSM subset of ``bot.hours`` ("Mo-Fr 08:00-17:00").
    opening_hours: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: Languages spoken, comma-separated ISO 639-1 codes ("km,en").
    languages: Mapped[str] = mapped_column(String(64), default="km", server_default="km")
    is_free: Mapped[bool] = mapped_column(Boolean, default=True)
    is_voluntary: Mapped[bool] = mapped_column(Boolean, default=True)
    is_walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    is_full: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def info(self) -> ServiceInfo:
        return ServiceInfo(
            id=self.id,
            service_type=ServiceType(self.service_type),
            name_km=self.name_km,
            name_en=self.name_en,
            address_km=self.address_km,
            address_en=self.address_en,
            province_code=self.province_code,
            district_code=self.district_code,
            commune_code=self.commune_code,
            latitude=self.latitude,
            longitude=self.longitude,
            phone=self.phone,
            opening_hours=self.opening_hours,
            languages=tuple(code for code in self.languages.split(",") if code),
            is_free=self.is_free,
            is_voluntary=self.is_voluntary,
            is_walk_in=self.is_walk_in,
            is_full=self.is_full,
            is_sample=self.is_sample,
        )


class SqlDirectory:
    """``bot.directory.Directory`` over the database, for one request's session.

    In production sample entries are never served (``include_sample=False``)."""

    def __init__(
        self, session: Session, include_sample: bool = True, helpline: str | None = None
    ) -> None:
        self._session = session
        self._include_sample = include_sample
        self.helpline = helpline

    def find(self, service_types: Sequence[ServiceType]) -> list[ServiceInfo]:
        query = select(Service).where(
            Service.service_type.in_([str(t) for t in service_types]),
            Service.is_active.is_(True),
            Service.is_voluntary.is_(True),
        )
        if not self._include_sample:
            query = query.where(Service.is_sample.is_(False))
        return [s.info() for s in self._session.scalars(query)]
