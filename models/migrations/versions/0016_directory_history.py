"""The directory's history: validity intervals of each service's state (open, full, closed,
where, what type...), so that a past period's report uses the directory as it was then.

Triggers write ``service_history`` in the same transaction as every change to ``service``, on
both engines, whatever makes it (models.directory_history says how a change is dated). The
directory as it is now is recorded as valid since 1970-01-01: what it was before this
migration is not known. Services are organisations; nothing about any texter or staff member.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

#: models.directory_history.STATE_COLUMNS, as of this revision.
STATE = (
    "service_type", "name_km", "name_en", "address_km", "address_en", "province_code",
    "district_code", "commune_code", "latitude", "longitude", "phone", "opening_hours",
    "languages", "is_free", "is_voluntary", "is_walk_in", "is_full", "is_active", "is_sample",
    "verified_on",
)
COLUMNS = ", ".join(STATE)
NEW_VALUES = ", ".join(f"NEW.{name}" for name in STATE)

# --- SQLite: row triggers; times as SQLAlchemy stores them ("YYYY-MM-DD HH:MM:SS.ffffff") ---
SQLITE_NOW = "(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000')"
SQLITE_BEGINNING = "'1970-01-01 00:00:00.000000'"


def _sqlite_open(at: str) -> str:
    """Close the service's open interval at ``at`` (never before it began) and open the next."""
    return f"""
  UPDATE service_history SET valid_to = max(valid_from, {at})
    WHERE service_id = NEW.id AND valid_to IS NULL;
  INSERT INTO service_history (service_id, valid_from, valid_to, {COLUMNS})
    VALUES (NEW.id, max({at}, coalesce((SELECT max(valid_to) FROM service_history
                                        WHERE service_id = NEW.id), {at})),
            NULL, {NEW_VALUES});"""


SQLITE_UPDATE_AT = (f"(CASE WHEN NEW.updated_at IS NOT OLD.updated_at AND NEW.updated_at IS NOT "
                    f"NULL THEN NEW.updated_at ELSE {SQLITE_NOW} END)")
SQLITE_TRIGGERS = {
    "service_history_insert": f"""
CREATE TRIGGER service_history_insert AFTER INSERT ON service BEGIN
{_sqlite_open(f"coalesce(NEW.updated_at, {SQLITE_NOW})")}
END""",
    "service_history_update": f"""
CREATE TRIGGER service_history_update AFTER UPDATE ON service
WHEN NOT ({" AND ".join(f"OLD.{name} IS NEW.{name}" for name in STATE)} AND OLD.id = NEW.id)
BEGIN
  UPDATE service_history SET valid_to = max(valid_from, {SQLITE_UPDATE_AT})
    WHERE service_id = OLD.id AND valid_to IS NULL;
{_sqlite_open(SQLITE_UPDATE_AT)}
END""",
    "service_history_delete": f"""
CREATE TRIGGER service_history_delete AFTER DELETE ON service BEGIN
  UPDATE service_history SET valid_to = max(valid_from, {SQLITE_NOW})
    WHERE service_id = OLD.id AND valid_to IS NULL;
END""",
}

# --- PostgreSQL: row triggers (statement-level for TRUNCATE), times of the transaction ---
POSTGRES_FUNCTIONS = [f"""
CREATE FUNCTION service_history_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz;
BEGIN
  IF TG_OP = 'INSERT' THEN
    at := coalesce(NEW.updated_at, now());
  ELSIF TG_OP = 'UPDATE' AND NEW.updated_at IS DISTINCT FROM OLD.updated_at
        AND NEW.updated_at IS NOT NULL THEN
    at := NEW.updated_at;
  ELSE
    at := now();
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE service_history SET valid_to = greatest(valid_from, at)
      WHERE service_id = OLD.id AND valid_to IS NULL;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE service_history SET valid_to = greatest(valid_from, at)
      WHERE service_id = NEW.id AND valid_to IS NULL;
    INSERT INTO service_history (service_id, valid_from, valid_to, {COLUMNS})
      VALUES (NEW.id, greatest(at, coalesce((SELECT max(valid_to) FROM service_history
                                             WHERE service_id = NEW.id), at)),
              NULL, {NEW_VALUES});
  END IF;
  RETURN NULL;
END $$""", """
CREATE FUNCTION service_history_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE service_history SET valid_to = greatest(valid_from, now()) WHERE valid_to IS NULL;
  RETURN NULL;
END $$"""]
POSTGRES_TRIGGERS = [
    "CREATE TRIGGER service_history_insert_delete AFTER INSERT OR DELETE ON service "
    "FOR EACH ROW EXECUTE FUNCTION service_history_write()",
    "CREATE TRIGGER service_history_update AFTER UPDATE ON service FOR EACH ROW "
    f"WHEN (({', '.join(f'OLD.{n}' for n in STATE)}, OLD.id) IS DISTINCT FROM "
    f"({', '.join(f'NEW.{n}' for n in STATE)}, NEW.id)) "
    "EXECUTE FUNCTION service_history_write()",
    "CREATE TRIGGER service_history_truncate AFTER TRUNCATE ON service "
    "FOR EACH STATEMENT EXECUTE FUNCTION service_history_truncated()",
]


def upgrade() -> None:
    op.create_table(
        "service_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("service_type", sa.String(length=32), nullable=False),
        sa.Column("name_km", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("address_km", sa.Text(), nullable=False),
        sa.Column("address_en", sa.Text(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("district_code", sa.String(length=4), nullable=True),
        sa.Column("commune_code", sa.String(length=6), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=False),
        sa.Column("opening_hours", sa.String(length=200), nullable=False),
        sa.Column("languages", sa.String(length=64), nullable=False),
        sa.Column("is_free", sa.Boolean(), nullable=False),
        sa.Column("is_voluntary", sa.Boolean(), nullable=False),
        sa.Column("is_walk_in", sa.Boolean(), nullable=False),
        sa.Column("is_full", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_history")),
    )
    op.create_index(op.f("ix_service_history_valid_from"), "service_history", ["valid_from"])
    op.create_index("ix_service_history_service_id_valid_to", "service_history",
                    ["service_id", "valid_to"])
    postgres = op.get_bind().dialect.name == "postgresql"
    beginning = "'1970-01-01 00:00:00+00'" if postgres else SQLITE_BEGINNING
    op.execute(f"INSERT INTO service_history (service_id, valid_from, valid_to, {COLUMNS}) "
               f"SELECT id, {beginning}, NULL, {COLUMNS} FROM service ORDER BY id")
    if postgres:
        for statement in (*POSTGRES_FUNCTIONS, *POSTGRES_TRIGGERS):
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger in ("service_history_insert_delete", "service_history_update",
                        "service_history_truncate"):
            op.execute(f"DROP TRIGGER {trigger} ON service")
        op.execute("DROP FUNCTION service_history_write()")
        op.execute("DROP FUNCTION service_history_truncated()")
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger}")
    op.drop_index("ix_service_history_service_id_valid_to", table_name="service_history")
    op.drop_index(op.f("ix_service_history_valid_from"), table_name="service_history")
    op.drop_table("service_history")
