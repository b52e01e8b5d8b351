"""``exchange_packages.institution``: the institution a package belongs to (its preparer's),
so a supervisor of another institution on the same server can neither see, approve nor
send it. Existing packages take their preparer's institution; packages prepared from the
command line before this version (by ``operator``) get none, so only a supervisor without an
institution (national scope) may handle them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exchange_packages") as batch:
        batch.add_column(sa.Column("institution", sa.String(32), nullable=True))
    op.execute("UPDATE exchange_packages SET institution = (SELECT u.institution FROM users u"
               " WHERE 'user:' || u.username = exchange_packages.prepared_by)")


def downgrade() -> None:
    with op.batch_alter_table("exchange_packages") as batch:
        batch.drop_column("institution")
