"""The sync dialog after reading receipts (review of the USB round trip under faults): it says
what the command line says of the bundles still without a receipt (the office did not store
them, a receipt on the stick was damaged, not imported yet), never in green when the office or
this laptop refused something, and offers the purge only after those sentences. The real
window; everything waits on signals. FICTIONAL data only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intake_app import i18n
from tests.ui.test_sync_usb_cycle import _enroll, _open, _save
from tests.ui.uikit import run_on_backend, wait_idle


@pytest.fixture(scope="module")
def office():
    from intake_app.bundle import ServerKeys

    return ServerKeys.generate()


def _ready(qtbot, unlocked, office, tmp_path, monkeypatch):
    win = unlocked
    win.sync_driver.start = lambda url: None  # no network in these tests
    _enroll(qtbot, win, office)
    stick = tmp_path / "memoria"
    stick.mkdir()
    return win, stick


def _export(qtbot, win, dialog) -> None:
    with qtbot.waitSignal(dialog.finished_job, timeout=20_000):
        dialog.export_button.click()
    wait_idle(qtbot, win)


def _read(qtbot, win, dialog) -> str:
    with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "receipts", timeout=20_000):
        dialog.receipts_button.click()
    wait_idle(qtbot, win)
    return dialog.message.text()


def _office_reads(qtbot, win, office, stick, receipts: bool = True) -> str:
    """The office reads the stick: receipts (a stand-in server), and its status signed after."""
    from intake_app.bundle.status import make_status
    from intake_app.sync import state
    from intake_app.sync.usb import RECEIPTS_DIR, STATUS_NAME
    from tests.sync.helpers import MiniServer

    device_id, public = run_on_backend(qtbot, win, lambda s: (s.require().device_id,
                                                               s.require().device_keys().public()))
    if receipts:
        mini = MiniServer(office)
        mini.devices[device_id] = public
        mini.import_stick(stick)
    at = state.utc_now() + timedelta(seconds=5)
    folder = stick / RECEIPTS_DIR / device_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STATUS_NAME).write_bytes(make_status(server_keys=office, device_id=device_id, revoked=False,
                                                   lease_until=state.iso(at + timedelta(days=30)),
                                                   server_time=state.iso_precise(at)))
    return device_id


def test_a_bundle_the_office_did_not_store_is_said_and_not_green(qtbot, unlocked, office, sample, tmp_path,
                                                                  monkeypatch):
    win, stick = _ready(qtbot, unlocked, office, tmp_path, monkeypatch)
    _save(qtbot, win, sample, 1)
    dialog = _open(qtbot, win, monkeypatch, stick)
    _export(qtbot, win, dialog)
    _office_reads(qtbot, win, office, stick, receipts=False)  # read, nothing stored
    text = _read(qtbot, win, dialog)
    assert "no guardó 1 lote de este equipo (1)" in text
    assert "Vuelva a exportar («" + i18n.t("ui.syncdlg.export", "es") + "»)" in text  # the button, not the command
    assert "intake sync export" not in text
    assert dialog.message.objectName() == "error"


def test_a_damaged_receipt_is_said_and_the_purge_offer_comes_after(qtbot, unlocked, office, sample, tmp_path,
                                                                   monkeypatch):
    from intake_app.sync.usb import RECEIPTS_DIR

    win, stick = _ready(qtbot, unlocked, office, tmp_path, monkeypatch)
    _save(qtbot, win, sample, 1)
    dialog = _open(qtbot, win, monkeypatch, stick)
    _export(qtbot, win, dialog)
    _save(qtbot, win, sample, 1)
    _export(qtbot, win, dialog)  # bundles 1 and 2 on the stick
    device_id = _office_reads(qtbot, win, office, stick)
    receipt = stick / RECEIPTS_DIR / device_id / "00000002.receipt"
    receipt.write_bytes(receipt.read_bytes()[:-200])  # cut short on the way back
    lines = _read(qtbot, win, dialog).split("\n")
    damaged = [i for i, line in enumerate(lines) if "tiene recibo en la memoria (2)" in line]
    offer = [i for i, line in enumerate(lines) if line.startswith("Si la oficina lo indica")]
    assert damaged and "Vuelva a importar la memoria en la oficina" in lines[damaged[0]]
    assert not any("no guardó" in line for line in lines)
    assert offer and offer[0] == len(lines) - 1 and offer[0] > damaged[0]
    assert any(line.startswith("• 00000002.receipt: ") for line in lines[:offer[0]])
    assert dialog.message.objectName() == "error"


def test_not_read_yet_is_a_notice_and_all_delivered_is_green(qtbot, unlocked, office, sample, tmp_path,
                                                             monkeypatch):
    win, stick = _ready(qtbot, unlocked, office, tmp_path, monkeypatch)
    _save(qtbot, win, sample, 1)
    dialog = _open(qtbot, win, monkeypatch, stick)
    _export(qtbot, win, dialog)
    _office_reads(qtbot, win, office, stick)
    _save(qtbot, win, sample, 1)
    _export(qtbot, win, dialog)  # 2, after the office's read
    text = _read(qtbot, win, dialog)
    assert "1 lote sigue esperando recibo (2): la oficina aún no importó" in text and "no guardó" not in text
    assert dialog.message.objectName() == "banner"
    _office_reads(qtbot, win, office, stick)
    text = _read(qtbot, win, dialog)
    assert "esperando recibo" not in text and dialog.message.objectName() == "ok"


def test_an_export_that_leaves_no_room_for_the_receipts_warns_in_the_dialog(qtbot, unlocked, office, sample,
                                                                           tmp_path, monkeypatch):
    """As ``intake sync export`` does: the officer hears it before leaving with a stick the
    office would refuse as full; the export stands (diff review)."""
    import shutil
    from collections import namedtuple

    import intake_app.sync.usb as usb

    win, stick = _ready(qtbot, unlocked, office, tmp_path, monkeypatch)
    _save(qtbot, win, sample, 1)
    dialog = _open(qtbot, win, monkeypatch, stick)
    usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(usb.shutil, "disk_usage", lambda path: usage(1 << 30, (1 << 30) - 1500, 1500))
    _export(qtbot, win, dialog)
    text = dialog.message.text()
    first = i18n.t("sync_usb.room_short", "es", free="X", needed="Y", short="Z").split("X")[0]
    assert text.startswith(first[:20]) and dialog.message.objectName() == "banner", text
    assert any(p.name.endswith(".bundle") for p in stick.rglob("*"))  # written all the same
    monkeypatch.setattr(usb.shutil, "disk_usage", shutil.disk_usage)
