"""«Inscribir por la red» pressed again once approved, with the server fingerprint field
empty: «Solicitud aprobada. Para aceptarla, escriba la huella del servidor…» is the
expected next step, shown as the pending request is (a banner), not in the red of an
error; the cursor goes to the field. A real refusal stays red. FICTIONAL data."""

from __future__ import annotations

from intake_app import i18n
from tests.ui.uikit import wait_idle

BUTTON = i18n.t("ui.syncdlg.enroll_online", "es")


def _dialog(qtbot, win):
    win.open_sync()
    dialog = win.sync_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)
    return dialog


def test_the_fingerprint_step_is_not_an_error(qtbot, unlocked):
    from intake_app.sync.errors import ServerFingerprintRequired

    dialog = _dialog(qtbot, unlocked)
    dialog.activateWindow()
    dialog.enroll.failed.emit(ServerFingerprintRequired())
    assert dialog.message.text() == i18n.t("ui.syncdlg.fingerprint_needed", "es", button=BUTTON)
    assert dialog.message.objectName() == "banner" and not dialog.message.isHidden()
    qtbot.waitUntil(dialog.enroll.fingerprint.hasFocus)
    dialog.close()
    wait_idle(qtbot, unlocked)


def test_a_refusal_is_still_an_error(qtbot, unlocked):
    from intake_app.sync.errors import EnrollmentRefused

    dialog = _dialog(qtbot, unlocked)
    dialog.enroll.failed.emit(EnrollmentRefused())
    assert dialog.message.text() == i18n.t("error.sync_enrollment_refused", "es")
    assert dialog.message.objectName() == "error"
    dialog.close()
    wait_idle(qtbot, unlocked)
