"""Exchange between institutions and countries: peers' public keys, outgoing packages
and their cases, received packages and the records received.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONDOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "exchange_peers",
        sa.Column("recipient_key", sa.String(48), nullable=False),
        sa.Column("ed25519", sa.LargeBinary(), nullable=False),
        sa.Column("mldsa65", sa.LargeBinary(), nullable=False),
        sa.Column("hpke_public", sa.LargeBinary(), nullable=False),
        sa.Column("hpke_key_id", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("issued_at", sa.String(40), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.Column("imported_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("recipient_key", name=op.f("pk_exchange_peers")),
    )
    op.create_table(
        "exchange_packages",
        sa.Column("package_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient_key", sa.String(48), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fields", JSONDOC, nullable=False),
        sa.Column("spec", JSONDOC, nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("prepared_by", sa.String(80), nullable=False),
        sa.Column("prepared_at", TS, nullable=False),
        sa.Column("approved_by", sa.String(80), nullable=True),
        sa.Column("approved_at", TS, nullable=True),
        sa.Column("sent_by", sa.String(80), nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("package_id", name=op.f("pk_exchange_packages")),
    )
    op.create_index("ix_exchange_packages_status", "exchange_packages", ["status"])
    op.create_table(
        "exchange_package_cases",
        sa.Column("package_id", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("revision_id", sa.String(64), nullable=True),
        sa.Column("basis", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("package_id", "case_id", name=op.f("pk_exchange_package_cases")),
    )
    op.create_index("ix_exchange_package_cases_case", "exchange_package_cases", ["case_id"])
    op.create_table(
        "exchange_received",
        sa.Column("package_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sender_key", sa.String(48), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("manifest", JSONDOC, nullable=False),
        sa.Column("tables", JSONDOC, nullable=True),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("received_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("package_id", name=op.f("pk_exchange_received")),
    )
    op.create_table(
        "exchange_received_cases",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("package_id", sa.String(40), nullable=False),
        sa.Column("sender_key", sa.String(48), nullable=False),
        sa.Column("sender_case_id", sa.String(64), nullable=False),
        sa.Column("revision_id", sa.String(64), nullable=False),
        sa.Column("codebook_version", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("basis", sa.String(32), nullable=False),
        sa.Column("content", JSONDOC, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("withdrawn_at", TS, nullable=True),
        sa.Column("withdrawn_by_notice", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_received_cases")),
        sa.UniqueConstraint("package_id", "sender_case_id", name="uq_exchange_received_cases_package"),
    )
    op.create_index("ix_exchange_received_cases_sender", "exchange_received_cases", ["sender_key", "sender_case_id"])


def downgrade() -> None:
    for table in ("exchange_received_cases", "exchange_received", "exchange_package_cases", "exchange_packages",
                  "exchange_peers"):
        op.drop_table(table)
