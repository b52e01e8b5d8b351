"""Receipts: signed by the server, verified by the device, checked against what it sent."""

from __future__ import annotations

import pytest

from intake_app.bundle import (
    ReceiptMalformed,
    ReceiptNotFromServer,
    ReceiptUnknownRevisions,
    check_receipt_against_sent,
    make_receipt,
    parse_and_verify_receipt,
    read_receipt,
)
from intake_app.bundle.format import seal_envelope
from intake_app.bundle.receipt import MAGIC_RECEIPT
from intake_app.errors import IntakeError

SENT = ["rev-c", "rev-a", "rev-b"]


def receipt_bytes(keys, **overrides) -> bytes:
    fields = dict(server_signing=keys.signing, bundle_hash=b"\x11" * 32, device_id="dev-0001", sequence=3,
                  revision_ids=SENT + ["rev-a"], audit_seqs=[5, 4, 4], received_at="2026-11-03T08:00:00Z",
                  status="stored")
    fields.update(overrides)
    return make_receipt(**fields)


def raises_exactly(cls, fn, *args, **kwargs):
    with pytest.raises(IntakeError) as info:
        fn(*args, **kwargs)
    assert type(info.value) is cls, type(info.value)
    return info.value


def test_round_trip(server_keys):
    data = receipt_bytes(server_keys)
    receipt = parse_and_verify_receipt(data, server_keys.signing_public)
    assert receipt.revision_ids == ("rev-a", "rev-b", "rev-c")  # sorted, without repeats
    assert receipt.audit_seqs == (4, 5)
    assert (receipt.device_id, receipt.sequence, receipt.status) == ("dev-0001", 3, "stored")
    assert receipt.bundle_hash == b"\x11" * 32 and receipt.raw == data
    assert read_receipt(data) == receipt
    check_receipt_against_sent(receipt, set(SENT) | {"rev-z"})
    check_receipt_against_sent(receipt, SENT)  # any collection
    # the same content signs to the same canonical body
    assert receipt_bytes(server_keys)[:len(data) - 3309] == data[:len(data) - 3309]


def test_already_had_status(server_keys):
    receipt = parse_and_verify_receipt(receipt_bytes(server_keys, status="already_had"), server_keys.signing_public)
    assert receipt.status == "already_had"
    with pytest.raises(ValueError):
        receipt_bytes(server_keys, status="maybe")


def test_receipt_signed_by_someone_else(server_keys, other_server_keys, device_keys):
    raises_exactly(ReceiptNotFromServer, parse_and_verify_receipt, receipt_bytes(other_server_keys),
                   server_keys.signing_public)
    forged = seal_envelope(MAGIC_RECEIPT, 1, read_receipt(receipt_bytes(server_keys)).to_wire(), device_keys)
    raises_exactly(ReceiptNotFromServer, parse_and_verify_receipt, forged, server_keys.signing_public)


def test_receipt_with_one_signature_or_changed_byte(server_keys):
    data = receipt_bytes(server_keys)
    without_mldsa = data[:-3311] + b"\x00\x00"
    raises_exactly(ReceiptNotFromServer, parse_and_verify_receipt, without_mldsa, server_keys.signing_public)
    changed = data.replace(b"rev-b", b"rev-x")
    raises_exactly(ReceiptNotFromServer, parse_and_verify_receipt, changed, server_keys.signing_public)


def test_receipt_for_revisions_never_sent(server_keys):
    receipt = parse_and_verify_receipt(receipt_bytes(server_keys, revision_ids=SENT + ["rev-q", "rev-r"]),
                                       server_keys.signing_public)
    err = raises_exactly(ReceiptUnknownRevisions, check_receipt_against_sent, receipt, SENT)
    assert err.params == {"count": 2, "device_id": "dev-0001", "sequence": 3}


@pytest.mark.parametrize("mutate, part", [
    (lambda d: d[:20], "truncated"),
    (lambda d: d[:5], "truncated"),
    (lambda d: b"garbage!" + d[8:], "magic"),
    (lambda d: d + b"\x00", "trailing"),
    (lambda d: d[:8] + b"\x00\x07" + d[10:], "version"),
])
def test_malformed_receipt(server_keys, mutate, part):
    err = raises_exactly(ReceiptMalformed, parse_and_verify_receipt, mutate(receipt_bytes(server_keys)),
                         server_keys.signing_public)
    assert err.params["part"] == part


@pytest.mark.parametrize("body", [
    [1, 2, 3],
    {"bundle_hash": b"x"},
    {"bundle_hash": b"\x00" * 32, "device_id": "dev-0001", "sequence": 1, "revision_ids": ["b", "a"],
     "audit_seqs": [], "received_at": "2026-11-03T08:00:00Z", "status": "stored"},  # unsorted
    {"bundle_hash": b"\x00" * 32, "device_id": "dev-0001", "sequence": 1, "revision_ids": [7],
     "audit_seqs": [], "received_at": "2026-11-03T08:00:00Z", "status": "stored"},
])
def test_signed_but_malformed_body(server_keys, body):
    data = seal_envelope(MAGIC_RECEIPT, 1, body, server_keys.signing)
    raises_exactly(ReceiptMalformed, parse_and_verify_receipt, data, server_keys.signing_public)
