"""Storage settings for a faster ingest on PostgreSQL (no change of schema or data).

- ``dash_rollup``: fillfactor 70, so the ``n = n + delta`` of every ingest is a HOT
  update (room on the same page, no new index entries in the seven-column key).
- ``revisions.content`` and ``device_audit.entry``: lz4 TOAST compression (PostgreSQL
  14+) instead of pglz, which was most of the server's time per stored revision.
SQLite: nothing to do.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _lz4_available() -> bool:
    bind = op.get_bind()
    return bind.exec_driver_sql("SELECT current_setting('server_version_num')::int").scalar() >= 140000 and \
        bind.exec_driver_sql("SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression'"
                             " AND 'lz4' = ANY(enumvals)").scalar() > 0


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE dash_rollup SET (fillfactor = 70)")
    if _lz4_available():
        op.execute("ALTER TABLE revisions ALTER COLUMN content SET COMPRESSION lz4")
        op.execute("ALTER TABLE device_audit ALTER COLUMN entry SET COMPRESSION lz4")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE dash_rollup RESET (fillfactor)")
    if _lz4_available():
        op.execute("ALTER TABLE revisions ALTER COLUMN content SET COMPRESSION DEFAULT")
        op.execute("ALTER TABLE device_audit ALTER COLUMN entry SET COMPRESSION DEFAULT")
