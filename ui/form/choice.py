"""One choice from a vocabulary; a long one (countries) is typed to find, and typed text
settles to the one choice it names or starts, else says it is not in the list."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QCompleter

from ..text import lang, tr
from .editor import BIG_VOCABULARY, Editor, single_widget


def _fold(text: str) -> str:
    """Case and accents aside: "peru" finds "Perú"."""
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))


class ChoiceEditor(Editor):
    def __init__(self, fdef, vocab) -> None:
        super().__init__()
        self.combo = QComboBox()
        self.combo.addItem("", None)
        for term in vocab.terms:
            self.combo.addItem(term.label(lang()), term.code)
        if len(vocab.terms) > BIG_VOCABULARY:  # type to find: "vene" finds Venezuela
            self.combo.setEditable(True)
            self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            completer = self.combo.completer()
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.combo.setMinimumWidth(260)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        single_widget(self, self.combo)
        self.combo.currentIndexChanged.connect(self._index_changed)
        self._unlisted = ""
        if self.combo.isEditable():
            QApplication.instance().focusChanged.connect(self._focus_changed)
            self.combo.lineEdit().textEdited.connect(lambda _: self._clear_unlisted())

    def _focus_changed(self, old, new) -> None:
        """The keyboard left the box (Tab, a click elsewhere; with or without the list of
        matches open; not to that list)."""
        mine = (self.combo, self.combo.lineEdit(), self.combo.completer().popup())
        if old in mine and new not in mine:
            self.settle()
            self._show_start()

    def _index_changed(self, _=None) -> None:
        if self.combo.isEditable() and self.combo.currentText() == self.combo.itemText(self.combo.currentIndex()):
            self._unlisted = ""  # a choice taken from the list (arrow keys, a click) ends the message
        if not self.combo.hasFocus():
            self._show_start()
        self.changed.emit()

    def _show_start(self) -> None:
        """A long choice in a narrow typeable box shows its start ("SENNIAF – Secretaría…"),
        not its end, as the closed box of a plain list does, once the keyboard is elsewhere."""
        if self.combo.isEditable():
            self.combo.lineEdit().setCursorPosition(0)

    def settle(self) -> None:
        """Typed text that is no choice (on leaving the box, saving or locking): the one choice
        it names (case and accents aside) or the one whose name starts with it ("colo" →
        Colombia); else the text stays and says it is not in the list. Never a choice that
        merely contains it: "Rusia" is not Bielorrusia, "EEUU" not the US Virgin Islands (the
        list of matches shown while typing still finds words inside names)."""
        if not self.combo.isEditable():
            return
        text = self.combo.currentText().strip()
        if not text:
            if self.combo.currentIndex() != 0:
                self.combo.setCurrentIndex(0)
            self._clear_unlisted()
            return
        if text == self.combo.itemText(self.combo.currentIndex()):
            self._clear_unlisted()
            return
        needle = _fold(text)
        labels = [(i, _fold(self.combo.itemText(i))) for i in range(1, self.combo.count())]
        matches = [i for i, label in labels if label == needle] or [i for i, label in labels
                                                                      if label.startswith(needle)]
        if len(matches) == 1:
            self._unlisted = ""
            self.combo.setCurrentIndex(matches[0])
            self.combo.setEditText(self.combo.itemText(matches[0]))
            self.changed.emit()
        elif self._unlisted != text:
            self._unlisted = text
            self.changed.emit()

    def _clear_unlisted(self) -> None:
        if self._unlisted:
            self._unlisted = ""
            self.changed.emit()

    def local_problem(self) -> str:
        return tr("ui.form.unlisted", text=self._unlisted) if self._unlisted else ""

    def value(self):
        if self.combo.isEditable() and self.combo.currentText() != self.combo.itemText(self.combo.currentIndex()):
            return None
        return self.combo.currentData()

    def set_value(self, value):
        i = self.combo.findData(value) if value is not None else 0
        self.combo.setCurrentIndex(max(0, i))

