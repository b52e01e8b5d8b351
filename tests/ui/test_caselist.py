"""The case list is lazy: the row count is the vault's, rows arrive page by page."""

from __future__ import annotations

from tests.ui.uikit import wait_idle

from intake_app.demo import fictional_intakes
from ui.caselist import PAGE, Column, short_country


def _seed(qtbot, win, n):
    with qtbot.waitSignal(win.backend.cases_changed, timeout=60_000):
        win.backend.op(lambda s: s.require().save_cases_bulk(fictional_intakes(n, 5, win.cb))).changes_cases().run()
    wait_idle(qtbot, win)


def test_rows_are_fetched_page_by_page(qtbot, unlocked):
    win = unlocked
    _seed(qtbot, win, 650)
    model = win.workspace.list_page.model
    assert model.rowCount() == 650
    far = 3 * PAGE + 7
    assert model.data(model.index(far, Column.CASE)) == "…"  # not loaded yet: asked for
    assert set(model._pages) <= {0, 1}  # only what the view showed was fetched
    # other pages (the ones the view shows) may arrive first: wait for loads until page 3 is in
    while 3 not in model._pages:
        with qtbot.waitSignal(model.loaded, timeout=20_000):
            pass
    assert model.data(model.index(far, Column.CASE)) != "…"
    assert 3 in model._pages
    # rows never carry a name
    row = model.row_at(far)
    assert not hasattr(row, "given_names")


def test_filter_not_yet_synced(qtbot, unlocked):
    win = unlocked
    _seed(qtbot, win, 30)
    page = win.workspace.list_page
    with qtbot.waitSignal(page.model.loaded, timeout=20_000):
        page.filter.setCurrentIndex(page.filter.findData("conflict"))
    assert page.model.rowCount() == 0
    with qtbot.waitSignal(page.model.loaded, timeout=20_000):
        page.filter.setCurrentIndex(page.filter.findData("pending"))
    assert page.model.rowCount() == 30
    assert "30" in win.sync_status.pending.text()


def test_short_country():
    assert short_country("Venezuela, República Bolivariana de") == "Venezuela"
    assert short_country("Bolivia (Estado Plurinacional de)") == "Bolivia"
    assert short_country("Costa Rica") == "Costa Rica"
