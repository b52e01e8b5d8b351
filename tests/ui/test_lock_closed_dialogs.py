"""Dialogs closed before a lock do not outlive it: a print preview closed with «Cerrar» is
only hidden by Qt and still holds its page images (a name, a document, a QR), so a lock
destroys every dialog of the window, shown or not. And each Print…/Settings/Verify opened
again lets the previous closed one go, rather than piling hidden copies up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from ui.printing import PrintDialog
from ui.settings_dialog import SettingsDialog
from ui.verify_dialog import VerifyPrintDialog

from tests.ui.test_print_sync import _open_print, _saved_case
from tests.ui.uikit import wait_idle


def _open_and_close(qtbot, win, case_id) -> None:
    dialog = _open_print(qtbot, win, case_id)
    assert dialog.pdf_pages  # the preview's pages are drawn
    dialog.reject()  # «Cerrar»
    win.open_settings()
    qtbot.waitUntil(win.settings_dialog.isVisible)
    wait_idle(qtbot, win)
    win.settings_dialog.close_asked()
    win.open_verify()
    qtbot.waitUntil(win.verify_dialog.isVisible)
    win.verify_dialog.reject()
    qtbot.waitUntil(lambda: not [d for d in win.findChildren(QDialog) if d.isVisible()])


def test_closed_dialogs_go_at_a_lock_and_do_not_pile_up(qtbot, unlocked, sample):
    win = unlocked
    case_id = _saved_case(qtbot, win, sample)
    for _ in range(3):
        _open_and_close(qtbot, win, case_id)
    # only the last of each is left (hidden) while the officer works
    qtbot.waitUntil(lambda: [len(win.findChildren(kind)) for kind in (PrintDialog, SettingsDialog,
                                                                       VerifyPrintDialog)] == [1, 1, 1])
    focus = win.workspace.case_view.edit_button
    focus.setFocus()
    with qtbot.waitSignal(win.locked, timeout=20_000):
        qtbot.keyClick(focus, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.findChildren(QDialog) == [], timeout=10_000)
    wait_idle(qtbot, win)
