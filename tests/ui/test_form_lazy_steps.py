"""Opening the intake form builds only the step on show; the other steps are built one per
turn of the event loop once the form is painted (building the eight at once froze the
window for half a second). Nothing is lost meanwhile: values given for a step not built
yet are there when it is built, in the record and in a save; a save checks every step.
No timing is measured: the widgets built are counted. Every answer here is fictional."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ui.form.intake import IntakeForm
from ui.form.row import FieldRow
from ui.form.steps import StepScroll

Key = Qt.Key


def _built(form) -> int:
    return len(form.findChildren(FieldRow))


def _all_fields(form) -> int:
    return sum(len(s.fields) for s in form.sections)


def _unordered(answers: dict) -> dict:
    """A list of choices in the codebook's order, as its check boxes give it back."""
    return {k: sorted(v) if isinstance(v, list) and all(isinstance(x, str) for x in v) else v
            for k, v in answers.items()}


def test_opening_builds_the_first_step_and_the_rest_while_idle(qtbot, unlocked):
    form = unlocked.workspace.new_intake()
    assert _built(form) == len(form.sections[0].fields) < _all_fields(form)
    assert form.step == 0 and isinstance(form.stack.currentWidget(), StepScroll)
    qtbot.waitUntil(lambda: _built(form) == _all_fields(form), timeout=20_000)
    assert form.stack.count() == len(form.sections)
    assert all(isinstance(form.stack.widget(i), StepScroll) for i in range(form.stack.count()))
    assert [form.stack.widget(i).accessibleName() for i in range(form.stack.count())] == \
        [s.label("es") for s in form.sections]


def test_values_for_steps_not_built_are_kept(qtbot, unlocked, sample):
    answers = sample("intake-adult-woman")
    form = IntakeForm(unlocked.backend, unlocked.cb, answers)
    qtbot.addWidget(form)
    assert _built(form) == len(form.sections[0].fields)  # never shown: nothing else built
    form.refresh()  # the record is checked with the values waiting too
    assert not form._all_problems
    assert _built(form) == len(form.sections[0].fields)
    assert _unordered(form.raw_answers()) == _unordered(answers)  # the whole record: every step built now
    assert _built(form) == _all_fields(form)
    assert form.rows["given_names"].editor.value() == "Yelitza FICTICIA"


def test_a_step_not_built_is_built_when_shown(qtbot, unlocked, sample):
    """A draft reopens on its step: that step is built with its values."""
    answers = sample("intake-adult-woman")
    form = IntakeForm(unlocked.backend, unlocked.cb, answers)
    qtbot.addWidget(form)
    step = form.section_of["narrative"]
    form.go(step)
    assert form.step == step
    page = form.stack.currentWidget()
    assert isinstance(page, StepScroll) and page.accessibleName() == form.sections[step].label("es")
    rows = {r.fdef.key: r for r in page.findChildren(FieldRow)}
    assert rows["narrative"].editor.value() == answers["narrative"]
    assert _built(form) == len(form.sections[0].fields) + len(form.sections[step].fields)


def test_save_goes_to_a_problem_on_a_step_not_built(qtbot, unlocked, sample):
    answers = {**sample("intake-adult-woman"), "case_status": None}
    form = IntakeForm(unlocked.backend, unlocked.cb, answers)
    qtbot.addWidget(form)
    asked = []
    form.save_requested.connect(asked.append)
    form.request_save()
    assert not asked
    assert form.step == form.section_of["case_status"]
    assert form.rows["case_status"].problem.text()


def test_a_step_built_while_idle_keeps_its_place_for_tab(qtbot, unlocked):
    """A step built after the buttons: Tab from its last field goes to the form's buttons,
    not back to the top of the window."""
    win = unlocked
    form = win.workspace.new_intake()
    win.activateWindow()
    qtbot.waitUntil(lambda: _built(form) == _all_fields(form), timeout=20_000)
    form.go(form.section_of["pn_no_shelter"])
    last = form.rows["pn_no_shelter"].editor
    qtbot.waitUntil(last.isVisible)
    last.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: (w := QApplication.focusWidget()) is not None and (w is last or last.isAncestorOf(w)))
    qtbot.keyClick(QApplication.focusWidget(), Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.cancel_button, timeout=2000)
