"""Desktop app fixtures: a real MainWindow over a real vault in a temporary folder.

Everything waits on signals (qtbot.waitSignal), never on sleeps. Test people are
fictional and say so."""

from __future__ import annotations

import pytest

PASSPHRASE = "frase ficticia de la prueba"
OFFICER = "oficial.ficticia"


@pytest.fixture
def window(qtbot, tmp_path):
    from ui.mainwindow import MainWindow

    win = MainWindow(tmp_path / "data", language="es")
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.ready, timeout=20_000):
        win.show()
    yield win
    win.backend.shutdown()


def finish_wizard(qtbot, win, post: str = "cr_paso_canoas") -> None:
    wiz = win.wizard_widget
    wiz.next()
    wiz.officer_page.name.setText(OFFICER)
    wiz.officer_page.passphrase.setText(PASSPHRASE)
    wiz.officer_page.repeat.setText(PASSPHRASE)
    wiz.next()
    wiz.post_page.post.setCurrentIndex(wiz.post_page.post.findData(post))
    wiz.next()
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        wiz.button(wiz.WizardButton.FinishButton).click()


def wait_idle(qtbot, win, timeout: int = 20_000) -> None:
    if win.backend.in_flight():
        with qtbot.waitSignal(win.backend.idle, timeout=timeout):
            pass


@pytest.fixture
def unlocked(qtbot, window):
    finish_wizard(qtbot, window)
    wait_idle(qtbot, window)
    return window
