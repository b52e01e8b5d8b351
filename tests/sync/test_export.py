"""USB export: whole files only, the same bytes for the same sequence, no plaintext on
the stick, and a clear typed error for a missing, read-only or wrong folder."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from intake_app import fsutil
from intake_app.bundle import read_header
from intake_app.sync import export_to, import_receipts
from intake_app.sync.errors import (
    DeviceRevoked,
    NoReceipts,
    NotEnrolled,
    SyncDirMissing,
    SyncDirNotFolder,
    SyncDirReadOnly,
)
from intake_app.sync.state import mark_revoked
from intake_app.sync.usb import BUNDLES_DIR, MANIFEST_NAME

from .conftest import DISTINCT_DOC, DISTINCT_NAME, DISTINCT_SURNAME, distinctive_case
from .helpers import read_stick


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_export_writes_bundles_and_a_signed_manifest(enrolled, server_keys, stick, sample):
    enrolled.save_case(sample("intake-adult-woman"))
    enrolled.save_case(sample("intake-unaccompanied-boy"))
    report = export_to(enrolled, stick)
    assert report.written == (1,) and report.new == (1,) and report.revisions == 2
    dev = stick / BUNDLES_DIR / enrolled.device_id
    assert sorted(p.name for p in dev.iterdir()) == ["00000001.bundle", MANIFEST_NAME]
    opened = read_stick(stick, enrolled.device_keys().public(), server_keys, enrolled.device_id)
    assert len(opened[1].revisions) == 2 and opened[1].header.sequence == 1
    assert {r.sync_state for r in enrolled.list_cases()} == {"sent"}


def test_export_twice_before_a_receipt_gives_identical_bytes(enrolled, tmp_path, sample):
    enrolled.save_case(sample("intake-adult-woman"))
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    export_to(enrolled, a)
    enrolled.record("case_print", None)  # activity between the exports: audit only
    export_to(enrolled, b)
    name = Path(BUNDLES_DIR) / enrolled.device_id / "00000001.bundle"
    assert (a / name).read_bytes() == (b / name).read_bytes()
    assert sorted(p.name for p in (b / BUNDLES_DIR / enrolled.device_id).iterdir()) == \
        ["00000001.bundle", MANIFEST_NAME]  # no fork, no pile of audit-only bundles
    # a new save gets the next sequence, chained to the first
    enrolled.save_case(sample("intake-no-indications"))
    report = export_to(enrolled, a)
    assert report.written == (1, 2) and report.new == (2,)
    h2 = read_header((a / BUNDLES_DIR / enrolled.device_id / "00000002.bundle").read_bytes())
    from intake_app.bundle import bundle_hash

    assert h2.prev_hash == bundle_hash((a / name).read_bytes())


def test_a_stick_pulled_mid_write_leaves_only_part_files(enrolled, server_keys, stick, sample, monkeypatch):
    for name in ("intake-adult-woman", "intake-unaccompanied-boy"):
        enrolled.save_case(sample(name))
    real_replace = os.replace
    calls = {"n": 0}

    def pulled(src, dst):  # the stick disappears right before the rename
        calls["n"] += 1
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(fsutil.os, "replace", pulled)
    with pytest.raises(SyncDirMissing):
        export_to(enrolled, stick)
    assert calls["n"] == 1
    # the temporary file is cleaned when possible; anything left is a hidden .part
    for p in _files(stick):
        assert p.name.startswith(".") and p.name.endswith(".part")
    # leave a leftover the way a real pull does (no cleanup), then export again
    dev = stick / BUNDLES_DIR / enrolled.device_id
    (dev / ".00000001.bundle.999.part").write_bytes(b"\x89ITKB half")
    monkeypatch.setattr(fsutil.os, "replace", real_replace)
    report = export_to(enrolled, stick)
    assert report.written == (1,) and report.new == ()  # the same bundle, built once
    assert not [p for p in _files(stick) if p.name.endswith(".part")]
    read_stick(stick, enrolled.device_keys().public(), server_keys, enrolled.device_id)


def test_no_plaintext_on_the_stick(enrolled, stick):
    enrolled.save_case(distinctive_case())
    export_to(enrolled, stick)
    from intake_app.sync.enroll import write_enrollment_request

    write_enrollment_request(enrolled, stick, "cr_paso_canoas", ["eri-turno-1"])
    needles = [DISTINCT_NAME, DISTINCT_SURNAME, DISTINCT_DOC, "Zelmira", "Quispealaya", "77Q4-ZZ19"]
    files = _files(stick)
    assert len(files) >= 3
    for p in files:
        blob = p.read_bytes()
        for needle in needles:
            for enc in ("utf-8", "utf-16-le", "utf-16-be", "latin-1"):
                assert needle.encode(enc) not in blob, (p.name, enc)
            assert needle.lower().encode() not in blob.lower()


def test_missing_folder_not_a_folder_and_empty_receipts_folder(enrolled, tmp_path, sample):
    enrolled.save_case(sample("intake-adult-woman"))
    with pytest.raises(SyncDirMissing):
        export_to(enrolled, tmp_path / "no-such-stick")
    with pytest.raises(SyncDirMissing):
        export_to(enrolled, "")
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(SyncDirNotFolder):
        export_to(enrolled, f)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NoReceipts) as exc:
        import_receipts(enrolled, empty)
    assert exc.value.params == {"device_id": enrolled.device_id}
    # nothing was built by the failed exports: no bundle, the save is still pending
    assert enrolled.conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0] == 0


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder this process cannot write: chmod for a normal user; a read-only tmpfs
    (or skip) when the tests run as root, who ignores permissions."""
    d = tmp_path / "ro"
    d.mkdir()
    if os.geteuid() != 0:
        d.chmod(0o555)
        yield d
        d.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(d)],
                      capture_output=True).returncode != 0:
        pytest.skip("running as root without a way to make a read-only folder")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], capture_output=True)


def test_read_only_folder_is_a_clear_typed_error(enrolled, read_only_dir, sample):
    enrolled.save_case(sample("intake-adult-woman"))
    with pytest.raises(SyncDirReadOnly):
        export_to(enrolled, read_only_dir)
    from intake_app.sync.enroll import write_enrollment_request

    with pytest.raises(SyncDirReadOnly):
        write_enrollment_request(enrolled, read_only_dir, "cr_paso_canoas")
    assert {r.sync_state for r in enrolled.list_cases()} == {"pending"}


def test_export_needs_enrollment_and_refuses_a_revoked_device(vault, stick, server_keys, sample):
    vault.save_case(sample("intake-adult-woman"))
    with pytest.raises(NotEnrolled):
        export_to(vault, stick)
    from .helpers import enroll

    enroll(vault, server_keys)
    mark_revoked(vault)
    with pytest.raises(DeviceRevoked):
        export_to(vault, stick)
    assert _files(stick) == []
