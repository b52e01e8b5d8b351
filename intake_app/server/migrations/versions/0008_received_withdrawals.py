"""``exchange_received_withdrawals``: what each received withdrawal notice names (sender,
case, referral package), so a referral imported **after** its notice is stored withdrawn
(before, the notice only changed the records already here, and a late referral stayed
readable). Notices imported before this version left their trace on the records they
withdrew: those are copied over. What such an old notice named for a referral not received
yet is not known here (its payload was not kept): ask the sender to make the notice again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "exchange_received_withdrawals",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("sender_key", sa.String(48), nullable=False),
        sa.Column("sender_case_id", sa.String(64), nullable=False),
        sa.Column("package_id", sa.String(40), nullable=False),
        sa.Column("notice_id", sa.String(40), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_received_withdrawals")),
    )
    op.create_index("ix_exchange_received_withdrawals_case", "exchange_received_withdrawals",
                    ["sender_key", "sender_case_id"])
    op.execute("INSERT INTO exchange_received_withdrawals (sender_key, sender_case_id, package_id, notice_id,"
               " received_at) SELECT sender_key, sender_case_id, package_id, withdrawn_by_notice, withdrawn_at"
               " FROM exchange_received_cases WHERE withdrawn_by_notice IS NOT NULL AND withdrawn_at IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_exchange_received_withdrawals_case", table_name="exchange_received_withdrawals")
    op.drop_table("exchange_received_withdrawals")
