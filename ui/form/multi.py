"""Several choices from a vocabulary: check boxes, or a filterable list when it is long."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from ..text import lang, tr
from .editor import BIG_VOCABULARY, Editor, name_widget, part_name


class MultiEditor(Editor):
    """Small vocabularies as check boxes in two columns; big ones as a filterable list."""

    def __init__(self, fdef, vocab) -> None:
        super().__init__()
        self.codes = [t.code for t in vocab.terms]
        self.boxes: dict[str, QCheckBox] = {}
        self.list: QListWidget | None = None
        if len(vocab.terms) > BIG_VOCABULARY:
            layout = QVBoxLayout(self)
            layout.setContentsMargins(0, 0, 0, 0)
            self.find = QLineEdit()
            self.find.setPlaceholderText(tr("ui.form.filter_list"))
            self.list = QListWidget()
            self.list.setMaximumHeight(160)
            for term in vocab.terms:
                item = QListWidgetItem(term.label(lang()))
                item.setData(Qt.ItemDataRole.UserRole, term.code)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.list.addItem(item)
            self.chosen = QLabel()
            self.chosen.setWordWrap(True)
            layout.addWidget(self.find)
            layout.addWidget(self.list)
            layout.addWidget(self.chosen)
            self.find.textChanged.connect(self._filter)
            self.list.itemChanged.connect(lambda _: self._list_changed())
            self.setFocusProxy(self.find)
        else:
            grid = QGridLayout(self)
            grid.setContentsMargins(0, 0, 0, 0)
            longest = max(len(t.label(lang())) for t in vocab.terms)
            columns = 2 if len(vocab.terms) > 4 and longest <= 34 else 1
            rows = (len(vocab.terms) + columns - 1) // columns
            for i, term in enumerate(vocab.terms):
                box = QCheckBox(term.label(lang()))
                box.toggled.connect(lambda _: self.changed.emit())
                self.boxes[term.code] = box
                grid.addWidget(box, i % rows, i // rows)
            if self.boxes:
                self.setFocusProxy(next(iter(self.boxes.values())))

    def set_accessible(self, name: str, description: str = "") -> None:
        if self.list is not None:
            name_widget(self.find, part_name(name, tr("ui.form.filter_list")), description)
            name_widget(self.list, name, description)
        for box in self.boxes.values():
            name_widget(box, part_name(name, box.text()), description)

    def _filter(self, text: str) -> None:
        needle = text.casefold()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def _list_changed(self) -> None:
        self.chosen.setText(", ".join(self.list.item(i).text() for i in range(self.list.count())
                                      if self.list.item(i).checkState() == Qt.CheckState.Checked))
        self.changed.emit()

    def value(self):
        if self.list is not None:
            picked = {self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                      if self.list.item(i).checkState() == Qt.CheckState.Checked}
        else:
            picked = {code for code, box in self.boxes.items() if box.isChecked()}
        return [c for c in self.codes if c in picked] or None

    def set_value(self, value):
        wanted = set(value or [])
        if self.list is not None:
            self.list.blockSignals(True)
            for i in range(self.list.count()):
                item = self.list.item(i)
                checked = item.data(Qt.ItemDataRole.UserRole) in wanted
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.list.blockSignals(False)
            self._list_changed()
        else:
            for code, box in self.boxes.items():
                box.setChecked(code in wanted)

