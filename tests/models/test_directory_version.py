"""The directory's token (migration 0015) and the services ``SqlDirectory`` keeps by it: any
change to ``service``, by the ORM, by Core or by plain SQL, is seen by the next ``find``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.vocabulary import ServiceType
from models.base import make_engine
from models.services import DirectoryVersion, Service, SqlDirectory

METHADONE = [ServiceType.METHADONE]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def token(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(DirectoryVersion.token)).scalar_one())


def names(engine: Engine, include_sample: bool = True) -> list[str]:
    with engine.connect() as connection:
        return sorted(s.name_en for s in SqlDirectory(connection, include_sample).find(METHADONE))


def add(engine: Engine, name: str, **values: object) -> int:
    with Session(engine) as session, session.begin():
        service = Service(service_type="methadone", name_km=name, name_en=name,
                          province_code="12", phone="000", **values)
        session.add(service)
        session.flush()
        return service.id


def test_every_kind_of_change_gives_a_new_token(engine: Engine) -> None:
    seen = [token(engine)]
    first = add(engine, "A")
    seen.append(token(engine))
    with engine.begin() as connection:
        connection.execute(update(Service).where(Service.id == first).values(is_full=True))
    seen.append(token(engine))
    with engine.begin() as connection:
        connection.execute(text("UPDATE service SET name_en = 'B'"))
    seen.append(token(engine))
    with engine.begin() as connection:
        connection.execute(delete(Service))
    seen.append(token(engine))
    assert len(set(seen)) == len(seen)
    add(engine, "D")
    before = token(engine)
    with engine.connect() as connection:  # a rolled-back change leaves the token as it was
        connection.execute(text("UPDATE service SET name_en = 'C'"))
        connection.rollback()
    assert token(engine) == before


def test_find_sees_each_change_and_reuses_what_did_not_change(engine: Engine) -> None:
    first = add(engine, "Clinic A")
    assert names(engine) == ["Clinic A"]
    with engine.connect() as connection:
        kept = SqlDirectory(connection).find(METHADONE)
        again = SqlDirectory(connection).find(METHADONE)
    assert [id(s) for s in again] == [id(s) for s in kept]  # the same objects, kept
    add(engine, "Clinic B", is_sample=True)
    assert names(engine) == ["Clinic A", "Clinic B"]
    assert names(engine, include_sample=False) == ["Clinic A"]
    with engine.begin() as connection:  # plain SQL, behind the ORM's back
        connection.execute(text("UPDATE service SET name_en = 'Clinic C' WHERE id = :id"),
                           {"id": first})
    assert names(engine) == ["Clinic B", "Clinic C"]
    with engine.begin() as connection:
        connection.execute(text("UPDATE service SET is_active = :no WHERE id = :id"),
                           {"id": first, "no": False})
    assert names(engine) == ["Clinic B"]
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM service"))
    assert names(engine) == []


def test_without_the_version_row_nothing_is_kept(engine: Engine) -> None:
    add(engine, "Clinic A")
    with engine.begin() as connection:
        connection.execute(delete(DirectoryVersion))
    assert names(engine) == ["Clinic A"]
    with engine.connect() as connection:  # no token: read every time, never kept
        assert SqlDirectory(connection).find(METHADONE)[0] is SqlDirectory(connection).find(
            METHADONE)[0]  # (the same ServiceInfo of an unchanged row, from the row memo)
    with Session(engine) as session, session.begin():
        session.execute(update(Service).values(name_en="Clinic Z"))
    assert names(engine) == ["Clinic Z"]
