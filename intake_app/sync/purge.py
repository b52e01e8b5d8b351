"""Purging identity data of cases the server has acknowledged (only when asked).

Default: keep everything. ``purge(vault)`` removes the identifying fields (the codebook's
``direct`` sensitivity class: names, document number, birth date, phone, narrative, ...)
from every revision of every case whose revisions were **all** listed in a verified
server receipt, and drops those cases from the name index and the duplicate-person
keys. Nothing unacknowledged is ever touched, and the database enforces it too:

- revisions stay append-only; migration 0002 lets an UPDATE through only for a revision
  that has a row in ``purged_revisions``, and only of its ``content``;
- a row in ``purged_revisions`` can only be inserted for a revision whose
  ``sync_revisions.delivered_at`` is set (a trigger refuses anything else).

The revision keeps its ``content_hash`` (the hash of what the server holds). Every purged
case gets an audit entry (``case_purge``, counts only). ``secure_delete`` is on while
purging and the WAL is checkpointed after, so the removed text does not linger in free
pages or the log.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from ..vault.audit import now_iso
from ..vault.cases import canonical_json
from . import state

log = logging.getLogger(__name__)

PURGED_MARK = "_purged"


@dataclass(frozen=True)
class PurgeReport:
    cases: int
    revisions: int
    kept_unacknowledged: int  # cases not purged because something in them has no receipt yet


def identifying_fields(codebook) -> tuple[set[str], dict[str, set[str]]]:
    """Top-level direct fields, and for repeat fields the direct subfields."""
    top = {f.key for f in codebook.fields.values() if f.sensitivity == "direct"}
    sub = {f.key: {s.key for s in f.subfields if s.sensitivity == "direct"}
           for f in codebook.fields.values() if f.subfields}
    return top, {k: v for k, v in sub.items() if v}


def strip_identity(vault, content: dict, codebook_version: str) -> tuple[dict, int]:
    top, sub = identifying_fields(vault.codebook_for(codebook_version))
    out, removed = {}, 0
    for key, value in content.items():
        if key in top:
            removed += 1
            continue
        if key in sub and isinstance(value, list):
            rows = []
            for row in value:
                if isinstance(row, dict):
                    removed += sum(1 for k in row if k in sub[key])
                    row = {k: v for k, v in row.items() if k not in sub[key]}
                rows.append(row)
            value = rows
        out[key] = value
    out[PURGED_MARK] = True
    return out, removed


def purgeable_cases(vault) -> list[str]:
    """Cases all of whose revisions the server acknowledged, not purged yet."""
    rows = vault.conn.execute(
        "SELECT c.case_id FROM cases c WHERE c.sync_state = 'delivered'"
        # every revision acknowledged, in any chain (a new device identity keeps what the old one delivered)
        " AND NOT EXISTS (SELECT 1 FROM revisions r WHERE r.case_id = c.case_id AND NOT EXISTS"
        "                 (SELECT 1 FROM sync_revisions s WHERE s.revision_id = r.revision_id"
        "                  AND s.delivered_at IS NOT NULL))"
        " AND EXISTS (SELECT 1 FROM revisions r LEFT JOIN purged_revisions p ON p.revision_id = r.revision_id"
        "             WHERE r.case_id = c.case_id AND p.revision_id IS NULL)"
        " AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.case_id = c.case_id)"  # unsaved work: keep
        " ORDER BY c.rowid").fetchall()
    return [r[0] for r in rows]


def is_purged(vault, case_id: str) -> bool:
    return vault.conn.execute("SELECT 1 FROM purged_revisions p JOIN cases c ON c.head_revision = p.revision_id"
                              " WHERE c.case_id = ?", (case_id,)).fetchone() is not None


def purged_among(vault, case_ids) -> set[str]:
    """Those of ``case_ids`` whose identity data was purged here (their current revision is
    purged): the case list marks them."""
    ids, out = list(case_ids), set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        out.update(r[0] for r in vault.conn.execute(
            "SELECT c.case_id FROM cases c JOIN purged_revisions p ON p.revision_id = c.head_revision"
            f" WHERE c.case_id IN ({marks})", chunk))
    return out


def _purged_count(vault) -> int:
    return vault.conn.execute("SELECT count(DISTINCT p.case_id) FROM purged_revisions p JOIN cases c"
                              " ON c.head_revision = p.revision_id").fetchone()[0]


def purge(vault, case_ids: list[str] | None = None) -> PurgeReport:
    """Remove identity data from acknowledged cases (all of them, or those in ``case_ids``
    that qualify; the others are counted in ``kept_unacknowledged``)."""
    state.check_not_revoked(vault)
    eligible = purgeable_cases(vault)
    if case_ids is not None:
        wanted = set(case_ids)
        kept = len(wanted - set(eligible))
        eligible = [c for c in eligible if c in wanted]
    else:
        kept = vault.conn.execute("SELECT count(*) FROM cases").fetchone()[0] - len(eligible) - _purged_count(vault)
    conn = vault.conn
    conn.execute("PRAGMA secure_delete = ON")
    if eligible:  # FTS5: drop a deleted row's tokens from the index at once, not at the next merge
        conn.execute("INSERT INTO name_index (name_index, rank) VALUES ('secure-delete', 1)")
    at = now_iso()
    n_revs = 0
    try:
        for case_id in eligible:
            with vault.transaction():
                rows = conn.execute("SELECT r.revision_id, r.codebook_version, r.content FROM revisions r"
                                    " LEFT JOIN purged_revisions p ON p.revision_id = r.revision_id"
                                    " WHERE r.case_id = ? AND p.revision_id IS NULL ORDER BY r.seq",
                                    (case_id,)).fetchall()
                fields = 0
                for revision_id, version, content in rows:
                    stripped, removed = strip_identity(vault, json.loads(content), version)
                    fields += removed
                    conn.execute("INSERT INTO purged_revisions (revision_id, case_id, purged_at, officer_id, fields)"
                                 " VALUES (?,?,?,?,?)", (revision_id, case_id, at, vault.officer.id, removed))
                    conn.execute("UPDATE revisions SET content = ? WHERE revision_id = ?",
                                 (canonical_json(stripped), revision_id))
                rowid = conn.execute("SELECT rowid FROM cases WHERE case_id = ?", (case_id,)).fetchone()[0]
                conn.execute("DELETE FROM name_index WHERE rowid = ?", (rowid,))
                conn.execute("DELETE FROM person_keys WHERE case_rowid = ?", (rowid,))
                vault.audit.append(vault.officer.id, "case_purge", case_id, None, revisions=len(rows), fields=fields)
                n_revs += len(rows)
        if eligible:
            conn.execute("INSERT INTO name_index (name_index) VALUES ('optimize')")
            vault.checkpoint()
    finally:
        conn.execute("PRAGMA secure_delete = OFF")
    log.info("purged identity data of %d cases (%d revisions)", len(eligible), n_revs)
    return PurgeReport(len(eligible), n_revs, kept)
