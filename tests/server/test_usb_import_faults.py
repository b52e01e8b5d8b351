"""``intake-server import DIR`` when the stick fails under it: it fills up or turns read-only
mid-import (the import stops at the first failed write, the summary still lists what was
stored, exit 2, never "internal error"), it is pulled (nothing is written to the server's own
disk where it was mounted), and ``.part`` files a killed import left are removed next time.
Faults are simulated: the write function the import uses raises, the folder is swapped."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from intake_app.fsutil import pid_alive
from intake_app.server import usb
from intake_app.server.errors import (ImportDirFull, ImportDirReadOnly, ImportStickFull, ImportStickReadOnly,
                                      ImportStickRemoved)

from .test_cli import cli
from .test_usb_import import put, run


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not pid_alive(proc.pid)
    return proc.pid


def fail_after(monkeypatch, writes: int, code: int) -> list:
    """``usb.atomic_write`` works ``writes`` times, then raises ``OSError(code)``."""
    done: list = []
    real = usb.atomic_write

    def write(path, data, mode=0o600):
        if len(done) >= writes:
            raise OSError(code, "simulated")
        done.append(path.name)
        real(path, data, mode)

    monkeypatch.setattr(usb, "atomic_write", write)
    return done


def stick_with(srv, device_factory, tmp_path, bundles: int = 4):
    dev = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    for seq in range(1, bundles + 1):
        put(stick, dev, seq, dev.new_bundle(1)[0])
    return dev, stick


@pytest.mark.parametrize("code, error", [(errno.ENOSPC, ImportStickFull), (errno.EROFS, ImportStickReadOnly)])
def test_a_stick_that_fails_mid_import_stops_with_what_was_stored(srv, device_factory, tmp_path, monkeypatch,
                                                                  code, error):
    dev, stick = stick_with(srv, device_factory, tmp_path)
    fail_after(monkeypatch, 3, code)  # the probe, receipts 1 and 2; receipt 3 fails
    with pytest.raises(error) as got:
        run(srv, stick)
    summary = got.value.summary
    assert [(i.sequence, i.outcome) for i in summary.items] == [(1, "accepted"), (2, "accepted"), (3, "accepted")]
    assert summary.unread == 1 and summary.statuses == [] and summary.gaps == {}
    assert srv.count("revisions") == 3  # stored: safe in the database
    rdir = stick / "intake-receipts" / dev.device_id
    assert sorted(p.name for p in rdir.iterdir()) == ["00000001.receipt", "00000002.receipt"]
    monkeypatch.undo()  # space again: the re-import writes the missing receipts, stores nothing twice
    again = run(srv, stick)
    assert again.count("already_had") == 3 and again.count("accepted") == 1 and again.statuses == [dev.device_id]
    assert len(list(rdir.glob("*.receipt"))) == 4 and srv.count("revisions") == 4


@pytest.mark.parametrize("code, error", [(errno.ENOSPC, ImportDirFull), (errno.EROFS, ImportDirReadOnly)])
def test_a_full_stick_is_not_called_read_only_before_the_import(srv, device_factory, tmp_path, monkeypatch,
                                                                code, error):
    dev, stick = stick_with(srv, device_factory, tmp_path, bundles=1)
    fail_after(monkeypatch, 0, code)
    with pytest.raises(error):
        run(srv, stick)
    assert srv.count("revisions") == 0
    assert [p.name for p in stick.iterdir()] == ["intake-bundles"]  # no probe left behind


def test_status_and_enrollment_response_writes_stop_cleanly(srv, device_factory, tmp_path, monkeypatch):
    dev, stick = stick_with(srv, device_factory, tmp_path, bundles=1)
    fail_after(monkeypatch, 2, errno.ENOSPC)  # the probe, the receipt; the status fails
    with pytest.raises(ImportStickFull) as got:
        run(srv, stick)
    assert got.value.summary.count("accepted") == 1 and got.value.summary.statuses == []
    new = device_factory()
    (stick / "intake-enroll").mkdir()
    (stick / "intake-enroll" / f"{new.device_id}.request").write_bytes(new.enrollment_request())
    from intake_app.server import devices

    devices.register_request(srv.engine, new.enrollment_request(), source="test")
    devices.approve(srv.engine, srv.keystore, new.device_id, actor="test", lease_days=30)
    monkeypatch.undo()
    fail_after(monkeypatch, 1, errno.ENOSPC)  # the probe; the enrollment response fails
    with pytest.raises(ImportStickFull) as got:
        run(srv, stick)
    assert got.value.summary.responses_written == [] and got.value.summary.unread == 1
    assert not (stick / "intake-enroll" / f"{new.device_id}.response").exists()


def test_cli_words_a_full_stick_with_the_summary_and_exit_2(srv, device_factory, tmp_path, monkeypatch, capsys):
    dev, stick = stick_with(srv, device_factory, tmp_path)
    fail_after(monkeypatch, 3, errno.ENOSPC)
    assert cli(srv, tmp_path, "import", str(stick)) == 2
    out, err = capsys.readouterr()
    assert "3 accepted, 0 already received, 0 refused" in out and "not read: 1 file" in out
    assert "filled up" in err and "import it again" in err and "internal" not in err
    monkeypatch.undo()
    fail_after(monkeypatch, 0, errno.ENOSPC)  # the same full stick again: full, not read-only
    assert cli(srv, tmp_path, "import", str(stick)) == 2
    err = capsys.readouterr().err
    assert "is full" in err and "read-only" not in err and "internal" not in err


def swap_stick_after(monkeypatch, stick, bundles: int) -> None:
    """The stick is pulled (``umount -l``) after ``bundles`` bundles were read: an empty
    folder of the server's disk is left where it was mounted."""
    real, calls = usb._one_bundle, []

    def one(*args, **kwargs):
        item = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == bundles:
            stick.rename(stick.with_name("pulled"))
            stick.mkdir()
        return item

    monkeypatch.setattr(usb, "_one_bundle", one)


def test_a_pulled_stick_writes_nothing_to_the_servers_disk(srv, device_factory, tmp_path, monkeypatch, capsys):
    dev, stick = stick_with(srv, device_factory, tmp_path)
    swap_stick_after(monkeypatch, stick, 2)
    with pytest.raises(ImportStickRemoved) as got:
        run(srv, stick)
    summary = got.value.summary
    assert [(i.sequence, i.outcome) for i in summary.items] == [(1, "accepted"), (2, "accepted")]
    assert summary.unread == 2 and summary.statuses == []
    assert list(stick.iterdir()) == []  # nothing on the server's disk
    pulled = tmp_path / "pulled" / "intake-receipts" / dev.device_id
    assert [p.name for p in pulled.iterdir()] == ["00000001.receipt"]
    assert srv.count("revisions") == 2
    # the command line: the summary, the words, exit 2
    stick.rmdir()
    (tmp_path / "pulled").rename(stick)
    put(stick, dev, 5, dev.new_bundle(1)[0])
    swap_stick_after(monkeypatch, stick, 4)  # 1, 2 already received, 3, 4 accepted; pulled before 5's receipt
    assert cli(srv, tmp_path, "import", str(stick)) == 2
    out, err = capsys.readouterr()
    assert "2 accepted, 2 already received, 0 refused" in out and "not read: 1 file" in out
    assert "signed status" not in out and "removed" in err and "internal" not in err
    assert list(stick.iterdir()) == []


def test_a_killed_imports_part_files_are_removed_next_time(srv, device_factory, tmp_path):
    dev, stick = stick_with(srv, device_factory, tmp_path, bundles=1)
    dead, alive = _dead_pid(), os.getpid()
    rdir = stick / "intake-receipts" / dev.device_id
    rdir.mkdir(parents=True)
    edir = stick / "intake-enroll"
    edir.mkdir()
    leftovers = [rdir / f".00000001.receipt.{dead}.part", rdir / f".00000007.receipt.{dead}.part",
                 rdir / f".status.msgpack.{dead}.part", edir / f".lap-demo-999.response.{dead}.part",
                 stick / f"..intake-write-probe.{dead}.part"]
    kept = [rdir / f".00000008.receipt.{alive}.part",  # a running import's
            edir / f".lap-demo-999.request.{dead}.part",  # the laptop's own (its process ids mean nothing here)
            stick / "intake-bundles" / dev.device_id / f".00000002.bundle.{dead}.part"]
    for p in leftovers + kept:
        p.write_bytes(b"half")
    assert run(srv, stick).count("accepted") == 1
    assert [p.name for p in leftovers if p.exists()] == []
    assert [p.name for p in kept if not p.exists()] == []


def test_approve_onto_a_full_stick_is_worded_and_the_approval_stands(srv, device_factory, tmp_path, capsys,
                                                                     monkeypatch):
    """``device approve --dir`` on a full stick: the device is approved at the server; the
    operator is told the file was not written and how to write it again (it was an
    internal error)."""
    import errno

    from intake_app.server import usb
    from tests.server.test_cli import cli

    dev = device_factory()
    stick = tmp_path / "stick"
    (stick / "intake-enroll").mkdir(parents=True)
    (stick / "intake-enroll" / f"{dev.device_id}.request").write_bytes(dev.enrollment_request())
    assert cli(srv, tmp_path, "import", str(stick)) == 0
    capsys.readouterr()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(usb, "atomic_write", full)
    assert cli(srv, tmp_path, "device", "approve", dev.device_id, "--dir", str(stick),
               "--fingerprint", dev.keys.public().fingerprint()) == 2
    err = capsys.readouterr().err
    assert f"The stick {stick} is full: the file was not written" in err and "internal" not in err
    monkeypatch.undo()
    assert cli(srv, tmp_path, "device", "list") == 0
    assert f"{dev.device_id}\tactive" in capsys.readouterr().out
