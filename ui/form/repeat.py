"""A repeatable group (referrals): one line of sub-field editors per item."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..text import lang, tr
from .fields import Editor, make_editor


class _Item(QWidget):
    def __init__(self, cb, fdef, on_remove) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.editors = {}
        for sub in fdef.subfields:
            box = QVBoxLayout()
            box.addWidget(QLabel(sub.label(lang())))
            editor = make_editor(cb, sub)
            self.editors[sub.key] = editor
            box.addWidget(editor)
            row.addLayout(box, 3 if sub.type == "choice" else 1)
        remove = QPushButton(tr("ui.form.remove"))
        remove.clicked.connect(lambda: on_remove(self))
        row.addWidget(remove)

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
        layout.addLayout(self.box)
        self.add_button = QPushButton(tr("ui.form.add_item"))
        self.add_button.clicked.connect(lambda: self.add())
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.setFocusProxy(self.add_button)

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
        self.box.addWidget(item)
        self.changed.emit()

    def add_institution(self, code: str) -> None:
        if code not in {i.value().get("institution") for i in self.items}:
            self.add({"institution": code, "date": date.today().isoformat(), "outcome": "pending"})

    def _remove(self, item: _Item) -> None:
        self.items.remove(item)
        item.setParent(None)
        item.deleteLater()
        self.changed.emit()

    def value(self):
        values = [i.value() for i in self.items]
        return [v for v in values if v] or None

    def set_value(self, value):
        for item in list(self.items):
            self._remove(item)
        for v in value or []:
            self.add(v)
