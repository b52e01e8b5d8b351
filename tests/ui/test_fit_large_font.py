"""A 1024×600 laptop with a larger system font (16.5 pt, 1.5 × the app's 11 pt), with the app's
look, in Spanish and English. The intake form made the window 1220 px wide (its check boxes
never wrapped: "Se explicó el derecho a retirar el consentimiento" on one line), so the lock
button and the screening panel were off the screen and step names were cut ("1.
Consentimie"); now a long choice wraps and the window fits. The sync dialog opened at a fixed
720×640, its Cerrar under the bottom of a 600 px screen; it now fits the screen as the other
dialogs do. In the case list at 1024 px the indications column cut "trata, urgente, …": a row
whose indications need more than a line is as tall as they need. Fictional data."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QPushButton, QStyle

from tests.ui.uikit import open_form, wait_idle
from ui.text import tr

SCREEN = QRect(0, 0, 1024, 600)
LARGE = 16.5


@pytest.fixture
def large_font(qapp, styled):
    """The system font at 16.5 pt (as on a laptop whose officer set a larger font)."""
    font = qapp.font()
    large = qapp.font()
    large.setPointSizeF(LARGE)
    qapp.setFont(large)
    yield
    qapp.setFont(font)


@pytest.fixture
def large_window(large_font, styled_window):
    """conftest's styled window (es and en, past the wizard, idle), built at 16.5 pt."""
    assert styled_window.font().pointSizeF() == LARGE  # or the fitting tests would prove nothing
    return styled_window


def _box(widget, root) -> QRect:
    return QRect(widget.mapTo(root, QPoint(0, 0)), widget.size())


def _longest_box(form):
    return max(form.rows["consent_checklist"].editor.boxes.values(), key=lambda b: len(b.text()))


def test_the_form_fits_a_1024x600_screen_at_a_large_font(qtbot, large_window):
    win = large_window
    form = open_form(qtbot, win, (SCREEN.width(), SCREEN.height()))
    assert win.minimumSizeHint().width() <= SCREEN.width()
    assert win.width() == SCREEN.width()
    ws = win.workspace
    for widget in (ws.lock_button, ws.settings_button, form.screening, form.save_button):
        assert SCREEN.contains(_box(widget, win)), f"{type(widget).__name__} at {_box(widget, win).getCoords()}"
    for step in (0, form.section_of["tr_means"]):  # the longest choices
        form.go(step)
        page = form.stack.currentWidget()
        qtbot.waitUntil(lambda page=page: page.isVisible() and page.widget().width() <= page.viewport().width())
        boxes = [b for key, row in form.rows.items() if form.section_of[key] == step
                 for b in getattr(row.editor, "boxes", {}).values() if b.isVisible()]
        assert boxes

        def whole(boxes=boxes, page=page):
            for b in boxes:
                left = b.mapTo(page.viewport(), QPoint(0, 0)).x()
                assert 0 <= left and left + b.width() <= page.viewport().width(), b.text()
                assert b.height() >= b.heightForWidth(b.width()), f"{b.text()!r} is clipped"

        qtbot.waitUntil(whole)
    longest = _longest_box(form)
    assert longest.height() > longest.sizeHint().height(), "the longest choice did not wrap"


def test_no_word_of_a_step_name_is_cut(qtbot, large_window):
    form = open_form(qtbot, large_window, (SCREEN.width(), SCREEN.height()))
    steps = form.steps
    metrics = steps.fontMetrics()

    def whole():
        room = steps.viewport().width() - steps.PAD_X
        for i in range(steps.count()):
            for word in steps.item(i).text().split():
                assert metrics.horizontalAdvance(word) <= room, f"{word!r} in {room} px"

    qtbot.waitUntil(whole)


def test_a_wrapped_choice_is_still_one_check_box(qtbot, large_window):
    """Its name for a screen reader is the question and the whole choice; Space toggles it;
    a click on the second line of its text toggles it too."""
    from PySide6.QtWidgets import QCheckBox

    win = large_window
    form = open_form(qtbot, win, (SCREEN.width(), SCREEN.height()))
    row = form.rows["consent_checklist"]
    box = _longest_box(form)
    assert isinstance(box, QCheckBox)
    assert box.accessibleName() == f"{row.fdef.label(win.prefs.language)}: {box.text()}"
    page = form.stack.currentWidget()
    qtbot.waitUntil(lambda: box.isVisible() and box.height() > box.sizeHint().height())
    page.ensureWidgetVisible(box)
    win.activateWindow()
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked()
    code = next(c for c, b in row.editor.boxes.items() if b is box)
    assert row.editor.value() == [code]
    second_line = QPoint(box.width() // 3, box.height() - box.fontMetrics().height() // 2 - 2)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=second_line)
    assert not box.isChecked()


@pytest.mark.parametrize("size", [11, LARGE])
def test_the_sync_dialog_fits_a_1024x600_screen(qtbot, qapp, styled_window, monkeypatch, size):
    from ui import widgets

    monkeypatch.setattr(widgets, "free_area", lambda window: SCREEN)
    font = qapp.font()
    large = qapp.font()
    large.setPointSizeF(size)
    qapp.setFont(large)
    try:
        win = styled_window
        win.open_sync()
        dialog = win.sync_dialog
        qtbot.waitUntil(dialog.isVisible)
        wait_idle(qtbot, win)
        assert dialog.width() <= SCREEN.width() and dialog.height() <= SCREEN.height() - widgets.TITLE_ROOM
        close = next(b for b in dialog.findChildren(QPushButton) if b.text() == tr("ui.print.close"))

        def fits():
            assert dialog.rect().contains(_box(close, dialog)), "Cerrar is outside the dialog"
            assert close.height() >= close.minimumSizeHint().height()
            assert dialog.scroll.horizontalScrollBar().maximum() == 0, "the dialog scrolls sideways"

        qtbot.waitUntil(fits)
        dialog.reject()
    finally:
        qapp.setFont(font)


def _row(case_id: str, flags: int):
    return SimpleNamespace(case_id=case_id, updated_at="2026-01-05T10:00:00Z", record_date="2026-01-05",
                           border_post="cr_paso_canoas", gender="female", age_band="18_20", citizenship="VE",
                           flags=flags, sync_state="pending", review_state="")


def test_every_indication_of_a_case_is_readable_at_1024(qtbot, styled_window):
    """Trafficking, smuggling, urgent and an unaccompanied child: the whole text wraps in its
    cell (it ended in "…"); a row with one indication keeps one line; nothing scrolls sideways."""
    from ui.caselist import Column

    win = styled_window
    page = win.workspace.list_page
    table, model = page.table, page.model
    win.resize(SCREEN.width(), SCREEN.height())
    qtbot.waitUntil(lambda: win.width() == SCREEN.width())
    model._search_done(model._gen, [_row("FICT-0000-0001", 1 | 2 | 8 | 32), _row("FICT-0000-0002", 8),
                                    _row("FICT-0000-0003", 1 | 8 | 32)])
    metrics = QFontMetrics(table.font())
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    one = table.verticalHeader().defaultSectionSize()

    def room() -> int:
        return table.columnWidth(Column.FLAGS) - 2 * margin

    def readable():
        assert table.horizontalScrollBar().maximum() == 0
        room_ = room()
        for row in (0, 2):
            text = model.data(model.index(row, Column.FLAGS))
            need = metrics.boundingRect(QRect(0, 0, room_, 10_000), Qt.TextFlag.TextWordWrap, text).height()
            assert table.rowHeight(row) >= one + need - metrics.height(), f"{text!r} is cut in {room_} px"
        assert table.rowHeight(1) == one

    qtbot.waitUntil(readable)
    text = model.data(model.index(0, Column.FLAGS))
    assert metrics.horizontalAdvance(text) > room()  # at 1024 px it needs more than one line
    assert table.rowHeight(0) > one
    win.resize(1920, 1080)  # a wide screen: still whole, however wide the column
    qtbot.waitUntil(lambda: win.width() == 1920)
    qtbot.waitUntil(readable)
