"""The case list on a 1024×768 screen, with the app's look: the border post column, the one
that takes the spare width, was squeezed to "P…" because every other column kept its full
width. Now the other columns give up width (their texts end in "…", whole on hover) until the
post shows "Paso Canoas (CR)" whole, a case id is never cut, and at 1280 and 1920 the columns
are as they were. Fictional data."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QStyle

from intake_app import i18n
from intake_app.demo import fictional_intakes
from tests.ui.uikit import wait_idle
from ui.caselist import HEADERS, Column, id_font


@pytest.fixture
def page(qtbot, styled_window):
    win = styled_window
    with qtbot.waitSignal(win.backend.cases_changed, timeout=60_000):  # enough rows for a scroll bar
        win.backend.op(lambda s: s.require().save_cases_bulk(fictional_intakes(40, 5, win.cb))).changes_cases().run()
    wait_idle(qtbot, win)
    list_page = win.workspace.list_page
    qtbot.waitUntil(lambda: list_page.model.rowCount() == 40 and list_page.model.case_id(0) is not None)
    return win, list_page


def _resize(qtbot, win, table, size):
    win.resize(*size)
    qtbot.waitUntil(lambda: win.width() == size[0] and table.verticalScrollBar().isVisible())
    qtbot.wait(0)  # let the header lay out its sections


def _room(table, index) -> int:
    """The width the cell's text is drawn in (the delegate's text margins off the cell)."""
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    return table.visualRect(index).width() - 2 * margin


def _whole(table, index, text: str, font: QFont) -> bool:
    metrics = QFontMetrics(font)
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, _room(table, index)) == text


def test_at_1024_the_post_shows_a_typical_name_and_the_id_is_whole(qtbot, page):
    win, list_page = page
    table = list_page.table
    _resize(qtbot, win, table, (1024, 768))
    model = list_page.model
    post = win.cb.vocab("border_posts").label("cr_paso_canoas", i18n.language())
    assert post == "Paso Canoas (CR)"
    assert _whole(table, model.index(0, Column.POST), post, table.font()), \
        f"post column {table.columnWidth(Column.POST)} px"
    case_id = model.case_id(0)
    assert _whole(table, model.index(0, Column.CASE), case_id, id_font())
    # every column is on screen: no sideways scrolling on a 1024 screen
    assert table.horizontalScrollBar().maximum() == 0
    # and every heading is whole (bold, with the sheet's 6 px padding each side)
    bold = QFont(table.horizontalHeader().font())
    bold.setWeight(QFont.Weight.DemiBold)
    for col in Column:
        need = QFontMetrics(bold).horizontalAdvance(i18n.t(HEADERS[col])) + 12
        assert table.columnWidth(col) >= need, f"heading of {col.name} is cut"
    # a shortened text is whole on hover
    flags = model.index(0, Column.FLAGS)
    assert model.data(flags, Qt.ItemDataRole.ToolTipRole) == (model.data(flags) or None)


def test_bigger_screens_keep_their_columns(qtbot, page):
    win, list_page = page
    table = list_page.table
    widths = {}
    for size in ((1920, 1080), (1280, 820)):
        _resize(qtbot, win, table, size)
        widths[size] = [table.columnWidth(c) for c in Column]
        assert table.horizontalScrollBar().maximum() == 0
    post = Column.POST
    assert widths[(1280, 820)][:post] + widths[(1280, 820)][post + 1:] == \
        widths[(1920, 1080)][:post] + widths[(1920, 1080)][post + 1:]
    assert widths[(1920, 1080)][post] - widths[(1280, 820)][post] == 640
    # the widths the list had before it fitted 1024: a full sync state shows whole
    model = list_page.model
    assert _whole(table, model.index(0, Column.SYNC), i18n.t("sync.delivered"), table.font())
    assert _whole(table, model.index(0, Column.FLAGS), ", ".join(
        i18n.t(k) for k in ("ui.flag.smuggling", "ui.flag.urgent")), table.font())


def test_fit_widths_shares_the_shortfall_and_never_cuts_the_id():
    from ui.caselist import fit_widths

    preferred = {Column.CASE: 150, Column.POST: 160, Column.FLAGS: 200, Column.SYNC: 150}
    least = {Column.CASE: 150, Column.POST: 160, Column.FLAGS: 120, Column.SYNC: 90}
    assert fit_widths(preferred, least, 1000) == ({Column.CASE: 150, Column.FLAGS: 200, Column.SYNC: 150}, True)
    widths, stretch = fit_widths(preferred, least, 600)  # 60 short: 140 to spare, shared 80:60
    assert stretch and widths[Column.CASE] == 150
    assert 600 - sum(widths.values()) >= least[Column.POST]
    assert widths[Column.FLAGS] < 200 and widths[Column.SYNC] < 150
    # too narrow even at the least: all at their least, the post keeps its own (the list scrolls)
    assert fit_widths(preferred, least, 400) == ({Column.CASE: 150, Column.FLAGS: 120, Column.SYNC: 90}, False)
