"""``form_tokens``: the used one-time tokens of the supervisors' page forms (a form sent
twice is done once) get a table of their own. Before, each was an ended row of ``sessions``
keyed ``form:`` and 59 hex digits of the token's SHA-256: a row that was no session, in the
table the sign-in code reads and cleans. Those rows move here, keyed by the same 59 digits
(the prefix dropped), so a form sent before the upgrade and again after is still done once;
their ``created_at`` becomes ``used_at``. Only hashes, user ids and times: no personal data.

Downgrade moves them back into ``sessions`` as they were.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
FORM_ROW = "form:"  # the old rows' prefix in sessions (no session's key, 64 hex digits, has a colon)


def upgrade() -> None:
    op.create_table(
        "form_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("used_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_form_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_form_tokens")),
    )
    op.create_index("ix_form_tokens_used_at", "form_tokens", ["used_at"])
    op.execute(f"INSERT INTO form_tokens (token_hash, user_id, used_at) SELECT substr(token_hash, {len(FORM_ROW) + 1}),"
               f" user_id, created_at FROM sessions WHERE token_hash LIKE '{FORM_ROW}%'")
    op.execute(f"DELETE FROM sessions WHERE token_hash LIKE '{FORM_ROW}%'")


def downgrade() -> None:
    op.execute("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, idle_until, ended)"
               f" SELECT '{FORM_ROW}' || substr(token_hash, 1, {64 - len(FORM_ROW)}), user_id, used_at, used_at,"
               " used_at, TRUE FROM form_tokens")
    op.drop_index("ix_form_tokens_used_at", table_name="form_tokens")
    op.drop_table("form_tokens")
