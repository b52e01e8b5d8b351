"""The intake form, generated from the codebook: consent first, one step per section,
live skip logic, inline problems in the officer's language, the screening panel
beside it, and a draft autosaved in the vault every few seconds.

Here the layout and the wiring: the steps are built when needed by :mod:`.lazy_steps`
(whatever reads the whole record, ``rows``, ``raw_answers``, ``answers`` or a save, builds
every step first), and problems are found and shown by :mod:`.problems`."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, QPoint, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication, QHBoxLayout, QProgressBar, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget,
)

from intake_app.codebook import visible_fields
from intake_app.codebook.conditions import evaluate
from intake_app.codebook.derive import derive_demographics

from ..flow import FlowRow
from ..text import lang, tr
from ..widgets import heading, message_label, muted, primary, shortcut_tip, show_message
from .lazy_steps import LazySteps
from .problems import FormProblems
from .row import FieldRow
from .screening_panel import ScreeningPanel
from .steps import StepList, StepScroll

AUTOSAVE_MS = 4000
STEPS_MAX_WIDTH = 290  # the steps column, at most
FIRST_SECTIONS = ("consent",)


DRAFT_STEP = "_step"  # where a draft keeps the step it was left on, beside the answers (never a field key)

def ordered_sections(cb) -> list:
    first = [s for key in FIRST_SECTIONS for s in cb.sections if s.key == key]
    return first + [s for s in cb.sections if s.key not in FIRST_SECTIONS]


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
        self.section_of = {f.key: i for i, s in enumerate(self.sections) for f in s.fields}
        self.touched: set[str] = set()
        self.checked_steps: set[int] = set()
        self._problems = FormProblems(self)
        self._dirty = False
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
        self._panel_held = False  # the panel narrowed by _share_width, not by the officer
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
        self.lazy = LazySteps(self, {**(defaults or {}), **(answers or {})}, self._changed, self._share_width)
        self.lazy.build(0)
        self.steps.setCurrentRow(0)
        self.refresh()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._share_width()

    def _share_width(self) -> None:
        """Who gives up width as the form narrows: first the steps column, down to its least;
        then the screening panel, from its width (320 px) down to its least (220); only then
        the step, whose check boxes then wrap (kept on one line, they made the form 986 px
        wide, wider than a 1366×768 laptop at a 1.5 scale). The layout shared the shortfall
        evenly: at 1024 px the column kept 212 px and the panel got 220, its least, and
        wrapped its text into a tall narrow strip. The step's least is now below the width it
        takes where there is room (``StepScroll.comfort_width``), so the splitter is told the
        panel's width while room is short (it took the shortfall from the step alone), and
        given the panel's own width back once there is room."""
        root = self.layout()
        margins = root.contentsMargins()
        inner = self.width() - margins.left() - margins.right() - root.spacing() - self.splitter.handleWidth()
        steps = [self.stack.widget(i) for i in range(self.stack.count())]
        comfort = max((s.comfort_width() for s in steps if isinstance(s, StepScroll)), default=0)
        need = self.splitter.widget(0).minimumSizeHint().width() + max(0, comfort - self.stack.minimumSizeHint().width())
        least = self.left_box.minimumSizeHint().width()
        panel = self.screening.sizeHint().width()
        width = max(least, min(STEPS_MAX_WIDTH, inner - need - panel))
        if width != self.left_box.maximumWidth():
            self.left_box.setMaximumWidth(width)
        room = inner - min(width, self.left_box.sizeHint().width()) - need
        if room < panel:
            self._panel_held = True
            self.splitter.setSizes([need, max(self.screening.minimumWidth(), room)])  # the step takes the rest
        elif self._panel_held:
            self._panel_held = False
            self.splitter.setSizes([need, panel])

    # --- building, answers and skip logic ----------------------------------------------
    @property
    def rows(self) -> dict[str, FieldRow]:
        """Every field of the form, by key (all steps built first)."""
        self.lazy.build_all()
        return self.lazy.rows

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        self.lazy.start_idle()

    def raw_answers(self) -> dict:
        self.lazy.build_all()
        return self.lazy.values()

    def answers(self) -> dict:
        """The answers of visible fields only (hiding cascades: a hidden field's
        dependants are hidden too)."""
        self.lazy.build_all()
        return self._visible(self.lazy.values())

    def _visible(self, values: dict) -> dict:
        while True:
            visible = visible_fields(self.cb, values)
            kept = {k: v for k, v in values.items() if k in visible}
            if kept == values:
                return kept
            values = kept

    def _changed(self, key: str) -> None:
        if self.lazy.building:  # a value put in a field built just now: no edit
            return
        self.touched.add(key)
        self._dirty = True
        self._live.start()

    def focusNextPrevChild(self, forward: bool) -> bool:
        """Tab and Shift+Tab from anywhere in the form: the fields an answer just given shows
        are shown first, so Tab goes to them (the refresh waits 150 ms after a change: a
        consent chosen with the arrows and Tab at once went past the questions it opens)."""
        if self._live.isActive():
            self._live.stop()
            self.refresh()
        return super().focusNextPrevChild(forward)

    def refresh(self) -> None:
        answers = self._visible(self.lazy.values())
        visible = visible_fields(self.cb, answers)
        values = {**answers, **derive_demographics(self.cb, answers)}
        for key, row in self.lazy.rows.items():
            row.setVisible(key in visible)
            req = row.fdef.required
            row.set_required(req if isinstance(req, bool) else evaluate(req, values))
        self.screening.update_answers(answers)
        self._problems.check(answers)
        self.progress.setMaximum(len(self.sections))
        self.progress.setValue(self.stack.currentIndex() + 1)
        self.step_label.setText(self.progress.text())

    @property
    def problems(self) -> dict[str, str]:
        """Each field's first problem, in the officer's words."""
        return self._problems.by_field

    @property
    def _all_problems(self) -> list:
        return self._problems.found

    # --- steps -------------------------------------------------------------------------
    def go(self, index: int) -> None:
        if 0 <= index < len(self.sections):
            self.steps.setCurrentRow(index)

    def _show_step(self, index: int) -> None:
        if index < 0:
            return
        self.lazy.build(index)
        self.stack.setCurrentIndex(index)
        self.back_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(self.sections) - 1)
        self.refresh()
        self.focus_step()

    def focus_step(self) -> None:
        """The first field of the step on show takes the keyboard."""
        index = self.stack.currentIndex()
        first = next((r for k, r in self.lazy.rows.items() if self.section_of[k] == index and not r.isHidden()), None)
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
        """A referral from the panel's link: a new line, on show with the keyboard on it (its
        institution, read with the line's number), in sight. The link only went away, and
        nothing said a line had been added, on a step perhaps not on show."""
        referrals = self.rows["referrals"].editor
        lines = len(referrals.items)
        referrals.add_institution(code)
        if len(referrals.items) == lines:  # already referred: no new line
            return
        self.go(self.section_of["referrals"])
        line = referrals.items[-1]
        line.show()  # now, not at the next turn: a hidden widget does not take the keyboard
        line.keys[0].setFocus(Qt.FocusReason.OtherFocusReason)
        self.reveal_focus()

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
        if self._problems.go_to_first():
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
        self.lazy.stop()

    def _close(self) -> None:
        self.save_draft(then=self.cancelled.emit)
