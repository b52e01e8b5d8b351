"""What the officer copied from the app (a name, a document number) is not left on the
clipboard for the next person at the laptop: a lock and a close clear it. What another
program put there is left alone."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.uikit import wait_idle

NAME = "Ficticia Prueba"


def _copy_from_search(qtbot, win) -> None:
    search = win.workspace.list_page.search
    search.setFocus()
    search.setText(NAME)
    search.selectAll()
    qtbot.keyClick(search, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == NAME


def test_a_lock_clears_what_the_app_copied(qtbot, unlocked):
    win = unlocked
    _copy_from_search(qtbot, win)
    with qtbot.waitSignal(win.locked, timeout=20_000):
        qtbot.keyClick(win.workspace.list_page.search, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == ""


def test_a_close_clears_what_the_app_copied(qtbot, unlocked):
    win = unlocked
    _copy_from_search(qtbot, win)
    win.close()
    assert QApplication.clipboard().text() == ""


def test_another_programs_clipboard_stays(qtbot, unlocked):
    win = unlocked
    _copy_from_search(qtbot, win)
    win.hide()  # the officer is in another program, which copies something of its own
    qtbot.waitUntil(lambda: QApplication.activeWindow() is None)
    QApplication.clipboard().setText("texto de otro programa")
    win.show()
    win.lock()
    wait_idle(qtbot, win)
    assert QApplication.clipboard().text() == "texto de otro programa"
    QApplication.clipboard().clear()


def test_where_the_platform_tells_ownership_only_that_counts(qtbot, unlocked, monkeypatch):
    """On X11, Windows and Wayland Qt says what the app owns: another program's text copied
    while a window of the app happened to be active is not the app's and stays (it was
    taken for the app's and wiped). Offscreen the app owns nothing, as another program's
    text would be."""
    from ui import dialogs

    monkeypatch.setattr(dialogs.QGuiApplication, "platformName", staticmethod(lambda: "xcb"))
    win = unlocked
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is not None)
    QApplication.clipboard().setText("texto de otro programa")  # not owned, as on X11 from another process
    win.lock()
    wait_idle(qtbot, win)
    assert QApplication.clipboard().text() == "texto de otro programa"
    QApplication.clipboard().clear()
