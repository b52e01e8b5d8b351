"""The intake form's problems, in the officer's language: found by the core, shown under
their fields and beside their steps when the officer should see them, and the first of
them given the keyboard when a save is asked for."""

from __future__ import annotations

from intake_app import i18n
from intake_app.codebook import validate_typed
from intake_app.errors import InvalidRecord

from ..text import lang, tr
from ..widgets import show_message

WAIT_FOR_STEP = {"required"}  # shown once the officer moves past the step
WAIT_FOR_SAVE = {"choice_not_allowed_here"}  # may depend on later answers (age): shown at save


def problem_key(problem) -> str:
    return problem.field.split("[")[0].split(".")[0]


class FormProblems:
    """The problems of ``form``'s record: ``by_field``, each field's first in words;
    ``found``, all of them as the core gives them. A field shows its problem once it is
    touched or its step checked (``form.touched``, ``form.checked_steps``); some wait
    longer (``WAIT_FOR_STEP``, and ``WAIT_FOR_SAVE`` until ``form.save_tried``)."""

    def __init__(self, form) -> None:
        self.form = form
        self.by_field: dict[str, str] = {}
        self.found: list = []

    def check(self, answers: dict) -> None:
        form = self.form
        try:
            validate_typed(form.cb, answers)
            problems = []
        except InvalidRecord as err:
            problems = err.problems
        self.by_field = {}
        for p in problems:
            self.by_field.setdefault(problem_key(p), self.word(p))
        self.found = problems
        for key, row in form.lazy.rows.items():
            # the editor's own problem first: typed text not in the list is why the core finds
            # no answer there ("«zzz» no está en la lista", not "Institución (2): es obligatorio")
            local = row.editor.local_problem()
            text = local or self.by_field.get(key, "")
            show = key in form.touched or form.section_of[key] in form.checked_steps
            rules = set() if local else {p.rule for p in problems if problem_key(p) == key}
            if rules & WAIT_FOR_STEP and form.section_of[key] not in form.checked_steps:
                show = False
            if rules & WAIT_FOR_SAVE and not form.save_tried:
                show = False
            row.set_problem(text if show and not row.isHidden() else "")
        local = {form.section_of[k] for k, r in form.lazy.rows.items() if r.editor.local_problem() and not r.isHidden()}
        for i, section in enumerate(form.sections):
            bad = i in local or any(form.section_of.get(problem_key(p)) == i for p in problems)
            mark = "  ⚠" if bad and i in form.checked_steps else "  ✓" if not bad and i in form.checked_steps else ""
            form.steps.item(i).setText(f"{i + 1}. {section.label(lang())}{mark}")
        form.steps.fit()

    def word(self, p) -> str:
        if p.rule == "type_date":  # the form reads and shows DD/MM/AAAA (the core's text says AAAA-MM-DD)
            return tr("ui.form.date_problem", field=self.field_label(p.field))
        if "[" in p.field:  # a referral line: "Institución (2): es obligatorio."
            return tr("rule." + p.rule, field=self.field_label(p.field), **i18n.problem_params(p))
        return i18n.describe_problem(p, lang())

    def field_label(self, where: str) -> str:
        """"referrals[1].date" → "Fecha (3)" when an empty line comes before it: the number of
        the line on screen, as the screen reader says it (the core counts only lines with an
        answer); a plain key → its label."""
        if "[" in where:
            top, _, rest = where.partition("[")
            index, _, sub = rest.partition("].")
            fdef = self.form.cb.fields[top]
            rows = self.form.lazy.rows
            editor = rows[top].editor if top in rows else None
            number = editor.line_number(int(index)) if hasattr(editor, "line_number") else int(index) + 1
            return f"{next((s.label(lang()) for s in fdef.subfields if s.key == sub), sub)} ({number})"
        fdef = self.form.cb.fields.get(where)
        return fdef.label(lang()) if fdef else where

    def go_to_first(self) -> bool:
        """On problems, say how many and give the keyboard to the first field shown with one,
        in the form's order (on its step, even when that step is already on show); False
        when there are none."""
        form = self.form
        bad = [k for k, r in form.lazy.rows.items() if r.problem.text() and not r.isHidden()]
        if not (self.found or bad):
            return False
        first = bad[0] if bad else min(self.found, key=lambda p: form.section_of.get(problem_key(p), 0))
        key = first if bad else problem_key(first)
        # the count first: the line it takes under the step shortens the view scrolled next
        show_message(form.message, tr("ui.form.has_problems", count=len(bad) or len(self.found)))
        form.go(form.section_of.get(key, 0))
        rows = form.lazy.rows
        if key in rows:  # in a referral line: the faulty sub-field itself
            rows[key].editor.focus_problem([p.field for p in self.found if problem_key(p) == key])
            form.reveal_focus(rows[key].problem)
        return True
