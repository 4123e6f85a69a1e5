"""The service directory: voluntary treatment, methadone, needle-syringe exchange, drop-in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Boolean, Float, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.directory import ServiceInfo, rank
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
    hours_km: Mapped[str] = mapped_column(String(200), default="")
    hours_en: Mapped[str] = mapped_column(String(200), default="")
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
            phone=self.phone,
            hours_km=self.hours_km,
            hours_en=self.hours_en,
            is_free=self.is_free,
            is_voluntary=self.is_voluntary,
            is_walk_in=self.is_walk_in,
            is_full=self.is_full,
            is_sample=self.is_sample,
        )


class SqlDirectory:
    """``bot.directory.Directory`` over the database, for one request's session."""

    def __init__(self, session: Session, include_sample: bool = True) -> None:
        self._session = session
        self._include_sample = include_sample

    def find(
        self,
        service_types: Sequence[ServiceType],
        province_code: str | None,
        district_code: str | None = None,
    ) -> list[ServiceInfo]:
        query = select(Service).where(
            Service.service_type.in_([str(t) for t in service_types]),
            Service.is_active.is_(True),
            Service.is_voluntary.is_(True),
        )
        if not self._include_sample:
            query = query.where(Service.is_sample.is_(False))
        services = [s.info() for s in self._session.scalars(query)]
        return rank(services, province_code, district_code)
