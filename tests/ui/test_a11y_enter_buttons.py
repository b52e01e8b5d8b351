"""Enter presses the push button that has the keyboard, as Space does, also outside a dialog
(Qt does so only in one): «Imprimir» and «Editar» of a case, the form's «Hoy» and «Cerrar»,
the top bar; in the drafts list Enter on «Cerrar» closes it rather than continuing a draft.
All data is fictional."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from tests.ui.test_drafts_list import _draft, _open_list
from tests.ui.test_print_sync import _saved_case
from tests.ui.uikit import wait_idle

Key, Mod = Qt.Key, Qt.KeyboardModifier


def _focus(qtbot, widget) -> None:
    widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)


def _case_view(qtbot, win, sample):
    ws = win.workspace
    case_id = _saved_case(qtbot, win, sample)
    with qtbot.waitSignal(ws.case_shown, timeout=20_000):
        ws.open_case(case_id)
    return ws.case_view


def test_enter_on_print_opens_the_print_dialog(qtbot, unlocked, sample):
    win = unlocked
    view = _case_view(qtbot, win, sample)
    assert view.print_button.isEnabled()
    _focus(qtbot, view.print_button)
    with qtbot.waitSignal(win.workspace.print_requested, timeout=5_000) as asked:
        qtbot.keyClick(view.print_button, Key.Key_Return)
    assert asked.args[0].case_id == view.record.case_id
    dialog = win.print_dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.preview_ready, timeout=30_000):
        pass
    qtbot.waitUntil(dialog.isVisible)
    dialog.reject()
    wait_idle(qtbot, win)


def test_enter_on_edit_then_on_today_and_close(qtbot, unlocked, sample):
    """Opening a case puts the keyboard on «Editar»: Enter opens the form. There Enter on
    «Hoy» fills the date, and the keypad's Enter on «Cerrar» goes back to the list."""
    win = unlocked
    ws = win.workspace
    view = _case_view(qtbot, win, sample)
    qtbot.waitUntil(view.edit_button.hasFocus)
    qtbot.keyClick(view.edit_button, Key.Key_Return)
    form = ws.form
    assert form is not None and ws.stack.currentWidget() is form and form.case_id == view.record.case_id

    form.go(form.section_of["record_date"])
    dates = form.rows["record_date"].editor
    dates.edit.clear()
    _focus(qtbot, dates.today)
    qtbot.keyClick(dates.today, Key.Key_Return)
    assert dates.value() == date.today().isoformat()

    _focus(qtbot, form.cancel_button)
    with qtbot.waitSignal(form.cancelled, timeout=20_000):
        qtbot.keyClick(form.cancel_button, Key.Key_Enter, Mod.KeypadModifier)
    qtbot.waitUntil(lambda: ws.stack.currentWidget() is ws.list_page)
    wait_idle(qtbot, win)


def test_enter_on_the_top_bar(qtbot, unlocked):
    ws = unlocked.workspace
    _focus(qtbot, ws.new_button)
    qtbot.keyClick(ws.new_button, Key.Key_Return)
    assert ws.form is not None and ws.stack.currentWidget() is ws.form
    _focus(qtbot, ws.cases_button)
    qtbot.keyClick(ws.cases_button, Key.Key_Return)
    assert ws.stack.currentWidget() is ws.list_page
    wait_idle(qtbot, unlocked)


def test_enter_on_close_in_the_drafts_list_closes_it(qtbot, unlocked):
    """«Cerrar» and «Descartar» are no default buttons of the list: Enter on them went on to
    «Continuar» and opened the draft."""
    win = unlocked
    ws = win.workspace
    _draft(qtbot, win, 2, consent_status="given")
    dialog = _open_list(qtbot, win)
    _focus(qtbot, dialog.close_button)
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.keyClick(dialog.close_button, Key.Key_Return)
    assert ws.form is None and ws.stack.currentWidget() is ws.list_page
    wait_idle(qtbot, win)


def test_enter_on_sync_in_the_status_bar_opens_the_sync_dialog(qtbot, unlocked):
    """«Sincronizar…» is in the status bar, outside the workspace: Enter presses it too."""
    win = unlocked
    button = win.sync_status.sync_now
    qtbot.waitUntil(button.isVisible, timeout=5_000)
    _focus(qtbot, button)
    qtbot.keyClick(button, Key.Key_Return)
    qtbot.waitUntil(lambda: getattr(win, "sync_dialog", None) is not None and win.sync_dialog.isVisible(),
                    timeout=10_000)
    win.sync_dialog.reject()
    wait_idle(qtbot, win)
