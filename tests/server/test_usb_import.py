"""``intake-server import DIR``: two devices on one stick, any order, gaps, receipts,
idempotence, and every kind of refused file with its own code."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from intake_app.bundle.manifest import ManifestEntry, build_manifest
from intake_app.bundle.receipt import parse_and_verify_receipt
from intake_app.bundle.serverkeys import ServerKeys
from intake_app.server import devices
from intake_app.server.errors import ImportDirEmpty, ImportDirMissing, ImportDirReadOnly
from intake_app.server.usb import import_dir

from .devicesim import SimDevice


def put(stick: Path, dev: SimDevice, seq: int, data: bytes) -> Path:
    folder = stick / "intake-bundles" / dev.device_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{seq:08d}.bundle"
    path.write_bytes(data)
    return path


def manifest(stick: Path, dev: SimDevice) -> None:
    folder = stick / "intake-bundles" / dev.device_id
    entries = [ManifestEntry.for_file(p.name, p.read_bytes(), int(p.stem)) for p in sorted(folder.glob("*.bundle"))]
    (folder / "manifest.msgpack").write_bytes(build_manifest(
        device_id=dev.device_id, created_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        entries=entries, device_keys=dev.keys))


def run(srv, stick):
    return import_dir(srv.engine, srv.ingestor(), srv.keystore, stick)


def outcomes(summary) -> dict[str, tuple[str, str | None]]:
    return {i.file: (i.outcome, i.code) for i in summary.items}


def test_two_devices_any_order_gaps_receipts_and_reimport(srv, device_factory, tmp_path):
    a, b = srv.enroll(device_factory()), srv.enroll(device_factory())
    stick = tmp_path / "stick"
    a_bundles = [a.new_bundle(3)[0] for _ in range(3)]
    b_bundles = [b.new_bundle(2)[0] for _ in range(4)]
    # A: 3 then 1 (2 is on another stick); B: all four, written newest first
    put(stick, a, 3, a_bundles[2])
    put(stick, a, 1, a_bundles[0])
    for seq in (4, 3, 2, 1):
        put(stick, b, seq, b_bundles[seq - 1])
    manifest(stick, b)
    first = run(srv, stick)
    assert first.count("accepted") == 6 and first.count("refused") == 0
    assert first.gaps == {a.device_id: [2]}
    assert srv.count("revisions") == 3 * 2 + 2 * 4
    receipts = sorted((stick / "intake-receipts").rglob("*.receipt"))
    assert len(receipts) == 6
    before = {p: p.read_bytes() for p in receipts}
    for p, data in before.items():
        r = parse_and_verify_receipt(data, srv.keystore.keys().signing_public)
        assert r.device_id == p.parent.name and r.sequence == int(p.stem)
    # the second stick brings A's bundle 2: the gap closes
    stick2 = tmp_path / "stick2"
    put(stick2, a, 2, a_bundles[1])
    assert run(srv, stick2).gaps == {}
    # importing the first stick again stores nothing and writes the very same receipts
    again = run(srv, stick)
    assert again.count("already_had") == 6 and again.count("accepted") == 0
    assert {p: p.read_bytes() for p in sorted((stick / "intake-receipts").rglob("*.receipt"))} == before
    assert srv.count("revisions") == 3 * 3 + 2 * 4


def test_refused_files_each_have_their_own_code(srv, device_factory, tmp_path):
    ok, revoked, forked = (srv.enroll(device_factory()) for _ in range(3))
    stranger = device_factory("lap-unknown")
    stranger.server = ok.server
    stick = tmp_path / "stick"
    files = {}

    def add(name: str, dev: SimDevice, seq: int, data: bytes) -> None:
        files[name] = f"intake-bundles/{dev.device_id}/{seq:08d}.bundle"
        put(stick, dev, seq, data)

    good, _ = ok.new_bundle(2)
    add("good", ok, 1, good)
    tampered = bytearray(ok.new_bundle(1)[0])
    tampered[len(tampered) - 3309 - 2 - 64 - 2 - 50] ^= 0x01  # in the ciphertext: both signatures fail
    add("tampered", ok, 2, bytes(tampered))
    add("truncated", ok, 3, ok.new_bundle(1)[0][:700])
    single = bytearray(ok.new_bundle(1)[0])
    single[-100] ^= 0x01  # inside the ML-DSA-65 signature: Ed25519 still verifies
    add("single", ok, 4, bytes(single))
    foreign = ok.bundle([ok.revision()], server=ServerKeys.generate().public_info())
    add("foreign", ok, 5, foreign)
    newer = bytearray(ok.new_bundle(1)[0])
    newer[8:10] = (2).to_bytes(2, "big")
    add("newer", ok, 6, bytes(newer))
    (stick / "intake-bundles" / ok.device_id / "00000007.bundle").write_bytes(b"esto no es un lote DEMO\n" * 10)
    files["not_a_bundle"] = f"intake-bundles/{ok.device_id}/00000007.bundle"
    (stick / "intake-bundles" / ok.device_id / ".00000008.bundle.123.part").write_bytes(b"half")
    add("unenrolled", stranger, 1, stranger.new_bundle(1)[0])
    devices.revoke(srv.engine, revoked.device_id, actor="test")
    add("revoked", revoked, 1, revoked.new_bundle(1)[0])
    srv.ingestor().ingest(forked.new_bundle(1)[0])
    add("fork", forked, 1, forked.bundle([forked.revision()], sequence=1, prev_hash=bytes(32)))
    (stick / "intake-bundles" / forked.device_id / "manifest.msgpack").write_bytes(b"\x89ITKM\r\n\x1agarbage")
    summary = run(srv, stick)
    got = outcomes(summary)
    expected = {
        "good": ("accepted", None), "tampered": ("refused", "bundle_tampered"),
        "truncated": ("refused", "bundle_truncated"), "single": ("refused", "bundle_signature_incomplete"),
        "foreign": ("refused", "bundle_wrong_server"), "newer": ("refused", "bundle_version_too_new"),
        "not_a_bundle": ("refused", "bundle_not_a_bundle"), "unenrolled": ("refused", "device_unknown"),
        "revoked": ("refused", "device_revoked"), "fork": ("refused", "bundle_fork"),
    }
    assert {name: got[path] for name, path in files.items()} == expected
    assert got[f"intake-bundles/{forked.device_id}/manifest.msgpack"] == ("refused", "manifest_malformed")
    assert not any(".part" in f for f in got)
    # nothing stored from a refused bundle, nothing stored before harmed
    assert srv.count("revisions") == 2 + 1
    receipts = [p.relative_to(stick).as_posix() for p in (stick / "intake-receipts").rglob("*.receipt")]
    assert receipts == [f"intake-receipts/{ok.device_id}/00000001.receipt"]


def test_manifest_reports_missing_and_differing_files(srv, device_factory, tmp_path):
    dev = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    b1, b2 = dev.new_bundle(1)[0], dev.new_bundle(1)[0]
    put(stick, dev, 1, b1)
    p2 = put(stick, dev, 2, b2)
    manifest(stick, dev)
    p2.unlink()
    put(stick, dev, 1, b1[:-1] + bytes([b1[-1] ^ 1]))
    got = outcomes(run(srv, stick))
    assert got[f"intake-bundles/{dev.device_id}/00000002.bundle"] == ("refused", "manifest_file_mismatch")
    assert got[f"intake-bundles/{dev.device_id}/00000001.bundle"] == ("refused", "manifest_file_mismatch")
    assert srv.count("revisions") == 0


def test_offline_enrollment_through_the_stick(srv, device_factory, tmp_path):
    dev = device_factory()
    stick = tmp_path / "stick"
    (stick / "intake-enroll").mkdir(parents=True)
    (stick / "intake-enroll" / f"{dev.device_id}.request").write_bytes(dev.enrollment_request())
    summary = run(srv, stick)
    assert summary.enrollments == [(dev.device_id, dev.keys.public().fingerprint(), "pending")]
    assert not (stick / "intake-enroll" / f"{dev.device_id}.response").exists()
    devices.approve(srv.engine, srv.keystore, dev.device_id, actor="test", lease_days=30)
    summary = run(srv, stick)
    assert summary.responses_written == [dev.device_id]
    dev.accept_response((stick / "intake-enroll" / f"{dev.device_id}.response").read_bytes())
    assert dev.server.key_id == srv.keystore.keys().current.key_id


def test_missing_empty_and_read_only_dirs(srv, device_factory, tmp_path):
    with pytest.raises(ImportDirMissing):
        run(srv, tmp_path / "nowhere")
    (tmp_path / "empty" / "intake-bundles").mkdir(parents=True)
    with pytest.raises(ImportDirEmpty):
        run(srv, tmp_path / "empty")
    dev = srv.enroll(device_factory())
    src = tmp_path / "src"
    put(src, dev, 1, dev.new_bundle(1)[0])
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.getuid() == 0:
        if subprocess.run(["mount", "--bind", str(src), str(ro)], capture_output=True).returncode:
            pytest.skip("cannot bind-mount here")
        try:
            subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)], check=True, capture_output=True)
            with pytest.raises(ImportDirReadOnly):
                run(srv, ro)
        finally:
            subprocess.run(["umount", str(ro)], capture_output=True)
    else:
        src.chmod(0o555)
        try:
            with pytest.raises(ImportDirReadOnly):
                run(srv, src)
        finally:
            src.chmod(0o755)
    assert srv.count("revisions") == 0


def revoked_laptop_stick(srv, device_factory, tmp_path):
    """A stick from a laptop revoked after its first bundle was imported: that bundle again,
    a new one made before it learned of the revocation, and its enrollment request."""
    dev = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, dev, 1, dev.new_bundle(2)[0])
    assert run(srv, stick).count("accepted") == 1
    devices.revoke(srv.engine, dev.device_id, actor="test")
    put(stick, dev, 2, dev.new_bundle(1)[0])
    manifest(stick, dev)
    (stick / "intake-enroll").mkdir()
    (stick / "intake-enroll" / f"{dev.device_id}.request").write_bytes(dev.enrollment_request())
    return dev, stick


def test_a_revoked_laptops_stick_tells_held_from_refused(srv, device_factory, tmp_path):
    dev, stick = revoked_laptop_stick(srv, device_factory, tmp_path)
    before = (stick / "intake-receipts" / dev.device_id / "00000001.receipt").read_bytes()
    summary = run(srv, stick)
    got = outcomes(summary)
    assert got[f"intake-bundles/{dev.device_id}/00000001.bundle"] == ("already_had", None)  # nothing lost
    assert got[f"intake-bundles/{dev.device_id}/00000002.bundle"] == ("refused", "device_revoked")
    assert summary.enrollments == [(dev.device_id, dev.keys.public().fingerprint(), "revoked")]
    assert (stick / "intake-receipts" / dev.device_id / "00000001.receipt").read_bytes() == before
    assert not (stick / "intake-receipts" / dev.device_id / "00000002.receipt").exists()
    assert srv.count("revisions") == 2
    # the same request with other keys is still "already enrolled with other keys"
    other = SimDevice(dev.device_id)
    (stick / "intake-enroll" / f"{dev.device_id}.request").write_bytes(other.enrollment_request())
    got = outcomes(run(srv, stick))
    assert got[f"intake-enroll/{dev.device_id}.request"] == ("refused", "device_already_enrolled")
