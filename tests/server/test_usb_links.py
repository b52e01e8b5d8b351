"""``intake-server import DIR`` on a crafted stick: nothing is read or written through a link
(a receipts folder linked to a folder of the server's disk gets no receipt, no status and no
chmod; a linked bundle, manifest or request is refused as unreadable), a file that cannot be
read is refused on its own (or the stick was pulled), and a bundle that hits an unexpected
error (a bug) is refused on its own while the other devices' bundles are still imported."""

from __future__ import annotations

import errno
import logging
import os
import pathlib

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from intake_app.bundle.format import read_header
from intake_app.server import usb
from intake_app.server.errors import ImportStickRemoved
from intake_app.server.ingest import Ingestor

from .test_usb_import import manifest, outcomes, put, run


@pytest.fixture
def outside(tmp_path):
    """A folder of the server's own disk, outside the stick."""
    out = tmp_path / "outside"
    out.mkdir()
    out.chmod(0o755)
    (out / "nota.txt").write_text("ficticio: no tocar\n")
    return out


def listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_linked_receipts_folder_gets_nothing_and_other_devices_are_imported(srv, device_factory, tmp_path,
                                                                            outside):
    a, b = srv.enroll(device_factory()), srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, a, 1, a.new_bundle(1)[0])
    put(stick, b, 1, b.new_bundle(1)[0])
    (stick / "intake-receipts").mkdir()
    (stick / "intake-receipts" / a.device_id).symlink_to(outside)
    summary = run(srv, stick)
    assert listing(outside) == ["nota.txt"] and outside.stat().st_mode & 0o777 == 0o755
    got = outcomes(summary)
    assert got[f"intake-bundles/{a.device_id}/00000001.bundle"] == ("accepted", None)  # stored: safe in the database
    assert got[f"intake-receipts/{a.device_id}"] == ("refused", "import_stick_link")
    assert got[f"intake-bundles/{b.device_id}/00000001.bundle"] == ("accepted", None)
    assert listing(stick / "intake-receipts" / b.device_id) == ["00000001.receipt", "status.msgpack"]
    assert summary.statuses == [b.device_id]
    # the link gone, importing again writes what was missing and stores nothing twice
    (stick / "intake-receipts" / a.device_id).unlink()
    again = run(srv, stick)
    assert again.count("already_had") == 2 and again.count("refused") == 0
    assert listing(stick / "intake-receipts" / a.device_id) == ["00000001.receipt", "status.msgpack"]


def test_a_linked_receipts_root_is_reported_once_and_nothing_written_through_it(srv, device_factory, tmp_path,
                                                                              outside):
    a, b = srv.enroll(device_factory()), srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, a, 1, a.new_bundle(1)[0])
    put(stick, b, 1, b.new_bundle(1)[0])
    (stick / "intake-receipts").symlink_to(outside)
    summary = run(srv, stick)
    assert listing(outside) == ["nota.txt"] and outside.stat().st_mode & 0o777 == 0o755
    assert [i.file for i in summary.items if i.code == "import_stick_link"] == ["intake-receipts"]
    assert summary.count("accepted") == 2 and summary.statuses == []


def test_the_server_writers_refuse_a_linked_folder(tmp_path, outside):
    """``device approve/reinstate --dir`` write with the same functions."""
    stick = tmp_path / "stick"
    (stick / "intake-receipts").mkdir(parents=True)
    (stick / "intake-receipts" / "lap-demo-001").symlink_to(outside)
    (stick / "intake-enroll").symlink_to(outside)
    with pytest.raises(OSError):
        usb.write_status(stick, "lap-demo-001", b"estado")
    with pytest.raises(OSError):
        usb.write_enrollment_response(stick, "lap-demo-001", b"respuesta")
    assert listing(outside) == ["nota.txt"] and outside.stat().st_mode & 0o777 == 0o755


def test_linked_files_are_unreadable_and_linked_folders_are_not_read(srv, device_factory, tmp_path, outside):
    a, b, c = (srv.enroll(device_factory()) for _ in range(3))
    new = device_factory()
    stick = tmp_path / "stick"
    good = a.new_bundle(1)[0]
    (outside / "00000001.bundle").write_bytes(good)  # a whole, valid bundle: following the link would store it
    folder = stick / "intake-bundles" / a.device_id
    folder.mkdir(parents=True)
    (folder / "00000001.bundle").symlink_to(outside / "00000001.bundle")
    (folder / "00000002.bundle").symlink_to("/dev/zero")
    put(stick, b, 1, b.new_bundle(1)[0])
    manifest(stick, b)
    (outside / "manifest.msgpack").write_bytes((stick / "intake-bundles" / b.device_id / "manifest.msgpack")
                                               .read_bytes())
    (stick / "intake-bundles" / b.device_id / "manifest.msgpack").unlink()
    (stick / "intake-bundles" / b.device_id / "manifest.msgpack").symlink_to(outside / "manifest.msgpack")
    (outside / c.device_id).mkdir()
    (outside / c.device_id / "00000001.bundle").write_bytes(c.new_bundle(1)[0])
    (stick / "intake-bundles" / c.device_id).symlink_to(outside / c.device_id)
    (outside / "req").mkdir()
    (outside / "req" / f"{new.device_id}.request").write_bytes(new.enrollment_request())
    (stick / "intake-enroll").symlink_to(outside / "req")
    summary = run(srv, stick)
    got = outcomes(summary)
    assert got[f"intake-bundles/{a.device_id}/00000001.bundle"] == ("refused", "import_file_unreadable")
    assert got[f"intake-bundles/{a.device_id}/00000002.bundle"] == ("refused", "import_file_unreadable")
    assert got[f"intake-bundles/{b.device_id}/manifest.msgpack"] == ("refused", "import_file_unreadable")
    assert got[f"intake-bundles/{b.device_id}/00000001.bundle"] == ("accepted", None)
    assert got[f"intake-bundles/{c.device_id}"] == ("refused", "import_stick_link")
    assert got["intake-enroll"] == ("refused", "import_stick_link")
    assert summary.enrollments == [] and srv.count("bundles") == 1  # b's only
    assert not (stick / "intake-receipts" / c.device_id).exists()
    assert listing(outside) == ["00000001.bundle", c.device_id, "manifest.msgpack", "nota.txt", "req"]
    assert listing(outside / "req") == [f"{new.device_id}.request"]


def test_leftovers_behind_a_link_are_not_removed(srv, device_factory, tmp_path, outside):
    from .test_usb_import_faults import _dead_pid

    a = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, a, 1, a.new_bundle(1)[0])
    (stick / "intake-receipts").mkdir()
    (stick / "intake-receipts" / a.device_id).symlink_to(outside)
    (stick / "intake-enroll").symlink_to(outside)
    dead = _dead_pid()
    leftovers = [outside / f".00000001.receipt.{dead}.part", outside / f".lap-demo-9.response.{dead}.part"]
    for p in leftovers:
        p.write_bytes(b"ajeno")
    run(srv, stick)
    assert all(p.exists() for p in leftovers)


def fail_reading(monkeypatch, name: str, then=None) -> None:
    """Reading the stick's file ``name`` fails with EIO (a pulled stick, a bad sector)."""
    real_plain, real_bytes = getattr(usb, "read_plain", None), pathlib.Path.read_bytes

    def fails(path) -> None:
        if pathlib.Path(path).name == name:
            if then:
                then()
            raise OSError(errno.EIO, "simulated")

    def plain(path, *args, **kwargs):
        fails(path)
        return real_plain(path, *args, **kwargs)

    def read_bytes(self):
        fails(self)
        return real_bytes(self)

    monkeypatch.setattr(usb, "read_plain", plain, raising=False)
    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)


@pytest.mark.parametrize("name", ["manifest.msgpack", "00000001.bundle"])
def test_an_unreadable_manifest_or_listed_file_is_refused_not_internal(srv, device_factory, tmp_path, monkeypatch,
                                                                      name):
    a = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, a, 1, a.new_bundle(1)[0])
    put(stick, a, 2, a.new_bundle(1)[0])
    manifest(stick, a)
    fail_reading(monkeypatch, name)
    got = outcomes(run(srv, stick))
    assert got[f"intake-bundles/{a.device_id}/{name}"] == ("refused", "import_file_unreadable")
    assert got[f"intake-bundles/{a.device_id}/00000002.bundle"] == ("accepted", None)


def test_an_unreadable_request_is_refused_and_a_pulled_stick_stops(srv, device_factory, tmp_path, monkeypatch):
    new = device_factory()
    stick = tmp_path / "stick"
    (stick / "intake-enroll").mkdir(parents=True)
    name = f"{new.device_id}.request"
    (stick / "intake-enroll" / name).write_bytes(new.enrollment_request())
    fail_reading(monkeypatch, name)
    summary = run(srv, stick)
    assert outcomes(summary) == {f"intake-enroll/{name}": ("refused", "import_file_unreadable")}

    def pull():
        stick.rename(stick.with_name("pulled"))
        stick.mkdir()

    monkeypatch.undo()
    fail_reading(monkeypatch, name, then=pull)
    with pytest.raises(ImportStickRemoved):
        run(srv, stick)
    assert list(stick.iterdir()) == []


def test_a_manifest_unreadable_because_the_stick_was_pulled_stops(srv, device_factory, tmp_path, monkeypatch):
    a = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, a, 1, a.new_bundle(1)[0])
    manifest(stick, a)

    def pull():
        stick.rename(stick.with_name("pulled"))
        stick.mkdir()

    fail_reading(monkeypatch, "manifest.msgpack", then=pull)
    with pytest.raises(ImportStickRemoved):
        run(srv, stick)
    assert list(stick.iterdir()) == [] and srv.count("bundles") == 0


def test_an_unexpected_error_in_one_bundle_refuses_that_bundle_only(srv, device_factory, tmp_path, monkeypatch,
                                                                    caplog):
    a, b = srv.enroll(device_factory("lap-aaa")), srv.enroll(device_factory("lap-bbb"))
    stick = tmp_path / "stick"
    put(stick, a, 1, a.new_bundle(1)[0])
    for seq in (1, 2):
        put(stick, b, seq, b.new_bundle(1)[0])
    real = Ingestor.ingest

    def ingest(self, data, **kwargs):
        if read_header(data).device_id == a.device_id:
            raise ValueError("texto con datos personales FICTICIOS: Zelmira")
        return real(self, data, **kwargs)

    monkeypatch.setattr(Ingestor, "ingest", ingest)
    with caplog.at_level(logging.INFO):
        summary = run(srv, stick)
    got = outcomes(summary)
    assert got[f"intake-bundles/{a.device_id}/00000001.bundle"] == ("refused", "internal")
    assert got[f"intake-bundles/{b.device_id}/00000001.bundle"] == ("accepted", None)
    assert got[f"intake-bundles/{b.device_id}/00000002.bundle"] == ("accepted", None)
    assert listing(stick / "intake-receipts" / b.device_id) == ["00000001.receipt", "00000002.receipt",
                                                               "status.msgpack"]
    assert "ValueError" in caplog.text and "Zelmira" not in caplog.text


@pytest.mark.parametrize("fault", [OperationalError("SELECT 1", {}, Exception("connection refused")),
                                   PoolTimeout("the pool has no free connection")])
def test_a_database_fault_still_stops_the_import(srv, device_factory, tmp_path, monkeypatch, fault):
    a = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, a, 1, a.new_bundle(1)[0])

    def ingest(self, data, **kwargs):
        raise fault

    monkeypatch.setattr(Ingestor, "ingest", ingest)
    with pytest.raises(type(fault)):
        run(srv, stick)
    assert not (stick / "intake-receipts").exists()


def test_the_cli_words_a_linked_folder(srv, device_factory, tmp_path, outside, capsys):
    from .test_cli import cli

    a = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, a, 1, a.new_bundle(1)[0])
    (stick / "intake-receipts").mkdir()
    (stick / "intake-receipts" / a.device_id).symlink_to(outside)
    assert cli(srv, tmp_path, "import", str(stick)) == 3
    out, err = capsys.readouterr()
    assert f"intake-receipts/{a.device_id}" in out and "internal" not in out + err
    assert listing(outside) == ["nota.txt"] and os.stat(outside).st_mode & 0o777 == 0o755
