"""Receipts: the server's signed word that it holds a bundle's revisions and audit entries.

One receipt per bundle, signed with the server's Ed25519 + ML-DSA-65 pair. The device
verifies it against the signing keys it pinned at enrollment and checks that it lists
only revisions the device really sent; only then are those revisions marked delivered
(and, if policy asks, purged). Layout: ``docs/bundle-format.md``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from .errors import ReceiptMalformed, ReceiptNotFromServer, ReceiptUnknownRevisions
from .format import (
    FieldError,
    check_bytes,
    check_id,
    check_int,
    check_list,
    check_map,
    check_utc,
    open_envelope,
    seal_envelope,
)
from .keys import SigningKeys, SigningPublicKeys

MAGIC_RECEIPT = b"\x89ITKR\r\n\x1a"
RECEIPT_VERSION = 1
STATUSES = ("stored", "already_had")
_MAX_ITEMS = 1_000_000
_FIELDS = {"bundle_hash", "device_id", "sequence", "revision_ids", "audit_seqs", "received_at", "status"}


@dataclass(frozen=True)
class Receipt:
    bundle_hash: bytes
    device_id: str
    sequence: int
    revision_ids: tuple[str, ...]  # sorted
    audit_seqs: tuple[int, ...]  # sorted
    received_at: str
    status: str  # "stored" or "already_had"
    raw: bytes = field(default=b"", repr=False, compare=False)  # the signed file as read

    def to_wire(self) -> dict:
        return {"bundle_hash": self.bundle_hash, "device_id": self.device_id, "sequence": self.sequence,
                "revision_ids": list(self.revision_ids), "audit_seqs": list(self.audit_seqs),
                "received_at": self.received_at, "status": self.status}

    @classmethod
    def from_wire(cls, value: object, raw: bytes = b"") -> "Receipt":
        d = check_map(value, "receipt", _FIELDS)
        revision_ids = tuple(check_list(d["revision_ids"], "revision_ids", _MAX_ITEMS))
        if any(type(r) is not str or not 0 < len(r) <= 128 for r in revision_ids):
            raise FieldError("revision_ids")
        audit_seqs = tuple(check_int(s, "audit_seqs") for s in check_list(d["audit_seqs"], "audit_seqs", _MAX_ITEMS))
        if list(revision_ids) != sorted(set(revision_ids)) or list(audit_seqs) != sorted(set(audit_seqs)):
            raise FieldError("order")
        if d["status"] not in STATUSES:
            raise FieldError("status")
        return cls(check_bytes(d["bundle_hash"], "bundle_hash", 32), check_id(d["device_id"], "device_id"),
                   check_int(d["sequence"], "sequence", lo=1), revision_ids, audit_seqs,
                   check_utc(d["received_at"], "received_at"), d["status"], raw)


def make_receipt(*, server_signing: SigningKeys, bundle_hash: bytes, device_id: str, sequence: int,
                 revision_ids: Iterable[str], audit_seqs: Iterable[int], received_at: str,
                 status: str) -> bytes:
    """The signed receipt file. Ids and seqs are stored sorted and without repeats."""
    receipt = Receipt(bundle_hash, device_id, sequence, tuple(sorted(set(revision_ids))),
                      tuple(sorted(set(audit_seqs))), received_at, status)
    Receipt.from_wire(receipt.to_wire())  # the reader's checks, so we never write what we refuse
    return seal_envelope(MAGIC_RECEIPT, RECEIPT_VERSION, receipt.to_wire(), server_signing)


def read_receipt(data: bytes) -> Receipt:
    """Parse without checking the signature (to sort receipts by device on a stick)."""
    env = open_envelope(data, magic=MAGIC_RECEIPT, max_version=RECEIPT_VERSION, error=ReceiptMalformed)
    try:
        return Receipt.from_wire(env.body, bytes(data))
    except FieldError as exc:
        raise ReceiptMalformed(part=exc.args[0]) from None


def parse_and_verify_receipt(data: bytes, server_signing_public: SigningPublicKeys) -> Receipt:
    """A receipt is valid only when both signatures verify under the pinned server keys."""
    env = open_envelope(data, magic=MAGIC_RECEIPT, max_version=RECEIPT_VERSION, error=ReceiptMalformed)
    if not env.verified_by(server_signing_public):
        raise ReceiptNotFromServer()
    try:
        return Receipt.from_wire(env.body, bytes(data))
    except FieldError as exc:
        raise ReceiptMalformed(part=exc.args[0]) from None


def check_receipt_against_sent(receipt: Receipt, sent_revision_ids: Collection[str]) -> None:
    """Refuse a receipt that lists any revision this device never sent (nothing is marked)."""
    sent = sent_revision_ids if isinstance(sent_revision_ids, (set, frozenset)) else set(sent_revision_ids)
    unknown = sum(1 for r in receipt.revision_ids if r not in sent)
    if unknown:
        raise ReceiptUnknownRevisions(count=unknown, device_id=receipt.device_id, sequence=receipt.sequence)
