"""«Inscribir por la red» in the sync dialog against the REAL central server on 127.0.0.1
(``tests.sync.conftest.LoopbackServer``): the request goes, the dialog says which laptop
the administrator is to approve, the administrator approves (``server.devices.approve``,
as the other tests do), the same button pins the response and the background sync then
delivers; a wrong server fingerprint, a refusal and an address nobody answers pin nothing.
Everything waits on signals. FICTIONAL data only."""

from __future__ import annotations

from PySide6.QtCore import Qt

from intake_app import i18n
from tests.sync.conftest import free_port
from ui.sync_dialog import identity_job
from tests.ui.uikit import run_on_backend, wait_idle

BUTTON = i18n.t("ui.syncdlg.enroll_online", "es")


def _open(qtbot, win, url: str):
    win.open_sync()
    dialog = win.sync_dialog
    wait_idle(qtbot, win)
    dialog.url.setText(url)
    return dialog


def _device(qtbot, win):
    """(device id, its fingerprint, enrolled, pinned server info or None)."""
    from intake_app.sync import state

    def job(s):
        v = s.require()
        return v.device_id, v.device_keys().public().fingerprint(), state.is_enrolled(v), state.server_info(v)

    return run_on_backend(qtbot, win, job)


def _press(qtbot, dialog, signal, timeout: int = 30_000):
    with qtbot.waitSignal(signal, timeout=timeout) as got:
        dialog.enroll.button.click()
    return got.args[0] if got.args else None


def _approve(server, device_id: str) -> None:
    from intake_app.server import devices

    devices.approve(server.engine, server.keystore, device_id, actor="test", lease_days=server.settings.lease_days)


def _save_case(qtbot, win, sample, name: str) -> None:
    content = sample("intake-adult-woman")
    content["given_names"] = f"{name} FICTICIA"
    with qtbot.waitSignal(win.backend.cases_changed, timeout=20_000):
        win.backend.op(lambda s: s.require().save_case(content)).changes_cases().run()


def _states(qtbot, win):
    return run_on_backend(qtbot, win, lambda s: sorted(r.sync_state for r in s.require().list_cases()))


def test_enroll_over_the_network_then_the_background_sync_delivers(qtbot, styled, unlocked, sample, server):
    win = unlocked
    driver = win.sync_driver
    _save_case(qtbot, win, sample, "Antes")  # recorded before the laptop was enrolled
    dialog = _open(qtbot, win, server.url)
    panel = dialog.enroll
    device_id, fingerprint, enrolled, pinned = _device(qtbot, win)
    assert not enrolled and pinned is None
    assert panel.isVisible() and panel.button.isEnabled() and not dialog.push_button.isEnabled()
    assert panel.button.isDefault()  # Enter in the address enrolls: the next step

    # first press: the request goes; the dialog names the laptop to approve, not as an error
    pending = _press(qtbot, dialog, panel.pending)
    assert (pending.device_id, pending.fingerprint) == (device_id, fingerprint)
    assert dialog.message.text() == i18n.t("ui.syncdlg.enroll_pending", "es", device=device_id,
                                           fingerprint=fingerprint, button=BUTTON)
    assert dialog.message.objectName() == "banner" and dialog.progress.isHidden()
    whole = lambda: dialog.message.visibleRegion().boundingRect() == dialog.message.rect()  # noqa: E731
    qtbot.waitUntil(whole)  # under the USB group: scrolled into view, all of it
    assert win.prefs.server_url == server.url  # kept for the background sync, as "Sync now" does
    assert server.scalar("SELECT status FROM devices WHERE device_id = :d", d=device_id) == "pending"
    assert _device(qtbot, win)[2:] == (False, None)
    assert panel.isVisible() and panel.button.isEnabled() and not driver.running()

    # the administrator compares the fingerprint and approves; the officer types the server's
    # as read aloud (spaces around it, lower case) and presses again: pinned, and the window's
    # status refresh starts the background sync, which delivers the case saved before
    _approve(server, device_id)
    server_fp = server.server_keys.public_info().fingerprint()
    panel.fingerprint.setText(f"  {server_fp.lower()} ")
    idle = lambda st, info: st == "idle"  # noqa: E731
    with qtbot.waitSignal(driver.state_changed, check_params_cb=idle, timeout=30_000):
        with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "enroll_online", timeout=30_000):
            panel.button.click()
    wait_idle(qtbot, win)
    _id, _fp, enrolled, pinned = _device(qtbot, win)
    assert enrolled and pinned.fingerprint() == server_fp
    assert dialog.message.text() == i18n.t("ui.syncdlg.enrolled_now", "es")
    assert dialog.message.objectName() == "ok"
    assert i18n.t("ui.syncdlg.enrolled", "es", server=server_fp) in dialog.identity.text()
    assert panel.isHidden() and dialog.push_button.isEnabled()  # enrolled: the enrollment goes away
    assert dialog.push_button.isDefault()  # Enter in the address syncs, as before
    assert driver.running() and _states(qtbot, win) == ["delivered"]
    assert server.scalar("SELECT count(*) FROM revisions") == 1

    # "Sync now" from the same dialog delivers a case saved since
    driver.stop()  # so that the case waits for the button, not for the background sync
    _save_case(qtbot, win, sample, "Despues")
    assert _states(qtbot, win) == ["delivered", "pending"]
    with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "push", timeout=30_000):
        dialog.push_button.click()
    assert _states(qtbot, win) == ["delivered", "delivered"]
    assert server.scalar("SELECT count(*) FROM revisions") == 2


def test_a_wrong_server_fingerprint_pins_nothing(qtbot, unlocked, server):
    win = unlocked
    dialog = _open(qtbot, win, server.url)
    panel = dialog.enroll
    # the keyboard: the address, then the server fingerprint, then the button
    dialog.activateWindow()
    dialog.url.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(dialog.url.hasFocus)
    qtbot.keyClick(dialog.url, Qt.Key.Key_Tab)
    assert panel.fingerprint.hasFocus()
    qtbot.keyClick(panel.fingerprint, Qt.Key.Key_Tab)
    assert panel.button.hasFocus()
    assert panel.fingerprint.accessibleName() == i18n.t("ui.syncdlg.server_fingerprint", "es")

    device_id = _press(qtbot, dialog, panel.pending).device_id
    _approve(server, device_id)
    # a fingerprint that is not the server's, and Enter in the field: refused, the dialog stays
    panel.fingerprint.setFocus()
    panel.fingerprint.setText("AAAA-BBBB-CCCC-DDDD-EEEE")
    with qtbot.waitSignal(panel.failed, timeout=30_000) as failed:
        qtbot.keyClick(panel.fingerprint, Qt.Key.Key_Return)
    assert (failed.args[0].code, failed.args[0].params.get("reason")) == ("server_key_untrusted", "fingerprint")
    assert dialog.isVisible()
    assert dialog.message.text() == i18n.t("error.server_key_untrusted.fingerprint", "es")
    assert dialog.message.objectName() == "error" and dialog.progress.isHidden()
    assert _device(qtbot, win)[2:] == (False, None)  # nothing pinned
    assert panel.isVisible() and panel.button.isEnabled() and not dialog.push_button.isEnabled()
    # only spaces is no fingerprint: the first server is trusted only on the administrator's word
    # (over plain HTTP anyone could answer); asked for, the cursor in the field, nothing pinned
    panel.fingerprint.setText("   ")
    with qtbot.waitSignal(panel.failed, timeout=30_000) as failed:
        qtbot.keyClick(panel.fingerprint, Qt.Key.Key_Enter)
    assert failed.args[0].code == "sync_server_fingerprint_required"
    assert dialog.message.text() == i18n.t("ui.syncdlg.fingerprint_needed", "es", button=BUTTON)
    assert panel.fingerprint.hasFocus() and panel.fingerprint.isEnabled()
    assert _device(qtbot, win)[2:] == (False, None)
    panel.fingerprint.setText(server.server_keys.public_info().fingerprint())
    with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "enroll_online", timeout=30_000):
        qtbot.keyClick(panel.fingerprint, Qt.Key.Key_Enter)
    wait_idle(qtbot, win)
    assert dialog.isVisible() and _device(qtbot, win)[2] and panel.isHidden()
    assert dialog.push_button.hasFocus()  # the keyboard is on the next step, not lost with the hidden field


def test_refused_by_the_administrator(qtbot, unlocked, server):
    from intake_app.server import devices

    win = unlocked
    dialog = _open(qtbot, win, server.url)
    device_id = _press(qtbot, dialog, dialog.enroll.pending).device_id
    devices.refuse(server.engine, device_id, actor="test")
    err = _press(qtbot, dialog, dialog.enroll.failed)
    assert err.code == "sync_enrollment_refused"
    assert dialog.message.text() == i18n.t("error.sync_enrollment_refused", "es")
    assert _device(qtbot, win)[2:] == (False, None)


def test_an_address_nobody_answers_pins_nothing(qtbot, unlocked):
    win = unlocked
    url = f"http://127.0.0.1:{free_port()}"  # a closed loopback port
    dialog = _open(qtbot, win, url)
    err = _press(qtbot, dialog, dialog.enroll.failed)
    assert err.code == "sync_server_unreachable"
    assert dialog.message.text() == i18n.t("ui.syncdlg.enroll_unreachable", "es", button=BUTTON)
    assert dialog.message.objectName() == "error" and dialog.progress.isHidden()
    assert _device(qtbot, win)[2:] == (False, None)
    assert run_on_backend(qtbot, win, lambda s: s.require().meta("sync.enroll_posted")) is None
    assert dialog.enroll.button.isEnabled()


def test_the_address_and_the_post_come_first(qtbot, unlocked):
    win = unlocked
    dialog = _open(qtbot, win, "  ")
    dialog.enroll.button.click()
    assert dialog.message.text() == i18n.t("ui.syncdlg.need_server", "es")
    assert not win.backend.in_flight()
    dialog.url.setText("http://127.0.0.1:9")
    dialog.prefs = dialog.prefs.with_(post="")
    dialog.enroll.button.click()
    assert dialog.message.text() == i18n.t("ui.syncdlg.need_post", "es")
    assert dialog.progress.isHidden() and dialog.enroll.button.isEnabled()  # nothing started
    wait_idle(qtbot, win)  # (the address kept in the settings)
    assert run_on_backend(qtbot, win, lambda s: s.require().meta("sync.enroll_posted")) is None


def test_hidden_once_enrolled_or_revoked(qtbot, unlocked, server):
    from dataclasses import replace

    win = unlocked
    run_on_backend(qtbot, win, lambda s: server.enroll(s.require()))
    dialog = _open(qtbot, win, server.url)
    assert dialog.enroll.isHidden() and dialog.push_button.isEnabled()
    with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "push", timeout=30_000):
        qtbot.keyClick(dialog.url, Qt.Key.Key_Return)  # Enter in the address: "Sync now", as before
    # revoked (the window locks at once; the dialog, if still open, offers no enrollment)
    known = []
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        win.backend.op(identity_job).success(known.append).run()
    ident, pend = known[0]
    dialog._show_identity((replace(ident, enrolled=False, revoked=True), pend))
    assert dialog.enroll.isHidden() and not dialog.push_button.isEnabled()
    dialog._show_identity((replace(ident, enrolled=False), pend))
    assert dialog.enroll.isVisible()


def test_a_save_does_not_wait_for_a_server_that_never_answers(qtbot, unlocked, sample, monkeypatch):
    """The HTTP runs on the panel's own thread: while the request hangs on a loopback port
    that accepts and never answers, a save goes through at once; then the wait ends as
    "unreachable" and nothing is pinned."""
    import socket

    import ui.enroll_online

    monkeypatch.setattr(ui.enroll_online, "TIMEOUT", 6.0)
    win = unlocked
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel accepts; nobody ever reads or answers
    try:
        dialog = _open(qtbot, win, f"http://127.0.0.1:{silent.getsockname()[1]}")
        with qtbot.waitSignal(dialog.enroll.started, timeout=5_000):
            dialog.enroll.button.click()
        assert not dialog.enroll.button.isEnabled()  # the request is in flight
        _save_case(qtbot, win, sample, "Durante")  # waits at most 20 s; it must not need the 6 s
        assert not dialog.enroll.button.isEnabled(), "the save had to wait for the network"
        with qtbot.waitSignal(dialog.enroll.failed, timeout=30_000) as failed:
            pass
        assert failed.args[0].code == "sync_server_unreachable"
    finally:
        silent.close()
    assert _states(qtbot, win) == ["pending"]
    assert _device(qtbot, win)[2:] == (False, None)
    assert dialog.enroll.button.isEnabled()


def test_the_enrollment_steps_end_with_the_session_they_started_in(qtbot, unlocked):
    """A lock (and an unlock since) bumps the backend's generation: a step the enrollment
    thread sends afterwards is refused, not run in the next officer's session."""
    import pytest

    from intake_app.errors import VaultLocked
    from ui.sync_service import worker_vault_call

    win = unlocked
    call = worker_vault_call(win.backend)
    device_id = run_on_backend(qtbot, win, lambda s: s.require().device_id)
    assert call(lambda v: v.device_id) == device_id
    win.backend.generation += 1  # what the window's lock does; the session here stays open
    with pytest.raises(VaultLocked):
        call(lambda v: v.device_id)
