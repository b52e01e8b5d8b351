"""The device's lease in the desktop app: lapsed blocks NEW intakes with a message asking
to sync first (the app opens, saved cases stay viewable); expiring warns. And the
first-run wizard's optional offline enrollment request. FICTIONAL data."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.ui.uikit import run_on_backend, wait_idle, wizard_to_device_page


@pytest.fixture(scope="module")
def server_keys():
    from intake_app.bundle import ServerKeys

    return ServerKeys.generate()


def _lease(qtbot, win, server_keys, days_left: float):
    """Enroll the vault, then set the lease ``days_left`` from now (negative: lapsed)."""
    from intake_app.sync import state
    from tests.sync.helpers import enroll

    def job(s):
        v = s.require()
        enroll(v, server_keys)
        state.set_lease(v, state.iso(datetime.now(timezone.utc) + timedelta(days=days_left)))
        return state.lease_state(v)

    out = []
    with qtbot.waitSignal(win.sync_status.status_known, timeout=20_000) as known:
        win.backend.op(job).success(out.append).changes_cases().run()
    return out[0], known.args


def _saved_case(qtbot, win, sample) -> str:
    out = {}
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        win.backend.op(lambda s: s.require().save_case(sample("intake-adult-woman")).case_id) \
            .success(lambda r: out.setdefault("id", r)).run()
    return out["id"]


def test_lapsed_lease_blocks_new_intakes(qtbot, unlocked, sample, server_keys):
    from intake_app import i18n

    win = unlocked
    ws = win.workspace
    case_id = _saved_case(qtbot, win, sample)
    lease, known = _lease(qtbot, win, server_keys, -1)
    assert lease == "expired" and known[1] == "expired"
    assert win.sync_status.lease.isVisible()
    assert win.sync_status.lease.text() == i18n.t("ui.sync.lease_expired", "es")
    # a new intake, by the button, Ctrl+N or the list: refused with the reason, no form
    with qtbot.waitSignal(ws.intake_refused, timeout=5_000) as refused:
        ws.new_button.click()
    assert refused.args == ["lease_expired"]
    assert ws.form is None and ws.stack.currentWidget() is ws.list_page
    assert ws.message.isVisible() and ws.message.text() == i18n.t("ui.lease.blocked", "es")
    assert ws.new_intake() is None
    # saved cases stay viewable
    with qtbot.waitSignal(ws.case_shown, timeout=20_000):
        ws.open_case(case_id)
    assert ws.case_view is not None
    # the lease survives a lock: still refused after unlocking
    from tests.ui.uikit import OFFICER, PASSPHRASE

    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        win.unlock_page.unlock_requested.emit(OFFICER, PASSPHRASE)
    wait_idle(qtbot, win)
    assert win.workspace.new_intake() is None


def test_expiring_lease_warns_but_allows(qtbot, unlocked, server_keys):
    from intake_app import i18n

    win = unlocked
    lease, _ = _lease(qtbot, win, server_keys, 3)
    assert lease == "expiring"
    assert win.sync_status.lease.text() == i18n.t("ui.sync.lease_expiring", "es")
    ws = win.workspace
    form = ws.new_intake()
    assert form is not None and ws.form is form
    assert ws.message.isVisible() and ws.message.text() == i18n.t("ui.lease.expiring_warning", "es")
    wait_idle(qtbot, win)


def test_renewed_lease_lifts_the_block(qtbot, unlocked, server_keys):
    win = unlocked
    _lease(qtbot, win, server_keys, -1)
    assert win.workspace.new_intake() is None
    _lease(qtbot, win, server_keys, 30)  # a sync renewed it
    assert win.workspace.new_intake() is not None
    wait_idle(qtbot, win)


def test_sync_dialog_says_the_lease_in_local_time(qtbot, unlocked, server_keys):
    """"Plazo sin conexión vigente hasta el 24/12/2026 06:48 (UTC−06:00)", not a raw ISO stamp."""
    from intake_app import i18n
    from intake_app.sync import identity
    from intake_app.timefmt import local_time_iso

    win = unlocked
    _lease(qtbot, win, server_keys, 30)
    stamp = {}
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        win.backend.op(lambda s: identity(s.require()).lease_until).success(
            lambda v: stamp.setdefault("until", v)).run()
    win.open_sync()
    wait_idle(qtbot, win)
    text = win.sync_dialog.identity.text()
    assert i18n.t("ui.lease.ok", "es", until=local_time_iso(stamp["until"])) in text
    assert "Plazo sin conexión vigente hasta el " in text and stamp["until"][:10] not in text
    win.sync_dialog.close()
    wait_idle(qtbot, win)


# --- the first-run wizard's optional enrollment request ------------------------------------
def test_wizard_writes_the_enrollment_request(qtbot, window, tmp_path):
    from intake_app import i18n

    wiz = wizard_to_device_page(window)
    page = wiz.device_page
    page.enroll.setChecked(True)
    assert not page.validatePage()  # no folder yet: said so, nothing created
    assert page.message.text() == i18n.t("ui.wizard.enroll_no_folder", "es")
    stick = tmp_path / "memoria"
    stick.mkdir()
    page.folder.setText(str(stick))  # what the folder chooser sets
    with qtbot.waitSignal(window.enroll_request_done, timeout=20_000) as done:
        wiz.button(wiz.WizardButton.FinishButton).click()
    assert done.args == [True]
    assert window.workspace is not None
    fingerprint = run_on_backend(qtbot, window, lambda s: s.require().device_keys().public().fingerprint())
    assert window.workspace.message.text() == i18n.t("ui.wizard.enroll_written_fp", "es", fingerprint=fingerprint)
    assert fingerprint in window.workspace.message.text()  # read to the supervisor, who compares it
    assert list((stick / "intake-enroll").iterdir())


def test_wizard_enrollment_request_needs_the_post(qtbot, window, tmp_path):
    from intake_app import i18n

    wiz = wizard_to_device_page(window, post="")
    page = wiz.device_page
    page.enroll.setChecked(True)
    page.folder.setText(str(tmp_path))
    assert not page.validatePage()
    assert page.message.text() == i18n.t("ui.wizard.enroll_no_post", "es")
    page.enroll.setChecked(False)  # optional: without it the vault is created as before
    with qtbot.waitSignal(window.unlocked, timeout=20_000):
        wiz.button(wiz.WizardButton.FinishButton).click()
    assert not (tmp_path / "intake-enroll").exists()


def test_a_revocation_on_the_stick_locks_the_window(qtbot, unlocked, server_keys, tmp_path):
    """The office imported a stick for this laptop after revoking it: reading the receipts
    back locks the window at once, says why, and the vault no longer opens."""
    from intake_app import i18n
    from intake_app.bundle.status import make_status
    from intake_app.sync import state
    from intake_app.sync.usb import RECEIPTS_DIR, STATUS_NAME

    win = unlocked
    _lease(qtbot, win, server_keys, 30)
    device = {}
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        win.backend.op(lambda s: s.require().device_id).success(lambda d: device.setdefault("id", d)).run()
    now = state.iso(datetime.now(timezone.utc))
    folder = tmp_path / "stick" / RECEIPTS_DIR / device["id"]
    folder.mkdir(parents=True)
    (folder / STATUS_NAME).write_bytes(make_status(server_keys=server_keys, device_id=device["id"], revoked=True,
                                                   lease_until=now, server_time=now))
    win.open_sync()
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.sync_dialog.import_receipts(str(tmp_path / "stick"))
    assert win.workspace is None and win.sync_dialog is None  # closed and destroyed by the lock
    assert win.unlock_page.message.text() == i18n.t("ui.syncdlg.revoked", "es")
    page = win.unlock_page
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        page.passphrase.setText("frase ficticia de la prueba")
        page._submit()
    assert win.workspace is None  # the vault refuses to open: DeviceRevoked
    assert page.message.text() == i18n.t("error.device_revoked", "es", device_id=device["id"])
