"""The first-run wizard's border post is named by its question (a combo box is read by its
value on Windows and macOS) and its label points at it (Alt+letter, screen readers). The
settings dialog's Tab order, pressed key by key: the tab bar at the top first, then the
page's fields, «Cerrar» last, and round again."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QPushButton

from intake_app import i18n

from tests.ui.uikit import wait_idle


def test_the_wizards_post_is_named_and_labelled(qtbot, window):
    wiz = window.wizard_widget
    post = wiz.post_page.post
    question = i18n.t("ui.wizard.post").rstrip(" :")
    assert post.accessibleName() == question
    assert [lab for lab in wiz.post_page.findChildren(QLabel) if lab.buddy() is post]


def test_the_settings_tab_order_starts_at_the_tab_bar(qtbot, unlocked):
    win = unlocked
    win.workspace.settings_button.setFocus()
    qtbot.keyClick(win.workspace.settings_button, Qt.Key.Key_Space)  # opened from the keyboard
    dialog = win.settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and QApplication.focusWidget().window() is dialog)
    stops = [QApplication.focusWidget()]
    for _ in range(6):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        stops.append(QApplication.focusWidget())
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    apply = dialog.findChild(QPushButton, "apply_prefs")
    bar = dialog.tabs.tabBar()
    assert stops == [bar, dialog.language, dialog.post, dialog.minutes, apply, close, bar]
    qtbot.keyClick(bar, Qt.Key.Key_Right)  # the next tab: from the bar into its fields
    qtbot.keyClick(bar, Qt.Key.Key_Tab)
    assert QApplication.focusWidget().window() is dialog and QApplication.focusWidget() is not close
    assert dialog.officers.isAncestorOf(QApplication.focusWidget())
