"""Room on the stick (review of the USB round trip under faults): an export that leaves too
little free space for what the office writes back (a receipt per bundle, the status) warns and
still stands; the room asked covers what the real server writes; a stick that fills says what is
really missing, not every bundle's size, and one with no room at all gives no "0 bytes".
FICTIONAL data."""

from __future__ import annotations

import errno
import os
from collections import namedtuple

import pytest

from intake_app import i18n
from intake_app.sync import usb
from intake_app.sync.errors import SyncDirFull
from intake_app.sync.usb import BUNDLES_DIR, MANIFEST_NAME, RECEIPTS_DIR, export_to
from tests.conftest import load_sample

from .test_usb_receipts_waiting import _import, office  # noqa: F401 (a real server and a laptop enrolled there)

Usage = namedtuple("Usage", "total used free")


def _free(monkeypatch, free: int) -> None:
    monkeypatch.setattr(usb.shutil, "disk_usage", lambda path: Usage(1 << 30, (1 << 30) - free, free))


def _cases(home, count: int) -> None:
    from intake_app.vault import Vault
    from tests.conftest import PASSPHRASE

    with Vault.open(home, "oficial.prueba", PASSPHRASE) as vault:
        for n in range(count):
            case = load_sample("intake-adult-woman")
            case["given_names"] = f"Ficticia{n} PRUEBA"
            vault.save_case(case)


def _rounded(size: int, block: int) -> int:
    return -(-size // block) * block


def test_the_room_asked_covers_what_the_real_server_writes(office, capsys):  # noqa: F811
    server, stick, device_id, run = office
    _cases(stick.parent / "laptop", 4)
    assert run(capsys, "sync", "export", "--to", stick)[0] == 0
    assert run(capsys, "sync", "export", "--to", stick)[0] == 0  # the same bundles: the same room asked
    with_room = _room_of_last_export(stick.parent / "laptop")
    _import(server, stick)
    block = os.statvfs(stick).f_frsize
    written = [p for p in (stick / RECEIPTS_DIR / device_id).iterdir()]
    assert {p.suffix for p in written} == {".receipt", ".msgpack"}
    used = sum(_rounded(p.stat().st_size, block) for p in written) + 3 * block  # the probe, two folders
    assert used <= with_room <= used + 3 * block  # about: never less, and not a stick's worth more
    exact = sum(p.stat().st_size for p in written)  # to the byte (a block of 1): the sizes the server writes
    estimate = _bytes_asked(stick.parent / "laptop", stick.parent / "stick-vacia") - 1 - 2 - 128 * (len(written) + 1)
    assert exact <= estimate <= exact + 64 * len(written)


def _bytes_asked(home, empty) -> int:
    """The room asked, each file counted to the byte: the probe, the folders and the folder
    entries are 1, 1 + 1 and 128 a file."""
    from intake_app.sync import outbox
    from intake_app.vault import Vault
    from tests.conftest import PASSPHRASE

    empty.mkdir()
    with Vault.open(home, "oficial.prueba", PASSPHRASE) as vault:
        return usb._office_room(vault, empty, outbox.outstanding(vault), 1)


def _room_of_last_export(home) -> int:
    from intake_app.vault import Vault
    from tests.conftest import PASSPHRASE

    with Vault.open(home, "oficial.prueba", PASSPHRASE) as vault:
        stick = home.parent / "stick-otra"
        stick.mkdir(exist_ok=True)
        return export_to(vault, stick).room_needed  # another, empty stick: its folders count too


def test_a_stick_left_too_full_warns_and_the_export_stands(office, capsys, monkeypatch):  # noqa: F811
    server, stick, device_id, run = office
    _free(monkeypatch, 1500)
    code, out, err = run(capsys, "sync", "export", "--to", stick)
    assert code == 0 and "Lleve la memoria a la oficina" in out
    assert "Aviso: en la memoria quedan 2 kB libres y la oficina necesita unos" in err
    assert "nunca los de las carpetas intake-bundles e intake-receipts" in err
    assert (stick / BUNDLES_DIR / device_id / "00000001.bundle").is_file()
    assert (stick / BUNDLES_DIR / device_id / MANIFEST_NAME).is_file()
    code, out, err = run(capsys, "--lang", "en", "sync", "export", "--to", stick)
    assert code == 0 and "Warning: the stick has 2 kB free" in err
    _free(monkeypatch, 64 << 20)
    code, out, err = run(capsys, "sync", "export", "--to", stick)
    assert code == 0 and "Aviso" not in err


def _enospc_at(monkeypatch, name: str) -> None:
    real = usb.atomic_write

    def write(path, data, *args, **kwargs):
        if os.path.basename(path) == name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, *args, **kwargs)
    monkeypatch.setattr(usb, "atomic_write", write)


def test_a_full_stick_says_what_is_really_missing(enrolled, stick, monkeypatch):
    enrolled.save_case(load_sample("intake-adult-woman"))
    export_to(enrolled, stick)  # bundle 1 is on the stick, whole
    enrolled.save_case(load_sample("intake-no-indications"))
    _free(monkeypatch, 0)
    _enospc_at(monkeypatch, "00000002.bundle")
    with pytest.raises(SyncDirFull) as at_bundle:
        export_to(enrolled, stick)
    monkeypatch.undo()
    _free(monkeypatch, 0)
    _enospc_at(monkeypatch, MANIFEST_NAME)  # only the manifest is left to write
    with pytest.raises(SyncDirFull) as at_manifest:
        export_to(enrolled, stick)
    size = len((stick / BUNDLES_DIR / enrolled.device_id / "00000002.bundle").read_bytes())
    block = os.statvfs(stick).f_frsize
    assert at_bundle.value.params["needed"] - at_manifest.value.params["needed"] == _rounded(size, block)
    text = i18n.describe_error(at_manifest.value, "es")
    assert text.startswith("La memoria USB se llenó: faltan unos ") and " kB para terminar de escribir" in text
    assert "bytes" not in text and "Nada se perdió" in text


def test_a_stick_with_no_room_at_all_names_no_number(enrolled, stick, monkeypatch):
    def full(path, mode=0o600):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(usb, "create_new", full)  # the write probe
    with pytest.raises(SyncDirFull) as exc:
        export_to(enrolled, stick)
    text = i18n.describe_error(exc.value, "es")
    assert "0 bytes" not in text and "no cabe ni un archivo más" in text
    assert "not one more file fits" in i18n.describe_error(exc.value, "en")


def test_a_stick_that_cannot_answer_reads_cautiously():
    """pathlib raises EIO or EACCES from is_file/is_dir: the room counts the folder as missing,
    and a bundle is not taken as read by the office (diff review)."""
    import errno

    def broken():
        raise OSError(errno.EIO, "I/O error")

    assert usb._holds(broken) is False
    assert usb._holds(lambda: True) is True
