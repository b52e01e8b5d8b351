"""The settings dialog opened at 640×572 on a 1366×900 screen: on «Oficiales» the
«Agregar» button was cut at the bottom, and after adding an officer the list scrolled
so the first name was cut at the top. It now opens as large as its tabs need (with a
confirmation or a two-line error shown) on such a screen, and never larger than a
smaller screen's free area. Fictional officers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QDialogButtonBox

from intake_app import i18n
from tests.ui.uikit import wait_idle

DESKTOP = QRect(0, 0, 1366, 860)  # 1366×900 less a 40 px panel
SMALL = QRect(0, 0, 1024, 560)  # 1024×600 less the panel


@pytest.fixture
def win(qtbot, styled_window):
    yield styled_window
    dialog = getattr(styled_window, "settings_dialog", None)
    if dialog is not None and dialog.isVisible():
        dialog.reject()
    wait_idle(qtbot, styled_window)


def _open(qtbot, win, monkeypatch, area: QRect):
    from ui import widgets

    monkeypatch.setattr(widgets, "free_area", lambda window: area)
    win.open_settings()
    dialog = win.settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: bool(dialog.officers.remove_help.text()))  # the officers are known
    return dialog


def _whole(dialog) -> bool:
    """Every tab's page, as it is now (a message just shown included: showing it invalidates
    the layout at once), fits its view without scrolling."""
    for i in range(dialog.tabs.count()):
        area = dialog.tabs.widget(i)
        if area.widget().layout().totalHeightForWidth(area.viewport().width()) > area.viewport().height():
            return False
    return True


def _show_tabs(qtbot, dialog) -> None:
    for i in range(dialog.tabs.count()):  # each page laid out at the size it is shown at
        dialog.tabs.setCurrentIndex(i)
        qtbot.waitUntil(lambda: dialog.tabs.widget(i).widget().isVisible())


def test_every_tab_is_whole_on_a_1366x900_screen(qtbot, win, monkeypatch):
    dialog = _open(qtbot, win, monkeypatch, DESKTOP)
    assert dialog.width() <= DESKTOP.width() and dialog.height() <= DESKTOP.height()
    _show_tabs(qtbot, dialog)
    assert _whole(dialog)
    tab = dialog.officers
    dialog.show_tab(tab)
    # after adding an officer: two names, the confirmation under the fields; still whole
    tab.show_officers(["oficial.ficticia", "oficial.segunda"])
    tab.say(i18n.t("ui.settings.officer_added", name="oficial.segunda"), "ok")
    assert _whole(dialog)
    # a wrong current passphrase: its two lines, and still whole
    tab.say(i18n.t("error.wrong_passphrase", failures=3, retry_after=4))
    assert _whole(dialog)
    button, area = tab.button, dialog.tabs.currentWidget()

    def agregar_shown() -> bool:
        shown = QRect(button.mapTo(area.viewport(), QPoint(0, 0)), button.size())
        return area.verticalScrollBar().maximum() == 0 and area.viewport().rect().contains(shown)

    qtbot.waitUntil(agregar_shown)


def test_never_larger_than_a_small_screen(qtbot, win, monkeypatch):
    dialog = _open(qtbot, win, monkeypatch, SMALL)
    assert dialog.width() <= SMALL.width() and dialog.height() <= SMALL.height()
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    assert dialog.rect().contains(QRect(close.mapTo(dialog, QPoint(0, 0)), close.size()))
