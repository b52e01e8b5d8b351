"""The dashboard's views of forms of exploitation, means of control, relationship to the
recruiter and flow count victims only (possible, or accredited/identified, and not decided
"not a victim": ``dashboard.collect.is_victim``); before, they counted every person with an
answer. The schema does not change: every case's cells are recomputed from its facts row and
head revision (the same whitelist as ingest), and the counts rebuilt from them.

Downgrade changes nothing: the counts are those of the code that runs (an older version's
own cells come back only by recounting with that version's code).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from intake_app.server.dashboard import rollup
    from intake_app.server.dashboard.collect import EXTRA_FIELDS

    conn = op.get_bind()
    for table in ("dash_delta", "dash_rollup", "dash_case"):
        conn.execute(sa.text(f"DELETE FROM {table}"))
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
    pass
