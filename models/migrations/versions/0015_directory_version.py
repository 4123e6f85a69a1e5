"""The directory's version: a one-row table that every change to ``service`` gives a new token.

Each process keeps the services the bot lists (``models.services.SqlDirectory``) and reads
only this token per message to know they are still the database's (a national directory has
over a thousand services: reading and building them for every message took several
milliseconds). Triggers change the token in the same transaction as the change itself, on
both engines, whatever writes it (the import, the dashboard, the hourly lifting of old "full"
marks, an operator's SQL). The token is random, so a database restored from a backup or
rebuilt never repeats a token some process holds for other contents. Nothing about any texter.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SQLITE_NEW_TOKEN = "UPDATE directory_version SET token = abs(random() % 4611686018427387904)"
POSTGRES_FUNCTION = """
CREATE FUNCTION directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE directory_version SET token = floor(random() * 4611686018427387904)::bigint;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "directory_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_version")),
    )
    op.execute("INSERT INTO directory_version (id, token) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute("CREATE TRIGGER service_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                   "ON service FOR EACH STATEMENT EXECUTE FUNCTION directory_changed()")
    else:  # SQLite has row triggers only
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER service_{event.lower()} AFTER {event} ON service "
                       f"BEGIN {SQLITE_NEW_TOKEN}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER service_changed ON service")
        op.execute("DROP FUNCTION directory_changed()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER service_{event}")
    op.drop_table("directory_version")
