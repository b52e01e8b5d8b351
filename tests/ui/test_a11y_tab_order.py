"""Tab leaves the intake form: from the screening panel, its last stop, forward Tab goes on
to the window's other stops (the status bar's «Sincronizar…», the top bar), then the list of
steps and the step, never back into the step; Shift+Tab comes back to the panel. Also on a
step built later, with referral lines added, and for a draft whose lines came with its step.
Checked with the keys only (walking Qt's focus chain from Python deletes widgets in PySide
6.11). Fictional data."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.uikit import wait_idle

Key, Mod = Qt.Key, Qt.KeyboardModifier


def _focus():
    return QApplication.focusWidget()


def _put(qtbot, widget) -> None:
    widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)


def _tab(qtbot, back: bool = False):
    qtbot.keyClick(_focus(), Key.Key_Backtab if back else Key.Key_Tab, Mod.ShiftModifier if back else Mod.NoModifier)
    return _focus()


def _leaves_forward(qtbot, win, form) -> None:
    """From the panel: out of the form, through the top bar to the steps and the step."""
    ws = win.workspace
    _put(qtbot, form.screening)
    seen = [_tab(qtbot)]
    assert not form.isAncestorOf(seen[0]), seen[0]
    while seen[-1] is not form.steps and len(seen) < 20:
        seen.append(_tab(qtbot))
        assert seen[-1] is not form.screening
    assert seen[-1] is form.steps, [w.objectName() or type(w).__name__ for w in seen]
    assert ws.cases_button in seen and ws.lock_button in seen
    assert form.stack.currentWidget().isAncestorOf(_tab(qtbot)) or _focus() is form.stack.currentWidget()
    # and back: Shift+Tab from where Tab left the panel comes to the panel
    _put(qtbot, seen[0])
    assert _tab(qtbot, back=True) is form.screening


def test_tab_leaves_the_form_from_the_panel(qtbot, unlocked):
    win = unlocked
    form = win.workspace.new_intake()
    _leaves_forward(qtbot, win, form)
    qtbot.waitUntil(lambda: form.lazy.complete, timeout=20_000)  # the other steps, built later
    form.go(form.section_of["narrative"])  # a text box last in its step: its own scroll bars too
    _leaves_forward(qtbot, win, form)
    form.go(form.section_of["referrals"])
    referrals = form.rows["referrals"].editor
    qtbot.waitUntil(referrals.add_button.isVisible)
    _put(qtbot, referrals.add_button)
    qtbot.keyClick(referrals.add_button, Key.Key_Space)
    qtbot.waitUntil(lambda: len(referrals.items) == 1 and _focus() is referrals.items[0].keys[0])
    _leaves_forward(qtbot, win, form)
    _put(qtbot, referrals.add_button)
    assert _tab(qtbot) is form.cancel_button
    wait_idle(qtbot, win)


def test_a_drafts_lines_keep_their_place(qtbot, unlocked):
    """A draft opened on its referrals step: the lines are made with the step; Tab from
    «Agregar referencia» goes to the form's bottom row, not back to the first line."""
    win = unlocked
    ws = win.workspace
    lines = [{"institution": "senniaf", "date": "2024-05-02", "outcome": "pending"},
             {"institution": "pani", "date": "2024-05-03", "outcome": "pending"}]
    ws.open_draft("f" * 32, None, {"referrals": lines}, step=0)
    form = ws.form
    form.go(form.section_of["referrals"])
    referrals = form.rows["referrals"].editor
    qtbot.waitUntil(lambda: referrals.add_button.isVisible() and all(i.isVisible() for i in referrals.items))
    assert len(referrals.items) == 2
    _put(qtbot, referrals.add_button)
    assert _tab(qtbot) is form.cancel_button
    _put(qtbot, referrals.items[1].remove)
    assert _tab(qtbot) is referrals.add_button
    _leaves_forward(qtbot, win, form)
    wait_idle(qtbot, win)
