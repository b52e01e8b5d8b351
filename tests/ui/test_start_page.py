"""The start page: what the officer sees when the launch itself fails (a keyring that is
not one), worded, and kept when the window rewords itself in another language."""

from __future__ import annotations

from intake_app.vault.store import DB_NAME, KEYRING_NAME


def test_a_launch_that_fails_says_why_on_the_start_page_and_keeps_it(qtbot, tmp_path):
    from ui.mainwindow import MainWindow
    from ui.text import set_language

    home = tmp_path / "data"
    home.mkdir()
    (home / KEYRING_NAME).write_bytes(b"not a keyring (fictional test file)")
    (home / DB_NAME).write_bytes(b"\0" * 64)
    win = MainWindow(home, language="es")
    qtbot.addWidget(win)
    win.show()
    page = win.start_page
    qtbot.waitUntil(lambda: page.text.objectName() == "error", timeout=20_000)
    said = page.text.text()
    assert said and "Traceback" not in said and "Abriendo" not in said
    assert win.pages.currentWidget() is page  # no wizard over an existing (unreadable) vault

    set_language("en")
    win._retitle()
    assert page.text.text() == said  # the error stays as it was said
    assert page.title.text() == win.windowTitle()
    set_language("es")
    win.backend.shutdown()
