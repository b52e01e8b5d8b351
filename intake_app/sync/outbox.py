"""The outbox: which revisions and audit entries the server has not acknowledged yet,
and the bundles built to carry them.

Every revision goes into exactly one bundle, by ``revisions.seq`` order; each bundle
also carries the audit entries made since the previous bundle. A bundle is built once,
and its bytes are kept in ``sync_outbox`` until the server's receipt arrives: exporting
again or retrying an upload re-sends the same bytes for the same sequence, never a fork.
Sequences start at 1 and each bundle names the previous one's hash (a chain).

Every query here looks at the current chain only (:func:`state.chain`). A new device
identity (:mod:`intake_app.sync.new_identity`) starts a new chain: its bundles carry every
revision not delivered in any chain, and the whole audit log from entry 1.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from ..bundle import ZERO_HASH, build_bundle, bundle_hash
from ..vault.audit import now_iso
from . import state

log = logging.getLogger(__name__)

MAX_REVISIONS_PER_BUNDLE = 2000
MAX_AUDIT_PER_BUNDLE = 20000
# sync's own bookkeeping: these alone never cause a bundle (else every sync would make one)
SYNC_ACTIONS = ("sync_bundle_built", "sync_sent", "sync_receipt", "sync_export", "sync_receipts_import",
                "sync_push", "sync_server_key", "sync_new_identity", "sync_last_contact_reset")


@dataclass(frozen=True)
class OutboxItem:
    sequence: int
    bundle: bytes
    bundle_hash: bytes
    state: str  # built | sent
    revision_count: int
    audit_count: int


@dataclass(frozen=True)
class Pending:
    revisions: int  # not yet in any bundle
    audit: int
    outstanding: int  # bundles built or sent, without a receipt
    outstanding_revisions: int


# revisions a bundle of the current chain still has to carry: after the chain's last one, and
# not acknowledged by the server in any chain (an older identity's delivered revisions stay)
_UNSENT = ("r.seq > ? AND NOT EXISTS (SELECT 1 FROM sync_revisions d WHERE d.revision_id = r.revision_id"
           " AND d.delivered_at IS NOT NULL)")


def _hi(conn, chain: int) -> tuple[int, bytes, int, int]:
    row = conn.execute("SELECT sequence, bundle_hash, rev_seq_hi, audit_seq_hi FROM sync_outbox WHERE chain = ?"
                       " ORDER BY sequence DESC LIMIT 1", (chain,)).fetchone()
    if row is None:
        return 0, ZERO_HASH, 0, 0
    return row[0], bytes(row[1]), row[2], row[3]


def pending(vault) -> Pending:
    conn = vault.conn
    chain = state.chain(vault)
    _, _, rev_hi, audit_hi = _hi(conn, chain)
    revs = conn.execute(f"SELECT count(*) FROM revisions r WHERE {_UNSENT}", (rev_hi,)).fetchone()[0]
    audit = conn.execute("SELECT count(*) FROM audit WHERE seq > ?", (audit_hi,)).fetchone()[0]
    out, out_revs = conn.execute("SELECT count(*), coalesce(sum(revision_count), 0) FROM sync_outbox"
                                 " WHERE chain = ? AND state != 'delivered'", (chain,)).fetchone()
    return Pending(revs, audit, out, out_revs)


def outstanding(vault) -> list[OutboxItem]:
    """Bundles without a receipt, by sequence."""
    rows = vault.conn.execute("SELECT sequence, bundle, bundle_hash, state, revision_count, audit_count"
                              " FROM sync_outbox WHERE chain = ? AND state != 'delivered' ORDER BY sequence",
                              (state.chain(vault),)).fetchall()
    return [OutboxItem(r[0], bytes(r[1]), bytes(r[2]), r[3], r[4], r[5]) for r in rows]


def bundle_for(vault, sequence: int) -> OutboxItem | None:
    r = vault.conn.execute("SELECT sequence, bundle, bundle_hash, state, revision_count, audit_count"
                           " FROM sync_outbox WHERE chain = ? AND sequence = ? AND state != 'delivered'",
                           (state.chain(vault), sequence)).fetchone()
    return OutboxItem(r[0], bytes(r[1]), bytes(r[2]), r[3], r[4], r[5]) if r else None


def _revision_dict(row) -> dict:
    return {"revision_id": row[1], "case_id": row[2], "parent_id": row[3], "officer_id": row[4],
            "created_at": row[5], "codebook_version": row[6], "content": json.loads(row[7]),
            "content_hash": row[8]}


def _audit_dict(row) -> dict:
    # detail as a map; the entry's hash covers json.dumps(detail, sort_keys=True,
    # separators=(",", ":")) — see intake_app/vault/audit.py entry_hash
    return {"seq": row[0], "at": row[1], "officer_id": row[2], "action": row[3], "case_id": row[4],
            "revision_id": row[5], "detail": json.loads(row[6]), "prev_hash": row[7], "hash": row[8]}


def _build_one(vault, conn, server_info, allow_audit_only: bool, chain: int) -> int | None:
    seq, prev_hash, rev_hi, audit_hi = _hi(conn, chain)
    revs = conn.execute(
        "SELECT seq, revision_id, case_id, parent_id, officer_id, created_at, codebook_version, content,"
        f" content_hash FROM revisions r WHERE {_UNSENT} ORDER BY seq LIMIT ?",
        (rev_hi, MAX_REVISIONS_PER_BUNDLE)).fetchall()
    if not revs and not allow_audit_only:
        return None
    audit = conn.execute(
        "SELECT seq, at, officer_id, action, case_id, revision_id, detail, prev_hash, hash FROM audit"
        " WHERE seq > ? ORDER BY seq LIMIT ?", (audit_hi, MAX_AUDIT_PER_BUNDLE)).fetchall()
    if not revs and not audit:
        return None
    revisions = [_revision_dict(r) for r in revs]
    entries = [_audit_dict(a) for a in audit]
    officers = sorted({r["officer_id"] for r in revisions} | {a["officer_id"] for a in entries})
    books = sorted({r["codebook_version"] for r in revisions})
    created_at = state.iso(state.utc_now())
    data = build_bundle(device_id=vault.device_id, officer_ids=officers, sequence=seq + 1, prev_hash=prev_hash,
                        created_at=created_at, codebook_versions=books, revisions=revisions, audit=entries,
                        device_keys=vault.device_keys(), server_hpke_public=server_info.hpke_public,
                        server_key_id=server_info.key_id)
    new_rev_hi = revs[-1][0] if revs else rev_hi
    new_audit_hi = audit[-1][0] if audit else audit_hi
    conn.execute(
        "INSERT INTO sync_outbox (chain, sequence, bundle, bundle_hash, prev_hash, created_at, server_key_id,"
        " revision_count, audit_count, rev_seq_hi, audit_seq_hi) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (chain, seq + 1, data, bundle_hash(data), prev_hash, created_at, server_info.key_id, len(revisions),
         len(entries), new_rev_hi, new_audit_hi))
    conn.executemany("INSERT INTO sync_revisions (revision_id, chain, sequence) VALUES (?, ?, ?)",
                     [(r["revision_id"], chain, seq + 1) for r in revisions])
    log.info("built bundle %d: %d revisions, %d audit entries", seq + 1, len(revisions), len(entries))
    return seq + 1


def prepare(vault) -> list[int]:
    """Build bundles for everything not yet in one; returns the new sequences.

    Revisions always get a bundle. Audit entries alone (unlocks, views, prints) get one
    only when no bundle is waiting for its receipt, so repeated exports before the office
    answers do not pile up bundles of audit entries (they ride with the next revisions),
    and sync's own bookkeeping entries alone never make one.
    """
    state.check_not_revoked(vault)
    info = state.require_server_info(vault)
    built = []
    with vault.transaction() as conn:
        chain = state.chain(vault)
        waiting = conn.execute("SELECT count(*) FROM sync_outbox WHERE chain = ? AND state != 'delivered'",
                               (chain,)).fetchone()[0]
        audit_hi = _hi(conn, chain)[3]
        marks = ",".join("?" * len(SYNC_ACTIONS))
        worth = conn.execute(f"SELECT 1 FROM audit WHERE seq > ? AND action NOT IN ({marks}) LIMIT 1",
                             (audit_hi, *SYNC_ACTIONS)).fetchone() is not None
        allow_audit_only = waiting == 0 and worth
        while True:
            seq = _build_one(vault, conn, info, allow_audit_only, chain)
            if seq is None:
                break
            built.append(seq)
            allow_audit_only = False
        if built:
            vault.audit.append(vault.officer.id, "sync_bundle_built", first=built[0], last=built[-1])
    return built


def mark_sent(vault, sequences: list[int], via: str) -> None:
    """The bundles left the device (written to a stick; online: the whole upload went out
    and its answer was lost, client.push). Cases whose head revision is in them show
    ``sent`` until the receipt comes back. Bundles marked already are not marked again."""
    if not sequences:
        return
    at = now_iso()
    with vault.transaction() as conn:
        chain = state.chain(vault)
        marks = ",".join("?" * len(sequences))
        changed = conn.execute(f"UPDATE sync_outbox SET state = 'sent', sent_at = coalesce(sent_at, ?)"
                               f" WHERE chain = ? AND state = 'built' AND sequence IN ({marks})",
                               (at, chain, *sequences)).rowcount
        if not changed and via == "online":
            return
        conn.execute(
            f"UPDATE cases SET sync_state = 'sent' WHERE sync_state = 'pending' AND head_revision IN"
            f" (SELECT revision_id FROM sync_revisions WHERE delivered_at IS NULL AND chain = ?"
            f" AND sequence IN ({marks}))", (chain, *sequences))
        vault.audit.append(vault.officer.id, "sync_sent", via=via, first=min(sequences), last=max(sequences))
