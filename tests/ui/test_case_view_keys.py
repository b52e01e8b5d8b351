"""The case view's History and Audit tables let the keyboard out, as the case list does:
Tab and Shift+Tab leave the table (the arrows move inside it). Before, Tab walked from
cell to cell and never left. Fictional case."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableWidget, QTabWidget

from tests.ui.test_print_sync import _saved_case


@pytest.mark.parametrize("key", [Qt.Key.Key_Tab, Qt.Key.Key_Backtab])
def test_tab_leaves_the_history_and_audit_tables(qtbot, unlocked, sample, key):
    ws = unlocked.workspace
    case_id = _saved_case(qtbot, unlocked, sample)
    with qtbot.waitSignal(ws.case_shown, timeout=20_000):
        ws.open_case(case_id)
    tabs = ws.case_view.findChild(QTabWidget, "case_tabs")
    for index in (1, 2):  # Historial, Bitácora
        tabs.setCurrentIndex(index)
        table = tabs.currentWidget()
        assert isinstance(table, QTableWidget) and table.rowCount() >= 1
        assert not table.tabKeyNavigation()
        unlocked.activateWindow()
        table.setFocus()
        qtbot.waitUntil(table.hasFocus)
        table.setCurrentCell(0, 0)
        qtbot.keyClick(table, key)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not table)
