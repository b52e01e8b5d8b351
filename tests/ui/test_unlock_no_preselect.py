"""A shared laptop's unlock page preselects nobody when there are several officers: the
first officer (or the one who unlocked last) chosen by default meant a colleague typed their
passphrase against another officer's name, and the core counted it as that officer's failure
(a delay, and a «hubo N intentos fallidos» banner at their next unlock). The list says
«Elija su usuario…», the passphrase box says to choose first, and Enter with nobody chosen says
so and sends nothing: no failure is counted for anyone. With exactly one officer, that one is
chosen. Who unlocked last is written nowhere (no names in settings). Fictional officers only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from intake_app import i18n
from intake_app.vault.keyring import Keyring
from tests.ui.uikit import OFFICER, PASSPHRASE, run_on_backend, wait_idle

SECOND = "segunda.ficticia"
SECOND_PASSPHRASE = "otra frase ficticia de prueba"
THIRD = "tercera.ficticia"


def _es(key: str, **params) -> str:
    return i18n.t(key, "es", **params)


@pytest.fixture
def page(qtbot):
    from ui.unlock import UnlockPage

    def make(officers: list[str], chosen: str = ""):
        p = UnlockPage(officers, chosen=chosen)
        qtbot.addWidget(p)
        p.show()
        p.activateWindow()
        qtbot.waitActive(p)
        p.focus()
        return p
    return make


def test_several_officers_nobody_is_chosen(qtbot, page):
    p = page([OFFICER, SECOND, THIRD])  # (after a lock, not even the one who unlocked last: test_officer_added_can_unlock)
    assert p.officer.currentIndex() == -1 and p.officer.currentText() == ""
    assert p.officer.placeholderText() == _es("ui.unlock.choose_officer")
    assert p.passphrase.placeholderText() == _es("ui.unlock.passphrase_choose_first")
    qtbot.waitUntil(p.officer.hasFocus, timeout=5000)  # the keyboard starts at the choice


def test_one_officer_is_chosen(qtbot, page):
    p = page([OFFICER])
    assert p.officer.currentText() == OFFICER
    assert p.passphrase.placeholderText() == ""
    qtbot.waitUntil(p.passphrase.hasFocus, timeout=5000)


def test_choosing_a_name_clears_the_reminder(qtbot, page):
    p = page([OFFICER, SECOND, THIRD])
    sent = []
    p.unlock_requested.connect(lambda officer, passphrase: sent.append(officer))
    p.passphrase.setFocus()
    qtbot.keyClicks(p.passphrase, "frase ficticia cualquiera")
    qtbot.keyClick(p.passphrase, Qt.Key.Key_Return)
    assert sent == []  # nothing sent: nothing for the core to count
    assert p.message.text() == _es("ui.unlock.choose_first") and p.message.isVisible()
    qtbot.waitUntil(p.officer.hasFocus, timeout=5000)
    assert p.passphrase.text()  # what was typed stays: choose, then Enter
    p.button.click()  # «Desbloquear» says the same
    assert sent == [] and p.message.text() == _es("ui.unlock.choose_first")

    p.officer.setCurrentIndex(p.officer.findText(THIRD))
    assert p.message.text() == "" and p.passphrase.placeholderText() == ""
    qtbot.keyClick(p.passphrase, Qt.Key.Key_Return)
    assert sent == [THIRD]


def test_empty_enter_without_a_choice_also_says_to_choose(qtbot, page):
    p = page([OFFICER, SECOND])
    qtbot.keyClick(p.passphrase, Qt.Key.Key_Return)
    assert p.message.text() == _es("ui.unlock.choose_first")


def test_a_revocation_comes_back_once_a_name_is_chosen(qtbot, page):
    """The laptop's message is not lost under the reminder."""
    from ui.widgets import show_message

    p = page([OFFICER, SECOND])
    show_message(p.message, _es("ui.syncdlg.revoked"))
    qtbot.keyClick(p.passphrase, Qt.Key.Key_Return)
    assert p.message.text() == _es("ui.unlock.choose_first")
    p.officer.setCurrentIndex(0)
    assert p.message.text() == _es("ui.syncdlg.revoked")


def test_the_list_read_again(page):
    """The only officer, chosen by the page, is not kept when another appears; a person's
    choice among several is; back to one, that one is chosen."""
    p = page([OFFICER])
    p.set_officers([OFFICER, SECOND])
    assert p.officer.currentIndex() == -1
    assert p.passphrase.placeholderText() == _es("ui.unlock.passphrase_choose_first")
    p.officer.setCurrentIndex(p.officer.findText(SECOND))
    p.set_officers([OFFICER, SECOND, THIRD])
    assert p.officer.currentText() == SECOND
    p.set_officers([THIRD])
    assert p.officer.currentText() == THIRD and p.passphrase.placeholderText() == ""


def test_reactivating_needs_a_name_first(page):
    p = page([OFFICER, SECOND])
    p.backend = object()  # offered; never reached: nobody is chosen
    p.offer_reinstatement("equipo-ficticio")
    p.open_reinstate()
    assert p.reinstate_dialog is None
    assert p.message.text() == _es("ui.unlock.choose_first")


def _failures(win) -> dict[str, int]:
    ring = Keyring.load(win.backend.home / "keyring.json")
    return {o.name: o.failures for o in ring.active()}


def test_enter_without_a_choice_counts_no_failure_and_nobody_is_chosen_after_a_lock(qtbot, unlocked):
    win = unlocked
    run_on_backend(qtbot, win, lambda s: s.require().add_officer(SECOND, SECOND_PASSPHRASE))
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    wait_idle(qtbot, win)
    page = win.unlock_page
    qtbot.waitUntil(lambda: page.officer.count() == 2, timeout=20_000)
    assert page.officer.currentIndex() == -1  # not the officer who was signed in
    # shown with the list the window knew (one officer, chosen), then read again: the choice first
    qtbot.waitUntil(page.officer.hasFocus, timeout=5000)
    page.passphrase.setFocus()
    qtbot.keyClicks(page.passphrase, SECOND_PASSPHRASE)  # the colleague types before choosing
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert not win.backend.in_flight() and page.busy.isHidden()
    assert page.message.text() == _es("ui.unlock.choose_first")
    assert _failures(win) == {OFFICER: 0, SECOND: 0}

    page.officer.setCurrentIndex(page.officer.findText(SECOND))
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert win.officer_label.text() == _es("ui.status.officer", name=SECOND)
    assert "intentos fallidos" not in win.workspace.message.text()

    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    wait_idle(qtbot, win)
    assert win.unlock_page.officer.currentIndex() == -1  # the last one is not remembered as a default
    page = win.unlock_page
    page.officer.setCurrentIndex(page.officer.findText(OFFICER))
    page.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert "intentos fallidos" not in win.workspace.message.text()
    # who unlocked last is written nowhere: only the keyring names the officers
    for path in win.backend.home.rglob("*"):
        if path.is_file() and path.name != "keyring.json":
            data = path.read_bytes()
            assert SECOND.encode() not in data and OFFICER.encode() not in data, path.name


def test_a_name_chosen_stays_chosen_when_the_language_changes(qtbot, unlocked):
    """The page is rebuilt in the other language: the name the person chose on it stays, and
    a page where nobody was chosen still has nobody."""
    win = unlocked
    run_on_backend(qtbot, win, lambda s: s.require().add_officer(SECOND, SECOND_PASSPHRASE))
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: win.unlock_page.officer.count() == 2, timeout=20_000)
    win.unlock_page.language_chosen.emit("en")
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: win.unlock_page.officer.count() == 2, timeout=20_000)
    assert win.unlock_page.officer.currentIndex() == -1
    page = win.unlock_page
    page.officer.setCurrentIndex(page.officer.findText(SECOND))
    page.language_chosen.emit("es")
    wait_idle(qtbot, win)
    assert win.unlock_page is not page and win.unlock_page.officer.currentText() == SECOND
    assert win.unlock_page.passphrase.placeholderText() == ""


def test_what_the_page_says_is_heard_where_the_focus_goes(qtbot, page):
    """A screen reader reads a field's description when the focus returns to it: the page's
    message comes first there, and goes when the message does (keyboard review)."""
    p = page([OFFICER, SECOND])
    qtbot.keyClick(p.passphrase, Qt.Key.Key_Return)
    said = _es("ui.unlock.choose_first")
    qtbot.waitUntil(p.officer.hasFocus, timeout=5000)
    assert p.officer.accessibleDescription().startswith(said)
    assert p.passphrase.accessibleDescription().startswith(said)
    p.officer.setCurrentIndex(0)
    assert said not in p.officer.accessibleDescription() + p.passphrase.accessibleDescription()
    assert p.passphrase.accessibleDescription() == _es("ui.unlock.text")
