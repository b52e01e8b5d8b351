"""An answer that shows more questions: chosen with the arrows and Tab pressed at once (the
form refreshes 150 ms after a change), Tab goes to the first question it shows, not past
it to the buttons. Fictional data."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.uikit import wait_idle


def test_tab_right_after_an_answer_goes_to_what_it_shows(qtbot, unlocked):
    win = unlocked
    form = win.workspace.new_intake()
    win.activateWindow()
    status = form.rows["consent_status"].editor.combo
    shown = form.rows["consent_by"]
    assert status.currentIndex() < 1 and shown.isHidden()
    status.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(status.hasFocus)
    while status.currentData() != "given":  # the arrows, to "given"
        qtbot.keyClick(status, Qt.Key.Key_Down)
    assert form._live.isActive()  # the refresh still waits
    qtbot.keyClick(status, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is shown.editor.combo
    assert not shown.isHidden() and not form.rows["consent_purposes"].isHidden()
    # and an answer that hides them: Tab at once does not go into them
    status.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(status.hasFocus)
    qtbot.keyClick(status, Qt.Key.Key_Up)
    assert status.currentData() != "given" and form._live.isActive()
    qtbot.keyClick(status, Qt.Key.Key_Tab)
    assert shown.isHidden() and not shown.isAncestorOf(QApplication.focusWidget())
    wait_idle(qtbot, win)
