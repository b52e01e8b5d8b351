"""The case list keeps the officer's case across its refreshes (every save and every
background sync cycle): the same case stays current and selected, and the list stays where
it was scrolled; a new case saved above it moves it down one row, and the selection follows
it. The same inside search results. A new search starts at the top. Fictional people only."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel

from tests.ui.test_caselist import _seed
from tests.ui.uikit import wait_idle

SELECT = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows


def _pick(qtbot, page, row: int) -> str:
    """Scroll to ``row`` and make it the current, selected row, as the arrows do; its case id."""
    table, model = page.table, page.model
    table.scrollTo(model.index(row, 0))
    qtbot.waitUntil(lambda: model.case_id(row) is not None, timeout=20_000)
    table.selectionModel().setCurrentIndex(model.index(row, 0), SELECT)
    return model.case_id(row)


def _place(page) -> tuple:
    table = page.table
    current = table.currentIndex().row()
    selected = [i.row() for i in table.selectionModel().selectedRows()]
    return current, selected, page.model.case_id(current), table.verticalScrollBar().value()


def _refreshed(qtbot, win, page) -> None:
    """What a background sync cycle does: the lists read the vault again."""
    with qtbot.waitSignal(page.model.loaded, timeout=20_000):
        win.backend.cases_changed.emit()
    wait_idle(qtbot, win)
    model = page.model
    qtbot.waitUntil(lambda: model.case_id(page.table.currentIndex().row()) is not None, timeout=20_000)


def test_the_case_and_the_scroll_stay_across_refreshes_and_saves(qtbot, unlocked, sample):
    win = unlocked
    _seed(qtbot, win, 400)
    page = win.workspace.list_page
    win.resize(1200, 700)
    qtbot.waitUntil(lambda: page.table.verticalScrollBar().maximum() > 0)
    case_id = _pick(qtbot, page, 250)
    before = _place(page)
    assert before[:3] == (250, [250], case_id) and before[3] > 0

    _refreshed(qtbot, win, page)
    assert _place(page) == before

    # a new case saved (it comes first in the list): the officer's case is one row down, still selected
    with qtbot.waitSignal(win.backend.cases_changed, timeout=20_000):
        win.backend.op(lambda s: s.require().save_case(sample("intake-adult-woman"))).changes_cases().run()
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: page.table.currentIndex().row() == 251, timeout=20_000)
    current, selected, kept, _ = _place(page)
    assert (current, selected, kept) == (251, [251], case_id)

    # a new filter is not a refresh: it starts at the top
    with qtbot.waitSignal(page.model.loaded, timeout=20_000):
        page.filter.setCurrentIndex(page.filter.findData("pending"))
    assert page.table.verticalScrollBar().value() == 0 and not page.table.selectionModel().selectedRows()


def test_the_case_stays_selected_in_search_results(qtbot, unlocked):
    win = unlocked
    _seed(qtbot, win, 120)
    page = win.workspace.list_page
    with qtbot.waitSignal(page.model.loaded, timeout=20_000):
        page.model.set_search("DEMO")  # every fictional name
    assert page.model.rowCount() > 40
    case_id = _pick(qtbot, page, 40)
    before = _place(page)
    _refreshed(qtbot, win, page)
    assert _place(page) == before and before[2] == case_id


def test_a_case_no_longer_among_the_rows_leaves_no_other_case_selected(qtbot, unlocked):
    """If the kept case moved beyond the rows at hand (a sync delivered many cases above it
    under a filter), its old row now shows another case: nothing stays selected, so the
    officer cannot open the wrong case by Enter (rows show no names)."""
    win = unlocked
    _seed(qtbot, win, 30)
    page = win.workspace.list_page
    _pick(qtbot, page, 12)
    keep = page.keep
    keep._wanted = ("ZZZZ-ZZZZ-ZZZZ", 12)  # the kept case, looked for once row 12's page is here: not there
    keep._settle()
    assert page.table.selectionModel().selectedRows() == []
    assert not page.table.currentIndex().isValid()
