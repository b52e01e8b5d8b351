"""The sync dialog's problems are said with the box they concern, as the set-up pages say
theirs: first in that box's accessible description (what a screen reader says after its
name), the keyboard on it, and gone once fixed or at the next try. A missing address with
the address; a missing border post with the button pressed; the server fingerprint needed,
or not the server's, with the fingerprint (its help said after it); a server not reached
with the button and the address; a job refused by the core with its button. Against the
REAL central server on 127.0.0.1 where a server answers. Fictional data."""

from __future__ import annotations

from PySide6.QtCore import Qt

from intake_app import i18n
from tests.sync.conftest import free_port
from tests.ui.uikit import run_on_backend, wait_idle

BUTTON = i18n.t("ui.syncdlg.enroll_online", "es")
FINGERPRINT_HELP = i18n.t("ui.syncdlg.server_fingerprint_help", "es")


def _open(qtbot, win, url: str):
    win.open_sync()
    dialog = win.sync_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)
    dialog.url.setText(url)
    return dialog


def _keyboard_on(dialog, box) -> bool:
    return dialog.focusWidget() is box


def _press(qtbot, dialog, signal):
    with qtbot.waitSignal(signal, timeout=30_000) as got:
        dialog.enroll.button.click()
    return got.args[0] if got.args else None


def test_the_address_and_the_post_are_said_with_their_box(qtbot, unlocked, tmp_path):
    win = unlocked
    dialog = _open(qtbot, win, "  ")
    dialog.enroll.button.click()
    need_server = i18n.t("ui.syncdlg.need_server", "es")
    assert dialog.message.text() == need_server == dialog.url.accessibleDescription()
    assert _keyboard_on(dialog, dialog.url)
    dialog.url.setText("   ")  # still no address: still said
    assert dialog.url.accessibleDescription() == need_server and dialog.message.isVisible()
    dialog.url.setText(f"http://127.0.0.1:{free_port()}")  # typed: gone from the box and from under it
    assert dialog.url.accessibleDescription() == "" and dialog.message.isHidden()

    dialog.prefs = dialog.prefs.with_(post="")  # no border post chosen in the settings
    dialog.enroll.button.click()
    need_post = i18n.t("ui.syncdlg.need_post", "es")
    assert dialog.enroll.button.accessibleDescription() == need_post == dialog.message.text()
    assert _keyboard_on(dialog, dialog.enroll.button) and not dialog.url.accessibleDescription()
    dialog.enroll_request(str(tmp_path))  # the request for a stick: said with its own button
    assert dialog.request_button.accessibleDescription() == need_post
    assert dialog.enroll.button.accessibleDescription() == "" and _keyboard_on(dialog, dialog.request_button)

    dialog.prefs = dialog.prefs.with_(post="cr_paso_canoas")  # chosen; tried again: a server nobody answers
    err = _press(qtbot, dialog, dialog.enroll.failed)
    assert err.code == "sync_server_unreachable"
    unreachable = i18n.t("ui.syncdlg.enroll_unreachable", "es", button=BUTTON)
    assert dialog.enroll.button.accessibleDescription() == unreachable == dialog.url.accessibleDescription()
    assert not dialog.request_button.accessibleDescription()  # the next try: what was said before goes
    assert dialog.enroll.fingerprint.accessibleDescription() == FINGERPRINT_HELP
    dialog.url.setText(dialog.url.text() + "/")  # the address changed: said no more
    assert not dialog.enroll.button.accessibleDescription() and not dialog.url.accessibleDescription()
    assert dialog.message.isHidden()
    with qtbot.waitSignal(dialog.finished_job, timeout=20_000):
        dialog.enroll_request(str(tmp_path))  # written: an answer that is no problem, said with no box
    assert dialog.message.objectName() == "ok" and not dialog.request_button.accessibleDescription()


def test_the_server_fingerprint_is_said_with_its_box(qtbot, unlocked, server):
    from intake_app.server import devices

    win = unlocked
    dialog = _open(qtbot, win, server.url)
    field = dialog.enroll.fingerprint
    device_id = _press(qtbot, dialog, dialog.enroll.pending).device_id
    assert field.accessibleDescription() == FINGERPRINT_HELP  # a step, not a problem
    devices.approve(server.engine, server.keystore, device_id, actor="test", lease_days=server.settings.lease_days)

    err = _press(qtbot, dialog, dialog.enroll.failed)  # approved, and no fingerprint typed
    assert err.code == "sync_server_fingerprint_required"
    needed = i18n.t("ui.syncdlg.fingerprint_needed", "es", button=BUTTON)
    assert dialog.message.text() == needed and field.accessibleDescription() == needed + " " + FINGERPRINT_HELP
    assert _keyboard_on(dialog, field)
    field.setText("  ")  # spaces are no fingerprint: still said
    assert field.accessibleDescription().startswith(needed)
    field.setText("AAAA-BBBB-CCCC-DDDD-EEEE")
    assert field.accessibleDescription() == FINGERPRINT_HELP and dialog.message.isHidden()

    with qtbot.waitSignal(dialog.enroll.failed, timeout=30_000):
        qtbot.keyClick(field, Qt.Key.Key_Return)  # not the server's
    untrusted = i18n.t("error.server_key_untrusted.fingerprint", "es")
    assert dialog.message.text() == untrusted and field.accessibleDescription() == untrusted + " " + FINGERPRINT_HELP
    assert _keyboard_on(dialog, field) and not dialog.enroll.button.accessibleDescription()
    field.setText(server.server_keys.public_info().fingerprint())  # corrected: said no more
    assert field.accessibleDescription() == FINGERPRINT_HELP and dialog.message.isHidden()
    with qtbot.waitSignal(dialog.finished_job, check_params_cb=lambda k: k == "enroll_online", timeout=30_000):
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert dialog.message.objectName() == "ok"


def test_a_refused_job_is_said_with_its_button(qtbot, unlocked, server, tmp_path):
    win = unlocked
    run_on_backend(qtbot, win, lambda s: server.enroll(s.require()))
    dialog = _open(qtbot, win, server.url)
    assert dialog.export_button.isEnabled()
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        dialog.export_to(str(tmp_path / "no-such-stick"))  # the core refuses: no such folder
    refusal = dialog.message.text()
    assert refusal and dialog.message.objectName() == "error"
    assert dialog.export_button.accessibleDescription() == refusal and _keyboard_on(dialog, dialog.export_button)
    assert not dialog.url.accessibleDescription()
    stick = tmp_path / "stick"
    stick.mkdir()
    with qtbot.waitSignal(dialog.finished_job, timeout=20_000):
        dialog.export_to(str(stick))  # tried again, done: said no more
    assert not dialog.export_button.accessibleDescription()

    win.sync_driver.stop()
    dialog.url.setText(f"http://127.0.0.1:{free_port()}")  # «Sincronizar ahora» with a server nobody answers
    with qtbot.waitSignal(dialog.job_ended, timeout=30_000):
        dialog.push_button.click()
    offline = i18n.t("ui.syncdlg.offline_retry", "es")
    assert dialog.message.text() == offline
    assert dialog.push_button.accessibleDescription() == offline == dialog.url.accessibleDescription()
    dialog.url.setText(server.url)
    assert not dialog.push_button.accessibleDescription() and not dialog.url.accessibleDescription()
