"""Screen readers: the unlock page has no unnamed Tab stop (its scroll area took one between
«Desbloquear» and «Usuario»), and the tab bars of the case view and of the settings are
named, in the app's language. Fictional people only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QTabWidget

from intake_app import i18n

from tests.ui.test_print_sync import _saved_case
from tests.ui.uikit import wait_idle


def test_the_unlock_page_has_no_unnamed_tab_stop(qtbot, window):
    from ui.unlock import UnlockPage

    page = UnlockPage(["oficial.ficticia"])
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    scrolls = [w for w in page.findChildren(QAbstractScrollArea) if w.isVisible()
               and w.focusPolicy() & Qt.FocusPolicy.TabFocus and not w.accessibleName()]
    assert scrolls == []
    page.activateWindow()
    page.button.setFocus()
    qtbot.waitUntil(page.button.hasFocus)
    stops = []
    for _ in range(6):  # round the page by Tab: every stop has a name or a text
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        w = QApplication.focusWidget()
        stops.append(w)
        assert w.accessibleName() or getattr(w, "text", lambda: "")(), type(w).__name__
    assert page.officer in stops and page.passphrase in stops


def test_the_case_view_and_settings_tab_bars_are_named(qtbot, unlocked, sample):
    win = unlocked
    ws = win.workspace
    case_id = _saved_case(qtbot, win, sample)
    with qtbot.waitSignal(ws.case_shown, timeout=20_000):
        ws.open_case(case_id)
    bar = ws.case_view.findChild(QTabWidget, "case_tabs").tabBar()
    assert bar.accessibleName() == i18n.t("ui.a11y.case_tabs", "es")
    win.open_settings()
    qtbot.waitUntil(win.settings_dialog.isVisible)
    wait_idle(qtbot, win)
    assert win.settings_dialog.tabs.tabBar().accessibleName() == i18n.t("ui.a11y.settings_tabs", "es")
    win.settings_dialog.close_asked()
