"""The intake form's steps, built when needed: a step's fields are built when it is first
shown; the other steps are built one per turn of the event loop once the form is first
painted (building all eight at once froze the window for half a second). Values given for
a step not built yet wait in ``pending`` and are put in its fields when it is built."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractScrollArea, QVBoxLayout, QWidget

from ..text import lang, tr
from ..widgets import heading, muted
from .editor import Editor
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
        self._tab_after_steps(self.form.stack.widget(index))  # with the lines its values added
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
            if fdef.type == "repeat":  # a line added later joins the window's chain at its end
                row.editor.changed.connect(lambda r=row: settle_proxies(r))
            self.rows[fdef.key] = row
            layout.addWidget(row)
        layout.addStretch(1)

    def _tab_after_steps(self, scroll: QWidget) -> None:
        """Tab: a widget that joins the form comes last in the window's chain, so a step
        built after the buttons and the panel came after them; the step goes back where it
        was, right after the list of steps (a step not on show is skipped), whole and in its
        order. Whole: moved box by box, the editors that hand the keyboard to a box of
        theirs (a focus proxy) stayed behind the panel, the form's last stop, and Tab from
        the panel went to the first of them, back into the step, never on to «Sincronizar…»
        and the top bar. Qt moves a widget with a focus proxy inside it together with what
        follows it in the chain inside it, up to the last widget there that takes the
        keyboard: for the move, the step's scroll area has a proxy and every widget in it
        takes the keyboard (else a text box's own scroll bars, last in a step, stayed
        behind, and Shift+Tab from «Sincronizar…» went to the text box, not the panel).
        Never asked of a widget Qt made (a scroll area's viewport): PySide 6.11 deleted the
        widget that ``focusProxy()`` or ``nextInFocusChain()`` returned from such a one (a
        step, when the chain was walked from Python)."""
        window = scroll.window()  # not a list's pop-up (a window of its own)
        viewports = [area.viewport() for area in scroll.findChildren(QAbstractScrollArea)]
        inert = [w for w in scroll.findChildren(QWidget)  # a proxy's policy would go to its box too:
                 if w.focusPolicy() == Qt.FocusPolicy.NoFocus and w.window() is window  # editors, viewports
                 and not isinstance(w, Editor) and not any(w is v for v in viewports)]
        for widget in inert:
            widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        scroll.setFocusProxy(scroll.widget())
        try:
            QWidget.setTabOrder(self.form.steps, scroll)
        finally:
            scroll.setFocusProxy(None)
            for widget in inert:
                widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        settle_proxies(scroll)


def settle_proxies(root: QWidget) -> None:
    """Each editor inside ``root`` that hands the keyboard to a box of its own goes right
    before its boxes in Tab's chain (Qt puts it there when its proxy is set). Left where it
    was, Tab reaching it gave the keyboard to its box from there: a referral line's boxes
    are moved after «Agregar referencia» (``RepeatEditor``), their editors were not, and
    Tab from the panel (a line added later: they were last in the chain) or from the add
    button (lines of a draft: moved with their step) went back to the line's first box."""
    for editor in root.findChildren(Editor):
        proxy = editor.focusProxy()
        if proxy is not None and editor.isAncestorOf(proxy):
            editor.setFocusProxy(None)
            editor.setFocusProxy(proxy)
