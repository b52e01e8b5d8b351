"""Keyboard use: where the focus goes (unlock, new intake, after a save, after a dialog,
on Ctrl+S with problems), Tab out of the case table, a visible focus on every kind of
control, Esc on the first-run wizard, a country typed in part, the shortcuts shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from intake_app import i18n
from tests.ui.uikit import wait_idle

Key, Mod = Qt.Key, Qt.KeyboardModifier


def _focus():
    return QApplication.focusWidget()


def _inside(widget, root) -> bool:
    return widget is not None and (widget is root or root.isAncestorOf(widget))


def _filled(form, sample) -> None:
    for key, value in sample("intake-adult-woman").items():
        if key in form.rows:
            form.rows[key].editor.set_value(value)
    form.refresh()


def test_focus_after_unlock_is_the_case_search(qtbot, unlocked):
    win = unlocked
    win.activateWindow()
    qtbot.waitUntil(lambda: _focus() is win.workspace.list_page.search)


def test_case_table_lets_tab_out(qtbot, unlocked):
    page = unlocked.workspace.list_page
    assert not page.table.tabKeyNavigation()
    page.table.setFocus()
    qtbot.waitUntil(lambda: page.table.hasFocus())
    qtbot.keyClick(page.table, Key.Key_Tab)
    qtbot.waitUntil(lambda: _focus() is not page.table)


def test_new_intake_focuses_the_first_consent_field(qtbot, unlocked):
    win = unlocked
    ws = win.workspace
    win.activateWindow()
    qtbot.waitUntil(lambda: ws.list_page.search.hasFocus())
    qtbot.keyClick(ws.list_page.search, Key.Key_N, Mod.ControlModifier)
    qtbot.waitUntil(lambda: ws.form is not None and ws.form.isVisible())
    first = next(r for r in ws.form.rows.values() if ws.form.section_of[r.fdef.key] == 0 and not r.isHidden())
    qtbot.waitUntil(lambda: _inside(_focus(), first.editor))
    ws.show_list()
    ws.new_button.click()  # the button, too
    qtbot.waitUntil(lambda: ws.form is not None and _inside(_focus(), ws.form.stack.currentWidget()))


def test_after_saving_the_focus_is_on_the_case_view(qtbot, unlocked, sample):
    win = unlocked
    ws = win.workspace
    win.activateWindow()
    form = ws.new_intake()
    _filled(form, sample)
    form.save_button.setFocus()
    with qtbot.waitSignal(ws.case_shown, timeout=20_000):
        qtbot.keyClick(form.save_button, Key.Key_S, Mod.ControlModifier)
        if ws.duplicate_dialog is not None:
            ws.duplicate_dialog.findChild(QPushButton, "dismiss").click()
    main_action = ws.case_view.findChild(QPushButton, "primary")  # Editar
    qtbot.waitUntil(lambda: _focus() is main_action)
    assert _focus() is not win.sync_status.sync_now
    wait_idle(qtbot, win)


def test_focus_comes_back_after_a_dialog(qtbot, unlocked):
    win = unlocked
    ws = win.workspace
    win.activateWindow()
    ws.settings_button.setFocus()
    qtbot.waitUntil(lambda: ws.settings_button.hasFocus())
    ws.settings_button.click()
    dialog = win.settings_dialog
    qtbot.waitUntil(lambda: dialog.isVisible())
    dialog.reject()
    qtbot.waitUntil(lambda: _focus() is ws.settings_button)
    wait_idle(qtbot, win)


def test_ctrl_s_focuses_the_first_faulty_field_on_the_same_step(qtbot, unlocked, sample):
    win = unlocked
    form = win.workspace.new_intake()
    win.activateWindow()
    _filled(form, sample)
    form.rows["surnames"].editor.set_value(None)  # the second field of its step
    form.refresh()
    form.go(form.section_of["surnames"])
    form.rows["given_names"].editor.setFocus()
    qtbot.waitUntil(lambda: _inside(_focus(), form.rows["given_names"].editor))
    qtbot.keyClick(_focus(), Key.Key_S, Mod.ControlModifier)
    qtbot.waitUntil(lambda: _inside(_focus(), form.rows["surnames"].editor))
    shown = [k for k, r in form.rows.items() if r.problem.text()]
    assert shown == ["surnames"]
    assert form.message.text() == i18n.t("ui.form.has_problems", "es", count=1)


def _ctrl_s_from_the_first_step(qtbot, form) -> None:
    form.go(0)
    first = next(r for r in form.rows.values() if form.section_of[r.fdef.key] == 0 and not r.isHidden())
    first.editor.setFocus()
    qtbot.waitUntil(lambda: _inside(_focus(), first.editor))
    qtbot.keyClick(_focus(), Key.Key_S, Mod.ControlModifier)


def test_ctrl_s_focuses_the_faulty_referral_sub_field(qtbot, unlocked, sample):
    """A problem inside a referral line: the keyboard goes to that sub-field of that line
    (not to the group's button), on its step."""
    win = unlocked
    form = win.workspace.new_intake()
    win.activateWindow()
    _filled(form, sample)  # two referral lines (fictional sample)
    referrals = form.rows["referrals"].editor
    date = referrals.items[1].editors["date"]
    date.edit.setText("31/02/2026")  # the second line's date: no such day
    form.refresh()
    _ctrl_s_from_the_first_step(qtbot, form)
    qtbot.waitUntil(lambda: _inside(_focus(), date))
    assert _focus() is date.edit and _focus() is not referrals.add_button
    assert form.step == form.section_of["referrals"]
    assert [k for k, r in form.rows.items() if r.problem.text()] == ["referrals"]


def test_ctrl_s_takes_the_first_faulty_referral_sub_field_in_form_order(qtbot, unlocked, sample):
    """The core names a line's date before its institution and does not count an empty line;
    the focus takes the institution (it comes first on the line) of the line on screen."""
    win = unlocked
    form = win.workspace.new_intake()
    win.activateWindow()
    _filled(form, sample)
    referrals = form.rows["referrals"].editor
    kept = sample("intake-adult-woman")["referrals"][0]
    referrals.set_value([kept, {}, {"date": "31/02/2026", "outcome": "pending"}])  # {}: an empty line
    form.refresh()
    _ctrl_s_from_the_first_step(qtbot, form)
    institution = referrals.items[2].editors["institution"]
    qtbot.waitUntil(lambda: _inside(_focus(), institution))
    assert form.step == form.section_of["referrals"]


def test_a_partly_typed_country_completes_or_says_so(qtbot, unlocked):
    win = unlocked
    form = win.workspace.new_intake()
    win.activateWindow()
    form.go(form.section_of["country_of_birth"])
    combo = form.rows["country_of_birth"].editor.combo
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    qtbot.keyClicks(combo.lineEdit(), "colo")
    qtbot.keyClick(QApplication.activePopupWidget() or _focus(), Key.Key_Tab)  # the list of matches has the keys
    qtbot.waitUntil(lambda: not combo.hasFocus())
    assert form.rows["country_of_birth"].editor.value() == "CO"
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    combo.lineEdit().selectAll()
    qtbot.keyClicks(combo.lineEdit(), "zzz")
    qtbot.keyClick(QApplication.activePopupWidget() or _focus(), Key.Key_Tab)
    row = form.rows["country_of_birth"]
    qtbot.waitUntil(lambda: "zzz" in row.problem.text())
    assert row.editor.value() is None and combo.currentText() == "zzz"
    assert "zzz" in combo.accessibleDescription()


def test_country_text_never_becomes_another_country(qtbot, unlocked, sample):
    """Only a choice the text names or starts: "Rusia" is not Bielorrusia, "EEUU" is not the
    US Virgin Islands. The step shows ⚠; picking from the list ends the message."""
    form = unlocked.workspace.new_intake()
    _filled(form, sample)
    editor = form.rows["country_of_birth"].editor
    for typed, code in (("Rusia", None), ("EEUU", None), ("colo", "CO"), ("venez", "VE"), ("peru", "PE")):
        editor.combo.setEditText(typed)
        editor.settle()
        assert editor.value() == code, typed
        assert bool(editor.local_problem()) == (code is None), typed
    editor.combo.setEditText("Rusia")
    editor.settle()
    assert editor.local_problem()
    step = form.section_of["country_of_birth"]
    form.checked_steps.add(step)
    form.refresh()
    assert form.steps.item(step).text().endswith("⚠")  # the step says so too
    editor.combo.setCurrentIndex(editor.combo.findData("CR"))  # chosen from the list (arrows, a click)
    assert editor.local_problem() == "" and editor.value() == "CR"
    form.refresh()
    assert form.steps.item(step).text().endswith("✓")


def test_typed_country_is_kept_on_ctrl_s_and_on_lock(qtbot, unlocked, sample):
    """Ctrl+S or a lock with the cursor still in a country box keeps what the box shows."""
    win = unlocked
    form = win.workspace.new_intake()
    _filled(form, sample)
    editor = form.rows["country_of_birth"].editor
    editor.combo.setEditText("Nicaragua")  # typed, not confirmed
    assert editor.value() is None
    form.request_save()
    assert editor.value() == "NI"
    editor.combo.setEditText("colombia")
    place = win.workspace.place()  # what a lock keeps as the draft
    assert place["content"]["country_of_birth"] == "CO"


def test_date_problem_speaks_the_typed_format(qtbot, unlocked):
    form = unlocked.workspace.new_intake()
    row = form.rows["record_date"]
    row.editor.edit.setText("31/02/2026")
    form.touched.add("record_date")
    form.refresh()
    assert "DD/MM/AAAA" in row.problem.text() and "AAAA-MM-DD" not in row.problem.text()


def test_esc_on_the_first_run_wizard_keeps_it(qtbot, window):
    wiz = window.wizard_widget
    wiz.next()
    qtbot.keyClick(wiz.officer_page.name, Key.Key_Escape)
    qtbot.keyClick(wiz, Key.Key_Escape)
    assert wiz.isVisible() and wiz.currentPage() is wiz.officer_page


def test_shortcuts_are_shown(qtbot, unlocked):
    ws = unlocked.workspace
    assert "Ctrl+N" in ws.new_button.toolTip()
    assert "Ctrl+L" in ws.lock_button.text() + ws.lock_button.toolTip()
    assert unlocked.sync_status.sync_now.toolTip()
    form = ws.new_intake()
    assert "Ctrl+S" in form.save_button.toolTip()


def _focus_differs(qtbot, widget, other) -> bool:
    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    plain = widget.grab().toImage()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    focused = widget.grab().toImage()
    assert plain.size() == focused.size()  # the focus ring does not move the layout
    return plain != focused


def test_focus_is_visible_on_primary_buttons_and_check_boxes(qtbot, styled, unlocked):
    from PySide6.QtWidgets import QCheckBox

    win = unlocked
    ws = win.workspace
    win.activateWindow()
    assert _focus_differs(qtbot, ws.new_button, ws.cases_button)
    form = ws.new_intake()
    box = next(iter(form.rows["consent_checklist"].editor.boxes.values()))
    assert isinstance(box, QCheckBox)
    assert _focus_differs(qtbot, box, form.rows["consent_status"].editor.combo)
    form.go(len(form.sections) - 1)
    assert _focus_differs(qtbot, form.save_button, form.back_button)
    assert _focus_differs(qtbot, form.steps, form.back_button)
