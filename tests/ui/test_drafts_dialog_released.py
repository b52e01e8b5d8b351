"""The drafts list, closed, is destroyed: opened and closed again and again in one session
it does not leave a hidden dialog (with its rows) per opening until the lock.
Fictional people only."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from tests.ui.test_drafts_list import _draft, _open_list


def _top_levels() -> int:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return len(QApplication.topLevelWidgets())


def test_closed_drafts_lists_are_destroyed(qtbot, unlocked):
    win = unlocked
    _draft(qtbot, win, 2, consent_status="given", given_names="Ana FICTICIA")
    before = _top_levels()
    for _ in range(10):
        dialog = _open_list(qtbot, win)
        with qtbot.waitSignal(dialog.finished, timeout=5_000):
            dialog.reject()  # «Cerrar»
        del dialog
    assert win.workspace.drafts_dialog is None
    assert _top_levels() <= before  # none of the ten is kept hidden
