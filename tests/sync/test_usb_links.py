"""The laptop's side of a crafted stick: nothing is written or read through a link (a linked
bundles or receipts folder is refused, a linked receipt is not a receipt, a link at the
temporary name is never followed), and a folder named like a receipt is not called "the
stick is missing". Plus the shared file helpers (intake_app.fsutil) they rest on."""

from __future__ import annotations

import os

import pytest

from intake_app.bundle.errors import ReceiptMalformed
from intake_app.errors import IntakeError
from intake_app.fsutil import NotPlain, atomic_write, read_plain, secure_mkdir
from intake_app.sync import export_to, import_receipts
from intake_app.sync.errors import SyncDirNotFolder
from intake_app.sync.usb import BUNDLES_DIR, RECEIPTS_DIR, check_dir, receipt_name


@pytest.fixture
def outside(tmp_path):
    """A folder of the laptop's own disk, outside the stick."""
    out = tmp_path / "outside"
    out.mkdir()
    out.chmod(0o755)
    (out / "nota.txt").write_bytes(b"ficticio: no tocar\n")
    return out


def listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def exported_and_receipted(vault, mini, stick, sample, cases: int = 2):
    for name in ("intake-adult-woman", "intake-unaccompanied-boy")[:cases]:
        vault.save_case(sample(name))
    export_to(vault, stick)
    mini.import_stick(stick)
    return stick / RECEIPTS_DIR / vault.device_id


def test_a_folder_named_like_a_receipt_is_not_a_missing_stick(enrolled, mini, stick, sample):
    rdir = exported_and_receipted(enrolled, mini, stick, sample)
    (rdir / receipt_name(4)).mkdir()
    report = import_receipts(enrolled, stick)
    assert [a.sequence for a in report.delivered] == [1]
    assert [(name, type(err)) for name, err in report.refused] == [(receipt_name(4), ReceiptMalformed)]


def test_a_linked_receipt_is_not_read(enrolled, mini, stick, sample, outside):
    rdir = exported_and_receipted(enrolled, mini, stick, sample)
    (rdir / receipt_name(1)).rename(outside / receipt_name(1))  # a genuine receipt, outside the stick
    (rdir / receipt_name(1)).symlink_to(outside / receipt_name(1))
    (rdir / receipt_name(2)).symlink_to("/dev/zero")
    report = import_receipts(enrolled, stick)
    assert not report.delivered
    assert sorted((name, type(err)) for name, err in report.refused) == [(receipt_name(1), ReceiptMalformed),
                                                                         (receipt_name(2), ReceiptMalformed)]
    assert {r.sync_state for r in enrolled.list_cases()} != {"delivered"}


def test_a_linked_receipts_folder_is_not_read(enrolled, mini, stick, sample, outside):
    rdir = exported_and_receipted(enrolled, mini, stick, sample)
    rdir.rename(outside / "recibos")
    rdir.symlink_to(outside / "recibos")
    with pytest.raises(ReceiptMalformed):
        import_receipts(enrolled, stick)
    assert {r.sync_state for r in enrolled.list_cases()} != {"delivered"}


@pytest.mark.parametrize("linked", ["root", "device"])
def test_export_never_writes_through_a_linked_bundles_folder(enrolled, stick, sample, outside, linked):
    enrolled.save_case(sample("intake-adult-woman"))
    (outside / "00000001.bundle").write_bytes(b"ajeno")
    (outside / ".x.bundle.1.part").write_bytes(b"ajeno")  # export removes .part leftovers in its folder
    if linked == "root":
        (stick / BUNDLES_DIR).symlink_to(outside)
    else:
        (stick / BUNDLES_DIR).mkdir()
        (stick / BUNDLES_DIR / enrolled.device_id).symlink_to(outside)
    with pytest.raises(SyncDirNotFolder):
        export_to(enrolled, stick)
    assert listing(outside) == [".x.bundle.1.part", "00000001.bundle", "nota.txt"]
    assert (outside / "00000001.bundle").read_bytes() == b"ajeno"


def test_a_linked_bundle_file_is_replaced_not_followed(enrolled, stick, sample, outside):
    enrolled.save_case(sample("intake-adult-woman"))
    export_to(enrolled, stick)
    path = stick / BUNDLES_DIR / enrolled.device_id / "00000001.bundle"
    (outside / "copia.bundle").write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside / "copia.bundle")
    export_to(enrolled, stick)
    assert not path.is_symlink() and path.read_bytes() == (outside / "copia.bundle").read_bytes()


def test_the_write_probe_never_follows_a_link(stick, outside):
    target = outside / "nota.txt"
    (stick / f".intake-probe.{os.getpid()}.part").symlink_to(target)
    with pytest.raises(IntakeError):
        check_dir(stick, write=True)
    assert target.read_bytes() == b"ficticio: no tocar\n"


# --- intake_app.fsutil ------------------------------------------------------------------------
def test_atomic_write_never_follows_a_link_at_its_temporary_name(tmp_path, outside):
    target = tmp_path / "dato.bin"
    (tmp_path / f".dato.bin.{os.getpid()}.part").symlink_to(outside / "nota.txt")
    with pytest.raises(FileExistsError):
        atomic_write(target, b"nuevo")
    assert (outside / "nota.txt").read_bytes() == b"ficticio: no tocar\n" and not target.exists()


def test_atomic_write_replaces_its_own_stale_temporary_file(tmp_path):
    target = tmp_path / "dato.bin"
    stale = tmp_path / f".dato.bin.{os.getpid()}.part"
    stale.write_bytes(b"restos de una escritura anterior, mucho mas largos")
    atomic_write(target, b"nuevo")
    assert target.read_bytes() == b"nuevo" and not stale.exists()


def test_secure_mkdir_below_a_stick_refuses_links(tmp_path, outside):
    stick = tmp_path / "stick"
    (stick / "a").mkdir(parents=True)
    (stick / "a" / "b").symlink_to(outside)
    with pytest.raises(NotPlain):
        secure_mkdir(stick / "a" / "b" / "c", below=stick)
    with pytest.raises(NotPlain):
        secure_mkdir(stick / "a" / "b", below=stick)
    assert listing(outside) == ["nota.txt"] and outside.stat().st_mode & 0o777 == 0o755
    made = secure_mkdir(stick / "a" / "x" / "y", below=stick)
    assert made.is_dir() and made.stat().st_mode & 0o777 == 0o700


def test_read_plain_reads_plain_files_only(tmp_path, outside):
    assert read_plain(outside / "nota.txt") == b"ficticio: no tocar\n"
    (tmp_path / "enlace").symlink_to(outside / "nota.txt")
    with pytest.raises(NotPlain):
        read_plain(tmp_path / "enlace")
    with pytest.raises(IsADirectoryError):
        read_plain(outside)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(NotPlain):
        read_plain(tmp_path / "fifo")
    with pytest.raises(OSError):
        read_plain(outside / "nota.txt", limit=3)


def test_the_enrollment_request_is_not_written_through_a_linked_folder(vault, stick, outside):
    from intake_app.sync import write_enrollment_request

    (stick / "intake-enroll").symlink_to(outside)
    with pytest.raises(SyncDirNotFolder):
        write_enrollment_request(vault, stick, "cr_paso_canoas")
    assert listing(outside) == ["nota.txt"] and oct(outside.stat().st_mode & 0o777) == "0o755"


def test_the_enrollment_response_is_not_read_through_a_link(vault, stick, outside):
    from intake_app.sync.enroll import find_response
    from intake_app.sync.errors import NoEnrollmentResponse

    (outside / f"{vault.device_id}.response").write_bytes(b"ficticio")
    (stick / "intake-enroll").symlink_to(outside)  # the whole folder a link
    with pytest.raises(NoEnrollmentResponse):
        find_response(vault, stick)
    (stick / "intake-enroll").unlink()
    (stick / "intake-enroll").mkdir()
    (stick / "intake-enroll" / f"{vault.device_id}.response").symlink_to("/dev/zero")  # the file a link
    with pytest.raises(NoEnrollmentResponse):
        find_response(vault, stick)


@pytest.mark.parametrize("err, kind", [
    (OSError(28, "x"), "no_space"), (OSError(30, "x"), "read_only"), (PermissionError(13, "x"), "permission"),
    (OSError(1, "x"), "permission"), (FileNotFoundError(2, "x"), "gone"), (OSError(19, "x"), "gone"),
    (OSError(5, "x"), "io"), (NotADirectoryError(20, "x"), "not_folder"), (NotPlain("/stick/x"), "not_folder"),
    (IsADirectoryError(21, "x"), "is_folder"), (OSError(27, "x"), None), (ValueError("x"), None)])
def test_one_errno_classifier_for_every_caller(err, kind):
    """fsutil.os_error_kind: the one place an errno becomes a cause (the CLI, the laptop's
    stick, the office import and the server's backup word it each in their own terms)."""
    from intake_app.fsutil import os_error_kind

    assert os_error_kind(err) == kind
