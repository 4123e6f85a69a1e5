"""Run the Alembic migration history programmatically (``flask db upgrade`` wraps this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str, autogenerate: bool = True) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=autogenerate)


def current(database_url: str) -> None:
    command.current(alembic_config(database_url), verbose=False)


def heads() -> tuple[str, ...]:
    """The newest revision(s) of the migration history this code carries."""
    return tuple(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def revisions(connection: Connection) -> tuple[str, ...]:
    """The revision(s) the database is at; () for a database never migrated."""
    return tuple(MigrationContext.configure(connection).get_current_heads())


def known(revision: str) -> bool:
    """Whether ``revision`` is in this code's history (a database migrated by newer code is not)."""
    from alembic.util import CommandError

    try:
        return ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision) is not None
    except CommandError:
        return False
