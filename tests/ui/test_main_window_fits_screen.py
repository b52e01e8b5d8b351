"""The main window opens at 1280×820 only where that fits: on a smaller screen (a 1366×768
laptop with a taskbar, or 1920×1080 at a 1.5 scale) it opens smaller, so «Guardar caso» and
the status bar are not below the screen's edge (keyboard review). The offscreen screen is
800×800."""

from __future__ import annotations

from ui.widgets import SIDE_ROOM, TITLE_ROOM


def test_the_window_is_never_larger_than_the_screen(qtbot, tmp_path):
    from ui.mainwindow import MainWindow

    win = MainWindow(tmp_path / "data", language="es")
    qtbot.addWidget(win)
    free = win.screen().availableGeometry()
    assert free.height() < 820  # this screen is smaller than the window's usual size
    assert win.height() <= free.height() - TITLE_ROOM and win.width() <= free.width() - SIDE_ROOM
    assert win.height() >= free.height() - TITLE_ROOM - 1  # as large as fits, not a small window
    with qtbot.waitSignal(win.ready, timeout=20_000):
        win.show()
    win.backend.shutdown()
