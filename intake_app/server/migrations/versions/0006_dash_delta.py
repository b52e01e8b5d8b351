"""``dash_delta``: the dashboard's count changes appended by ingest, not yet folded into
``dash_rollup`` (no key and no index, so concurrent ingests never wait for each other).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CELL = ("dim", "quarter", "border_post", "institution", "sex_age_group", "age_band", "code")


def upgrade() -> None:
    op.create_table(
        "dash_delta",
        sa.Column("dim", sa.String(16), nullable=False),
        sa.Column("quarter", sa.String(7), nullable=False),
        sa.Column("border_post", sa.String(64), nullable=False),
        sa.Column("institution", sa.String(32), nullable=False),
        sa.Column("sex_age_group", sa.String(16), nullable=False),
        sa.Column("age_band", sa.String(16), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    # fold what is pending first, so no count is lost with the table
    cols = ", ".join(CELL)
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT {cols}, sum(n) FROM dash_delta GROUP BY {cols}")).all()
    for row in rows:
        key = dict(zip(CELL, row[:-1]))
        updated = bind.execute(sa.text("UPDATE dash_rollup SET n = n + :n WHERE "
                                       + " AND ".join(f"{c} = :{c}" for c in CELL)), {**key, "n": row[-1]}).rowcount
        if not updated:
            bind.execute(sa.text(f"INSERT INTO dash_rollup ({cols}, n) VALUES ("
                                 + ", ".join(f":{c}" for c in CELL) + ", :n)"), {**key, "n": row[-1]})
    op.drop_table("dash_delta")
