"""The desktop app says its version where an officer or support looks: a quiet line beside
«Cerrar» in «Oficiales y ajustes» (the window has no menu bar; only `intake-app --version`
said it before), with the codebook's version, Spanish first. Selectable, to copy into a
message; never a Tab stop."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from intake_app import __version__, i18n
from tests.ui.uikit import wait_idle


def test_the_settings_dialog_says_the_version(qtbot, styled_window):
    win = styled_window
    lang = i18n.language()
    win.workspace.settings_button.click()
    dialog = win.settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)
    expected = i18n.t("ui.settings.version", lang, version=__version__, codebook=win.cb.version)
    said = [label for label in dialog.findChildren(QLabel) if label.text() == expected]
    assert len(said) == 1, [label.text() for label in dialog.findChildren(QLabel)]
    label = said[0]
    assert __version__ in expected and win.cb.version in expected
    assert expected.startswith("Versión" if lang == "es" else "Version")
    assert label.isVisible() and not label.visibleRegion().isEmpty()
    assert label.focusPolicy() in (Qt.FocusPolicy.NoFocus, Qt.FocusPolicy.ClickFocus)  # no Tab stop
    assert label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    for index in range(dialog.tabs.count()):  # on every tab, not only the first
        dialog.tabs.setCurrentIndex(index)
        assert label.isVisible()
    dialog.close()
