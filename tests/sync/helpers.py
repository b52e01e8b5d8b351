"""Test helpers for the device side of sync: server keys, enrollment, and a small
stand-in for the server's USB import built only from the bundle library (used where
the real ``intake-server import`` is not needed). All data is FICTIONAL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from intake_app.bundle import (
    ZERO_HASH,
    ServerKeys,
    bundle_hash,
    make_enrollment_response,
    make_receipt,
    open_bundle,
    parse_and_verify_manifest,
    parse_and_verify_request,
    read_header,
)
from intake_app.fsutil import atomic_write
from intake_app.sync import enroll as enroll_mod
from intake_app.sync.usb import BUNDLE_RE, BUNDLES_DIR, MANIFEST_NAME, RECEIPTS_DIR, receipt_name


def utc(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def enrollment_response_for(vault, server_keys: ServerKeys, lease_days: int = 30,
                            approved: datetime | None = None) -> bytes:
    request = parse_and_verify_request(enroll_mod.enrollment_request(vault, "cr_paso_canoas", ["eri-turno-1"]))
    approved = approved or datetime.now(timezone.utc)
    return make_enrollment_response(request, server_keys=server_keys, approved_at=utc(approved),
                                    lease_until=utc(approved + timedelta(days=lease_days)))


def enroll(vault, server_keys: ServerKeys, lease_days: int = 30):
    return enroll_mod.apply_enrollment_response(vault, enrollment_response_for(vault, server_keys, lease_days),
                                                server_keys.public_info().fingerprint())


class MiniServer:
    """What the central server keeps, reduced to the protocol: per device, the bundles by
    sequence (hash), the revisions stored, and one signed receipt per bundle (the same
    bytes when the same bundle comes again)."""

    def __init__(self, server_keys: ServerKeys) -> None:
        self.keys = server_keys
        self.devices: dict[str, object] = {}  # device_id -> SigningPublicKeys
        self.revoked: set[str] = set()
        self.bundles: dict[tuple[str, int], bytes] = {}  # (device, seq) -> bundle hash
        self.receipts: dict[tuple[str, int], bytes] = {}
        self.revisions: dict[str, dict] = {}  # revision_id -> revision dict
        self.audit: dict[tuple[str, int], dict] = {}

    def enroll(self, vault) -> None:
        self.devices[vault.device_id] = vault.device_keys().public()

    def ingest(self, data: bytes) -> bytes:
        from intake_app.bundle.errors import UnknownDevice
        from intake_app.sync.errors import DeviceRevoked

        header = read_header(data)
        public = self.devices.get(header.device_id)
        if public is None:
            raise UnknownDevice(device_id=header.device_id)
        if header.device_id in self.revoked:
            raise DeviceRevoked(device_id=header.device_id)
        opened = open_bundle(data, device_public=public, server_keys=self.keys)
        key = (header.device_id, header.sequence)
        if key in self.receipts:
            if self.bundles[key] != opened.bundle_hash:
                raise ValueError("fork")
            return self.receipts[key]
        for rev in opened.revisions:
            assert rev["revision_id"] not in self.revisions, "stored twice"
            self.revisions[rev["revision_id"]] = rev
        for entry in opened.audit:
            self.audit[(header.device_id, entry["seq"])] = entry
        self.bundles[key] = opened.bundle_hash
        self.receipts[key] = make_receipt(
            server_signing=self.keys.signing, bundle_hash=opened.bundle_hash, device_id=header.device_id,
            sequence=header.sequence, revision_ids=opened.revision_ids, audit_seqs=opened.audit_seqs,
            received_at=utc(datetime.now(timezone.utc)), status="stored")
        return self.receipts[key]

    def import_stick(self, root: Path) -> list[int]:
        """Read every device folder (ignoring .part leftovers), check the manifest,
        ingest, write receipts. Returns the sequences stored."""
        done = []
        for dev_dir in sorted((root / BUNDLES_DIR).iterdir()):
            manifest = parse_and_verify_manifest((dev_dir / MANIFEST_NAME).read_bytes(), self.devices[dev_dir.name])
            for entry in manifest.entries:
                data = (dev_dir / entry.name).read_bytes()
                manifest.check_file(entry.name, data)
                receipt = self.ingest(data)
                out = root / RECEIPTS_DIR / dev_dir.name
                out.mkdir(parents=True, exist_ok=True)
                atomic_write(out / receipt_name(entry.sequence), receipt)
                done.append(entry.sequence)
        return done


def read_stick(root: Path, vault_device_public, server_keys: ServerKeys, device_id: str):
    """Open every whole bundle file for a device; check the chain and the manifest.
    Returns {sequence: OpenedBundle}."""
    dev_dir = root / BUNDLES_DIR / device_id
    opened = {}
    names = sorted(p.name for p in dev_dir.iterdir() if BUNDLE_RE.match(p.name))
    for name in names:
        data = (dev_dir / name).read_bytes()
        ob = open_bundle(data, device_public=vault_device_public, server_keys=server_keys)
        assert ob.header.sequence == int(name[:8])
        opened[ob.header.sequence] = (ob, data)
    seqs = sorted(opened)
    manifest = parse_and_verify_manifest((dev_dir / MANIFEST_NAME).read_bytes(), vault_device_public)
    assert [e.sequence for e in manifest.entries] == seqs
    for e in manifest.entries:
        manifest.check_file(e.name, opened[e.sequence][1])
    return {s: ob for s, (ob, _) in opened.items()}


def check_chain(bundles_by_seq: dict, all_bundle_bytes: dict | None = None) -> None:
    prev = ZERO_HASH
    for seq in sorted(bundles_by_seq):
        ob = bundles_by_seq[seq]
        if seq == 1:
            assert ob.header.prev_hash == ZERO_HASH
        prev = ob.bundle_hash
    return None


__all__ = ["enroll", "enrollment_response_for", "MiniServer", "read_stick", "check_chain", "bundle_hash", "utc"]
