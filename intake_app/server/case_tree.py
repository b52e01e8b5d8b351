"""A case's revisions form a tree (each names its parent); bundles arrive in any order
(sticks are imported in any order, online sends race them). This module decides, from
the stored tree, which revision is the case's head and which branch tips wait in the
supervisor's conflict queue, so that the answer does not depend on the arrival order.
Called by ingest (``Ingestor._update_cases``) inside the bundle's transaction, after the
case rows are locked.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from .db import chunks
from .models import Conflict, Revision

revisions_t = Revision.__table__
conflicts_t = Conflict.__table__


def settle_tree(conn: Connection, cases: list[str], heads: dict, changed: dict[str, dict],
                now: datetime) -> tuple[list[dict], list[str]]:
    """The head and the open conflicts of each case from its stored revisions, whatever the
    order they arrived in (sticks are imported in any order). Returns the conflict rows to
    queue, and the case of each open conflict it closed as ``superseded`` (its revision has a
    later one stored below it now, which is queued in its place: one entry per branch tip).

    From the root, the head goes down one child at a time: at a fork it stays on the line of
    the current head, else takes the child that arrived first. Every other branch of a fork
    is queued by its tips (its latest revisions), except tips a supervisor already settled
    (kept or replaced in a resolved conflict). While the current head is not reachable from
    the root (a parent has not arrived yet), the head stays and nothing is queued: the tree is
    settled again when the missing revision comes."""
    nodes: dict[str, dict[str, tuple]] = defaultdict(dict)  # case -> revision -> (parent, arrival order)
    for part in chunks(cases):
        for rid, cid, parent, bundle_id, created in conn.execute(
                select(revisions_t.c.revision_id, revisions_t.c.case_id, revisions_t.c.parent_id,
                       revisions_t.c.bundle_id, revisions_t.c.created_at).where(revisions_t.c.case_id.in_(part))):
            nodes[cid][rid] = (parent, (bundle_id, created, rid))
    settled: set[str] = set()
    open_rows: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for part in chunks(cases):
        for cid, conflict_id, rid, head_then, status, resolution in conn.execute(
                select(conflicts_t.c.case_id, conflicts_t.c.id, conflicts_t.c.revision_id,
                       conflicts_t.c.head_revision_id, conflicts_t.c.status, conflicts_t.c.resolution)
                .where(conflicts_t.c.case_id.in_(part))):
            if status == "open":
                open_rows[cid].append((conflict_id, rid))
            elif resolution != "superseded":  # a supervisor's decision: kept or replaced
                settled.update((rid, head_then))
    rows, moved_to, stale, superseded = [], {}, [], []
    for case_id in cases:
        tree = nodes[case_id]
        kids: dict[str | None, list[str]] = defaultdict(list)
        for rid, (parent, _) in tree.items():
            if parent is None or parent in tree:
                kids[parent].append(rid)
        for lst in kids.values():
            lst.sort(key=lambda r: tree[r][1])
        line, node = set(), heads[case_id]  # the current head and its stored ancestors
        while node is not None and node in tree and node not in line:
            line.add(node)
            node = tree[node][0]
        if node is not None:
            continue  # the head hangs below a revision not arrived yet: wait for it
        tips: list[str] = []
        node, head = None, None
        while kids.get(node):
            branch = kids[node]
            nxt = next((k for k in branch if k in line), branch[0])
            for other in branch:
                if other != nxt:
                    tips.extend(_tips(other, kids))
            head = node = nxt
        if head is not None and head != heads[case_id]:
            heads[case_id] = moved_to[case_id] = head
        for tip in tips:
            if tip not in settled:
                rows.append({"case_id": case_id, "head_revision_id": heads[case_id], "revision_id": tip,
                             "detected_at": now, "status": "open"})
        for conflict_id, rid in open_rows[case_id]:
            if kids.get(rid):  # no longer a tip: its branch goes on below it
                stale.append(conflict_id)
                superseded.append(case_id)
    if moved_to:
        for row in conn.execute(select(revisions_t.c.case_id, revisions_t.c.revision_id,
                                       revisions_t.c.codebook_version, revisions_t.c.content)
                                .where(revisions_t.c.revision_id.in_(list(moved_to.values())))):
            changed[row.case_id] = dict(row._mapping)
    for part in chunks(stale):
        conn.execute(update(conflicts_t).where(conflicts_t.c.id.in_(part)).values(
            status="resolved", resolution="superseded", resolved_by="server", resolved_at=now))
    return rows, superseded


def _tips(node: str, kids: dict) -> list[str]:
    out, stack, seen = [], [node], set()
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if kids.get(n):
            stack.extend(kids[n])
        else:
            out.append(n)
    return out


def children_of(conn: Connection, parents: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for part in chunks(parents):
        for parent, child in conn.execute(select(revisions_t.c.parent_id, revisions_t.c.revision_id)
                                          .where(revisions_t.c.parent_id.in_(part))):
            out[parent].append(child)
    return out
