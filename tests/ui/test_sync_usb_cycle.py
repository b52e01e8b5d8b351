"""The USB cycle in the sync dialog, with the real window: the enrollment response from a
stick is accepted only with the server fingerprint the administrator reads; the counts
speak of cases as the status bar and the list do; the receipts say what was delivered and
what comes next; identity data of delivered cases is purged from the dialog and the list
and the case view say so; one job at a time, and a job whose dialog was closed still
reaches the officer. Everything waits on signals. FICTIONAL data only."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from intake_app import i18n
from tests.ui.uikit import run_on_backend, wait_idle


@pytest.fixture(scope="module")
def keys():
    """The office's server and another one (a training server, the other country's office)."""
    from intake_app.bundle import ServerKeys

    return ServerKeys.generate(), ServerKeys.generate()


def _device(qtbot, win):
    from intake_app.sync import state

    def job(s):
        v = s.require()
        info = state.server_info(v)
        return state.is_enrolled(v), info.fingerprint() if info else None
    return run_on_backend(qtbot, win, job)


def _response_on_stick(qtbot, win, server_keys, stick):
    from intake_app.sync.enroll import ENROLL_DIR
    from tests.sync.helpers import enrollment_response_for

    def job(s):
        v = s.require()
        return v.device_id, enrollment_response_for(v, server_keys)
    device_id, data = run_on_backend(qtbot, win, job)
    (stick / ENROLL_DIR).mkdir(parents=True, exist_ok=True)
    (stick / ENROLL_DIR / f"{device_id}.response").write_bytes(data)


def _open(qtbot, win, monkeypatch, stick):
    monkeypatch.setattr("ui.sync_dialog.ask_folder", lambda parent, title: str(stick))
    win.open_sync()
    dialog = win.sync_dialog
    wait_idle(qtbot, win)
    return dialog


def test_a_response_from_a_stick_needs_the_server_fingerprint(qtbot, unlocked, keys, tmp_path, monkeypatch):
    office, other = keys
    win = unlocked
    stick = tmp_path / "memoria"
    _response_on_stick(qtbot, win, other, stick)  # written by another server
    dialog = _open(qtbot, win, monkeypatch, stick)
    # the fingerprint typed in «Por la red» comes along: one field to type it, asked once
    dialog.enroll.fingerprint.setText(office.public_info().fingerprint())
    dialog.response_button.click()
    ask = dialog.fingerprint_dialog
    assert ask is not None and ask.isVisible()
    assert ask.fingerprint.text() == office.public_info().fingerprint()
    assert ask.fingerprint.accessibleName() == i18n.t("ui.syncdlg.server_fingerprint", "es")
    # the office's fingerprint, the response another server's: refused with words, nothing pinned
    ask.ok.click()
    wait_idle(qtbot, win)
    assert dialog.message.text() == i18n.t("error.server_key_untrusted.fingerprint", "es")
    assert dialog.message.objectName() == "error"
    assert _device(qtbot, win) == (False, None)
    assert i18n.t("ui.syncdlg.not_enrolled", "es") in dialog.identity.text()
    # nothing typed, or half of it: said in the small dialog, nothing imported
    dialog.enroll.fingerprint.clear()
    dialog.response_button.click()
    ask = dialog.fingerprint_dialog
    assert ask.fingerprint.text() == ""
    ask.ok.click()
    assert ask.isVisible() and ask.message.text() == i18n.t("ui.fingerprint.missing", "es")
    ask.fingerprint.setText("ABCD-EFGH")
    ask.ok.click()
    assert ask.isVisible() and ask.message.text() == i18n.t("ui.fingerprint.shape", "es")
    ask.cancel.click()
    wait_idle(qtbot, win)
    assert _device(qtbot, win) == (False, None)
    # the office's own response, with its fingerprint as read aloud (case and spaces do not matter)
    _response_on_stick(qtbot, win, office, stick)
    dialog.response_button.click()
    dialog.fingerprint_dialog.fingerprint.setText(" " + office.public_info().fingerprint().lower().replace("-", " "))
    with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "enroll_response", timeout=20_000):
        dialog.fingerprint_dialog.ok.click()
    wait_idle(qtbot, win)
    assert _device(qtbot, win) == (True, office.public_info().fingerprint())
    assert dialog.message.text() == i18n.t("ui.syncdlg.enrolled_now", "es")


def _enroll(qtbot, win, server_keys):
    from tests.sync.helpers import enroll

    run_on_backend(qtbot, win, lambda s: enroll(s.require(), server_keys))


def _save(qtbot, win, sample, n: int) -> list[str]:
    def job(s):
        ids = []
        for i in range(n):
            content = sample("intake-adult-woman")
            content["given_names"] = f"Ficticia{i} PRUEBA"
            ids.append(s.require().save_case(content).case_id)
        return ids
    ids = run_on_backend(qtbot, win, job)
    win.backend.cases_changed.emit()
    wait_idle(qtbot, win)
    return ids


def test_counts_receipts_and_purge(qtbot, unlocked, keys, sample, tmp_path, monkeypatch):
    from tests.sync.helpers import MiniServer

    office, _other = keys
    win = unlocked
    win.sync_driver.start = lambda url: None  # no network in this test
    _enroll(qtbot, win, office)
    ids = _save(qtbot, win, sample, 3)
    stick = tmp_path / "memoria"
    stick.mkdir()
    dialog = _open(qtbot, win, monkeypatch, stick)
    assert i18n.t("ui.syncdlg.cases", "es", pending=3, waiting=0) in dialog.identity.text()
    assert dialog.purge.isHidden()  # nothing delivered: nothing to remove

    # export: the cases are "sent", waiting for a receipt, as the status bar and the list say
    with qtbot.waitSignal(dialog.finished_job, timeout=20_000):
        dialog.export_button.click()
    wait_idle(qtbot, win)
    assert i18n.t("ui.syncdlg.cases", "es", pending=0, waiting=3) in dialog.identity.text()
    assert "3 casos enviados, sin recibo todavía" in dialog.identity.text()
    assert "revisiones por enviar" not in dialog.identity.text()
    assert win.sync_status.pending.text() == i18n.t("ui.sync.pending", "es", count=0)

    # the office imports the stick; the receipts come back: cases delivered and the next step
    mini = MiniServer(office)
    device_id, public = run_on_backend(qtbot, win, lambda s: (s.require().device_id,
                                                               s.require().device_keys().public()))
    mini.devices[device_id] = public
    assert mini.import_stick(stick)
    with qtbot.waitSignal(dialog.finished_job, timeout=20_000):
        dialog.receipts_button.click()
    wait_idle(qtbot, win)
    text = dialog.message.text()
    assert i18n.t("ui.syncdlg.receipts_cases", "es", cases=3, revisions=3) in text
    assert i18n.t("ui.syncdlg.receipts_next", "es", count=3, button=i18n.t("ui.purge.button", "es")) in text
    assert dialog.purge.isVisible() and dialog.purge.count.text() == i18n.t("ui.purge.count", "es", count=3)
    assert dialog.purge.button.isEnabled()
    # the status bar: the last contact, never "last receipt" for an enrollment
    assert win.sync_status.receipt.text().startswith("último contacto con el servidor: ")

    # purge: asked first (what, cannot be undone, the server keeps it; default No)
    dialog.purge.button.click()
    qtbot.waitUntil(lambda: dialog.purge.confirm_box is not None and dialog.purge.confirm_box.isVisible())
    box = dialog.purge.confirm_box
    assert box.text() == i18n.t("ui.purge.confirm", "es", count=3)
    assert "No se puede deshacer" in box.text() and "servidor central conserva" in box.text()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.No).click()
    wait_idle(qtbot, win)
    from intake_app.sync.purge import purged_among

    assert run_on_backend(qtbot, win, lambda s: purged_among(s.require(), ids)) == set()
    assert dialog.purge.button.isEnabled()
    dialog.purge.button.click()
    qtbot.waitUntil(lambda: dialog.purge.confirm_box is not None and dialog.purge.confirm_box.isVisible())
    with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "purge", timeout=20_000):
        dialog.purge.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    wait_idle(qtbot, win)
    assert dialog.message.text() == i18n.t("ui.purge.done", "es", cases=3, revisions=3)
    assert dialog.purge.isHidden() and not dialog.purge.button.isEnabled()

    # the list and the case view say it
    dialog.reject()
    page = win.workspace.list_page
    page.model.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    from ui.caselist import Column

    def sync_texts():
        return [page.model.data(page.model.index(r, Column.SYNC)) for r in range(3)]
    qtbot.waitUntil(lambda: "…" not in sync_texts())
    mark = i18n.t("ui.case.purged_short", "es") + " · " + i18n.t("sync.delivered", "es")
    assert sync_texts() == [mark] * 3
    ws = win.workspace
    with qtbot.waitSignal(ws.case_shown, timeout=20_000):
        ws.open_case(ids[0])
    assert ws.case_view.purged is not None and ws.case_view.purged.text() == i18n.t("ui.case.purged", "es")
    from PySide6.QtWidgets import QTextBrowser

    assert "Ficticia0" not in ws.case_view.findChild(QTextBrowser, "record").toPlainText()


def test_one_job_at_a_time_and_a_closed_dialog_still_reports(qtbot, unlocked, keys, sample, tmp_path, monkeypatch):
    import threading

    office, _other = keys
    win = unlocked
    win.sync_driver.start = lambda url: None
    _enroll(qtbot, win, office)
    _save(qtbot, win, sample, 1)
    stick = tmp_path / "memoria"
    stick.mkdir()
    dialog = _open(qtbot, win, monkeypatch, stick)
    assert dialog.export_button.isEnabled()
    # hold the worker so the export stays in flight while the test looks
    gate = threading.Event()
    win.backend.op(lambda s: gate.wait(20)).quiet().run()
    dialog.export_button.click()
    buttons = (dialog.export_button, dialog.receipts_button, dialog.push_button, dialog.request_button,
               dialog.response_button)
    assert not any(b.isEnabled() for b in buttons)  # no second job meanwhile
    # closed before it ends; opened again: still one job at a time
    dialog.reject()
    win.open_sync()
    again = win.sync_dialog
    assert again is not dialog and not any(b.isEnabled() for b in (again.export_button, again.receipts_button))
    again.reject()
    gate.set()
    wait_idle(qtbot, win)
    # the result reaches the officer in the window's status bar
    note = win.sync_status.note
    exported = i18n.t("ui.syncdlg.exported", "es", bundles=1, revisions=1)
    assert note.isVisible() and note.text() == i18n.t("ui.sync.note", "es", text=exported)
    assert note.toolTip().startswith(exported)
    # and an error does too, in red: a stick pulled out (the folder gone) while it waited
    win.open_sync()
    dialog = win.sync_dialog
    wait_idle(qtbot, win)
    assert not note.isVisible()  # the dialog is open: it says it there
    gate.clear()
    win.backend.op(lambda s: gate.wait(20)).quiet().run()
    dialog.receipts_button.click()
    dialog.reject()
    stick.rename(tmp_path / "retirada")
    gate.set()
    wait_idle(qtbot, win)
    assert note.isVisible() and note.objectName() == "error"


def test_a_revocation_met_after_the_dialog_closed_still_locks(qtbot, unlocked, keys, sample, tmp_path,
                                                              monkeypatch):
    import threading

    from intake_app.sync.errors import DeviceRevoked

    office, _other = keys
    win = unlocked
    win.sync_driver.start = lambda url: None
    _enroll(qtbot, win, office)
    stick = tmp_path / "memoria"
    stick.mkdir()
    dialog = _open(qtbot, win, monkeypatch, stick)

    def revoked(vault, folder):  # what the core raises for a signed "revoked" status on the stick
        raise DeviceRevoked(device_id=vault.device_id)
    monkeypatch.setattr("intake_app.sync.import_receipts", revoked)
    gate = threading.Event()
    win.backend.op(lambda s: gate.wait(20)).quiet().run()
    dialog.receipts_button.click()
    dialog.reject()
    with qtbot.waitSignal(win.locked, timeout=20_000):
        gate.set()
    assert win.workspace is None


def test_the_status_bar_before_any_vault_says_nothing_of_receipts(qtbot, window):
    status = window.sync_status
    assert status.pending_pair.isHidden() and status.receipt_pair.isHidden()
    assert i18n.t("ui.sync.no_contact", "es") not in status.receipt.text()


def test_a_closed_idle_sync_dialog_is_let_go_when_another_opens(qtbot, unlocked):
    """Each "Sincronizar…" made a new dialog and the closed ones stayed alive until the lock."""
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent

    win = unlocked
    win.open_sync()
    first = win.sync_dialog
    qtbot.waitUntil(first.isVisible)
    wait_idle(qtbot, win)
    first.close()
    win.open_sync()
    second = win.sync_dialog
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert second is not first and shiboken6.isValid(second)
    assert not shiboken6.isValid(first)
    second.close()
