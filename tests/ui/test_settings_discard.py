"""A language, post or auto-lock chosen in the settings but not applied: Esc, Cerrar or the
window's close threw it away without a word. Now they ask, as for an officer typed and not
added: apply and close, discard and close, or keep editing (the default, and Esc). A lock
still closes the dialog without asking. Fictional officers and posts."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QPushButton

from intake_app import i18n
from tests.ui.uikit import wait_idle

OTHER_POST = "pa_paso_canoas"


@pytest.fixture
def dialog(qtbot, unlocked):
    unlocked.open_settings()
    dlg = unlocked.settings_dialog
    qtbot.waitUntil(dlg.isVisible)
    wait_idle(qtbot, unlocked)
    dlg.tabs.setCurrentIndex(0)  # the preferences
    return dlg


def _saved(win) -> dict:
    path = win.backend.home / "settings.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _choose_post(dialog) -> None:
    assert dialog.prefs.post != OTHER_POST
    dialog.post.setCurrentIndex(dialog.post.findData(OTHER_POST))


def _asked(qtbot, dialog) -> QMessageBox:
    box = dialog.discard_box
    assert box is not None and dialog.isVisible()
    qtbot.waitUntil(box.isVisible)
    assert i18n.t("ui.settings.discard_prefs") in box.text()
    return box


def _close_button(dialog) -> QPushButton:
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)


def test_esc_with_a_post_chosen_asks_and_keeps_editing_by_default(qtbot, unlocked, dialog):
    _choose_post(dialog)
    dialog.post.setFocus()
    qtbot.keyClick(dialog.post, Qt.Key.Key_Escape)
    box = _asked(qtbot, dialog)
    assert box.defaultButton() is box.escapeButton()
    assert box.defaultButton().text() == i18n.t("ui.settings.keep_editing")
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Esc in the question: keep editing
    qtbot.waitUntil(lambda: not box.isVisible())
    assert dialog.isVisible() and dialog.post.currentData() == OTHER_POST
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.language)
    assert unlocked.prefs.post != OTHER_POST


def test_cerrar_then_discard_keeps_the_settings_as_they_were(qtbot, unlocked, dialog):
    before = (unlocked.prefs, _saved(unlocked))
    dialog.minutes.setValue(dialog.prefs.auto_lock_minutes + 7)
    _close_button(dialog).click()
    box = _asked(qtbot, dialog)
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.mouseClick(box.findChild(QPushButton, "discard"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, unlocked)
    assert not dialog.isVisible()
    assert (unlocked.prefs, _saved(unlocked)) == before


def test_apply_and_close_applies_the_post(qtbot, unlocked, dialog):
    _choose_post(dialog)
    dialog.close()  # the window's own close asks too
    box = _asked(qtbot, dialog)
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.mouseClick(box.findChild(QPushButton, "apply_close"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, unlocked)
    assert not dialog.isVisible()
    assert unlocked.prefs.post == OTHER_POST
    assert _saved(unlocked)["post"] == OTHER_POST


def test_apply_and_close_with_another_language_relabels_the_window_only(qtbot, unlocked, dialog):
    from ui.settings_dialog import SettingsDialog

    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    qtbot.keyClick(dialog.language, Qt.Key.Key_Escape)
    box = _asked(qtbot, dialog)
    try:
        with qtbot.waitSignal(dialog.finished, timeout=5_000):
            qtbot.mouseClick(box.findChild(QPushButton, "apply_close"), Qt.MouseButton.LeftButton)
        wait_idle(qtbot, unlocked)
        assert unlocked.prefs.language == "en"
        assert unlocked.workspace.settings_button.text() == i18n.t("ui.nav.settings", "en")
        assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, SettingsDialog) and w.isVisible()]
    finally:
        i18n.set_language("es")


def test_with_an_officer_typed_too_there_is_no_apply(qtbot, unlocked, dialog):
    """"Apply" would not say what became of the officer: keep editing or discard both."""
    _choose_post(dialog)
    dialog.officers.name.setText("tercera.ficticia")
    qtbot.keyClick(dialog.post, Qt.Key.Key_Escape)
    box = _asked(qtbot, dialog)
    assert i18n.t("ui.settings.discard_officer") in box.text()
    assert box.findChild(QPushButton, "apply_close") is None
    qtbot.keyClick(box, Qt.Key.Key_Return)  # the default: keep editing, on the first tab with changes
    qtbot.waitUntil(lambda: not box.isVisible())
    assert dialog.isVisible() and dialog.tabs.currentIndex() == 0


def test_nothing_changed_closes_without_asking(qtbot, unlocked, dialog):
    dialog.post.setCurrentIndex(dialog.post.findData(OTHER_POST))
    dialog.post.setCurrentIndex(dialog.post.findData(dialog.prefs.post))  # and back
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.keyClick(dialog.post, Qt.Key.Key_Escape)
    assert dialog.discard_box is None


def test_a_lock_closes_it_without_asking(qtbot, unlocked, dialog):
    _choose_post(dialog)
    qtbot.keyClick(dialog.post, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: unlocked.workspace is None and not dialog.isVisible())
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert unlocked.prefs.post != OTHER_POST
