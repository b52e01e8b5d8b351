"""The desktop app's online sync against the REAL central server on 127.0.0.1
(``tests.sync.conftest.LoopbackServer``: intake_app.server on uvicorn, SQLite): the
background sync pushes pending cases, verifies receipts, marks cases delivered and the
status area shows it; "Sync now" in the dialog; offline with retry, then the network
comes back. Everything waits on signals. FICTIONAL data only."""

from __future__ import annotations

import pytest

from tests.ui.uikit import run_on_backend, wait_idle
from tests.sync.conftest import LoopbackServer, free_port


def _enroll_and_address(qtbot, win, srv, url=None) -> None:
    run_on_backend(qtbot, win, lambda s: srv.enroll(s.require()))
    win._save_prefs(win.prefs.with_(server_url=url or srv.url))
    wait_idle(qtbot, win)


def _save_cases(qtbot, win, sample, n: int) -> None:
    for i in range(n):
        content = sample("intake-adult-woman")
        content["given_names"] = f"Ana{i} FICTICIA"
        with qtbot.waitSignal(win.backend.cases_changed, timeout=20_000):
            win.backend.op(lambda s, c=content: s.require().save_case(c)).changes_cases().run()


def _states(qtbot, win):
    return run_on_backend(qtbot, win, lambda s: sorted(r.sync_state for r in s.require().list_cases()))


def _is(state):
    return lambda st, info: st == state


def test_background_sync_delivers_to_the_real_server(qtbot, unlocked, sample, server):
    from intake_app import i18n

    win = unlocked
    driver, status = win.sync_driver, win.sync_status
    _save_cases(qtbot, win, sample, 2)  # recorded offline, before the device had an address
    assert _states(qtbot, win) == ["pending", "pending"]
    _enroll_and_address(qtbot, win, server)
    assert not driver.running()
    receipts = []
    driver.receipt.connect(receipts.append)
    # the next status refresh sees an enrolled device with an address: the background sync
    # starts, pushes, the real server stores and signs, the receipt is verified and applied
    with qtbot.waitSignal(driver.state_changed, check_params_cb=_is("idle"), timeout=30_000):
        status.refresh()
    assert driver.running() and receipts
    assert server.scalar("SELECT count(*) FROM revisions") == 2
    assert _states(qtbot, win) == ["delivered", "delivered"]
    # the status area: online, nothing left to send, the time of the last receipt
    with qtbot.waitSignal(status.status_known, timeout=20_000):
        status.refresh()
    assert status.state.text() == i18n.t("ui.sync.state_online", "es")
    assert status.pending.text() == i18n.t("ui.sync.pending", "es", count=0)
    assert "UTC" in status.receipt.text()
    # one more save is sent on its own (no button pressed)
    stored = lambda st, info: st == "idle" and server.scalar("SELECT count(*) FROM revisions") == 3  # noqa: E731
    with qtbot.waitSignal(driver.state_changed, check_params_cb=stored, timeout=30_000):
        _save_cases(qtbot, win, sample, 1)
    assert _states(qtbot, win) == ["delivered"] * 3
    # lock: the background sync stops with the session
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    assert not driver.running() and driver.state == "stopped"


def test_sync_now_in_the_dialog(qtbot, unlocked, sample, server):
    win = unlocked
    run_on_backend(qtbot, win, lambda s: server.enroll(s.require()))
    _save_cases(qtbot, win, sample, 2)
    win.open_sync()
    dialog = win.sync_dialog
    wait_idle(qtbot, win)
    assert dialog.push_button.isEnabled()
    dialog.url.setText(server.url)
    with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "push", timeout=30_000):
        dialog.push_button.click()
    assert dialog.message.isVisible() and dialog.progress.isHidden()
    assert win.prefs.server_url == server.url  # kept for the background sync
    assert _states(qtbot, win) == ["delivered", "delivered"]
    assert server.scalar("SELECT count(*) FROM revisions") == 2


def test_offline_retries_then_delivers_when_the_network_returns(qtbot, unlocked, sample, tmp_path):
    from intake_app import i18n

    pytest.importorskip("uvicorn")
    win = unlocked
    driver, status = win.sync_driver, win.sync_status
    port = free_port()
    srv = LoopbackServer(tmp_path / "srvhome", port=port, start=False)  # keys and database, not listening
    try:
        run_on_backend(qtbot, win, lambda s: srv.enroll(s.require()))
        win._save_prefs(win.prefs.with_(server_url=srv.url))
        wait_idle(qtbot, win)
        # nobody listens: the service says offline, with the next retry
        with qtbot.waitSignal(driver.state_changed, check_params_cb=_is("offline"), timeout=30_000) as off:
            _save_cases(qtbot, win, sample, 1)
        assert off.args[1]["retry_in"] > 0
        assert status.state.text().startswith(i18n.t("ui.sync.state_offline", "es"))
        assert _states(qtbot, win) == ["pending"]
        # the network monitor says it is gone: attempts pause
        with qtbot.waitSignal(driver.state_changed, check_params_cb=_is("offline"), timeout=10_000):
            driver.network_changed(False)
        # the server comes up and the network returns: delivered at once, no backoff wait
        srv.start()
        with qtbot.waitSignal(driver.state_changed, check_params_cb=_is("idle"), timeout=30_000):
            driver.network_changed(True)
        assert _states(qtbot, win) == ["delivered"]
        assert status.state.text() == i18n.t("ui.sync.state_online", "es")
    finally:
        win.sync_driver.stop()
        srv.close()
