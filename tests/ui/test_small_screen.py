"""A 1024×768 screen, with the app's look, in Spanish and English: the window with the intake
form open could not be narrower than 1276 px (1139 in English), so the right of the form, its
"Guardar caso" and the screening panel, was off such a screen. Now every button of the form's
bottom row, of the top bar and of the status bar lies within 1024×768 with its whole text
(the rows wrap), the screening panel is still beside the form and the keyboard still reaches
it, and at 1280×820 the bottom row is still one row beside a 320 px panel. Fictional data."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication

from intake_app import i18n
from tests.ui.uikit import open_form

SCREEN = QRect(0, 0, 1024, 768)


@pytest.fixture
def win(styled_window):
    return styled_window


def _box(widget, win) -> QRect:
    return QRect(widget.mapTo(win, QPoint(0, 0)), widget.size())


def _whole_and_on_screen(buttons, win, screen: QRect) -> None:
    for button in buttons:
        box = _box(button, win)
        assert screen.contains(box), f"{button.text()!r} at {box.getCoords()} is not within {screen.getCoords()}"
        assert button.width() >= button.sizeHint().width(), f"{button.text()!r} is squeezed"
        parent = button.parentWidget()
        assert parent.rect().contains(button.geometry()), f"{button.text()!r} is cut by its row"


def _bottom_row(form):
    return [form.cancel_button, form.back_button, form.next_button, form.save_button]


def _top_bar(ws):
    return [ws.cases_button, ws.new_button, ws.verify_button, ws.settings_button, ws.lock_button]


def test_the_window_with_the_form_fits_a_1024_screen(qtbot, win):
    open_form(qtbot, win, (1024, 768))
    assert win.minimumSizeHint().width() <= SCREEN.width()
    assert win.minimumSizeHint().height() <= SCREEN.height()


def test_every_button_of_the_form_and_the_bars_lies_within_1024x768(qtbot, win):
    form = open_form(qtbot, win, (1024, 768))
    for step in (0, form.section_of["tr_means"], len(form.sections) - 1):  # the widest steps, the last
        form.go(step)
        qtbot.waitUntil(lambda: _whole_and_on_screen(_bottom_row(form) + _top_bar(win.workspace)
                                                      + [win.sync_status.sync_now], win, SCREEN))
    page = form.stack.currentWidget()  # a step scrolls up and down only: its widest field fits the view
    assert page.widget().width() <= page.viewport().width()


def test_the_longest_status_wraps_within_1024x768(qtbot, win):
    """Offline with a retry, a lapsed lease: the status bar takes a second line rather than
    cutting its words or pushing the sync button off the screen."""
    open_form(qtbot, win, (1024, 768))
    status = win.sync_status
    status.set_state("offline", {"retry_in": 30})
    status.lease.setText(i18n.t("ui.sync.lease_expired"))
    status.lease.show()

    def whole():
        _whole_and_on_screen([status.sync_now], win, SCREEN)
        for label in (status.state, status.pending, status.receipt, status.lease, win.officer_label):
            assert label.width() >= label.sizeHint().width(), f"{label.text()!r} is cut"
            assert SCREEN.contains(_box(label, win)), f"{label.text()!r} is off the screen"

    qtbot.waitUntil(whole)


def test_the_screening_panel_is_beside_the_form_and_the_keyboard_reaches_it(qtbot, win):
    form = open_form(qtbot, win, (1024, 768))
    panel = form.screening
    assert panel.accessibleName() == i18n.t("screening.title")
    qtbot.waitUntil(lambda: panel.isVisible() and SCREEN.contains(_box(panel, win))
                    and panel.width() >= panel.minimumWidth() > 0)
    win.activateWindow()
    form.save_button.setFocus()
    qtbot.waitUntil(form.save_button.hasFocus)
    for _ in range(5):
        if panel.hasFocus():
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert panel.hasFocus()


@pytest.mark.parametrize("size", [(1280, 820), (1920, 1080)])
def test_a_bigger_screen_keeps_one_row_and_the_whole_panel(qtbot, win, size):
    form = open_form(qtbot, win, size)

    def one_row():
        rows = {b.mapTo(win, QPoint(0, 0)).y() for b in _bottom_row(form) + _top_bar(win.workspace)}
        assert len({b.y() for b in _bottom_row(form)}) == 1 and len({b.y() for b in _top_bar(win.workspace)}) == 1, rows
        assert form.screening.width() >= 320
        _whole_and_on_screen(_bottom_row(form) + _top_bar(win.workspace), win, QRect(0, 0, *size))

    qtbot.waitUntil(one_row)


def test_the_step_count_is_beside_the_bar_not_on_it(qtbot, win):
    """"Paso 3 de 8" was drawn on the bar and straddled its filled part (half white on blue,
    half dark on white). It is now a line of its own above a bar without text; the bar keeps
    the words for a screen reader."""
    form = open_form(qtbot, win, (1024, 768))
    form.go(2)
    words = i18n.t("ui.form.progress").replace("%v", "3").replace("%m", str(len(form.sections)))
    qtbot.waitUntil(lambda: form.step_label.text() == words)
    assert form.progress.value() == 3 and form.progress.text() == words
    assert not form.progress.isTextVisible()
    assert _box(form.step_label, win).bottom() < _box(form.progress, win).top()
