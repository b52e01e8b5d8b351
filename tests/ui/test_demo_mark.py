"""The desktop's demo mode marks its vault of fictional cases (tests/sync/test_demo_vault.py:
such a vault is never enrolled)."""

from __future__ import annotations

from intake_app.sync import state


def test_the_desktop_demo_mode_marks_its_vault(qtbot, tmp_path):
    """``intake-app --demo``: its throwaway vault of fictional cases carries the mark, so its
    sync dialog cannot enroll it either."""
    from tests.ui.uikit import OFFICER, PASSPHRASE, run_on_backend, wait_idle
    from ui.mainwindow import MainWindow

    win = MainWindow(tmp_path / "data", demo={"officer": OFFICER, "passphrase": PASSPHRASE, "cases": 2})
    qtbot.addWidget(win)
    try:
        with qtbot.waitSignal(win.unlocked, timeout=20_000):
            win.show()
        wait_idle(qtbot, win)
        assert run_on_backend(qtbot, win, lambda s: s.require().meta(state.K_DEMO)) == "1"
    finally:
        win.backend.shutdown()
