"""The unlock page's countdown and failure message belong to the officer who was tried: the
core throttles per officer, so when officer B mistyped and officer A then picks their own
name, A is not made to wait for B's delay nor shown B's message, and Enter with A's
passphrase unlocks at once. Back on B, B's own wait is still shown (and the core still
enforces it). The message names the officer tried: the page preselects the last officer,
and a colleague may type their own passphrase against it. Fictional officers only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from intake_app import i18n
from tests.ui.uikit import OFFICER, PASSPHRASE, run_on_backend, wait_idle

SECOND = "segunda.ficticia"
SECOND_PASSPHRASE = "otra frase ficticia de prueba"
WAIT = 60  # the core's delay after any failure, here: long enough that no test can outrun it


@pytest.fixture
def locked(qtbot, unlocked, monkeypatch):
    """Two officers, the window locked; every failed unlock costs WAIT seconds."""
    from intake_app.vault import keyring

    win = unlocked
    run_on_backend(qtbot, win, lambda s: s.require().add_officer(SECOND, SECOND_PASSPHRASE))
    monkeypatch.setattr(keyring, "delay_after", lambda failures: 0.0 if failures <= 0 else float(WAIT))
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    wait_idle(qtbot, win)
    page = win.unlock_page
    qtbot.waitUntil(lambda: page.officer.findText(SECOND) >= 0, timeout=20_000)
    return win


def _choose(page, officer: str) -> None:
    page.officer.setCurrentIndex(page.officer.findText(officer))


def _mistype(qtbot, win, officer: str) -> None:
    page = win.unlock_page
    _choose(page, officer)
    page.passphrase.setText("no es la frase ficticia")
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert win.workspace is None


def test_another_officers_wait_and_message_do_not_stop_this_one(qtbot, locked):
    win = locked
    page = win.unlock_page
    _mistype(qtbot, win, SECOND)
    assert not page.button.isEnabled() and page.seconds_left > WAIT - 5  # B waits
    assert page.message.text()

    _choose(page, OFFICER)  # A, at the same laptop, picks their own name
    assert page.seconds_left == 0
    assert page.button.isEnabled() and page.button.text() == i18n.t("ui.unlock.button", "es")
    assert page.message.text() == ""  # B's failure is not A's
    page.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)  # Enter: taken at once
    assert win.officer_label.text() == i18n.t("ui.status.officer", "es", name=OFFICER)


def test_back_on_the_officer_who_failed_their_own_wait_is_shown(qtbot, locked):
    win = locked
    page = win.unlock_page
    _mistype(qtbot, win, OFFICER)  # A mistypes, B comes, then A is chosen again
    _choose(page, SECOND)
    assert page.button.isEnabled() and page.seconds_left == 0
    _choose(page, OFFICER)
    assert not page.button.isEnabled() and page.seconds_left > WAIT - 5
    assert page.button.text() == i18n.t("ui.unlock.wait", "es", seconds=page.seconds_left)
    page.passphrase.setText(PASSPHRASE)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)  # ignored during A's own wait
    assert page.busy.isHidden() and not win.backend.in_flight()


def test_the_failure_names_the_officer_tried(qtbot, locked):
    win = locked
    page = win.unlock_page
    _mistype(qtbot, win, SECOND)
    assert page.message.text() == i18n.t("ui.unlock.wrong_passphrase", "es", officer=SECOND, failures=1,
                                         retry_after=WAIT)
    assert SECOND in page.message.text() and "(intento fallido 1)" in page.message.text()


def test_the_officer_cannot_change_while_their_passphrase_is_tried(qtbot, locked):
    """The failure is the officer's whose passphrase was sent: the choice waits for the answer."""
    win = locked
    page = win.unlock_page
    _choose(page, SECOND)
    page.passphrase.setText("no es la frase ficticia")
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        page.button.click()
        assert not page.officer.isEnabled()
    assert page.officer.isEnabled() and page.officer.currentText() == SECOND
    assert SECOND in page.message.text()


def test_a_revocation_stays_said_when_the_officer_changes(qtbot, locked):
    """Not an officer's failure: the laptop's, whoever is chosen."""
    from ui.widgets import show_message

    win = locked
    page = win.unlock_page
    show_message(page.message, i18n.t("ui.syncdlg.revoked", "es"))
    _choose(page, SECOND)
    assert page.message.text() == i18n.t("ui.syncdlg.revoked", "es")
