"""Ingest's writes on PostgreSQL: a fixed number of statements per bundle, rows by COPY.

The common case is a bundle of new revisions of new cases, and it takes the cheapest
path: rows COPYed straight into their tables (:func:`pgcopy.copy_fresh`). Anything that
is there already (a revision sent again in another bundle, a case another device or
process created) makes that COPY fail under its savepoint, and the rows go the careful
way: a stage and one ``INSERT … ON CONFLICT``. Rows known to be there already (the facts
of a case being edited) go the careful way at once: a failed COPY costs a rolled-back
savepoint and an ERROR in PostgreSQL's log. Rows are written in key order, so two
processes writing the same keys wait for each other instead of deadlocking.
"""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from typing import Collection, Mapping, Sequence

from sqlalchemy.engine import Connection

from . import pgcopy
from .errors import RevisionConflictingCopy
from .jsontext import json_text

REVISION_COLUMNS = ("revision_id", "case_id", "parent_id", "officer_id", "device_id", "bundle_id", "created_at",
                    "codebook_version", "content_hash", "content")
CASE_COLUMNS = ("case_id", "head_revision_id", "revision_count", "open_conflicts", "review_state", "first_received_at",
                "updated_at")


class CaseRace(Exception):
    """Another transaction created one of this bundle's new cases after we looked: the
    caller rolls back and stores the bundle again (it then finds and locks the case)."""


def insert_revisions(conn: Connection, rows: Sequence[Mapping], device_id: str, bundle_id: int) -> set[str]:
    """Store a bundle's revisions (its checked revision maps); returns the ids that were new.
    A revision held already must be the very same one (same content hash)."""
    cols = REVISION_COLUMNS  # the row of each, in this order
    tuples = sorted((r["revision_id"], r["case_id"], r["parent_id"], r["officer_id"], device_id, bundle_id,
                     r["created_at"], r["codebook_version"], r["content_hash"], json_text(r["content"])) for r in rows)
    with pgcopy.cursor(conn) as cur:
        if pgcopy.copy_fresh(cur, "revisions", cols, tuples):
            return {t[0] for t in tuples}
        stage = pgcopy.stage(cur, "revisions", cols, tuples)
        cur.execute(f"INSERT INTO revisions ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {stage}"
                    " ORDER BY revision_id ON CONFLICT (revision_id) DO NOTHING RETURNING revision_id")
        new_ids = {r[0] for r in cur.fetchall()}
        old = [r for r in rows if r["revision_id"] not in new_ids]
        if old:
            cur.execute("SELECT revision_id, content_hash FROM revisions WHERE revision_id = ANY(%s)",
                        ([r["revision_id"] for r in old],))
            held = dict(cur.fetchall())
            for r in old:
                if held.get(r["revision_id"]) != r["content_hash"]:
                    raise RevisionConflictingCopy(revision_id=r["revision_id"])
    return new_ids


def insert_audit(conn: Connection, device_id: str, bundle_id: int, entries: Sequence[Mapping]) -> None:
    """The device's audit entries; one it sent before is kept as first received."""
    cols = ("device_id", "seq", "bundle_id", "entry")
    tuples = sorted(((device_id, a["seq"], bundle_id, json_text(a)) for a in entries), key=lambda t: t[1])
    with pgcopy.cursor(conn) as cur:
        if not pgcopy.copy_fresh(cur, "device_audit", cols, tuples):
            stage = pgcopy.stage(cur, "device_audit", cols, tuples)
            cur.execute(f"INSERT INTO device_audit SELECT * FROM {stage} ORDER BY seq ON CONFLICT DO NOTHING")


def lock_heads(conn: Connection, case_ids: Sequence[str]) -> dict[str, str | None]:
    """{case_id: head revision} of the cases the server has, each row locked until commit."""
    with pgcopy.cursor(conn) as cur:
        cur.execute("SELECT case_id, head_revision_id FROM cases WHERE case_id = ANY(%s) ORDER BY case_id FOR UPDATE",
                    (list(case_ids),))
        return dict(cur.fetchall())


def write_cases(conn: Connection, held: Mapping[str, str | None], case_ids: Sequence[str], heads: Mapping,
                counts: Mapping, conflicts: Mapping, unseen: Collection[str], now: datetime) -> None:
    """Insert the new cases whole and move the heads of the held (locked) ones; a held case
    in ``unseen`` (a new head or a new conflict) is "new" again for the supervisor."""
    new = [c for c in case_ids if c not in held]
    old = [c for c in case_ids if c in held]
    with pgcopy.cursor(conn) as cur:
        # new cases straight in, in key order; one that another transaction created meanwhile
        # makes the COPY fail, and the INSERT below finds it: CaseRace. (The time as text, written
        # once: the same timestamptz, without formatting a datetime twice per row.)
        stamp = now.isoformat() if now.utcoffset() is not None else now
        rows = sorted((c, heads[c], counts[c], conflicts.get(c, 0), "new", stamp, stamp) for c in new)
        if not pgcopy.copy_fresh(cur, "cases", CASE_COLUMNS, rows):
            cur.execute("INSERT INTO cases (case_id, head_revision_id, revision_count, open_conflicts, review_state,"
                        " first_received_at, updated_at) SELECT v.c, v.h, v.n, v.oc, 'new', %s, %s"
                        " FROM unnest(%s::text[], %s::text[], %s::int[], %s::int[]) AS v(c, h, n, oc) ORDER BY v.c"
                        " ON CONFLICT (case_id) DO NOTHING",
                        (now, now, new, [heads[c] for c in new], [counts[c] for c in new],
                         [conflicts.get(c, 0) for c in new]))
            if cur.rowcount != len(new):
                raise CaseRace()
        if old:
            cur.execute("UPDATE cases AS c SET head_revision_id = v.h, revision_count = c.revision_count + v.n,"
                        " open_conflicts = c.open_conflicts + v.oc, updated_at = %s,"
                        " review_state = CASE WHEN v.r THEN 'new' ELSE c.review_state END"
                        " FROM unnest(%s::text[], %s::text[], %s::int[], %s::int[], %s::bool[])"
                        " AS v(case_id, h, n, oc, r) WHERE c.case_id = v.case_id",
                        (now, old, [heads[c] for c in old], [counts[c] for c in old],
                         [conflicts.get(c, 0) for c in old], [c in unseen for c in old]))


def write_facts(conn: Connection, columns: Sequence[str], facts: Sequence[Mapping], kinds: Sequence[Mapping], *,
                fresh: bool) -> None:
    """Upsert ``case_facts`` rows and replace the cases' ``case_fact_exploitation`` rows.
    ``fresh``: none of these cases had facts, so try the straight COPY first."""
    row_of = itemgetter(*columns)
    tuples = sorted(map(row_of, facts))  # case_id first: key order
    ids = [t[0] for t in tuples]
    with pgcopy.cursor(conn) as cur:
        if not (fresh and pgcopy.copy_fresh(cur, "case_facts", columns, tuples)):
            stage = pgcopy.stage(cur, "case_facts", columns, tuples)
            sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "case_id")
            cur.execute(f"INSERT INTO case_facts ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {stage}"
                        f" ORDER BY case_id ON CONFLICT (case_id) DO UPDATE SET {sets}")
            cur.execute("DELETE FROM case_fact_exploitation WHERE case_id = ANY(%s)", (ids,))
        if kinds:
            pgcopy.copy_rows(cur, "case_fact_exploitation", ("case_id", "exploitation_type"),
                             [(k["case_id"], k["exploitation_type"]) for k in kinds])
