"""Checking a printed summary on the laptop that printed it: the code under the QR (or the
QR's text) is genuine and current; a mistyped one is worded; every check is audited; a
lock closes the dialog. All data is fictional."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from tests.ui.test_print_sync import _saved_case
from tests.ui.uikit import wait_idle


def _run(qtbot, win, fn):
    out = []
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        win.backend.op(fn).success(out.append).run()
    return out[0]


def test_an_officer_checks_a_printed_summary(qtbot, unlocked, sample, tmp_path):
    from intake_app.printing import print_summary

    win = unlocked
    case_id = _saved_case(qtbot, win, sample)
    printed = _run(qtbot, win, lambda s: print_summary(s.require(), case_id, tmp_path / "resumen.pdf"))
    win.workspace.verify_button.click()
    dialog = win.verify_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.code.accessibleName() and win.workspace.verify_button.toolTip()

    dialog.code.setText(printed.code.lower())  # typed as a person may type it
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.result.isVisible() and dialog.check_button.isEnabled())
    assert dialog.result.text().startswith("Código válido: caso " + case_id)
    assert "FICTICIA" not in dialog.result.text()

    dialog.code.setText(printed.code[:-3] + "ZZZ")
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.check_button.isEnabled() and not dialog.result.text().startswith("Código válido"))
    assert dialog.result.objectName() == "error" and dialog.result.text()

    checks = _run(qtbot, win, lambda s: [e.detail.get("ok") for e in s.require().audit.entries()
                                         if e.action == "print_verify"])
    assert checks == [True, False]

    win.lock()  # the dialog goes with the lock
    assert not [w for w in QApplication.topLevelWidgets() if w is not win and w.isVisible()]
    assert win.verify_dialog is None
    wait_idle(qtbot, win)
