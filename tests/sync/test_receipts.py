"""Receipts read back from the stick: only the pinned server's signature counts, only
revisions this device sent, and a valid one marks the cases delivered (once)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from intake_app.bundle import ServerKeys, make_receipt, read_receipt
from intake_app.bundle.errors import ReceiptMalformed, ReceiptNotFromServer, ReceiptUnknownRevisions
from intake_app.fsutil import atomic_write
from intake_app.sync import export_to, import_receipts
from intake_app.sync.errors import ReceiptBundleMismatch, ReceiptOtherDevice
from intake_app.sync.receipts import apply_receipt
from intake_app.sync.usb import RECEIPTS_DIR, receipt_name

from .helpers import utc


def _export_and_import(vault, mini, stick, sample):
    vault.save_case(sample("intake-adult-woman"))
    vault.save_case(sample("intake-unaccompanied-boy"))
    export_to(vault, stick)
    mini.import_stick(stick)
    return stick / RECEIPTS_DIR / vault.device_id / receipt_name(1)


def _delivered_count(vault) -> int:
    return vault.conn.execute("SELECT count(*) FROM sync_revisions WHERE delivered_at IS NOT NULL").fetchone()[0]


def test_valid_receipt_marks_delivered_once(enrolled, mini, stick, sample):
    _export_and_import(enrolled, mini, stick, sample)
    report = import_receipts(enrolled, stick)
    assert [a.sequence for a in report.delivered] == [1] and report.revisions == 2 and not report.refused
    assert {r.sync_state for r in enrolled.list_cases()} == {"delivered"}
    assert enrolled.conn.execute("SELECT bundle FROM sync_outbox WHERE sequence = 1").fetchone()[0] is None
    again = import_receipts(enrolled, stick)
    assert [a.sequence for a in again.already] == [1] and not again.delivered
    assert _delivered_count(enrolled) == 2
    actions = [e.action for e in enrolled.audit.entries()]
    assert "sync_receipt" in actions and "sync_receipts_import" in actions
    # after delivery the next export removes the delivered file from the stick
    report = export_to(enrolled, stick)
    assert report.removed == 1


def test_receipt_not_signed_by_the_server_is_refused(enrolled, mini, stick, sample):
    path = _export_and_import(enrolled, mini, stick, sample)
    genuine = read_receipt(path.read_bytes())
    impostor = ServerKeys.generate()
    forged = make_receipt(server_signing=impostor.signing, bundle_hash=genuine.bundle_hash,
                          device_id=genuine.device_id, sequence=1, revision_ids=genuine.revision_ids,
                          audit_seqs=genuine.audit_seqs, received_at=genuine.received_at, status="stored")
    atomic_write(path, forged)
    report = import_receipts(enrolled, stick)
    assert not report.delivered and len(report.refused) == 1
    assert isinstance(report.refused[0][1], ReceiptNotFromServer)
    assert _delivered_count(enrolled) == 0
    assert {r.sync_state for r in enrolled.list_cases()} == {"sent"}
    # a flipped byte in a genuine receipt: refused too
    data = bytearray(genuine.raw)
    data[-5] ^= 1
    with pytest.raises((ReceiptNotFromServer, ReceiptMalformed)):
        apply_receipt(enrolled, bytes(data), via="usb")


def test_receipt_for_revisions_never_sent_is_refused(enrolled, mini, stick, sample, server_keys):
    path = _export_and_import(enrolled, mini, stick, sample)
    genuine = read_receipt(path.read_bytes())
    now = utc(datetime.now(timezone.utc))
    padded = make_receipt(server_signing=server_keys.signing, bundle_hash=genuine.bundle_hash,
                          device_id=genuine.device_id, sequence=1,
                          revision_ids=[*genuine.revision_ids, "f" * 32], audit_seqs=genuine.audit_seqs,
                          received_at=now, status="stored")
    with pytest.raises(ReceiptUnknownRevisions):
        apply_receipt(enrolled, padded, via="usb")
    never_built = make_receipt(server_signing=server_keys.signing, bundle_hash=b"\1" * 32,
                               device_id=genuine.device_id, sequence=7, revision_ids=["a" * 32],
                               audit_seqs=[], received_at=now, status="stored")
    with pytest.raises(ReceiptUnknownRevisions):
        apply_receipt(enrolled, never_built, via="usb")
    other_bytes = make_receipt(server_signing=server_keys.signing, bundle_hash=b"\2" * 32,
                               device_id=genuine.device_id, sequence=1, revision_ids=genuine.revision_ids,
                               audit_seqs=[], received_at=now, status="stored")
    with pytest.raises(ReceiptBundleMismatch):
        apply_receipt(enrolled, other_bytes, via="usb")
    other_device = make_receipt(server_signing=server_keys.signing, bundle_hash=genuine.bundle_hash,
                                device_id="otro-equipo-demo", sequence=1, revision_ids=genuine.revision_ids,
                                audit_seqs=[], received_at=now, status="stored")
    with pytest.raises(ReceiptOtherDevice):
        apply_receipt(enrolled, other_device, via="usb")
    atomic_write(path, padded)
    report = import_receipts(enrolled, stick)
    assert isinstance(report.refused[0][1], ReceiptUnknownRevisions)
    assert _delivered_count(enrolled) == 0


def test_good_receipts_apply_while_a_bad_one_is_reported(enrolled, mini, stick, sample):
    _export_and_import(enrolled, mini, stick, sample)
    junk = stick / RECEIPTS_DIR / enrolled.device_id / receipt_name(2)
    junk.write_bytes(b"not a receipt at all")
    (stick / RECEIPTS_DIR / enrolled.device_id / ".00000003.receipt.1.part").write_bytes(b"half")
    report = import_receipts(enrolled, stick)
    assert [a.sequence for a in report.delivered] == [1]
    assert [name for name, _ in report.refused] == ["00000002.receipt"]
    assert isinstance(report.refused[0][1], ReceiptMalformed)


def test_an_edit_after_delivery_makes_the_case_pending_again(enrolled, mini, stick, sample):
    _export_and_import(enrolled, mini, stick, sample)
    import_receipts(enrolled, stick)
    case = enrolled.list_cases()[0]
    enrolled.save_case({**sample("intake-unaccompanied-boy"), "case_status": "follow_up"}, case_id=case.case_id)
    states = {r.case_id: r.sync_state for r in enrolled.list_cases()}
    assert states[case.case_id] == "pending" and sorted(states.values()) == ["delivered", "pending"]
