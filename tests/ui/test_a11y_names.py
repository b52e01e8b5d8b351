"""Boxes named by their own accessible name, the words of their label (Windows and macOS
screen readers read a box by its name, not always by the label beside it): the wizard's
officer name, passphrase and its repeat (the passphrase also says the hint under it), and
the sync dialog's server address."""

from __future__ import annotations

from intake_app import i18n
from tests.ui.uikit import wait_idle


def test_the_wizards_boxes_are_named(qtbot, window):
    page = window.wizard_widget.officer_page
    for box, key in ((page.name, "ui.wizard.officer_name"), (page.passphrase, "ui.wizard.passphrase"),
                     (page.repeat, "ui.wizard.passphrase_repeat")):
        assert box.accessibleName() == i18n.t(key, "es")
    assert page.passphrase.accessibleDescription() == page.hint.text() != ""
    page.passphrase.setText("corta")
    assert page.passphrase.accessibleDescription() == page.hint.text() != i18n.t("ui.wizard.passphrase_advice", "es")


def test_the_server_address_is_named(qtbot, unlocked):
    win = unlocked
    win.open_sync()
    dialog = win.sync_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.url.accessibleName() == i18n.t("ui.syncdlg.server", "es")
    dialog.reject()
    wait_idle(qtbot, win)


def test_the_auto_lock_minutes_are_named(qtbot, unlocked):
    """A spin box read by its value alone says «5»: its name says what the number is."""
    win = unlocked
    win.open_settings()
    dialog = win.settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.minutes.accessibleName() == i18n.t("ui.settings.auto_lock", "es")
    assert dialog.minutes.accessibleDescription() == i18n.t("ui.settings.auto_lock_help", "es")
    dialog.reject()
    wait_idle(qtbot, win)
