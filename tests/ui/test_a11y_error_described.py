"""A problem said next to the widget that has the keyboard is also in that widget's
accessible description, as the intake form's fields carry theirs: the print dialog's
refusal on the copy and recipient choices (gone with the refusal), a failed save on
«Guardar PDF», and the answer of a printed summary's check on its code box. Fictional data."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.test_print_sync import _open_print, _saved_case
from tests.ui.uikit import run_on_backend, wait_idle


def test_a_print_refusal_is_described_on_the_choices(qtbot, unlocked, sample, tmp_path):
    win = unlocked
    dialog = _open_print(qtbot, win, _saved_case(qtbot, win, sample))
    choices = (dialog.copy, dialog.recipient, dialog.purpose)
    assert not any(c.accessibleDescription() for c in choices)
    dialog.copy.setFocus(Qt.FocusReason.TabFocusReason)
    with qtbot.waitSignal(dialog.refused, timeout=30_000) as refused:
        dialog.copy.setCurrentIndex(dialog.copy.findData("redacted"))
        dialog.recipient.setCurrentIndex(dialog.recipient.findData("iom"))  # not covered by the consent
    wait_idle(qtbot, win)
    text = refused.args[0]
    assert text and dialog.message.text() == text
    assert [c.accessibleDescription() for c in choices] == [text] * 3
    assert dialog.save_button.accessibleDescription() == ""
    with qtbot.waitSignal(dialog.preview_ready, timeout=30_000):
        dialog.copy.setCurrentIndex(dialog.copy.findData("official"))
    wait_idle(qtbot, win)
    assert dialog.message.isHidden() and not any(c.accessibleDescription() for c in choices)
    # a save into a folder that cannot be written: said on «Guardar PDF», not on the choices
    with qtbot.waitSignal(dialog.refused, timeout=30_000) as refused:
        dialog.save_to(str(tmp_path / "no-such-folder" / "resumen.pdf"))
    wait_idle(qtbot, win)
    assert dialog.save_button.accessibleDescription() == refused.args[0] != ""
    assert not any(c.accessibleDescription() for c in choices)
    dialog.reject()


def test_a_checked_code_says_its_answer_in_the_box(qtbot, unlocked, sample, tmp_path):
    from intake_app.printing import print_summary

    win = unlocked
    case_id = _saved_case(qtbot, win, sample)
    printed = run_on_backend(qtbot, win, lambda s: print_summary(s.require(), case_id, tmp_path / "r.pdf"))
    win.open_verify()
    dialog = win.verify_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.code.setText(printed.code[:-3] + "ZZZ")  # mistyped
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.check_button.isEnabled() and dialog.result.isVisible())
    assert dialog.code.accessibleDescription() == dialog.result.text() != ""
    dialog.code.setText(printed.code)
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.check_button.isEnabled() and dialog.result.objectName() == "ok")
    assert dialog.code.accessibleDescription() == dialog.result.text()
    assert dialog.result.text().startswith("Código válido")
    dialog.reject()
    wait_idle(qtbot, win)
