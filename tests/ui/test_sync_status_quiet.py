"""The status bar says «Sin conexión» only once the background sync tried the server: not
in the first-run wizard (before any vault exists: nothing at all, not even a disabled
«Sincronizar…»), not while locked (only «bóveda bloqueada», or «Equipo revocado» while a
revocation keeps the laptop locked), not on a laptop never enrolled or without a server
address. And after «Reactivar este equipo…» it no longer says «Equipo revocado».
FICTIONAL data."""

from __future__ import annotations

from intake_app import i18n
from tests.ui.uikit import OFFICER, PASSPHRASE, finish_wizard, wait_idle


def _shown(status) -> list[str]:
    """The status bar's words as they read, in order (hidden parts left out)."""
    out = []
    for label in (status.state, status.pending_pair.dot, status.pending, status.receipt_pair.dot, status.receipt,
                  status.lease, status.note):
        if label.isVisible() and label.text():
            out.append(label.text())
    return out


def test_the_wizard_shows_nothing_about_sync(qtbot, window):
    status = window.sync_status
    assert window.wizard is not None
    qtbot.waitUntil(status.isVisible)
    assert _shown(status) == []
    assert not status.sync_now.isVisible()


def test_not_enrolled_says_so_and_not_offline(qtbot, window):
    finish_wizard(qtbot, window)
    wait_idle(qtbot, window)
    status = window.sync_status
    qtbot.waitUntil(lambda: status.receipt.isVisible())
    assert _shown(status) == [i18n.t("ui.sync.pending", "es", count=0), "·", i18n.t("ui.sync.not_enrolled", "es")]
    assert status.sync_now.isVisible() and status.sync_now.isEnabled()
    # once the background sync tried and failed, it says so
    window.sync_driver._set("offline", {"retry_in": 3})
    assert _shown(status)[:2] == [i18n.t("ui.sync.state_retry", "es", seconds=3), "·"]


def test_locked_says_only_that_the_vault_is_locked(qtbot, unlocked):
    win = unlocked
    status = win.sync_status
    win.sync_driver._set("offline", {"retry_in": 3})  # it had tried while unlocked
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    assert _shown(status) == [i18n.t("ui.sync.pending_unknown", "es")]
    assert not status.sync_now.isVisible()
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        win.unlock_page.unlock_requested.emit(OFFICER, PASSPHRASE)
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: status.sync_now.isVisible() and status.receipt.isVisible())


def test_after_reinstatement_it_no_longer_says_revoked(qtbot, unlocked):
    win = unlocked
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.sync_driver._set("revoked", {})  # the background sync met the revocation: locked at once
    status = win.sync_status
    assert _shown(status) == [i18n.t("ui.sync.state_revoked", "es"), "·", i18n.t("ui.sync.pending_unknown", "es")]
    win.unlock_page.reinstated.emit()  # «Reactivar este equipo…» succeeded
    assert _shown(status) == [i18n.t("ui.sync.pending_unknown", "es")]
    win.show_unlock()  # the page rebuilt (a language switch): still not revoked
    assert _shown(status) == [i18n.t("ui.sync.pending_unknown", "es")]
    wait_idle(qtbot, win)
