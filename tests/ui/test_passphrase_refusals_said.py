"""«Reactivar este equipo…» and «Retirar a …» say their problems with the box they concern,
as the officers tab does: first in the box's accessible description (its own help after
it), the keyboard there. A missing address or passphrase until typed; a refusal after the
passphrase is checked (a wrong one and its wait, a server not reached, no status on the
stick) with the passphrase box, still said while it is retyped, until the next try.
Fictional data."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from intake_app import i18n
from tests.sync.conftest import free_port
from tests.ui.uikit import PASSPHRASE, run_on_backend, wait_idle

WRONG = "frase ficticia equivocada"
SECOND = "segunda.ficticia"
REVOKED_ID = "3f2a9c0d1e4b4f6a8b7c6d5e4f3a2b1c"  # a fictional device id


def _try(qtbot, dialog, signal, passphrase: str = ""):
    dialog.passphrase.setText(passphrase)
    with qtbot.waitSignal(signal, timeout=30_000) as got:
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    return got.args[0] if got.args else None


@pytest.fixture
def reinstate(qtbot, unlocked):
    from intake_app.sync.errors import DeviceRevoked

    win = unlocked
    device_id = run_on_backend(qtbot, win, lambda s: s.require().device_id)
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    page = win.unlock_page
    page.failed(DeviceRevoked(device_id=REVOKED_ID))
    page.reinstate.click()
    dialog = page.reinstate_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)
    return dialog, device_id


def test_reinstating_says_each_problem_with_its_box(qtbot, reinstate, tmp_path):
    dialog, device_id = reinstate
    help_text = dialog.passphrase.accessibleDescription()
    assert help_text == i18n.t("ui.reinstate.help", "es", device=REVOKED_ID)
    dialog.url.clear()
    dialog.passphrase.setText(PASSPHRASE)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    need_server = i18n.t("ui.syncdlg.need_server", "es")
    assert dialog.message.text() == need_server == dialog.url.accessibleDescription()
    assert dialog.focusWidget() is dialog.url and dialog.passphrase.accessibleDescription() == help_text
    dialog.url.setText(f"http://127.0.0.1:{free_port()}")  # a server nobody answers
    assert not dialog.url.accessibleDescription() and dialog.message.isHidden()

    dialog.passphrase.clear()
    qtbot.keyClick(dialog.url, Qt.Key.Key_Return)
    need = i18n.t("ui.reinstate.need_passphrase", "es")
    assert dialog.passphrase.accessibleDescription() == need + " " + help_text
    assert dialog.focusWidget() is dialog.passphrase
    dialog.passphrase.setText("f")
    assert dialog.passphrase.accessibleDescription() == help_text and dialog.message.isHidden()

    err = _try(qtbot, dialog, dialog.failed, WRONG)
    assert err.code == "wrong_passphrase"
    wrong = dialog.message.text()
    assert wrong.startswith("Frase de paso incorrecta")
    assert dialog.passphrase.accessibleDescription() == wrong + " " + help_text
    assert dialog.focusWidget() is dialog.passphrase and not dialog.url.accessibleDescription()
    dialog.passphrase.setText("f")  # retyping: the answer and its wait stay until the next try
    assert dialog.passphrase.accessibleDescription() == wrong + " " + help_text
    qtbot.waitUntil(dialog.online_button.isEnabled, timeout=10_000)

    _try(qtbot, dialog, dialog.failed, PASSPHRASE)  # the server is not reached
    unreachable = i18n.t("ui.reinstate.unreachable", "es")
    assert dialog.passphrase.accessibleDescription() == unreachable + " " + help_text
    assert dialog.url.accessibleDescription() == unreachable
    dialog.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(dialog.failed, timeout=30_000):
        dialog.reinstate_from_stick(str(tmp_path))  # a stick without the office's status
    no_status = i18n.t("error.sync_no_status", "es", device_id=device_id)
    assert dialog.passphrase.accessibleDescription() == no_status + " " + help_text
    assert not dialog.url.accessibleDescription()  # that try's problem is not about the address


@pytest.fixture
def remove_dialog(qtbot, unlocked):
    run_on_backend(qtbot, unlocked, lambda s: s.require().add_officer(SECOND, "otra frase ficticia de prueba"))
    unlocked.open_settings()
    settings = unlocked.settings_dialog
    qtbot.waitUntil(settings.isVisible)
    wait_idle(qtbot, unlocked)
    tab = settings.officers
    settings.show_tab(tab)
    tab.officer_list.setCurrentRow([tab.officer_list.item(i).text()
                                    for i in range(tab.officer_list.count())].index(SECOND))
    tab.remove_button.click()
    dialog = tab.remove_dialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_removing_an_officer_says_each_problem_with_the_passphrase(qtbot, unlocked, remove_dialog):
    dialog, box = remove_dialog, remove_dialog.passphrase
    help_text = box.accessibleDescription()
    qtbot.keyClick(box, Qt.Key.Key_Return)  # nothing typed
    missing = i18n.t("ui.settings.current_missing", "es")
    assert dialog.message.text() == missing and box.accessibleDescription() == missing + " " + help_text
    assert dialog.focusWidget() is box
    box.setText(WRONG)
    assert box.accessibleDescription() == help_text and dialog.message.isHidden()

    qtbot.keyClick(box, Qt.Key.Key_Return)
    wait_idle(qtbot, unlocked)
    wrong = i18n.t("error.wrong_passphrase", "es", failures=1, retry_after=1)
    assert dialog.message.text() == wrong and box.accessibleDescription() == wrong + " " + help_text
    assert dialog.focusWidget() is box
    box.setText("f")  # retyping: the answer and its wait stay until the next try
    assert box.accessibleDescription() == wrong + " " + help_text
    qtbot.waitUntil(dialog.button.isEnabled, timeout=10_000)
    box.setText(PASSPHRASE)
    with qtbot.waitSignal(dialog.removed, timeout=20_000):
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert box.accessibleDescription() == help_text
