"""The intake form, generated from the codebook: consent first, one step per section,
live skip logic, inline problems in the officer's language, the screening panel
beside it, and a draft autosaved in the vault every few seconds.

A step's fields are built when it is first shown; the other steps are built one per
turn of the event loop once the form is first painted (building all eight at once
froze the window for half a second). Values given for a step not built yet wait in
``_pending`` and are put in its fields when it is built; whatever reads the whole
record (``rows``, ``raw_answers``, ``answers``, a save) builds every step first."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, QPoint, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication, QHBoxLayout, QProgressBar, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget,
)

from intake_app import i18n
from intake_app.codebook import validate_record, visible_fields
from intake_app.codebook.conditions import evaluate
from intake_app.codebook.derive import derive_demographics
from intake_app.errors import InvalidRecord

from ..flow import FlowRow
from ..text import lang, tr
from ..widgets import heading, message_label, muted, primary, shortcut_tip, show_message
from .fields import make_editor
from .row import FieldRow
from .screening_panel import ScreeningPanel
from .steps import StepList, StepScroll

AUTOSAVE_MS = 4000
STEPS_MAX_WIDTH = 290  # the steps column, at most
FIRST_SECTIONS = ("consent",)
WAIT_FOR_STEP = {"required"}  # shown once the officer moves past the step
WAIT_FOR_SAVE = {"choice_not_allowed_here"}  # may depend on later answers (age): shown at save


DRAFT_STEP = "_step"  # where a draft keeps the step it was left on, beside the answers (never a field key)

def ordered_sections(cb) -> list:
    first = [s for key in FIRST_SECTIONS for s in cb.sections if s.key == key]
    return first + [s for s in cb.sections if s.key not in FIRST_SECTIONS]


def problem_key(problem) -> str:
    return problem.field.split("[")[0].split(".")[0]


class IntakeForm(QWidget):
    """Emits ``save_requested(answers)`` (the window checks duplicates and saves),
    ``draft_saved`` and ``cancelled``."""

    save_requested = Signal(dict)
    draft_saved = Signal()
    cancelled = Signal()

    def __init__(self, backend, cb, answers: dict | None = None, draft_id: str | None = None,
                 case_id: str | None = None, parent_revision: str | None = None, defaults: dict | None = None) -> None:
        super().__init__()
        self.backend, self.cb = backend, cb
        self.draft_id = draft_id or uuid.uuid4().hex
        self.case_id, self.parent_revision = case_id, parent_revision
        self.sections = ordered_sections(cb)
        self._rows: dict[str, FieldRow] = {}  # the fields built so far, in the form's order
        self.section_of = {f.key: i for i, s in enumerate(self.sections) for f in s.fields}
        self._pending: dict = {}  # values given for fields whose step is not built yet
        self._built: set[int] = set()
        self.touched: set[str] = set()
        self.checked_steps: set[int] = set()
        self.problems: dict[str, str] = {}
        self._dirty = False
        self._loading = True
        self.save_tried = False

        root = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(heading(tr("ui.form.edit_title" if case_id else "ui.form.title"), 2))
        self.steps = StepList()
        self.steps.setAccessibleName(tr("ui.form.steps_list"))
        self.steps.setObjectName("steps")
        self.steps.setWordWrap(True)
        self.steps.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.addWidget(self.steps, 1)
        # the words beside the bar, not on it: drawn on the bar they straddled its filled part
        self.step_label = muted()
        left.addWidget(self.step_label)
        self.progress = QProgressBar()
        self.progress.setFormat(tr("ui.form.progress"))  # also what a screen reader reads
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(self.step_label.fontMetrics().height() // 2)
        left.addWidget(self.progress)
        self.autosave_label = muted()
        # room for two wrapped lines: a word-wrapped label in this column was given one line and clipped
        self.autosave_label.setMinimumHeight(self.autosave_label.fontMetrics().lineSpacing() * 2 + 6)
        left.addWidget(self.autosave_label)
        left_box = QWidget()
        left_box.setLayout(left)
        left_box.setMaximumWidth(STEPS_MAX_WIDTH)
        self.left_box = left_box

        center = QVBoxLayout()
        self.stack = QStackedWidget()
        for i, section in enumerate(self.sections):
            self.stack.addWidget(QWidget())  # stands in for the step until it is built
            self.steps.addItem(f"{i + 1}. {section.label(lang())}")
        center.addWidget(self.stack, 1)
        self.message = message_label()
        center.addWidget(self.message)
        buttons = FlowRow()  # one row when there is room; two on a narrow screen
        self.cancel_button = QPushButton(tr("ui.form.close"))
        self.back_button = QPushButton(tr("ui.form.back"))
        self.next_button = QPushButton(tr("ui.form.next"))
        self.save_button = primary(tr("ui.form.save"))
        for button, keys in ((self.back_button, "Alt+Left"), (self.next_button, "Alt+Right"),
                             (self.save_button, "Ctrl+S")):
            button.setToolTip(shortcut_tip(button.text().strip("←→ "), keys))
        buttons.addWidget(self.cancel_button)
        buttons.addStretch()
        for b in (self.back_button, self.next_button, self.save_button):
            buttons.addWidget(b)
        center.addLayout(buttons)
        center_box = QWidget()
        center_box.setLayout(center)

        self.screening = ScreeningPanel(cb)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(center_box)
        split.addWidget(self.screening)
        split.setStretchFactor(0, 1)  # the form takes what the window gains or loses; the panel keeps its width
        split.setStretchFactor(1, 0)  # (320 px) while the form has room
        split.setChildrenCollapsible(False)
        self.splitter = split
        root.addWidget(left_box)
        root.addWidget(split, 1)

        self.steps.currentRowChanged.connect(self._show_step)
        self.back_button.clicked.connect(lambda: self.go(self.stack.currentIndex() - 1))
        self.next_button.clicked.connect(self._next)
        self.save_button.clicked.connect(self.request_save)
        self.cancel_button.clicked.connect(self._close)
        self.screening.refer.connect(self._refer)
        for keys, slot in (("Ctrl+S", self.request_save), ("Alt+Right", self._next),
                           ("Ctrl+PgDown", self._next), ("Alt+Left", lambda: self.go(self.stack.currentIndex() - 1)),
                           ("Ctrl+PgUp", lambda: self.go(self.stack.currentIndex() - 1))):
            QShortcut(QKeySequence(keys), self, activated=slot)

        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(150)
        self._live.timeout.connect(self.refresh)
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft)
        self._autosave.start()
        self._builder = QTimer(self)  # the steps not built yet, one per turn of the event loop
        self._builder.setInterval(0)
        self._builder.timeout.connect(self._build_next)

        given = {**(defaults or {}), **(answers or {})}
        self._pending = {k: v for k, v in given.items() if k in self.section_of}
        self._build(0)
        self._loading = False
        self.steps.setCurrentRow(0)
        self.refresh()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._share_width()

    def _share_width(self) -> None:
        """The screening panel comes before the steps column: on a narrow screen the column
        gives up width, down to its least, while the panel is below its own width (320 px)
        beside the form's least; only then does the panel narrow. The layout shared the
        shortfall evenly: at 1024 px the column kept 212 px and the panel got 220, its least,
        and wrapped its text into a tall narrow strip."""
        root = self.layout()
        margins = root.contentsMargins()
        room = (self.width() - margins.left() - margins.right() - root.spacing() - self.splitter.handleWidth()
                - self.splitter.widget(0).minimumSizeHint().width() - self.screening.sizeHint().width())
        least = self.left_box.minimumSizeHint().width()
        width = max(least, min(STEPS_MAX_WIDTH, room))
        if width != self.left_box.maximumWidth():
            self.left_box.setMaximumWidth(width)

    # --- building ----------------------------------------------------------------
    @property
    def rows(self) -> dict[str, FieldRow]:
        """Every field of the form, by key (all steps built first)."""
        self._build_all()
        return self._rows

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._builder.isActive() and len(self._built) < len(self.sections):
            self._builder.start()  # the form is on screen: the other steps, in idle turns

    def _build_next(self) -> None:
        index = next((i for i in range(len(self.sections)) if i not in self._built), None)
        if index is not None:
            self._build(index)
        if len(self._built) == len(self.sections):
            self._builder.stop()
            if index is not None:
                self.refresh()  # the fields built since: their skip logic, required marks and problems

    def _build_all(self) -> None:
        if len(self._built) < len(self.sections):
            self._builder.stop()
            for index in range(len(self.sections)):
                self._build(index)
            self.refresh()

    def _build(self, index: int) -> bool:
        """Build step ``index`` in place of its stand-in, its fields given their waiting values."""
        if index in self._built:
            return False
        self._built.add(index)
        section = self.sections[index]
        loading, self._loading = self._loading, True
        try:
            self._build_section(index, section)
            for fdef in section.fields:
                if fdef.key in self._pending:
                    self._rows[fdef.key].editor.set_value(self._pending.pop(fdef.key))
        finally:
            self._loading = loading
        self._rows = {k: self._rows[k] for k in self.section_of if k in self._rows}
        if len(self._built) == len(self.sections):
            self._share_width()  # the widest step may be the one just built
        return True

    def _build_section(self, index: int, section) -> None:
        """The step's scroll area takes its stand-in's place first, its fields then: each
        widget is styled once, where it will stay (a widget moved into a styled parent is
        styled again: built apart and moved in, a step cost three times as much)."""
        scroll = StepScroll()
        scroll.setAccessibleName(section.label(lang()))  # a Tab stop: named by its step
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 4, 16, 12)
        scroll.setWidget(page)
        current, stand_in = self.stack.currentIndex(), self.stack.widget(index)
        self.stack.insertWidget(index, scroll)
        self.stack.removeWidget(stand_in)
        stand_in.deleteLater()
        self.stack.setCurrentIndex(current)
        layout.addWidget(heading(section.label(lang())))
        if section.key == "consent":
            layout.addWidget(muted(tr("ui.form.consent_intro")))
        for fdef in section.fields:
            row = FieldRow(fdef, make_editor(self.cb, fdef))
            row.editor.changed.connect(lambda k=fdef.key: self._changed(k))
            self._rows[fdef.key] = row
            layout.addWidget(row)
        layout.addStretch(1)
        self._tab_after_steps(scroll)

    def _tab_after_steps(self, scroll: QWidget) -> None:
        """Tab: a widget that joins the form comes last in its chain, so a step built after
        the buttons and the panel came after them; its widgets go back where they were,
        right after the list of steps, in their order (a step not on show is skipped).
        They are found among the step's children: walking the window's chain from Python
        (nextInFocusChain) left PySide 6.11 deleting built steps."""
        before, window = self.steps, self.window()  # not a list's pop-up (a window of its own)
        for widget in [scroll, *scroll.findChildren(QWidget)]:
            if widget.focusPolicy() != Qt.FocusPolicy.NoFocus and widget.window() is window:
                QWidget.setTabOrder(before, widget)
                before = widget

    # --- answers and skip logic ----------------------------------------------------
    def raw_answers(self) -> dict:
        self._build_all()
        return self._raw()

    def _raw(self) -> dict:
        """The fields built, and the values waiting for the steps not built yet."""
        values = ((k, self._rows[k].editor.value() if k in self._rows else self._pending.get(k))
                  for k in self.section_of)
        return {k: v for k, v in values if v is not None}

    def answers(self) -> dict:
        """The answers of visible fields only (hiding cascades: a hidden field's
        dependants are hidden too)."""
        self._build_all()
        return self._visible(self._raw())

    def _visible(self, values: dict) -> dict:
        while True:
            visible = visible_fields(self.cb, values)
            kept = {k: v for k, v in values.items() if k in visible}
            if kept == values:
                return kept
            values = kept

    def _changed(self, key: str) -> None:
        if self._loading:
            return
        self.touched.add(key)
        self._dirty = True
        self._live.start()

    def refresh(self) -> None:
        answers = self._visible(self._raw())
        visible = visible_fields(self.cb, answers)
        values = {**answers, **derive_demographics(self.cb, answers)}
        for key, row in self._rows.items():
            row.setVisible(key in visible)
            req = row.fdef.required
            row.set_required(req if isinstance(req, bool) else evaluate(req, values))
        self.screening.update_answers(answers)
        self._check(answers)

    def _check(self, answers: dict) -> None:
        try:
            validate_record(self.cb, answers)
            problems = []
        except InvalidRecord as err:
            problems = err.problems
        self.problems = {}
        for p in problems:
            self.problems.setdefault(problem_key(p), self._word(p))
        self._all_problems = problems
        for key, row in self._rows.items():
            # the editor's own problem first: typed text not in the list is why the core finds
            # no answer there ("«zzz» no está en la lista", not "Institución (2): es obligatorio")
            local = row.editor.local_problem()
            text = local or self.problems.get(key, "")
            show = key in self.touched or self.section_of[key] in self.checked_steps
            rules = set() if local else {p.rule for p in problems if problem_key(p) == key}
            if rules & WAIT_FOR_STEP and self.section_of[key] not in self.checked_steps:
                show = False
            if rules & WAIT_FOR_SAVE and not self.save_tried:
                show = False
            row.set_problem(text if show and not row.isHidden() else "")
        local = {self.section_of[k] for k, r in self._rows.items() if r.editor.local_problem() and not r.isHidden()}
        for i, section in enumerate(self.sections):
            bad = i in local or any(self.section_of.get(problem_key(p)) == i for p in problems)
            mark = "  ⚠" if bad and i in self.checked_steps else "  ✓" if not bad and i in self.checked_steps else ""
            self.steps.item(i).setText(f"{i + 1}. {section.label(lang())}{mark}")
        self.steps.fit()
        self.progress.setMaximum(len(self.sections))
        self.progress.setValue(self.stack.currentIndex() + 1)
        self.step_label.setText(self.progress.text())

    def _word(self, p) -> str:
        if p.rule == "type_date":  # the form reads and shows DD/MM/AAAA (the core's text says AAAA-MM-DD)
            return tr("ui.form.date_problem", field=self._field_label(p.field))
        if "[" in p.field:  # a referral line: "Institución (2): es obligatorio."
            return tr("rule." + p.rule, field=self._field_label(p.field), **p.args)
        return i18n.describe_problem(p, lang())

    def _field_label(self, where: str) -> str:
        """"referrals[1].date" → "Fecha (3)" when an empty line comes before it: the number of
        the line on screen, as the screen reader says it (the core counts only lines with an
        answer); a plain key → its label."""
        if "[" in where:
            top, _, rest = where.partition("[")
            index, _, sub = rest.partition("].")
            fdef = self.cb.fields[top]
            editor = self._rows[top].editor if top in self._rows else None
            number = editor.line_number(int(index)) if hasattr(editor, "line_number") else int(index) + 1
            return f"{next((s.label(lang()) for s in fdef.subfields if s.key == sub), sub)} ({number})"
        fdef = self.cb.fields.get(where)
        return fdef.label(lang()) if fdef else where

    # --- steps -------------------------------------------------------------------------
    def go(self, index: int) -> None:
        if 0 <= index < len(self.sections):
            self.steps.setCurrentRow(index)

    def _show_step(self, index: int) -> None:
        if index < 0:
            return
        self._build(index)
        self.stack.setCurrentIndex(index)
        self.back_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(self.sections) - 1)
        self.refresh()
        self.focus_step()

    def focus_step(self) -> None:
        """The first field of the step on show takes the keyboard."""
        index = self.stack.currentIndex()
        first = next((r for k, r in self._rows.items() if self.section_of[k] == index and not r.isHidden()), None)
        if first is not None:
            first.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def reveal_focus(self, why: QWidget | None = None) -> None:
        """Scroll the step so the widget with the keyboard is in sight (sixteen referral lines
        put the last far below the window), as Tab does, and its problem message ``why`` too
        when both fit (a referral line's message is under all the lines); the widget wins
        when they do not. The step was perhaps just put on show: its layout and the scroll
        range are settled first. A box wider than the view shows its start, where its text
        begins, not its middle."""
        scroll = self.stack.currentWidget()
        widget = self.focusWidget()
        if widget is None or not scroll.widget().isAncestorOf(widget):
            return
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        if why is not None and not why.isHidden():  # its bottom edge, not moving sideways
            bottom = why.mapTo(scroll.widget(), QPoint(0, why.height())).y()
            scroll.ensureVisible(scroll.horizontalScrollBar().value(), bottom, 0, 8)
        scroll.ensureWidgetVisible(widget)
        if widget.width() > scroll.viewport().width():
            left = widget.mapTo(scroll.widget(), QPoint(0, 0)).x()
            scroll.horizontalScrollBar().setValue(left)

    def _next(self) -> None:
        self.checked_steps.add(self.stack.currentIndex())
        self.go(self.stack.currentIndex() + 1)

    @property
    def step(self) -> int:
        return self.stack.currentIndex()

    # --- referrals -----------------------------------------------------------------------
    def _refer(self, code: str) -> None:
        self.rows["referrals"].editor.add_institution(code)

    # --- saving -------------------------------------------------------------------------
    def settle_typed(self) -> None:
        """Resolve country boxes whose text was typed but not yet confirmed (Ctrl+S or a lock
        while the cursor is still in one): what the officer sees is what is kept."""
        for row in self.rows.values():
            settle = getattr(row.editor, "settle", None)
            if settle is not None:
                settle()

    def request_save(self) -> None:
        """Check everything; on problems go to the first one, else ask the window to save."""
        self.settle_typed()
        self.checked_steps.update(range(len(self.sections)))
        self.save_tried = True
        self.refresh()
        bad = [k for k, r in self._rows.items() if r.problem.text() and not r.isHidden()]
        if self._all_problems or bad:
            # the first field shown with a problem, in the form's order, takes the keyboard
            # (on its step, even when that step is already on show); the count is what is shown
            first = bad[0] if bad else min(self._all_problems, key=lambda p: self.section_of.get(problem_key(p), 0))
            key = first if bad else problem_key(first)
            # the count first: the line it takes under the step shortens the view scrolled next
            show_message(self.message, tr("ui.form.has_problems", count=len(bad) or len(self._all_problems)))
            self.go(self.section_of.get(key, 0))
            if key in self._rows:  # in a referral line: the faulty sub-field itself
                self._rows[key].editor.focus_problem([p.field for p in self._all_problems if problem_key(p) == key])
                self.reveal_focus(self._rows[key].problem)
            return
        show_message(self.message, "")
        self.save_requested.emit(self.answers())

    def save_draft(self, then=None) -> None:
        """Store the answers as an encrypted draft in the vault (quietly)."""
        if not self._dirty:
            if then:
                then()
            return
        self._dirty = False
        # the step too, so a draft reopens where it was left, also after a crash
        content, draft_id, case_id = {**self.raw_answers(), DRAFT_STEP: self.step}, self.draft_id, self.case_id

        def done(_):
            self.autosave_label.setText(tr("ui.form.draft_saved", time=QTime.currentTime().toString("HH:mm")))
            self.draft_saved.emit()
            if then:
                then()

        def failed(err):
            self._dirty = True
            if then:
                then()

        self.backend.op(lambda s: s.require().save_draft(draft_id, content, case_id), self).quiet() \
            .success(done).failure(failed).run()

    def stop(self) -> None:
        self._autosave.stop()
        self._live.stop()
        self._builder.stop()

    def _close(self) -> None:
        self.save_draft(then=self.cancelled.emit)
