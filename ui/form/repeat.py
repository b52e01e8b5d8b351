"""A repeatable group (referrals): one line of sub-field editors per item."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QApplication, QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from ..text import lang, tr
from .choice import ChoiceEditor
from .editor import Editor, name_widget, part_name
from .fields import make_editor


class _Item(QFrame):
    """One line, on a card of two columns so that it fits the step's column at 1280 px and
    less (in one row it needed about 760 px and cut its remove button off): the sub-fields
    two by two, each with its label above it as elsewhere in the form, then the remove
    button. For referrals: institution and date, then outcome and remove. The keyboard
    takes them in that order, the order they are added in."""

    COLUMNS = 2
    CHOICE_MIN_WIDTH = 140  # a choice box here: less than the form's 260, the card has two columns (at 160
    # a line needed 390 px, and the window 906 px: wider than a 1366×768 laptop at a 1.5 scale leaves it)

    def __init__(self, cb, fdef, on_remove) -> None:
        super().__init__()
        self.setObjectName("card")
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 6, 10, 10)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.editors = {}
        self.labels = {sub.key: sub.label(lang()) for sub in fdef.subfields}
        weights = [1] * self.COLUMNS
        for n, sub in enumerate(fdef.subfields):
            row, column = 2 * (n // self.COLUMNS), n % self.COLUMNS
            editor = make_editor(cb, sub)
            if isinstance(editor, ChoiceEditor):
                editor.combo.setMinimumWidth(self.CHOICE_MIN_WIDTH)
            self.editors[sub.key] = editor
            grid.addWidget(QLabel(self.labels[sub.key]), row, column)
            grid.addWidget(editor, row + 1, column)
            weights[column] = max(weights[column], 3 if sub.type == "choice" else 1)
        self.remove = QPushButton(tr("ui.form.remove"))
        self.remove.clicked.connect(lambda: on_remove(self))
        n = len(fdef.subfields)
        grid.addWidget(self.remove, 2 * (n // self.COLUMNS) + 1, n % self.COLUMNS, Qt.AlignmentFlag.AlignLeft)
        for column, weight in enumerate(weights):
            grid.setColumnStretch(column, weight)
        self.keys = self._keyboard_widgets()

    def _keyboard_widgets(self) -> list[QWidget]:
        """The widgets here that take the keyboard, as the line reads (the order they were
        made in): the line's own focus chain while it has no parent yet."""
        found, widget = [], self.nextInFocusChain()
        while widget is not self:
            if widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
                found.append(widget)
            widget = widget.nextInFocusChain()
        return found

    def set_accessible(self, question: str, number: int, description: str) -> None:
        """"Referencias 2: Institución", "Referencias 2: Quitar"."""
        item = tr("ui.a11y.item", question=question, number=number)
        for key, editor in self.editors.items():
            editor.set_accessible(part_name(item, self.labels[key]), description)
        name_widget(self.remove, part_name(item, tr("ui.form.remove")), description)

    def value(self) -> dict:
        return {k: v for k, e in self.editors.items() if (v := e.value()) is not None}


class RepeatEditor(Editor):
    def __init__(self, cb, fdef) -> None:
        super().__init__()
        self.cb, self.fdef = cb, fdef
        self.items: list[_Item] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.box = QVBoxLayout()
        self.box.setSpacing(8)
        layout.addLayout(self.box)
        self.add_button = QPushButton(tr("ui.form.add_item"))
        self.add_button.clicked.connect(self._add_and_focus)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.setFocusProxy(self.add_button)
        self._spoken = (fdef.label(lang()), "")

    def set_accessible(self, name: str, description: str = "") -> None:
        self._spoken = (name, description)
        name_widget(self.add_button, part_name(name, tr("ui.form.add_item")), description)
        for n, item in enumerate(self.items, 1):
            item.set_accessible(name, n, description)

    def add(self, value: dict | None = None) -> None:
        item = _Item(self.cb, self.fdef, self._remove)
        for key, editor in item.editors.items():
            editor.changed.connect(self.changed.emit)
        if value is None:
            value = {"date": date.today().isoformat()}
        for key, v in value.items():
            if key in item.editors:
                item.editors[key].set_value(v)
        self.items.append(item)
        item.set_accessible(self._spoken[0], len(self.items), self._spoken[1])
        self.box.addWidget(item)
        self._order_keys()
        self.changed.emit()

    def _order_keys(self) -> None:
        """Tab takes the lines, line by line, then the add button. A new line went at the
        end of the window's focus chain, and Tab came to the group (its focus proxy, the
        add button) before the lines: the button came first, and a line added with the
        keyboard was behind it. The lines are chained after the button and the button
        after the last line; setting the proxy again puts the group itself in the chain
        just before the button (Qt keeps a widget right before its focus proxy), after
        the lines."""
        previous = self.add_button
        for widget in [w for item in self.items for w in item.keys]:
            QWidget.setTabOrder(previous, widget)
            previous = widget
        QWidget.setTabOrder(previous, self.add_button)
        self.setFocusProxy(None)
        self.setFocusProxy(self.add_button)

    def _add_and_focus(self) -> None:
        """The add button: a new line, and the keyboard on its first field (in sight)."""
        self.add()
        item = self.items[-1]
        item.show()
        item.keys[0].setFocus(Qt.FocusReason.OtherFocusReason)
        scroll = self.parentWidget()
        while scroll is not None and not isinstance(scroll, QScrollArea):
            scroll = scroll.parentWidget()
        if scroll is not None:
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # the line's place first
            scroll.ensureWidgetVisible(item)

    def add_institution(self, code: str) -> None:
        if code not in {i.value().get("institution") for i in self.items}:
            self.add({"institution": code, "date": date.today().isoformat(), "outcome": "pending"})

    def _remove(self, item: _Item) -> None:
        """Drop a line. Its remove button pressed with the keyboard had the focus, which went
        nowhere with the line: it goes to the line that takes its place (the next one's first
        field), or to the add button after the last line."""
        index = self.items.index(item)
        had_focus = item.isAncestorOf(QApplication.focusWidget())
        self.items.remove(item)
        if had_focus:
            after = self.items[index].keys[0] if index < len(self.items) else self.add_button
            after.setFocus(Qt.FocusReason.OtherFocusReason)
        item.hide()  # a line added in this same turn would else be shown as a window of its own
        item.setParent(None)
        item.deleteLater()
        self._order_keys()
        self.set_accessible(*self._spoken)  # the numbers after it move up
        self.changed.emit()

    def _answered(self) -> list[tuple[_Item, dict]]:
        """The lines with an answer and their answers: the value leaves out empty lines, so
        the core's "referrals[1]" is the second of these, not of the lines on screen."""
        return [(item, v) for item in self.items if (v := item.value())]

    def line_number(self, index: int) -> int:
        """The number on screen (from 1, as the screen reader says it) of the core's line
        ``index`` (counted among the lines with an answer)."""
        lines = [item for item, _ in self._answered()]
        return self.items.index(lines[index]) + 1 if 0 <= index < len(lines) else index + 1

    def _editors(self):
        """Every sub-field editor, in the form's order: line by line, then as the line reads."""
        return [editor for item in self.items for editor in item.editors.values()]

    def settle(self) -> None:
        """Typed text in a line's typeable choice (an institution) settles as it does outside
        a line: on saving or locking with the cursor still in the box."""
        for editor in self._editors():
            settle = getattr(editor, "settle", None)
            if settle is not None:
                settle()

    def local_problem(self) -> str:
        return next((problem for editor in self._editors() if (problem := editor.local_problem())), "")

    def focus_problem(self, places: list[str]) -> None:
        """The first faulty sub-field in the form's order (line by line, then as the line
        reads), not the order the core lists them in, be the problem the core's or the
        editor's own (typed text not in the list); the add button only when no sub-field
        is named (a problem with the whole list)."""
        lines = [item for item, _ in self._answered()]
        order = [sub.key for sub in self.fdef.subfields]
        spots = []
        for where in places:
            index, _, sub = where.partition("[")[2].partition("].")
            if index.isdigit() and int(index) < len(lines) and sub in order:
                spots.append((self.items.index(lines[int(index)]), order.index(sub)))
        for n, item in enumerate(self.items):
            spots += [(n, order.index(key)) for key, editor in item.editors.items() if editor.local_problem()]
        if not spots:
            super().focus_problem(places)
            return
        index, sub = min(spots)
        self.items[index].editors[order[sub]].setFocus(Qt.FocusReason.OtherFocusReason)

    def value(self):
        return [v for _, v in self._answered()] or None

    def set_value(self, value):
        for item in list(self.items):
            self._remove(item)
        for v in value or []:
            self.add(v)
