"""Problems on a long step and in referral lines: Ctrl+S scrolls the field it focuses into
sight, a problem names a referral line by its number on screen, and a typeable choice in a
line (the institution) is settled at save and on a lock as it is outside a line.
Every answer here is fictional."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication

from intake_app import i18n

Key, Mod = Qt.Key, Qt.KeyboardModifier
LINES = 16  # enough referral lines to push the end of the step far below the window
INSTITUTION = "inamu"  # a real code of the codebook's institutions


def _focus():
    return QApplication.focusWidget()


def _inside(widget, root) -> bool:
    return widget is not None and (widget is root or root.isAncestorOf(widget))


def _in_sight(widget, scroll) -> bool:
    """The widget lies within the part of the step the scroll area shows; one wider than
    that part (the step is wider than its column at this window size) shows its start."""
    view = scroll.viewport().rect()
    box = QRect(widget.mapTo(scroll.viewport(), QPoint(0, 0)), widget.size())
    if box.width() > view.width():
        return view.contains(box.topLeft()) and view.contains(box.bottomLeft())
    return view.contains(box)


def _form_with_lines(qtbot, win, sample, lines: list[dict]):
    form = win.workspace.new_intake()
    win.activateWindow()
    for key, value in sample("intake-adult-woman").items():
        if key in form.rows:
            form.rows[key].editor.set_value(value)
    form.rows["referrals"].editor.set_value(lines)
    form.refresh()
    return form


def _good_line(n: int) -> dict:
    return {"institution": INSTITUTION, "date": f"2024-01-{n + 1:02d}", "outcome": "pending"}


def _ctrl_s_from(qtbot, form, widget) -> None:
    widget.setFocus()
    qtbot.waitUntil(lambda: _inside(_focus(), widget))
    qtbot.keyClick(_focus(), Key.Key_S, Mod.ControlModifier)


def test_ctrl_s_scrolls_a_referral_sub_field_into_sight(qtbot, unlocked, sample):
    lines = [_good_line(n) for n in range(LINES - 1)] + [{"institution": INSTITUTION, "date": "31/02/2024"}]
    form = _form_with_lines(qtbot, unlocked, sample, lines)
    form.go(0)
    _ctrl_s_from(qtbot, form, next(r for r in form.rows.values() if not r.isHidden()).editor)
    date = form.rows["referrals"].editor.items[-1].editors["date"]
    qtbot.waitUntil(lambda: _focus() is date.edit)
    scroll = form.stack.currentWidget()
    assert scroll.verticalScrollBar().maximum() > 0  # the step is longer than the window
    qtbot.waitUntil(lambda: _in_sight(date.edit, scroll))
    problem = form.rows["referrals"].problem
    assert "(16)" in problem.text() and _in_sight(problem, scroll)  # why, under the lines, fits too


def test_ctrl_s_on_the_first_of_many_lines_keeps_that_line_in_sight(qtbot, unlocked, sample):
    """The message under sixteen lines does not fit with the first line: the line wins."""
    lines = [{"institution": INSTITUTION, "date": "31/02/2024"}] + [_good_line(n) for n in range(1, LINES)]
    form = _form_with_lines(qtbot, unlocked, sample, lines)
    form.go(0)
    _ctrl_s_from(qtbot, form, next(r for r in form.rows.values() if not r.isHidden()).editor)
    date = form.rows["referrals"].editor.items[0].editors["date"]
    qtbot.waitUntil(lambda: _focus() is date.edit)
    qtbot.waitUntil(lambda: _in_sight(date.edit, form.stack.currentWidget()))


def test_ctrl_s_scrolls_an_ordinary_field_back_into_sight(qtbot, unlocked, sample):
    """The view is at the end of a long step; the faulty field is near its start."""
    form = _form_with_lines(qtbot, unlocked, sample, [_good_line(n) for n in range(LINES)])
    form.rows["case_status"].editor.set_value(None)
    form.refresh()
    form.go(form.section_of["case_status"])
    scroll = form.stack.currentWidget()
    last = form.rows["referrals"].editor.items[-1].editors["date"]
    bar = scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)  # laid out: longer than the window
    bar.setValue(bar.maximum())
    combo = form.rows["case_status"].editor.combo
    assert not _in_sight(combo, scroll)
    _ctrl_s_from(qtbot, form, last)
    qtbot.waitUntil(lambda: _focus() is combo)
    qtbot.waitUntil(lambda: _in_sight(combo, scroll))


def test_a_problem_names_the_referral_line_as_on_screen(qtbot, unlocked, sample):
    """An empty second line: the core counts the third line as its second; the inline
    message says 3, as the screen reader does ("Referencias realizadas 3: Fecha")."""
    lines = [_good_line(0), {}, {"institution": INSTITUTION, "date": "31/02/2024", "outcome": "pending"}]
    form = _form_with_lines(qtbot, unlocked, sample, lines)
    form.request_save()
    row = form.rows["referrals"]
    expected = i18n.t("ui.form.date_problem", "es", field="Fecha (3)")
    assert row.problem.text() == expected
    date = row.editor.items[2].editors["date"]
    assert date.edit.accessibleName().startswith(i18n.t("ui.a11y.item", "es", question=row.fdef.label("es"), number=3))
    assert expected in date.edit.accessibleDescription()


def test_the_institution_box_is_typeable_in_the_real_codebook(unlocked):
    from ui.form.editor import BIG_VOCABULARY

    form = unlocked.workspace.new_intake()
    sub = next(s for s in form.rows["referrals"].fdef.subfields if s.key == "institution")
    assert len(form.cb.vocab(sub).terms) > BIG_VOCABULARY
    form.rows["referrals"].editor.add()
    assert form.rows["referrals"].editor.items[0].editors["institution"].combo.isEditable()


def _type_institution(form, text: str):
    referrals = form.rows["referrals"].editor
    editor = referrals.items[-1].editors["institution"]
    editor.combo.setEditText(text)  # typed, not confirmed: the cursor is still in the box
    assert editor.value() is None
    return editor


def test_a_typed_institution_in_a_line_completes_on_ctrl_s(qtbot, unlocked, sample):
    form = _form_with_lines(qtbot, unlocked, sample, [_good_line(0), {"date": "2024-02-01", "outcome": "pending"}])
    editor = _type_institution(form, "inam")  # starts only INAMU
    form.request_save()
    assert editor.value() == INSTITUTION and not editor.local_problem()
    assert form.rows["referrals"].editor.value()[1]["institution"] == INSTITUTION


def test_a_typed_institution_in_a_line_is_kept_on_a_lock(qtbot, unlocked, sample):
    win = unlocked
    form = _form_with_lines(qtbot, win, sample, [{"date": "2024-02-01", "outcome": "pending"}])
    _type_institution(form, "inam")
    assert win.workspace.place()["content"]["referrals"][0]["institution"] == INSTITUTION


def test_an_unlisted_institution_in_a_line_says_so_and_takes_the_keyboard(qtbot, unlocked, sample):
    lines = [_good_line(0), {"date": "2024-02-01", "outcome": "pending"}]
    form = _form_with_lines(qtbot, unlocked, sample, lines)
    editor = _type_institution(form, "zzz")
    referrals = form.rows["referrals"]
    form.go(0)
    _ctrl_s_from(qtbot, form, next(r for r in form.rows.values() if not r.isHidden()).editor)
    qtbot.waitUntil(lambda: _inside(_focus(), editor))
    assert editor.combo.currentText() == "zzz" and editor.value() is None
    assert referrals.editor.local_problem() == editor.local_problem() != ""
    assert "zzz" in referrals.problem.text()  # not "Institución (2): es obligatorio."
    step = form.section_of["referrals"]
    assert form.steps.item(step).text().endswith("⚠")
    editor.combo.setCurrentIndex(editor.combo.findData("shelter"))  # chosen from the list
    assert referrals.editor.local_problem() == ""


def test_an_unlisted_institution_on_a_line_the_core_does_not_see_takes_the_keyboard(qtbot, unlocked, sample):
    """A line with nothing but the typed text has no answer, so the core names no problem
    there; the text still takes the keyboard on Ctrl+S (not the add button)."""
    form = _form_with_lines(qtbot, unlocked, sample, [_good_line(0), {}])
    editor = _type_institution(form, "zzz")
    form.go(0)
    _ctrl_s_from(qtbot, form, next(r for r in form.rows.values() if not r.isHidden()).editor)
    qtbot.waitUntil(lambda: _inside(_focus(), editor))
    assert "zzz" in form.rows["referrals"].problem.text()


def test_leaving_a_typed_institution_completes_or_says_so_at_once(qtbot, unlocked, sample):
    """As a country box does: Tab out of the box settles the text; text not in the list says
    so straight away, before the step is left (not "Institución (2): es obligatorio" later)."""
    form = _form_with_lines(qtbot, unlocked, sample, [_good_line(0), {"date": "2024-02-01", "outcome": "pending"}])
    form.go(form.section_of["referrals"])
    row = form.rows["referrals"]
    editor = row.editor.items[1].editors["institution"]
    for typed, code in (("inam", INSTITUTION), ("zzz", None)):
        editor.combo.setFocus()
        qtbot.waitUntil(editor.combo.hasFocus)
        editor.combo.lineEdit().selectAll()
        qtbot.keyClicks(editor.combo.lineEdit(), typed)
        qtbot.keyClick(QApplication.activePopupWidget() or _focus(), Key.Key_Tab)  # the list of matches has the keys
        qtbot.waitUntil(lambda: not editor.combo.hasFocus())
        assert editor.value() == code, typed
    qtbot.waitUntil(lambda: "zzz" in row.problem.text())
    assert form.section_of["referrals"] not in form.checked_steps


def test_a_name_of_only_zero_width_spaces_is_shown_as_a_problem_and_not_saved(qtbot, unlocked, sample):
    """The form shows the rule for typed text (codebook/typed.py) under the field, and a save
    stores nothing."""
    form = _form_with_lines(qtbot, unlocked, sample, [_good_line(0)])
    form.rows["given_names"].editor.set_value("\u200b\u200b")
    form.refresh()
    before = _cases(qtbot, unlocked)
    form.request_save()
    row = form.rows["given_names"]
    assert "caracteres invisibles" in row.problem.text()
    assert _cases(qtbot, unlocked) == before


def _cases(qtbot, win) -> int:
    from tests.ui.uikit import run_on_backend

    return run_on_backend(qtbot, win, lambda s: len(s.require().list_cases()))
