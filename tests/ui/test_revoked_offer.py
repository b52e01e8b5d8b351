"""A lock because the office revoked this laptop (``MainWindow._revoked``): the unlock page
offers «Reactivar este equipo…» at once, naming this laptop's id in the dialog, and keeps
offering it when rebuilt in another language; it no longer waits for an unlock attempt to
be refused first. An ordinary lock offers nothing. The revocation is a real signed status
on a stick, as in ``test_sync_lease``. FICTIONAL data only."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtWidgets import QLabel

from intake_app import i18n
from tests.ui.test_sync_lease import _lease, server_keys  # noqa: F401 (a fixture)
from tests.ui.uikit import run_on_backend, wait_idle
from ui.text import set_language


def _revoked_by_stick(qtbot, win, server_keys, tmp_path) -> str:  # noqa: F811
    from intake_app.bundle.status import make_status
    from intake_app.sync import state
    from intake_app.sync.usb import RECEIPTS_DIR, STATUS_NAME

    _lease(qtbot, win, server_keys, 30)
    device_id = run_on_backend(qtbot, win, lambda s: s.require().device_id)
    now = state.iso(datetime.now(timezone.utc))
    folder = tmp_path / "stick" / RECEIPTS_DIR / device_id
    folder.mkdir(parents=True)
    (folder / STATUS_NAME).write_bytes(make_status(server_keys=server_keys, device_id=device_id, revoked=True,
                                                   lease_until=now, server_time=now))
    win.open_sync()
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.sync_dialog.import_receipts(str(tmp_path / "stick"))
    wait_idle(qtbot, win)
    return device_id


def test_a_revocation_offers_reinstatement_straight_away(qtbot, unlocked, server_keys, tmp_path):  # noqa: F811
    win = unlocked
    device_id = _revoked_by_stick(qtbot, win, server_keys, tmp_path)
    page = win.unlock_page
    assert page.message.text() == i18n.t("ui.syncdlg.revoked", "es")
    assert page.reinstate is not None and page.reinstate.isVisible()  # before any unlock attempt
    assert page.reinstate.text() == i18n.t("ui.unlock.reinstate", "es")
    assert page.revoked_device == device_id
    page.reinstate.click()
    dialog = page.reinstate_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)
    assert dialog.officer == page.officer.currentText()
    assert i18n.t("ui.reinstate.help", "es", device=device_id) in [
        label.text() for label in dialog.findChildren(QLabel)]
    dialog.reject()

    before = i18n.language()
    try:
        page.language_chosen.emit("en")  # the page is rebuilt in English: still offered
        page = win.unlock_page
        assert page.reinstate is not None and page.reinstate.isVisible()
        assert page.reinstate.text() == i18n.t("ui.unlock.reinstate", "en")
        assert page.revoked_device == device_id
    finally:
        set_language(before)


def test_an_ordinary_lock_offers_nothing(qtbot, unlocked):
    win = unlocked
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    wait_idle(qtbot, win)
    assert win.unlock_page.reinstate is None and win.unlock_page.message.text() == ""
