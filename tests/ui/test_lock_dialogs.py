"""A lock (Ctrl+L or auto-lock) closes every dialog that shows case data before the
unlock page shows; Ctrl+L works while a window-modal dialog is open."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.test_print_sync import _open_print, _saved_case
from tests.ui.uikit import wait_idle

NAME = "Yelitza"  # the fictional person of the sample "intake-adult-woman"


def _texts(widget: QWidget) -> str:
    out = [widget.windowTitle(), widget.toolTip(), widget.accessibleName()]
    for attr in ("text", "toPlainText", "currentText", "placeholderText"):
        f = getattr(widget, attr, None)
        if callable(f):
            try:
                value = f()
            except TypeError:
                continue
            if isinstance(value, str):
                out.append(value)
    return " ".join(out)


def _nothing_left(win) -> bool:
    others = [w for w in QApplication.topLevelWidgets() if w is not win and w.isVisible()]
    named = [w for w in QApplication.allWidgets() if NAME in _texts(w)]
    return not others and not named and win.unlock_page is not None and win.unlock_page.isVisible()


@pytest.mark.parametrize("how", ["ctrl_l", "idle"])
def test_lock_closes_the_print_dialog(qtbot, unlocked, sample, how):
    win = unlocked
    case_id = _saved_case(qtbot, win, sample)
    dialog = _open_print(qtbot, win, case_id)
    assert dialog.isVisible() and dialog.print_button.isEnabled()
    assert win.windowModality() == Qt.WindowModality.NonModal and dialog.isModal()
    with qtbot.waitSignal(win.locked, timeout=20_000):
        if how == "ctrl_l":  # where the officer is: a field of the window-modal dialog
            dialog.copy.setFocus()
            qtbot.keyClick(dialog.copy, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        else:
            win.idle.set_minutes(0.001)  # 60 ms
            win.idle.start()
    qtbot.waitUntil(lambda: _nothing_left(win), timeout=10_000)
    wait_idle(qtbot, win)


def test_lock_closes_settings_and_sync(qtbot, unlocked):
    win = unlocked
    win.open_settings()
    qtbot.waitUntil(lambda: win.settings_dialog.isVisible())
    settings = win.settings_dialog
    qtbot.keyClick(settings.minutes, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.workspace is None and not settings.isVisible())
    wait_idle(qtbot, win)
    up = win.unlock_page
    up.passphrase.setText("frase ficticia de la prueba")
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        up.button.click()
    win.open_sync()
    sync = win.sync_dialog
    qtbot.waitUntil(lambda: sync.isVisible())
    with qtbot.waitSignal(win.locked, timeout=20_000):
        qtbot.keyClick(sync.url, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not [w for w in QApplication.topLevelWidgets() if w is not win and w.isVisible()])
