"""The settings dialog's officers and passphrase tabs: an unlocked session alone can neither
change the officer's passphrase nor add an officer (the current passphrase is asked and
checked by the core, with the unlock's delay); Enter does the tab's action; Esc with an
officer typed but not added asks first; nothing typed reaches a log or a file."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt

from intake_app import i18n
from intake_app.vault import keyring
from tests.ui.uikit import OFFICER, PASSPHRASE, run_on_backend, wait_idle

NEW = "nueva frase ficticia de prueba"
OTHER = "otra frase ficticia de prueba"
WRONG = "frase ficticia equivocada"
SECRETS = (NEW, OTHER, WRONG)


@pytest.fixture
def dialog(qtbot, unlocked, caplog):
    caplog.set_level(logging.DEBUG)
    unlocked.open_settings()
    dlg = unlocked.settings_dialog
    qtbot.waitUntil(lambda: dlg.isVisible())
    wait_idle(qtbot, unlocked)
    return dlg


def _keyring(win):
    return keyring.Keyring.load(win.backend.home / "keyring.json")


def _actions(qtbot, win) -> list[str]:
    return run_on_backend(qtbot, win, lambda s: [e.action for e in s.require().audit.entries()])


def _type(qtbot, edit, text: str) -> None:
    edit.setFocus()
    edit.clear()
    qtbot.keyClicks(edit, text)


def _no_secret_written(win, caplog) -> None:
    for secret in SECRETS + (PASSPHRASE,):
        assert secret not in caplog.text
        for path in win.backend.home.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def _unlocks(qtbot, win, passphrase: str) -> bool:
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    page = win.unlock_page
    page.officer.setCurrentText(OFFICER)
    page.passphrase.setText(passphrase)
    page._submit()
    wait_idle(qtbot, win)
    return win.workspace is not None


def test_changing_the_passphrase_needs_the_current_one(qtbot, unlocked, dialog, caplog):
    win, tab = unlocked, dialog.passphrase
    dialog.show_tab(tab)
    before = _keyring(win).find(OFFICER).wrapped
    _type(qtbot, tab.new, NEW)
    _type(qtbot, tab.repeat, NEW)
    qtbot.keyClick(tab.repeat, Qt.Key.Key_Return)  # Enter changes it... once the current one is typed
    assert tab.message.text() == i18n.t("ui.settings.current_missing")
    assert tab.current.hasFocus() and not win.backend.in_flight()

    _type(qtbot, tab.current, WRONG)
    qtbot.keyClick(tab.current, Qt.Key.Key_Return)
    assert dialog.busy.isVisible() and not tab.isEnabled()  # Argon2id on the worker
    wait_idle(qtbot, win)
    assert tab.message.text() == i18n.t("error.wrong_passphrase", failures=1, retry_after=1)
    assert tab.current.text() == "" and tab.current.hasFocus() and tab.new.text() == NEW
    for button in (tab.button, dialog.officers.button):  # the unlock's countdown, on both
        assert not button.isEnabled() and button.text() == i18n.t("ui.unlock.wait", seconds=1)
    assert _keyring(win).find(OFFICER).wrapped == before  # nothing changed
    assert _keyring(win).find(OFFICER).failures == 1
    assert _actions(qtbot, win)[-1] == "passphrase_check_failed"

    qtbot.waitUntil(lambda: tab.button.isEnabled(), timeout=5_000)
    assert tab.button.text() == i18n.t("ui.settings.change")
    _type(qtbot, tab.current, PASSPHRASE)
    qtbot.mouseClick(tab.button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, win)
    assert tab.message.text() == i18n.t("ui.settings.changed")
    assert [e.text() for e in tab.fields()] == ["", "", ""]
    assert _actions(qtbot, win)[-1] == "passphrase_change"
    _no_secret_written(win, caplog)
    assert _unlocks(qtbot, win, NEW)


def test_adding_an_officer_needs_the_current_passphrase_and_enter_adds(qtbot, unlocked, dialog, caplog):
    win, tab = unlocked, dialog.officers
    dialog.show_tab(tab)
    _type(qtbot, tab.name, "segunda.ficticia")
    qtbot.keyClick(tab.name, Qt.Key.Key_Return)  # Enter: the add, which says what is missing
    assert tab.message.text() == i18n.t("error.weak_passphrase", min_length=10) and tab.passphrase.hasFocus()
    _type(qtbot, tab.passphrase, OTHER)
    _type(qtbot, tab.repeat, OTHER)
    qtbot.keyClick(tab.repeat, Qt.Key.Key_Return)
    assert tab.message.text() == i18n.t("ui.settings.current_missing") and tab.current.hasFocus()

    _type(qtbot, tab.current, WRONG)
    qtbot.keyClick(tab.current, Qt.Key.Key_Return)
    wait_idle(qtbot, win)
    assert tab.message.text() == i18n.t("error.wrong_passphrase", failures=1, retry_after=1)
    assert [o.name for o in _keyring(win).officers] == [OFFICER]
    assert tab.officer_list.count() == 1 and tab.name.text() == "segunda.ficticia"
    qtbot.keyClick(tab.current, Qt.Key.Key_Return)  # during the countdown Enter does nothing
    assert not win.backend.in_flight()

    qtbot.waitUntil(lambda: tab.button.isEnabled(), timeout=5_000)
    _type(qtbot, tab.current, PASSPHRASE)
    qtbot.keyClick(tab.current, Qt.Key.Key_Return)
    wait_idle(qtbot, win)
    assert tab.message.text() == i18n.t("ui.settings.officer_added", name="segunda.ficticia")
    assert sorted(tab.officer_list.item(i).text() for i in range(2)) == [OFFICER, "segunda.ficticia"]
    assert [e.text() for e in tab.fields()] == ["", "", "", ""] and tab.name.hasFocus()
    assert _actions(qtbot, win)[-2:] == ["passphrase_check_failed", "officer_add"]
    _no_secret_written(win, caplog)


def test_a_throttled_try_is_refused_without_deriving(qtbot, unlocked, dialog):
    """Closing the dialog does not reset the delay: the core keeps it (the keyring's count)."""
    win, tab = unlocked, dialog.passphrase
    dialog.show_tab(tab)
    for _ in range(2):
        qtbot.waitUntil(lambda: tab.button.isEnabled(), timeout=5_000)
        _type(qtbot, tab.current, WRONG)
        _type(qtbot, tab.new, NEW)
        _type(qtbot, tab.repeat, NEW)
        tab.submit()
        wait_idle(qtbot, win)
    assert tab.message.text() == i18n.t("error.wrong_passphrase", failures=2, retry_after=2)
    dialog.reject()
    win.open_settings()
    again = win.settings_dialog
    qtbot.waitUntil(lambda: again.isVisible())
    tab = again.passphrase
    assert tab.button.isEnabled()  # a new dialog: the core says to wait
    _type(qtbot, tab.current, PASSPHRASE)
    _type(qtbot, tab.new, NEW)
    _type(qtbot, tab.repeat, NEW)
    tab.submit()
    wait_idle(qtbot, win)
    assert tab.message.text() in {i18n.t("error.unlock_throttled", retry_after=n) for n in (1, 2)}
    assert not tab.button.isEnabled()
    assert tab.button.text() in {i18n.t("ui.unlock.wait", seconds=n) for n in (1, 2)}
    assert _keyring(win).find(OFFICER).failures == 2


def test_esc_with_an_officer_typed_asks_before_discarding(qtbot, unlocked, dialog):
    win, tab = unlocked, dialog.officers
    dialog.show_tab(tab)
    _type(qtbot, tab.name, "tercera.ficticia")
    _type(qtbot, tab.passphrase, OTHER)
    qtbot.keyClick(tab.passphrase, Qt.Key.Key_Escape)
    box = dialog.discard_box
    assert dialog.isVisible() and box is not None
    qtbot.waitUntil(lambda: box.isVisible())
    assert i18n.t("ui.settings.discard_officer") in box.text()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Esc in the question: keep editing
    qtbot.waitUntil(lambda: not box.isVisible())
    assert dialog.isVisible() and tab.name.text() == "tercera.ficticia" and tab.passphrase.text() == OTHER

    dialog.tabs.setCurrentIndex(0)
    qtbot.keyClick(dialog.language, Qt.Key.Key_Escape)  # from another tab: it goes back to the officer
    box = dialog.discard_box
    qtbot.waitUntil(lambda: box.isVisible())
    qtbot.keyClick(box, Qt.Key.Key_Return)  # the default: keep editing
    qtbot.waitUntil(lambda: not box.isVisible())
    assert dialog.isVisible() and dialog.tabs.currentWidget().widget() is tab

    dialog.close()  # the window's own close asks too
    box = dialog.discard_box
    qtbot.waitUntil(lambda: box.isVisible())
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.mouseClick(box.findChild(type(tab.button), "discard"), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert all(e.text() == "" for e in tab.fields() + dialog.passphrase.fields())  # nothing kept
    assert [o.name for o in _keyring(win).officers] == [OFFICER]


def test_esc_with_nothing_typed_closes(qtbot, unlocked, dialog):
    dialog.show_tab(dialog.officers)
    _type(qtbot, dialog.officers.current, PASSPHRASE)  # the current passphrase alone: nothing to lose
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.keyClick(dialog.officers.current, Qt.Key.Key_Escape)
    assert dialog.discard_box is None and dialog.officers.current.text() == ""


def test_a_lock_closes_it_without_asking(qtbot, unlocked, dialog):
    from PySide6.QtWidgets import QApplication, QMessageBox

    win = unlocked
    dialog.show_tab(dialog.passphrase)
    _type(qtbot, dialog.passphrase.new, NEW)
    qtbot.keyClick(dialog.passphrase.new, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.workspace is None and not dialog.isVisible())
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
