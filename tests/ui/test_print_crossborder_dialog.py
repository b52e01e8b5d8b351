"""The print dialog still lists every institution; a copy for an institution of the other country
than the case's post, on a consent without "other country", is refused in words the officer can
act on (Spanish first), and browsing the preview audits nothing. FICTIONAL data."""

from __future__ import annotations

from tests.ui.test_print_person_dialog import _saved_case
from tests.ui.test_print_sync import _actions
from tests.ui.uikit import wait_idle


def test_a_copy_across_the_border_without_consent_is_refused_in_the_dialog(qtbot, unlocked, sample):
    win = unlocked
    content = sample("intake-unaccompanied-boy")  # Lajas Blancas (Panamá)
    content["consent_recipients"] = ["services"]  # care institutions, not the other country
    case_id = _saved_case(qtbot, win, content)
    ws = win.workspace
    with qtbot.waitSignal(ws.case_shown, timeout=20_000):
        ws.open_case(case_id)
    ws.case_view.print_button.click()
    dialog = win.print_dialog
    with qtbot.waitSignal(dialog.preview_ready, timeout=30_000):
        pass
    assert dialog.recipient.findData("pani") >= 0 and dialog.recipient.findData("senniaf") >= 0
    with qtbot.waitSignal(dialog.preview_ready, timeout=30_000):  # still the official copy
        dialog.recipient.setCurrentIndex(dialog.recipient.findData("pani"))
    wait_idle(qtbot, win)
    with qtbot.waitSignal(dialog.refused, timeout=30_000) as refused:  # one refusal: for PANI
        dialog.copy.setCurrentIndex(dialog.copy.findData("redacted"))
    wait_idle(qtbot, win)
    text = refused.args[0]
    assert "PANI" in text and "Costa Rica" in text and "Panamá" in text and "No se imprimió nada" in text
    assert dialog.message.isVisible() and not dialog.print_button.isEnabled()
    with qtbot.waitSignal(dialog.preview_ready, timeout=30_000):  # the post's own country: printed
        dialog.recipient.setCurrentIndex(dialog.recipient.findData("senniaf"))
    wait_idle(qtbot, win)
    assert dialog.print_button.isEnabled()
    assert "case_print_refused" not in _actions(qtbot, win, case_id)
