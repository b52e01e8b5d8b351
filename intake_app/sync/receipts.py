"""Applying the server's receipts: verify, check, mark delivered (USB and online alike).

A receipt is accepted only when both its signatures verify under the server signing keys
pinned at enrollment, it names this device, the sequence is one this device built, the
bundle hash is that bundle's, and every revision it lists was in that bundle (of the
current chain: a receipt for an older device identity names that identity and is refused). Then, in
one vault transaction, the listed revisions become ``delivered``, the bundle's stored
bytes are dropped (only its hash stays, for the chain), and cases whose head revision
was delivered show ``delivered``. Applying the same receipt twice changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..bundle import Receipt, check_receipt_against_sent, parse_and_verify_receipt
from ..bundle.errors import ReceiptUnknownRevisions
from ..vault.audit import now_iso
from . import state
from .errors import ReceiptBundleMismatch, ReceiptOtherDevice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Applied:
    sequence: int
    status: str  # delivered | already
    revisions: int  # revisions newly marked delivered


def verify_receipt(vault, data: bytes) -> Receipt:
    """Parse and check a receipt against the pinned keys and the outbox; raises typed errors."""
    info = state.require_server_info(vault)
    receipt = parse_and_verify_receipt(data, info.signing)
    if receipt.device_id != vault.device_id:
        raise ReceiptOtherDevice(device_id=receipt.device_id)
    chain = state.chain(vault)
    row = vault.conn.execute("SELECT bundle_hash FROM sync_outbox WHERE chain = ? AND sequence = ?",
                             (chain, receipt.sequence)).fetchone()
    if row is None:
        raise ReceiptUnknownRevisions(count=len(receipt.revision_ids), device_id=receipt.device_id,
                                      sequence=receipt.sequence)
    if bytes(row[0]) != receipt.bundle_hash:
        raise ReceiptBundleMismatch(sequence=receipt.sequence)
    sent = {r[0] for r in vault.conn.execute("SELECT revision_id FROM sync_revisions WHERE chain = ? AND sequence = ?",
                                             (chain, receipt.sequence))}
    check_receipt_against_sent(receipt, sent)
    return receipt


def apply_receipt(vault, data: bytes, via: str) -> Applied:
    """Verify ``data`` and mark what it lists delivered. Idempotent."""
    receipt = verify_receipt(vault, data)
    at = now_iso()
    with vault.transaction() as conn:
        chain = state.chain(vault)
        done = conn.execute("SELECT state FROM sync_outbox WHERE chain = ? AND sequence = ?",
                            (chain, receipt.sequence)).fetchone()[0]
        if done == "delivered":
            return Applied(receipt.sequence, "already", 0)
        ids = list(receipt.revision_ids)
        newly = 0
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            newly += conn.execute(f"UPDATE sync_revisions SET delivered_at = ? WHERE delivered_at IS NULL"
                                  f" AND chain = ? AND sequence = ? AND revision_id IN ({marks})",
                                  (at, chain, receipt.sequence, *chunk)).rowcount
        conn.execute("UPDATE sync_outbox SET state = 'delivered', delivered_at = ?, bundle = NULL,"
                     " sent_at = coalesce(sent_at, ?) WHERE chain = ? AND sequence = ?",
                     (at, at, chain, receipt.sequence))
        conn.execute("INSERT OR IGNORE INTO sync_receipts (chain, sequence, receipt, received_at, imported_at, via)"
                     " VALUES (?,?,?,?,?,?)", (chain, receipt.sequence, data, receipt.received_at, at, via))
        conn.execute(
            "UPDATE cases SET sync_state = 'delivered' WHERE sync_state != 'delivered' AND head_revision IN"
            " (SELECT revision_id FROM sync_revisions WHERE chain = ? AND sequence = ? AND delivered_at IS NOT NULL)",
            (chain, receipt.sequence))
        state.record_receipt(vault, receipt.received_at, receipt.sequence)  # the server's length, not a fixed one
        missing = conn.execute("SELECT count(*) FROM sync_revisions WHERE chain = ? AND sequence = ?"
                               " AND delivered_at IS NULL", (chain, receipt.sequence)).fetchone()[0]
        vault.audit.append(vault.officer.id, "sync_receipt", via=via, sequence=receipt.sequence,
                           revisions=newly, not_listed=missing)
    if missing:
        log.warning("receipt for bundle %d lists %d fewer revisions than were sent", receipt.sequence, missing)
    return Applied(receipt.sequence, "delivered", newly)
