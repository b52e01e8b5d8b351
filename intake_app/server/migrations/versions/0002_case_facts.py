"""Non-identifying dimensions per case (for the dashboard and the exchange), backfilled
from each case's head revision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_facts",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("revision_id", sa.String(64), nullable=False),
        sa.Column("codebook_version", sa.String(32), nullable=False),
        sa.Column("record_date", sa.Date(), nullable=True),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column("quarter", sa.String(7), nullable=True),
        sa.Column("border_post", sa.String(64), nullable=True),
        sa.Column("post_country", sa.String(2), nullable=True),
        sa.Column("institution", sa.String(32), nullable=True),
        sa.Column("intake_setting", sa.String(32), nullable=True),
        sa.Column("gender", sa.String(32), nullable=True),
        sa.Column("sex_age_group", sa.String(16), nullable=True),
        sa.Column("age_band", sa.String(16), nullable=True),
        sa.Column("minor", sa.Boolean(), nullable=True),
        sa.Column("citizenship", sa.String(2), nullable=True),
        sa.Column("foreign_national", sa.Boolean(), nullable=True),
        sa.Column("cross_border", sa.Boolean(), nullable=True),
        sa.Column("flag_trafficking", sa.Boolean(), nullable=False),
        sa.Column("flag_smuggling", sa.Boolean(), nullable=False),
        sa.Column("flag_aggravated_smuggling", sa.Boolean(), nullable=False),
        sa.Column("flag_urgent", sa.Boolean(), nullable=False),
        sa.Column("unaccompanied_minor", sa.Boolean(), nullable=False),
        sa.Column("trafficking_status", sa.String(32), nullable=True),
        sa.Column("case_status", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_facts")),
    )
    op.create_index("ix_case_facts_institution", "case_facts", ["institution"])
    op.create_index("ix_case_facts_quarter_post", "case_facts", ["quarter", "border_post"])
    op.create_table(
        "case_fact_exploitation",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("exploitation_type", sa.String(48), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "exploitation_type", name=op.f("pk_case_fact_exploitation")),
    )
    _backfill()


def _backfill() -> None:
    """Facts for every case that already has a head revision (same code as ingest)."""
    from intake_app.server.facts import facts_rows

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT r.case_id, r.revision_id, r.codebook_version, r.content FROM cases c"
        " JOIN revisions r ON r.revision_id = c.head_revision_id")).fetchall()
    revisions = []
    for case_id, revision_id, version, content in rows:
        if isinstance(content, str):
            import json

            content = json.loads(content)
        revisions.append({"case_id": case_id, "revision_id": revision_id, "codebook_version": version,
                          "content": content})
    facts, exploitation = facts_rows(revisions)
    from intake_app.server.models import CaseFactExploitation, CaseFacts

    if facts:
        conn.execute(CaseFacts.__table__.insert(), facts)
    if exploitation:
        conn.execute(CaseFactExploitation.__table__.insert(), exploitation)


def downgrade() -> None:
    op.drop_table("case_fact_exploitation")
    op.drop_table("case_facts")
