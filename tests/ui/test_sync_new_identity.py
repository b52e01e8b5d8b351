"""«Identidad nueva…» in the sync dialog: a laptop whose data folder was cloned after a
delivered sync meets the fork for real against the REAL central server on 127.0.0.1; the
button shows only then, asks with the CLI's words (No changes nothing), and Yes gives a
new device id, empties the background sync's queue and leads to the dialog's enrollment
by stick; once the administrator approves, the background sync delivers every case.
Everything waits on signals. FICTIONAL data only."""

from __future__ import annotations

import shutil

from tests.ui.uikit import OFFICER, PASSPHRASE, run_on_backend, wait_idle


def _save_case(qtbot, win, sample, name: str):
    content = sample("intake-adult-woman")
    content["given_names"] = f"{name} FICTICIA"
    out = {}
    with qtbot.waitSignal(win.backend.cases_changed, timeout=20_000):
        win.backend.op(lambda s: s.require().save_case(content).revision_id) \
            .success(lambda r: out.setdefault("r", r)).changes_cases().run()
    return out["r"]


def _clone(qtbot, win, tmp_path):
    """The data folder as IT images it, copied on the vault worker (nothing writes meanwhile)."""
    from intake_app.vault import Vault

    target = tmp_path / "clon"

    def job(s):
        s.require().checkpoint()
        shutil.copytree(s.home, target)

    run_on_backend(qtbot, win, job)
    return Vault.open(target, OFFICER, PASSPHRASE)


def _delivered_then_cloned(qtbot, win, sample, server, tmp_path):
    """Enrolled, one case delivered by "Sync now", the folder cloned; the clone delivers its own
    bundle 2. Returns (dialog, first revision, the clone's revision)."""
    from intake_app.sync.client import push

    run_on_backend(qtbot, win, lambda s: server.enroll(s.require()))
    first = _save_case(qtbot, win, sample, "Primera")
    win.open_sync()
    dialog = win.sync_dialog
    wait_idle(qtbot, win)
    assert dialog.new_identity.isHidden()
    dialog.url.setText(server.url)
    with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "push", timeout=30_000):
        dialog.push_button.click()
    assert dialog.new_identity.isHidden()  # a sync that went well: no way out to offer
    clone = _clone(qtbot, win, tmp_path)
    try:
        on_clone = clone.save_case({**sample("intake-adult-woman"), "given_names": "Clon FICTICIA"}).revision_id
        assert push(clone, server.url).delivered == [2]
    finally:
        clone.close()
    return dialog, first, on_clone


def _device(qtbot, win):
    from intake_app.sync import state

    return run_on_backend(qtbot, win, lambda s: (s.require().device_id, state.is_enrolled(s.require())))


def _box(qtbot, win, dialog):
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        dialog.new_identity.button.click()
    box = dialog.new_identity.confirm_box
    assert box is not None and box.isVisible()
    return box


def test_a_cloned_laptop_takes_a_new_identity_from_the_dialog(qtbot, unlocked, sample, server, tmp_path,
                                                              monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from intake_app import i18n
    from intake_app.server.ingest import Ingestor
    from intake_app.server.usb import import_dir
    from intake_app.server import devices
    from intake_app.sync.client import SyncClient

    win = unlocked
    driver = win.sync_driver
    dialog, first, on_clone = _delivered_then_cloned(qtbot, win, sample, server, tmp_path)
    # this laptop's upload of its bundle 2 crosses the clone's: it asked for its receipts just
    # before the clone's bundle 2 arrived, so it meets the server's own refusal, bundle_fork
    monkeypatch.setattr(SyncClient, "receipts", lambda self, device_id, after: [])
    with qtbot.waitSignal(driver.failed, timeout=30_000) as failed:
        later = _save_case(qtbot, win, sample, "Despues")  # the background sync sends it at once
    assert (failed.args[0].code, failed.args[0].params.get("reason")) == ("sync_server_refused", "bundle_fork")
    assert dialog.new_identity.isVisible() and dialog.new_identity.button.isEnabled()
    assert driver.service.queued() == [2]  # the refused bundle stays queued: it would go again, for ever
    # "Sync now" says why, in the dialog
    with qtbot.waitSignal(driver.failed, timeout=30_000):
        dialog.push_button.click()
    assert dialog.message.text() == i18n.describe_error(failed.args[0], "es")
    assert dialog.progress.isHidden()
    monkeypatch.undo()
    old_id, enrolled = _device(qtbot, win)
    assert enrolled

    # No: nothing changes
    box = _box(qtbot, win, dialog)
    assert box.text() == i18n.t("sync_cli.new_identity_confirm", "es", device=old_id, revisions=1)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.No).click()
    wait_idle(qtbot, win)
    assert _device(qtbot, win) == (old_id, True)
    assert driver.running() and driver.service.queued() == [2]
    assert dialog.new_identity.isVisible() and dialog.new_identity.button.isEnabled()

    # Yes: a new id, the old chain's queued upload gone, the enrollment step
    service = driver.service
    box = _box(qtbot, win, dialog)
    with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "new_identity", timeout=30_000):
        box.button(QMessageBox.StandardButton.Yes).click()
    wait_idle(qtbot, win)
    new_id, enrolled = _device(qtbot, win)
    assert new_id != old_id and len(new_id) == 32 and not enrolled
    assert service.queued() == [] and not driver.running()
    panel = dialog.new_identity
    assert panel.isVisible() and panel.button.isHidden() and dialog.message.isHidden()
    assert panel.result.isVisible()
    assert panel.result.text().startswith(f"Identidad nueva: equipo {new_id} (antes {old_id})")
    assert run_on_backend(qtbot, win, lambda s: s.require().device_keys().public().fingerprint()) in panel.result.text()
    assert "«Inscribir por la red»" in panel.result.text()  # the network way too, not only the stick
    assert dialog.focusWidget() is dialog.request_button and dialog.request_button.isEnabled()
    assert i18n.t("ui.syncdlg.not_enrolled", "es") in dialog.identity.text() and new_id in dialog.identity.text()
    assert not dialog.push_button.isEnabled()

    # the enrollment by stick, with the dialog's own buttons; the administrator approves
    stick = tmp_path / "stick"
    stick.mkdir()
    monkeypatch.setattr("ui.sync_dialog.ask_folder", lambda parent, title: str(stick))
    with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "enroll_request", timeout=30_000):
        dialog.request_button.click()
    ingest = Ingestor(server.engine, server.keystore)
    assert [e[0] for e in import_dir(server.engine, ingest, server.keystore, stick).enrollments] == [new_id]
    devices.approve(server.engine, server.keystore, new_id, actor="test", lease_days=server.settings.lease_days)
    assert import_dir(server.engine, ingest, server.keystore, stick).responses_written == [new_id]
    # the response imported: the window's status sees an enrolled laptop and the background sync
    # starts again, with a queue of the new chain only
    idle = lambda st, info: st == "idle"  # noqa: E731
    with qtbot.waitSignal(driver.state_changed, check_params_cb=idle, timeout=30_000):
        dialog.response_button.click()
    assert driver.running() and driver.service is not service and driver.service.queued() == []
    assert panel.isHidden()  # delivered: nothing left to say
    states = run_on_backend(qtbot, win, lambda s: sorted(c.sync_state for c in s.require().list_cases()))
    assert states == ["delivered", "delivered"]
    held = {r[0] for r in server.rows("SELECT revision_id FROM revisions")}
    assert held == {first, on_clone, later}  # every case once, none lost
    assert server.scalar("SELECT device_id FROM revisions WHERE revision_id = :r", r=later) == new_id


def test_a_refused_receipt_offers_it_too_and_a_dialog_opened_later_shows_it(qtbot, unlocked, sample, server,
                                                                           tmp_path):
    """Without the crossing, the cloned laptop meets the clone's receipt for a bundle 2 it
    never built (receipt_unknown_revisions): the same way out."""
    win = unlocked
    driver = win.sync_driver
    dialog, _first, _on_clone = _delivered_then_cloned(qtbot, win, sample, server, tmp_path)
    with qtbot.waitSignal(driver.failed, timeout=30_000) as failed:
        _save_case(qtbot, win, sample, "Despues")
    assert failed.args[0].code == "receipt_unknown_revisions"
    assert dialog.new_identity.isVisible()
    dialog.reject()
    wait_idle(qtbot, win)
    win.open_sync()
    wait_idle(qtbot, win)
    assert win.sync_dialog is not dialog and win.sync_dialog.new_identity.isVisible()


def test_only_fork_type_refusals_offer_a_new_identity():
    from intake_app.bundle.errors import ReceiptUnknownRevisions
    from intake_app.sync.errors import (
        NotEnrolled, ReceiptBundleMismatch, ReceiptOtherDevice, ServerRefused, ServerUnreachable,
    )
    from ui.new_identity import is_fork

    assert is_fork(ServerRefused(status=409, reason="bundle_fork"))
    assert is_fork(ReceiptBundleMismatch(sequence=2))
    assert is_fork(ReceiptUnknownRevisions(count=1, device_id="a" * 32, sequence=2))
    for other in (ServerRefused(status=403, reason="device_unknown"), ServerRefused(status=409),
                  ReceiptOtherDevice(device_id="b" * 32), NotEnrolled(), ServerUnreachable(reason="timeout"),
                  RuntimeError("x")):
        assert not is_fork(other), other


def test_the_service_queue_can_be_reset():
    """Core (no Qt): after a new identity the queued bundles of the old chain are forgotten,
    and their sequences can be queued again for the new chain."""
    from intake_app.sync import SyncService

    svc = SyncService(lambda fn: None, "http://127.0.0.1:9")
    assert svc.enqueue(1, b"old-1") and svc.enqueue(2, b"old-2")
    assert svc.reset_queue() == 2
    assert svc.queued() == [] and svc.reset_queue() == 0
    assert svc.enqueue(1, b"new-1") and svc.queued() == [1]
