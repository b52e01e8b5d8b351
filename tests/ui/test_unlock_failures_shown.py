"""An officer who unlocks after failed tries with their passphrase is told at once, in the
workspace's message line, how many and when the last was (the core audits them as
``unlock_failures``): on a shared laptop, someone else trying their passphrase must not go
unseen. With no failed try, no message. Fictional officer and passphrase only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from intake_app.errors import WrongPassphrase
from intake_app.vault import Vault, keyring
from tests.ui.uikit import OFFICER, PASSPHRASE, wait_idle


@pytest.fixture
def locked(qtbot, unlocked, monkeypatch):
    win = unlocked
    monkeypatch.setattr(keyring, "delay_after", lambda failures: 0.0)  # no wait between tries here
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    wait_idle(qtbot, win)
    return win


def _unlock(qtbot, win) -> None:
    page = win.unlock_page
    page.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.workspace is not None, timeout=20_000)


def test_failed_tries_since_the_last_unlock_are_said_after_the_next_one(qtbot, locked):
    win = locked
    for _ in range(2):  # another program (the CLI), or someone at this laptop, mistyped twice
        with pytest.raises(WrongPassphrase):
            Vault.open(win.backend.home, OFFICER, "no es la frase ficticia")
    _unlock(qtbot, win)
    text = win.workspace.message.text()
    assert "hubo 2 intentos fallidos" in text and "avise a su supervisor" in text, text
    assert win.workspace.message.isVisible()


def test_no_failed_try_no_message(qtbot, locked):
    win = locked
    _unlock(qtbot, win)
    assert "intentos fallidos" not in win.workspace.message.text()
