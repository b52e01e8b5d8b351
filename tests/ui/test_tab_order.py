"""Tab through a repeating group (referral lines) as a keyboard user does: the lines' fields
in order, then "Agregar referencia" after the last line (it came first, before every line,
so a new line was behind the button); pressing the button puts the keyboard on the first
field of the new line. Lines loaded with a saved case keep the same order. Fictional data."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

Key, Mod = Qt.Key, Qt.KeyboardModifier


def _focus():
    return QApplication.focusWidget()


def _line_widgets(item) -> list:
    date = item.editors["date"]
    return [item.editors["institution"].combo, date.edit, date.today, item.editors["outcome"].combo, item.remove]


def _referrals_step(qtbot, win):
    form = win.workspace.new_intake()
    win.activateWindow()
    form.go(form.section_of["referrals"])
    referrals = form.rows["referrals"].editor
    qtbot.waitUntil(referrals.add_button.isVisible)
    return form, referrals


def _wait_shown(qtbot, referrals) -> None:
    qtbot.waitUntil(lambda: all(item.isVisible() for item in referrals.items))


def _press(qtbot, button) -> None:
    """The keyboard's press: Space on the button that has the focus."""
    button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(button.hasFocus)
    qtbot.keyClick(button, Key.Key_Space)


def _tab_through(qtbot, chain: list, back: bool = False) -> None:
    chain[0].setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: _focus() is chain[0])
    for after in chain[1:]:
        qtbot.keyClick(_focus(), Key.Key_Backtab if back else Key.Key_Tab,
                       Mod.ShiftModifier if back else Mod.NoModifier)
        qtbot.waitUntil(lambda after=after: _focus() is after, timeout=2000)


def test_adding_a_line_with_the_keyboard(qtbot, unlocked):
    form, referrals = _referrals_step(qtbot, unlocked)
    status = form.rows["case_status"].editor.combo
    # the field before the group, then the add button: no line yet
    _tab_through(qtbot, [status, referrals.add_button])
    _press(qtbot, referrals.add_button)
    qtbot.waitUntil(lambda: len(referrals.items) == 1)
    first = referrals.items[0]
    qtbot.waitUntil(lambda: _focus() is first.editors["institution"].combo)
    _tab_through(qtbot, [status, *_line_widgets(first), referrals.add_button])
    _press(qtbot, referrals.add_button)
    qtbot.waitUntil(lambda: len(referrals.items) == 2)
    second = referrals.items[1]
    qtbot.waitUntil(lambda: _focus() is second.editors["institution"].combo)
    # after the button Tab leaves the group for the form's bottom row
    forward = [status, *_line_widgets(first), *_line_widgets(second), referrals.add_button, form.cancel_button]
    _tab_through(qtbot, forward)
    _tab_through(qtbot, forward[::-1], back=True)


def test_removing_a_line_keeps_the_order_and_the_keyboard(qtbot, unlocked):
    """Removing a line with its "Quitar" button: the keyboard, which went nowhere, goes to
    the line that takes its place, or to the add button after the last line."""
    form, referrals = _referrals_step(qtbot, unlocked)
    for _ in range(3):
        referrals.add()
    _wait_shown(qtbot, referrals)
    third = referrals.items[2]
    _press(qtbot, referrals.items[1].remove)
    qtbot.waitUntil(lambda: len(referrals.items) == 2)
    qtbot.waitUntil(lambda: _focus() is third.editors["institution"].combo)
    first, last = referrals.items
    _tab_through(qtbot, [*_line_widgets(first), *_line_widgets(last), referrals.add_button])
    _press(qtbot, last.remove)
    qtbot.waitUntil(lambda: len(referrals.items) == 1 and _focus() is referrals.add_button)
    _tab_through(qtbot, [form.rows["case_status"].editor.combo, *_line_widgets(first), referrals.add_button])


def test_lines_of_a_saved_case_come_before_the_add_button(qtbot, unlocked):
    """Lines set as a value (a draft or a case opened to edit), then one more added. The
    lines replaced at once never got shown: one shown as a window of its own took the
    main window's activation, and the keyboard with it."""
    form, referrals = _referrals_step(qtbot, unlocked)
    referrals.set_value([{"institution": "senniaf", "date": "2024-05-02", "outcome": "pending"},
                         {"institution": "senniaf", "date": "2024-05-03", "outcome": "pending"}])
    referrals.set_value([{"institution": "senniaf", "date": "2024-05-02", "outcome": "pending"}])
    _wait_shown(qtbot, referrals)
    _press(qtbot, referrals.add_button)
    qtbot.waitUntil(lambda: len(referrals.items) == 2)
    first, second = referrals.items
    qtbot.waitUntil(lambda: _focus() is second.editors["institution"].combo)
    _tab_through(qtbot, [*_line_widgets(first), *_line_widgets(second), referrals.add_button])


def test_the_new_line_is_in_sight(qtbot, unlocked):
    """Many lines already: the step scrolls so that the new line's first field, which has
    the keyboard, shows (the button had pushed it below the view)."""
    unlocked.resize(1024, 768)
    form, referrals = _referrals_step(qtbot, unlocked)
    for _ in range(8):
        referrals.add()
    _wait_shown(qtbot, referrals)
    scroll = form.stack.currentWidget()
    referrals.add_button.setFocus(Qt.FocusReason.TabFocusReason)
    scroll.ensureWidgetVisible(referrals.add_button)
    _press(qtbot, referrals.add_button)
    new = referrals.items[-1].editors["institution"].combo
    qtbot.waitUntil(lambda: _focus() is new)
    top = new.mapTo(scroll.viewport(), new.rect().topLeft()).y()
    assert 0 <= top and top + new.height() <= scroll.viewport().height()
