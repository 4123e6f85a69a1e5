"""Run the Alembic migration history programmatically (``flask db upgrade`` wraps this).

Alembic is imported by the functions that use it, not with this module: importing it costs
about 0.2 s, and every ``flask`` command, test process and web worker imports this module (for
``/readyz`` and ``flask doctor``) while few of them migrate.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str, autogenerate: bool = True) -> None:
    from alembic import command

    command.revision(alembic_config(database_url), message=message, autogenerate=autogenerate)


def current(database_url: str) -> None:
    from alembic import command

    command.current(alembic_config(database_url), verbose=False)


def heads() -> tuple[str, ...]:
    """The newest revision(s) of the migration history this code carries."""
    return tuple(sorted(_scripts()[0]))


def revisions(connection: Connection) -> tuple[str, ...]:
    """The revision(s) the database is at; () for a database never migrated."""
    from alembic.runtime.migration import MigrationContext

    return tuple(MigrationContext.configure(connection).get_current_heads())


def known(revision: str) -> bool:
    """Whether ``revision`` is in this code's history (a database migrated by newer code is not)."""
    return revision in _scripts()[1]


#: How a database's migrations compare with this code's (``schema_state``): at its head; a
#: revision this code does not know (a newer release migrated it first, as its release phase
#: does before its web processes start); behind, or never migrated.
CURRENT, NEWER, BEHIND, MISSING = "current", "newer", "behind", "missing"


@functools.cache
def _scripts() -> tuple[frozenset[str], frozenset[str]]:
    """The heads of this code's migration history, and every revision in it."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    scripts = ScriptDirectory.from_config(config)
    return frozenset(scripts.get_heads()), frozenset(r.revision for r in scripts.walk_revisions())


def schema_state(connection: Connection) -> str:
    """``CURRENT``, ``NEWER``, ``BEHIND`` or ``MISSING`` for the database of ``connection``
    (raises if it has no ``alembic_version`` table)."""
    found = frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    heads, known = _scripts()
    if not found:
        return MISSING
    if found == heads:
        return CURRENT
    if found - known:
        return NEWER
    return BEHIND
