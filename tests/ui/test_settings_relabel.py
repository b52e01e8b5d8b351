"""The settings dialog after "Aplicar" with another language: it speaks the new language
at once, on the same tab, with what was typed in its other tabs kept, and the keyboard
on the language box."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QPushButton

from intake_app import i18n

NEW_OFFICER = "oficial.ficticia.dos"


def _typed_fields(dialog) -> list[QLineEdit]:
    return [e for e in dialog.findChildren(QLineEdit)
            if not isinstance(e.parentWidget(), (QAbstractSpinBox, QComboBox))]


def test_the_settings_dialog_speaks_the_new_language(qtbot, unlocked):
    win = unlocked
    win.open_settings()
    old = win.settings_dialog
    qtbot.waitUntil(old.isVisible)
    _typed_fields(old)[0].setText(NEW_OFFICER)  # an officer begun on the officers tab, not added
    old.language.setCurrentIndex(old.language.findData("en"))
    try:
        old.findChild(QPushButton, "apply_prefs").click()
        new = win.settings_dialog
        qtbot.waitUntil(lambda: new is not old and new.isVisible() and not old.isVisible())
        assert new.windowTitle() == i18n.t("ui.settings.window", "en")
        assert new.tabs.tabText(0) == i18n.t("ui.settings.tab_prefs", "en")
        assert new.tabs.currentIndex() == 0
        assert new.language.currentData() == "en"
        assert new.prefs_message.text() == i18n.t("ui.settings.saved", "en")
        assert _typed_fields(new)[0].text() == NEW_OFFICER
        qtbot.waitUntil(lambda: QApplication.focusWidget() is new.language)
        assert win.workspace.settings_button.text() == i18n.t("ui.nav.settings", "en")
        new.reject()  # Cerrar: the keyboard goes back to the (rebuilt) workspace's settings button
        qtbot.waitUntil(lambda: QApplication.focusWidget() is win.workspace.settings_button)
    finally:
        i18n.set_language("es")


def test_a_language_switch_while_an_officer_is_being_added_does_not_carry_it(qtbot, unlocked):
    """The add is on the worker when "Aplicar" rebuilds the dialog in English: the new dialog
    does not get the officer's fields back (the add goes on and stores it; pressing "Add"
    again would only answer "officer exists"), and its list shows the officer added."""
    from tests.ui.uikit import PASSPHRASE, wait_idle

    win = unlocked
    win.open_settings()
    old = win.settings_dialog
    qtbot.waitUntil(old.isVisible)
    wait_idle(qtbot, win)
    tab = old.officers
    tab.name.setText(NEW_OFFICER)
    tab.passphrase.setText("frase ficticia de prueba dos")
    tab.repeat.setText("frase ficticia de prueba dos")
    tab.current.setText(PASSPHRASE)
    tab.button.click()
    assert not tab.isEnabled()  # the add is in flight
    old.language.setCurrentIndex(old.language.findData("en"))
    try:
        old.findChild(QPushButton, "apply_prefs").click()
        new = win.settings_dialog
        qtbot.waitUntil(lambda: new is not old and new.isVisible())
        wait_idle(qtbot, win)
        assert [e.text() for e in new.officers.fields()] == ["", "", "", ""]
        names = [new.officers.officer_list.item(i).text() for i in range(new.officers.officer_list.count())]
        assert NEW_OFFICER in names
    finally:
        i18n.set_language("es")



def test_a_message_said_just_before_the_tab_is_deleted_does_not_call_into_it(qtbot):
    """``say`` scrolls the message into view on the next turn of the event loop; a dialog
    rebuilt in between (a language switch during an officer's add) deleted the tab, and the
    late call raised "Internal C++ object already deleted" in the event loop."""
    import shiboken6

    from ui.officers_tab import _KeyringTab

    tab = _KeyringTab(backend=None, busy=None, countdown=None)
    tab.button = QPushButton()
    tab.say("mensaje ficticio de prueba")
    shiboken6.delete(tab)
    QApplication.processEvents()  # pytest-qt fails the test on an exception raised in the event loop
