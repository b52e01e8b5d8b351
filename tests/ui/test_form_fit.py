"""A referral line fits the step's column: at the default window size (1280×820), and at the
smallest and a wide one, every part of a line, its remove button too, lies within the part
of the step the view shows (the step does not scroll sideways; in one row a line needed
about 760 px and its remove button was off the screen), and a date box shows a whole date
(it was squeezed to "024"). The keyboard still takes a line as it reads. Fictional answers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionFrame, QWidget

WHOLE_DATE = "00/00/0000"


@pytest.fixture
def look(request):
    """The suite's plain look, or the app's own (the ``styled`` fixture)."""
    if request.param == "styled":
        request.getfixturevalue("styled")
    yield


def _two_new_lines(qtbot, win, size: tuple[int, int]):
    win.resize(*size)
    qtbot.waitUntil(lambda: win.width() >= min(size[0], win.minimumSizeHint().width()))
    form = win.workspace.new_intake()
    win.activateWindow()
    form.go(form.section_of["referrals"])
    referrals = form.rows["referrals"].editor
    for _ in range(2):
        qtbot.mouseClick(referrals.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(referrals.items) == 2 and all(item.isVisible() for item in referrals.items))
    return form, referrals


def _text_room(edit) -> int:
    """The width a line edit draws its text in: its contents box (inside the frame and the
    style sheet's padding) less its text margins and its own 2 px a side."""
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    box = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    return box.width() - margins.left() - margins.right() - 4


def _fits(scroll, items) -> None:
    view = scroll.viewport()
    for n, item in enumerate(items, 1):
        parts = [w for w in item.findChildren(QWidget) if w.isVisible()]
        assert item.remove in parts and item.editors["date"].edit in parts
        for part in [item, *parts]:
            left = part.mapTo(view, QPoint(0, 0)).x()
            where = f"line {n}: {type(part).__name__} {part.accessibleName() or part.objectName()!r}"
            assert 0 <= left and left + part.width() <= view.width(), \
                f"{where} spans x {left}..{left + part.width()}, the view 0..{view.width()}"
        date = item.editors["date"].edit
        need = date.fontMetrics().horizontalAdvance(WHOLE_DATE)
        assert _text_room(date) >= need, f"line {n}: the date box has {_text_room(date)} px for a {need} px date"


@pytest.mark.parametrize(("look", "size"), [
    ("plain", (1280, 820)), ("styled", (1280, 820)), ("styled", (1024, 768)), ("styled", (1920, 1080)),
], indirect=["look"])
def test_a_referral_line_fits_the_step(qtbot, look, unlocked, size):
    form, referrals = _two_new_lines(qtbot, unlocked, size)
    scroll = form.stack.currentWidget()
    assert scroll.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    qtbot.waitUntil(lambda: _fits(scroll, referrals.items), timeout=3000)


def test_the_keyboard_takes_a_line_as_it_reads(qtbot, unlocked):
    """Line by line; in a line the institution, the date (and its "today" button), the
    outcome, then the remove button: the order they were in when a line was one row."""
    form, referrals = _two_new_lines(qtbot, unlocked, (1280, 820))
    expected = []
    for item in referrals.items:
        date = item.editors["date"]
        expected += [item.editors["institution"].combo, date.edit, date.today,
                     item.editors["outcome"].combo, item.remove]
    expected[0].setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is expected[0])
    for before, after in zip(expected, expected[1:]):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        qtbot.waitUntil(lambda after=after: QApplication.focusWidget() is after)


def test_a_long_institution_shows_its_start(qtbot, unlocked):
    """The institution box is typeable; a long name in it showed its end ("…Niñez,
    Adolescencia y Familia") once chosen, and again once the keyboard left it."""
    form, referrals = _two_new_lines(qtbot, unlocked, (1280, 820))
    editor = referrals.items[0].editors["institution"]
    editor.set_value("senniaf")
    assert editor.combo.lineEdit().cursorPosition() == 0
    editor.combo.setFocus()
    qtbot.waitUntil(editor.combo.hasFocus)
    qtbot.keyClick(editor.combo, Qt.Key.Key_Down)  # the next institution, taken with the keys
    assert editor.value() != "senniaf"
    qtbot.keyClick(editor.combo, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: not editor.combo.hasFocus())
    assert editor.combo.lineEdit().cursorPosition() == 0
