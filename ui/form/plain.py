"""Editors for free answers: a line of text, a longer text, a whole number, yes/no."""

from __future__ import annotations

from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPlainTextEdit

from ..text import tr
from .editor import Editor, single_widget


class TextEditor(Editor):
    def __init__(self, fdef) -> None:
        super().__init__()
        self.edit = QLineEdit()
        if "max_length" in fdef.validation:
            self.edit.setMaxLength(int(fdef.validation["max_length"]) + 1)
        single_widget(self, self.edit)
        self.edit.textChanged.connect(lambda _: self.changed.emit())

    def value(self):
        return self.edit.text() or None

    def set_value(self, value):
        self.edit.setText("" if value is None else str(value))


class LongTextEditor(Editor):
    def __init__(self, fdef) -> None:
        super().__init__()
        self.edit = QPlainTextEdit()
        self.edit.setTabChangesFocus(True)
        self.edit.setMinimumHeight(110)
        single_widget(self, self.edit)
        self.edit.textChanged.connect(self.changed.emit)

    def value(self):
        return self.edit.toPlainText() or None

    def set_value(self, value):
        self.edit.setPlainText("" if value is None else str(value))


class IntegerEditor(Editor):
    def __init__(self, fdef) -> None:
        super().__init__()
        self.edit = QLineEdit()
        self.edit.setValidator(QIntValidator(-1, 10_000, self.edit))
        self.edit.setMaximumWidth(120)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit)
        row.addStretch(1)
        self.main = self.edit
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(lambda _: self.changed.emit())

    def value(self):
        text = self.edit.text().strip()
        try:
            return int(text) if text else None
        except ValueError:
            return text

    def set_value(self, value):
        self.edit.setText("" if value is None else str(value))


class BooleanEditor(Editor):
    """Yes / No / not answered: an unanswered question is not a "no"."""

    def __init__(self, fdef) -> None:
        super().__init__()
        self.combo = QComboBox()
        self.combo.addItem("", None)
        self.combo.addItem(tr("value.yes"), True)
        self.combo.addItem(tr("value.no"), False)
        self.combo.setMinimumWidth(120)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.combo)
        row.addStretch(1)
        self.main = self.combo
        self.setFocusProxy(self.combo)
        self.combo.currentIndexChanged.connect(lambda _: self.changed.emit())

    def value(self):
        return self.combo.currentData()

    def set_value(self, value):
        self.combo.setCurrentIndex({True: 1, False: 2}.get(value, 0))

