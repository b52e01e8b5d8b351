"""A 1366×768 laptop at a 1.5 scale is a 911×512 screen; ``fit_window`` opens the main window
at 895 px wide there (the screen less SIDE_ROOM). With the intake form open the window could
not be narrower than 1004 px (962 in English): the form's check boxes kept their text on one
line ("Pagos o beneficios a quien tiene autoridad sobre la persona", 488 px), so the right
of the form and the screening panel were off the screen. Now, with the app's look, in
Spanish and English, the window with the form open (every step, a referral line too) is no
wider than 895 px; at 895 px every field of each step lies within the step's view, a
wrapped check box is as tall as its lines and no two overlap; at 1280×820 the check boxes
are still on one line and the panel has its 320 px, also after the narrow screen.
Fictional data."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QCheckBox, QWidget

from tests.ui.uikit import open_form
from ui.form.multi import WrapCheckBox
from ui.form.screening_panel import WIDTH
from ui.widgets import SIDE_ROOM

LAPTOP = (911, 512)  # 1366×768 at a 1.5 scale, in Qt's (logical) pixels
NARROW = (LAPTOP[0] - SIDE_ROOM, 464)  # what fit_window opens there (the height less TITLE_ROOM)


@pytest.fixture
def win(styled_window):
    return styled_window


def _with_a_referral_line(qtbot, form):
    """A referral line: the widest part of the last step."""
    referrals = form.rows["referrals"].editor
    referrals.add_institution("senniaf")
    qtbot.waitUntil(lambda: len(referrals.items) == 1)


def _visit(qtbot, form, step: int):
    form.go(step)
    page = form.stack.currentWidget()
    qtbot.waitUntil(lambda: page.isVisible() and form.stack.currentIndex() == step)
    return page


def _fields_within_the_view(form, step: int) -> None:
    page = form.stack.currentWidget()
    view = page.viewport()
    assert page.widget().width() <= view.width(), f"step {step}: the page is wider than its view"
    rows = [row for key, row in form.rows.items() if form.section_of[key] == step and row.isVisible()]
    assert rows, f"step {step} shows no field"
    for row in rows:
        for part in [row, *(w for w in row.findChildren(QWidget) if w.isVisible())]:
            left = part.mapTo(view, QPoint(0, 0)).x()
            where = f"step {step}, {row.fdef.key}: {type(part).__name__} {part.accessibleName()!r}"
            assert 0 <= left and left + part.width() <= view.width(), \
                f"{where} spans x {left}..{left + part.width()}, the view 0..{view.width()}"
        boxes = [b for b in row.findChildren(WrapCheckBox) if b.isVisible()]
        for box in boxes:  # every line of a wrapped check box shown, every word whole
            assert box.height() >= box.heightForWidth(box.width()), f"{where}: {box.text()!r} is cut below"
            assert box.width() >= box.minimumSizeHint().width(), f"{where}: {box.text()!r} cuts a word"
        for n, box in enumerate(boxes):
            for other in boxes[n + 1:]:
                assert not QRect(box.mapTo(row, QPoint(0, 0)), box.size()).intersects(
                    QRect(other.mapTo(row, QPoint(0, 0)), other.size())), f"{box.text()!r} overlaps {other.text()!r}"


def test_the_window_with_the_form_fits_a_911_px_screen(qtbot, win):
    form = open_form(qtbot, win, NARROW)
    _with_a_referral_line(qtbot, form)
    for step in range(len(form.sections)):
        _visit(qtbot, form, step)
        qtbot.waitUntil(lambda: win.minimumSizeHint().width() <= NARROW[0] and win.width() == NARROW[0])
    assert win.minimumSizeHint().height() <= NARROW[1]
    assert form.screening.isVisible() and form.screening.width() >= form.screening.minimumWidth() > 0
    assert QRect(0, 0, *NARROW).contains(QRect(form.screening.mapTo(win, QPoint(0, 0)), form.screening.size()))


def test_every_field_of_every_step_lies_within_the_view_at_895_px(qtbot, win):
    form = open_form(qtbot, win, NARROW)
    assert win.width() == NARROW[0], f"the window with the form is {win.width()} px wide"
    _with_a_referral_line(qtbot, form)
    for step in range(len(form.sections)):
        _visit(qtbot, form, step)
        qtbot.waitUntil(lambda: _fields_within_the_view(form, step))
    form.go(form.section_of["tr_means"])
    wrapped = [b for b in form.rows["tr_means"].editor.findChildren(WrapCheckBox)
               if b.height() > QCheckBox.sizeHint(b).height()]
    assert wrapped, "no check box had to wrap: the test proves nothing at this width"


def test_a_1280_window_keeps_its_check_boxes_on_one_line_and_the_whole_panel(qtbot, win):
    """The narrow screen first, then 1280 px: as the form always looked there."""
    form = open_form(qtbot, win, NARROW)
    _visit(qtbot, form, form.section_of["tr_means"])
    qtbot.waitUntil(lambda: form.screening.width() < WIDTH)
    win.resize(1280, 820)

    def as_before():
        assert form.screening.width() >= WIDTH and form.steps.width() >= form.steps.sizeHint().width()
        for key in ("tr_acts", "tr_means", "tr_purposes"):
            for box in form.rows[key].editor.findChildren(WrapCheckBox):
                assert box.height() == QCheckBox.sizeHint(box).height(), f"{box.text()!r} wraps at 1280 px"
                assert box.width() >= QCheckBox.sizeHint(box).width(), f"{box.text()!r} is narrower than one line"

    qtbot.waitUntil(as_before)
