"""The intake form's steps, built when needed: a step's fields are built when it is first
shown; the other steps are built one per turn of the event loop once the form is first
painted (building all eight at once froze the window for half a second). Values given for
a step not built yet wait in ``pending`` and are put in its fields when it is built."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..text import lang, tr
from ..widgets import heading, muted
from .fields import make_editor
from .row import FieldRow
from .steps import StepScroll


class LazySteps:
    """The steps of ``form`` (its ``stack`` holds a stand-in for each until it is built).

    ``rows``: the fields built so far, in the form's order; ``pending``: the values given
    for fields whose step is not built yet; ``building``: true while a step's fields are
    built and given their values (their ``changed`` then is no edit). ``edited(key)`` is
    connected to each field's ``changed``; ``completed()`` is called once every step is built."""

    def __init__(self, form, given: dict, edited: Callable[[str], None], completed: Callable[[], None]) -> None:
        self.form = form
        self._edited, self._completed = edited, completed
        self.rows: dict[str, FieldRow] = {}
        self.pending = {k: v for k, v in given.items() if k in form.section_of}
        self.built: set[int] = set()
        self.building = False
        self._timer = QTimer(form)  # the steps not built yet, one per turn of the event loop
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.build_next)

    @property
    def complete(self) -> bool:
        return len(self.built) == len(self.form.sections)

    def start_idle(self) -> None:
        """The form is on screen: the other steps, in idle turns."""
        if not self._timer.isActive() and not self.complete:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def build_next(self) -> None:
        index = next((i for i in range(len(self.form.sections)) if i not in self.built), None)
        if index is not None:
            self.build(index)
        if self.complete:
            self._timer.stop()
            if index is not None:
                self.form.refresh()  # the fields built since: their skip logic, required marks and problems

    def build_all(self) -> None:
        if not self.complete:
            self._timer.stop()
            for index in range(len(self.form.sections)):
                self.build(index)
            self.form.refresh()

    def build(self, index: int) -> bool:
        """Build step ``index`` in place of its stand-in, its fields given their waiting values."""
        if index in self.built:
            return False
        self.built.add(index)
        section = self.form.sections[index]
        building, self.building = self.building, True
        try:
            self._build_section(index, section)
            for fdef in section.fields:
                if fdef.key in self.pending:
                    self.rows[fdef.key].editor.set_value(self.pending.pop(fdef.key))
        finally:
            self.building = building
        self.rows = {k: self.rows[k] for k in self.form.section_of if k in self.rows}
        if self.complete:
            self._completed()  # the widest step may be the one just built
        return True

    def values(self) -> dict:
        """The fields built, and the values waiting for the steps not built yet."""
        values = ((k, self.rows[k].editor.value() if k in self.rows else self.pending.get(k))
                  for k in self.form.section_of)
        return {k: v for k, v in values if v is not None}

    def _build_section(self, index: int, section) -> None:
        """The step's scroll area takes its stand-in's place first, its fields then: each
        widget is styled once, where it will stay (a widget moved into a styled parent is
        styled again: built apart and moved in, a step cost three times as much)."""
        stack = self.form.stack
        scroll = StepScroll()
        scroll.setAccessibleName(section.label(lang()))  # a Tab stop: named by its step
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 4, 16, 12)
        scroll.setWidget(page)
        current, stand_in = stack.currentIndex(), stack.widget(index)
        stack.insertWidget(index, scroll)
        stack.removeWidget(stand_in)
        stand_in.deleteLater()
        stack.setCurrentIndex(current)
        layout.addWidget(heading(section.label(lang())))
        if section.key == "consent":
            layout.addWidget(muted(tr("ui.form.consent_intro")))
        for fdef in section.fields:
            row = FieldRow(fdef, make_editor(self.form.cb, fdef))
            row.editor.changed.connect(lambda k=fdef.key: self._edited(k))
            self.rows[fdef.key] = row
            layout.addWidget(row)
        layout.addStretch(1)
        self._tab_after_steps(scroll)

    def _tab_after_steps(self, scroll: QWidget) -> None:
        """Tab: a widget that joins the form comes last in its chain, so a step built after
        the buttons and the panel came after them; its widgets go back where they were,
        right after the list of steps, in their order (a step not on show is skipped).
        They are found among the step's children: walking the window's chain from Python
        (nextInFocusChain) left PySide 6.11 deleting built steps."""
        before, window = self.form.steps, self.form.window()  # not a list's pop-up (a window of its own)
        for widget in [scroll, *scroll.findChildren(QWidget)]:
            if widget.focusPolicy() != Qt.FocusPolicy.NoFocus and widget.window() is window:
                QWidget.setTabOrder(before, widget)
                before = widget
