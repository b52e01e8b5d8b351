"""Set-up boxes outside the wizard say their problem with the box, as the wizard does: the
settings' «Agregar oficial» and «Mi frase de paso» tabs (a missing name, a short or
different passphrase, the current one missing or wrong) and the server fingerprint asked
before a stick's enrollment response is accepted. The problem is first in the box's
accessible description while it holds, gone (the box's own help back) once fixed.
Fictional data."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from intake_app import i18n
from tests.ui.uikit import PASSPHRASE, wait_idle

NEW = "nueva frase ficticia de prueba"
WRONG = "frase ficticia equivocada"


@pytest.fixture
def dialog(qtbot, unlocked):
    unlocked.open_settings()
    dlg = unlocked.settings_dialog
    qtbot.waitUntil(lambda: dlg.isVisible())
    wait_idle(qtbot, unlocked)
    return dlg


def _enter(qtbot, edit) -> None:
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_adding_an_officer_says_each_problem_with_its_box(qtbot, unlocked, dialog):
    tab = dialog.officers
    dialog.show_tab(tab)
    boxes = tab.fields()
    _enter(qtbot, tab.name)
    missing = i18n.t("ui.wizard.name_missing", "es")
    assert tab.message.text() == missing == tab.name.accessibleDescription() and tab.name.hasFocus()
    tab.name.setText("segunda.ficticia")
    assert not any(b.accessibleDescription() for b in boxes) and tab.message.isHidden()

    tab.passphrase.setText("corta")
    _enter(qtbot, tab.name)
    weak = i18n.t("error.weak_passphrase", "es", min_length=10)
    assert tab.passphrase.accessibleDescription() == weak and tab.passphrase.hasFocus()
    tab.passphrase.setText("corta" + "x")  # still short: still said
    assert tab.passphrase.accessibleDescription() == weak and tab.message.isVisible()
    tab.passphrase.setText(NEW)
    assert not any(b.accessibleDescription() for b in boxes) and tab.message.isHidden()

    tab.repeat.setText(NEW + "!")
    _enter(qtbot, tab.name)
    assert tab.repeat.accessibleDescription() == i18n.t("ui.wizard.mismatch", "es") and tab.repeat.hasFocus()
    tab.repeat.setText(NEW)
    assert not any(b.accessibleDescription() for b in boxes)

    _enter(qtbot, tab.name)
    current_missing = i18n.t("ui.settings.current_missing", "es")
    assert tab.current.accessibleDescription() == current_missing and tab.current.hasFocus()

    tab.current.setText(WRONG)  # typed: that problem goes
    assert not any(b.accessibleDescription() for b in boxes) and tab.message.isHidden()
    _enter(qtbot, tab.current)
    wait_idle(qtbot, unlocked)
    wrong = i18n.t("error.wrong_passphrase", "es", failures=1, retry_after=1)
    assert tab.message.text() == wrong == tab.current.accessibleDescription() and tab.current.hasFocus()
    tab.current.setText("f")  # retyping: the answer (and its wait) stays until the next try, as when unlocking
    assert tab.current.accessibleDescription() == wrong
    qtbot.waitUntil(tab.button.isEnabled, timeout=5_000)
    tab.current.setText(PASSPHRASE)
    _enter(qtbot, tab.current)
    wait_idle(qtbot, unlocked)
    assert tab.message.text() == i18n.t("ui.settings.officer_added", "es", name="segunda.ficticia")
    assert not any(b.accessibleDescription() for b in boxes)  # an answer that is not a problem: not said with a box


def test_changing_my_passphrase_says_the_missing_one_with_its_box(qtbot, unlocked, dialog):
    tab = dialog.passphrase
    dialog.show_tab(tab)
    tab.new.setText(NEW)
    tab.repeat.setText(NEW)
    _enter(qtbot, tab.repeat)
    missing = i18n.t("ui.settings.current_missing", "es")
    assert tab.current.accessibleDescription() == missing and tab.current.hasFocus()
    tab.current.setText(PASSPHRASE)
    tab.repeat.setText(NEW + "!")
    assert not tab.current.accessibleDescription() and tab.message.isHidden()
    _enter(qtbot, tab.current)
    assert tab.repeat.accessibleDescription() == i18n.t("ui.wizard.mismatch", "es")
    tab.forget()  # as closing the dialog does: the fields emptied, nothing said any more
    assert not any(b.accessibleDescription() for b in tab.fields()) and tab.message.isHidden()


def test_the_server_fingerprint_says_its_problem_with_the_box(qtbot):
    from ui.fingerprint import ServerFingerprintDialog

    dialog = ServerFingerprintDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    box, help_text = dialog.fingerprint, i18n.t("ui.fingerprint.required_help", "es")
    assert box.accessibleDescription() == help_text
    _enter(qtbot, box)  # empty
    missing = i18n.t("ui.fingerprint.missing", "es")
    assert dialog.message.text() == missing and box.accessibleDescription() == missing + " " + help_text
    box.setText("ABCD")  # not missing any more: said again at the next check, if still wrong
    assert box.accessibleDescription() == help_text and dialog.message.isHidden()
    _enter(qtbot, box)
    shape = i18n.t("ui.fingerprint.shape", "es")
    assert box.accessibleDescription() == shape + " " + help_text and dialog.isVisible()
    box.setText("ABCD-EFGH")  # still incomplete: still said
    assert box.accessibleDescription() == shape + " " + help_text
    box.setText("abcd-efgh-jklm-npqr-stuv")
    assert box.accessibleDescription() == help_text and dialog.message.isHidden()
    with qtbot.waitSignal(dialog.confirmed, timeout=5_000):
        _enter(qtbot, box)
