"""The uniform face of every field editor (``value()``, ``set_value()``, ``changed``,
an inline problem it alone knows) and the naming a screen reader speaks for it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QWidget

from ..text import tr

BIG_VOCABULARY = 15  # longer vocabularies are searched by typing, not scrolled


class Editor(QWidget):
    changed = Signal()

    def local_problem(self) -> str:
        """A problem only the editor knows (typed text that is no choice); "" if none."""
        return ""

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def comfort_width(self) -> int:
        """The width it takes where there is room; its least (``minimumSizeHint``) when
        squeezed. The same for most editors; check boxes wrap only when squeezed."""
        return self.minimumSizeHint().width()

    def set_accessible(self, name: str, description: str = "") -> None:
        """What a screen reader says for each widget here that takes focus: the question
        (and, for a part of it, "question: part"); the description carries the problem
        and the help."""
        target = getattr(self, "main", None) or self.focusProxy()
        if target is not None:
            name_widget(target, name, description)

    def focus_problem(self, places: list[str]) -> None:
        """Give the keyboard to the part with the first of the problems at ``places`` (the
        core's paths, such as "referrals[1].date"); an editor of one value has one part."""
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_invalid(self, invalid: bool) -> None:
        target = getattr(self, "main", None)
        if target is not None:
            target.setProperty("invalid", invalid)
            target.style().unpolish(target)
            target.style().polish(target)


def name_widget(widget: QWidget, name: str, description: str = "") -> None:
    widget.setAccessibleName(name)
    widget.setAccessibleDescription(description)
    line = widget.lineEdit() if isinstance(widget, QComboBox) else None
    if line is not None:  # an editable list: the text part is what the keyboard types into
        line.setAccessibleName(name)
        line.setAccessibleDescription(description)


def part_name(question: str, part: str) -> str:
    return tr("ui.a11y.part", question=question, part=part)


def single_widget(editor: Editor, widget: QWidget) -> None:
    layout = QHBoxLayout(editor)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget)
    editor.main = widget
    editor.setFocusProxy(widget)
