"""The dashboard's rollup: ``dash_case`` (each case's rollup key and cells) and
``dash_rollup`` (persons per cell), backfilled from the cases already stored.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dash_case",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("quarter", sa.String(7), nullable=False),
        sa.Column("border_post", sa.String(64), nullable=False),
        sa.Column("institution", sa.String(32), nullable=False),
        sa.Column("sex_age_group", sa.String(16), nullable=False),
        sa.Column("age_band", sa.String(16), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_dash_case")),
    )
    op.create_table(
        "dash_rollup",
        sa.Column("dim", sa.String(16), nullable=False),
        sa.Column("quarter", sa.String(7), nullable=False),
        sa.Column("border_post", sa.String(64), nullable=False),
        sa.Column("institution", sa.String(32), nullable=False),
        sa.Column("sex_age_group", sa.String(16), nullable=False),
        sa.Column("age_band", sa.String(16), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("dim", "quarter", "border_post", "institution", "sex_age_group", "age_band", "code",
                                name=op.f("pk_dash_rollup")),
    )
    _backfill()


def _backfill() -> None:
    """Cases stored before this migration: their facts rows and the few coded answers the
    dashboard reads (the same whitelist as ingest: intake_app/server/dashboard/collect.py)."""
    from intake_app.server.dashboard import rollup
    from intake_app.server.dashboard.collect import EXTRA_FIELDS

    conn = op.get_bind()
    last = ""
    while True:
        rows = conn.execute(sa.text(
            "SELECT f.*, r.content AS rev_content FROM case_facts f"
            " JOIN revisions r ON r.revision_id = f.revision_id"
            " WHERE f.case_id > :last ORDER BY f.case_id LIMIT 5000"), {"last": last}).mappings().all()
        if not rows:
            break
        heads, facts = [], []
        for row in rows:
            content = row["rev_content"]
            if isinstance(content, str):
                content = json.loads(content)
            heads.append({"content": {k: content.get(k) for k in EXTRA_FIELDS}})
            facts.append({k: v for k, v in row.items() if k != "rev_content"})
        rollup.apply(conn, heads, facts, direct=True)
        last = rows[-1]["case_id"]


def downgrade() -> None:
    op.drop_table("dash_rollup")
    op.drop_table("dash_case")
