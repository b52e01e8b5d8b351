"""The officers tab removes another officer (``Vault.remove_officer``, the vault re-keyed):
chosen in the list, confirmed in a dialog that says what happens and asks the signed-in
officer's passphrase again. The signed-in officer's own row cannot be removed; a wrong
passphrase removes nothing; another program with the vault open is said in words (close it,
try again); a removal left unfinished is shown with a way to finish it. Fictional officers."""

from __future__ import annotations

import logging

import pytest
import shiboken6
from PySide6.QtCore import Qt

from intake_app import i18n
from intake_app.errors import UnknownOfficer
from intake_app.vault import Vault, keyring
from tests.ui.uikit import OFFICER, PASSPHRASE, run_on_backend, wait_idle

SECOND = "segunda.ficticia"
SECOND_PASSPHRASE = "otra frase ficticia de prueba"
WRONG = "frase ficticia equivocada"


@pytest.fixture
def tab(qtbot, unlocked, caplog):
    caplog.set_level(logging.DEBUG)
    run_on_backend(qtbot, unlocked, lambda s: s.require().add_officer(SECOND, SECOND_PASSPHRASE))
    unlocked.open_settings()
    dialog = unlocked.settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, unlocked)
    dialog.show_tab(dialog.officers)
    return dialog.officers


def _names(tab) -> list[str]:
    return [tab.officer_list.item(i).text() for i in range(tab.officer_list.count())]


def _choose(tab, name: str) -> None:
    tab.officer_list.setCurrentRow(_names(tab).index(name))


def _confirm(qtbot, win, tab, passphrase: str):
    """«Retirar a …» from the keyboard, the passphrase typed, Enter; the dialog."""
    tab.remove_button.setFocus()
    qtbot.keyClick(tab.remove_button, Qt.Key.Key_Space)
    dialog = tab.remove_dialog
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.passphrase.hasFocus())
    qtbot.keyClicks(dialog.passphrase, passphrase)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    wait_idle(qtbot, win)
    return dialog


def _opens(win, name: str, passphrase: str) -> bool:
    try:
        Vault.open(win.backend.home, name, passphrase).close()
    except UnknownOfficer:
        return False
    return True


def _in_keyring(win) -> list[str]:
    return sorted(o.name for o in keyring.Keyring.load(win.backend.home / "keyring.json").officers)


def _actions(qtbot, win) -> list[str]:
    return run_on_backend(qtbot, win, lambda s: [e.action for e in s.require().audit.entries()])


def test_another_officer_is_removed_and_can_no_longer_unlock(qtbot, unlocked, tab, caplog):
    win = unlocked
    assert sorted(_names(tab)) == sorted([OFFICER, SECOND])
    _choose(tab, SECOND)
    assert tab.remove_button.isEnabled()
    assert tab.remove_button.text() == i18n.t("ui.officers.remove", name=SECOND)
    tab.remove_button.setFocus()
    qtbot.keyClick(tab.remove_button, Qt.Key.Key_Space)
    dialog = tab.remove_dialog
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.passphrase.hasFocus())
    # what happens, said before anything is done
    assert dialog.effects.text() == i18n.t("ui.officers.effects", name=SECOND)
    assert "keyring.json" in dialog.effects.text() and "frase de paso" in dialog.effects.text()
    assert dialog.passphrase.accessibleName() == i18n.t("ui.settings.current_passphrase")
    assert dialog.button.accessibleName() == i18n.t("ui.officers.remove_button", name=SECOND)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)  # nothing typed: said, nothing run
    assert dialog.message.text() == i18n.t("ui.settings.current_missing") and not win.backend.in_flight()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    wait_idle(qtbot, win)

    assert tab.remove_dialog is None and not (shiboken6.isValid(dialog) and dialog.isVisible())
    assert tab.remove_message.text() == i18n.t("ui.officers.removed", name=SECOND)
    assert _names(tab) == [OFFICER]
    assert not tab.remove_button.isEnabled()  # only the signed-in officer is left
    assert _actions(qtbot, win)[-1] == "officer_remove"  # written by the core
    assert _in_keyring(win) == [OFFICER]
    assert not _opens(win, SECOND, SECOND_PASSPHRASE)
    assert _opens(win, OFFICER, PASSPHRASE)
    for secret in (PASSPHRASE, SECOND_PASSPHRASE, SECOND):
        assert secret not in caplog.text


def test_the_signed_in_officer_cannot_be_removed(qtbot, unlocked, tab):
    _choose(tab, OFFICER)
    assert not tab.remove_button.isEnabled()
    assert tab.remove_button.toolTip() == i18n.t("ui.officers.remove_self")
    assert tab.remove_button.accessibleDescription() == i18n.t("ui.officers.remove_self")
    item = tab.officer_list.item(_names(tab).index(OFFICER))
    assert item.data(Qt.ItemDataRole.AccessibleTextRole) == i18n.t("ui.officers.you", name=OFFICER)
    assert item.font().bold()
    tab.ask_remove()
    assert tab.remove_dialog is None
    assert tab.remove_help.text() == i18n.t("ui.officers.remove_help", name=OFFICER) and tab.remove_help.isVisible()
    _choose(tab, SECOND)
    assert tab.remove_button.isEnabled() and tab.remove_button.toolTip() == ""


def test_a_wrong_passphrase_removes_nothing(qtbot, unlocked, tab):
    win = unlocked
    _choose(tab, SECOND)
    dialog = _confirm(qtbot, win, tab, WRONG)
    assert dialog.isVisible()
    assert dialog.message.text() == i18n.t("error.wrong_passphrase", failures=1, retry_after=1)
    assert dialog.passphrase.text() == "" and not dialog.button.isEnabled()  # the unlock's wait
    assert not tab.button.isEnabled()  # on the tab's buttons too
    assert sorted(_names(tab)) == sorted([OFFICER, SECOND])
    assert _in_keyring(win) == sorted([OFFICER, SECOND])
    assert _opens(win, SECOND, SECOND_PASSPHRASE)
    assert "officer_remove" not in _actions(qtbot, win)
    dialog.reject()


def test_another_program_with_the_vault_open_is_said_in_words(qtbot, unlocked, tab):
    win = unlocked
    other = Vault.open(win.backend.home, OFFICER, PASSPHRASE)  # as a terminal command would
    try:
        _choose(tab, SECOND)
        dialog = _confirm(qtbot, win, tab, PASSPHRASE)
        assert dialog.isVisible()
        assert dialog.message.text() == i18n.t("ui.officers.open_elsewhere")
        assert "intake" in dialog.message.text() and "terminal" in dialog.message.text()
        assert _in_keyring(win) == sorted([OFFICER, SECOND])
    finally:
        other.close()
    assert _opens(win, SECOND, SECOND_PASSPHRASE)
    qtbot.waitUntil(dialog.button.isEnabled, timeout=5_000)
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)  # closed: tried again, it is done
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    wait_idle(qtbot, win)
    assert _names(tab) == [OFFICER] and not _opens(win, SECOND, SECOND_PASSPHRASE)


def test_an_unfinished_removal_is_shown_and_finished(qtbot, unlocked, tab, monkeypatch):
    from intake_app.vault import officers

    win = unlocked

    def stopped(keyring, ids):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(officers, "_drop", stopped)  # killed before the keyring's last step
    _choose(tab, SECOND)
    dialog = _confirm(qtbot, win, tab, PASSPHRASE)
    wait_idle(qtbot, win)
    # the disk failed after the removal started: said as unfinished, never as "nothing changed"
    assert i18n.t("error.officer_remove_unfinished", name=SECOND) in dialog.message.text()
    assert "ni se cambió nada" not in dialog.message.text()
    dialog.reject()
    monkeypatch.undo()
    assert _names(tab) == [OFFICER]
    assert tab.unfinished.isVisible()
    assert i18n.t("ui.officers.unfinished", name=SECOND) in [w.text() for w in tab.unfinished.findChildren(type(
        tab.remove_help))]
    finish = tab.unfinished.findChild(type(tab.remove_button), "finish_removal")
    assert finish.text() == i18n.t("ui.officers.finish", name=SECOND)
    finish.setFocus()
    qtbot.keyClick(finish, Qt.Key.Key_Space)
    dialog = tab.remove_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.button.text() == i18n.t("ui.officers.finish_button")
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    wait_idle(qtbot, win)
    assert tab.remove_message.text() == i18n.t("ui.officers.removed", name=SECOND)
    assert not tab.unfinished.isVisible()
    assert _in_keyring(win) == [OFFICER] and not _opens(win, SECOND, SECOND_PASSPHRASE)


def test_the_removed_officers_drafts_are_said_to_pass_to_the_signed_in_officer(qtbot, unlocked, caplog):
    win = unlocked
    home = win.backend.home

    def second_leaves_a_draft(s) -> None:
        s.require().add_officer(SECOND, SECOND_PASSPHRASE)
        with Vault.open(home, SECOND, SECOND_PASSPHRASE) as other:
            other.save_draft("borrador-ficticio", {"narrative": "relato ficticio sin guardar"})

    run_on_backend(qtbot, win, second_leaves_a_draft)
    win.open_settings()
    dialog = win.settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)
    dialog.show_tab(dialog.officers)
    tab = dialog.officers
    _choose(tab, SECOND)
    _confirm(qtbot, win, tab, PASSPHRASE)
    handed = i18n.t("ui.officers.drafts_handed_over", name=SECOND, count=1)
    assert tab.remove_message.text() == i18n.t("ui.officers.removed", name=SECOND) + "\n\n" + handed
    assert run_on_backend(qtbot, win, lambda s: [d[0] for d in s.require().load_drafts()]) == ["borrador-ficticio"]
    banner = win.workspace.list_page.draft_banner  # the way into Borradores, shown at once
    qtbot.waitUntil(lambda: banner.text() == i18n.t("ui.drafts.banner", count=1))
    assert not banner.isHidden()
