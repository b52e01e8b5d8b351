"""A referral added from the screening panel's link, by the keyboard (Tab to the link,
Enter): the new line comes on show, on the referrals step, with the keyboard on it (its
institution, already chosen) and in sight; the link alone went away before, on whatever step
the officer was. Fictional data."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.uikit import wait_idle


def test_a_referral_from_the_panel_takes_the_keyboard(qtbot, unlocked, sample):
    win = unlocked
    win.resize(1024, 700)  # a short window: the new line has to be scrolled to
    form = win.workspace.new_intake()
    win.activateWindow()
    for key, value in sample("intake-adult-woman").items():
        if key in form.rows:
            form.rows[key].editor.set_value(value)
    form.refresh()
    panel = form.screening
    offered = [c for c in panel.suggested if c not in panel.refused]
    assert offered
    # lines already there (institutions not suggested): the new one goes below the view
    others = [t.code for t in form.cb.vocab("institutions").terms if t.code not in panel.suggested][:6]
    referrals = form.rows["referrals"].editor
    referrals.set_value([{"institution": code, "date": "2024-05-02", "outcome": "pending"} for code in others])
    form.refresh()
    form.go(form.section_of["given_names"])  # another step on show
    panel.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(panel.hasFocus)
    qtbot.keyClick(panel, Qt.Key.Key_Tab)  # the first link
    assert panel.textCursor().hasSelection() and QApplication.focusWidget() is panel
    qtbot.keyClick(panel, Qt.Key.Key_Return)
    assert len(referrals.items) == len(others) + 1 and referrals.value()[-1]["institution"] == offered[0]
    assert form.step == form.section_of["referrals"]
    line = referrals.items[-1]
    combo = line.editors["institution"].combo
    qtbot.waitUntil(lambda: QApplication.focusWidget() is combo and combo.isVisible())
    assert combo.accessibleName().endswith(f" {len(others) + 1}: " + line.labels["institution"])
    scroll = form.stack.currentWidget()

    def in_sight() -> bool:  # once laid out (a line just added is one pixel high at first)
        top = combo.mapTo(scroll.viewport(), combo.rect().topLeft()).y()
        return combo.height() > 1 and 0 <= top and top + combo.height() <= scroll.viewport().height()

    qtbot.waitUntil(in_sight, timeout=3_000)
    wait_idle(qtbot, win)
