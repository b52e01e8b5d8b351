"""One editor per codebook field type, with a uniform face: ``value()``,
``set_value()``, ``changed``; and :class:`FieldRow`, the label, editor, help and
inline problem of one field. Nothing here is laid out per field by hand."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QApplication, QCheckBox, QComboBox, QCompleter, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from ..text import lang, tr

BIG_VOCABULARY = 15


def _fold(text: str) -> str:
    """Case and accents aside: "peru" finds "Perú"."""
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))


def parse_date(text: str) -> Any:
    """DD/MM/AAAA (or AAAA-MM-DD) to ISO; anything else is returned as typed so the
    codebook check words the problem."""
    text = text.strip()
    if not text:
        return None
    parts = text.replace("-", "/").replace(".", "/").split("/")
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            return date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
        if len(parts) == 3 and len(parts[2]) == 4:
            return date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
    except ValueError:
        pass
    return text


def show_date(iso: Any) -> str:
    if isinstance(iso, str) and len(iso) == 10 and iso[4] == "-":
        return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"
    return "" if iso is None else str(iso)


class Editor(QWidget):
    changed = Signal()

    def local_problem(self) -> str:
        """A problem only the editor knows (typed text that is no choice); "" if none."""
        return ""

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def set_accessible(self, name: str, description: str = "") -> None:
        """What a screen reader says for each widget here that takes focus: the question
        (and, for a part of it, "question: part"); the description carries the problem
        and the help."""
        target = getattr(self, "main", None) or self.focusProxy()
        if target is not None:
            name_widget(target, name, description)

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


def _single(editor: Editor, widget: QWidget) -> None:
    layout = QHBoxLayout(editor)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget)
    editor.main = widget
    editor.setFocusProxy(widget)


class TextEditor(Editor):
    def __init__(self, fdef) -> None:
        super().__init__()
        self.edit = QLineEdit()
        if "max_length" in fdef.validation:
            self.edit.setMaxLength(int(fdef.validation["max_length"]) + 1)
        _single(self, self.edit)
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
        _single(self, self.edit)
        self.edit.textChanged.connect(self.changed.emit)

    def value(self):
        return self.edit.toPlainText() or None

    def set_value(self, value):
        self.edit.setPlainText("" if value is None else str(value))


NO_TODAY = {"birth_date"}  # a person is not born today: one click must not say so


class DateEditor(Editor):
    def __init__(self, fdef) -> None:
        super().__init__()
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(tr("ui.form.date_placeholder"))
        self.edit.setMaximumWidth(180)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit)
        self.today: QPushButton | None = None
        if fdef.key not in NO_TODAY:
            today = self.today = QPushButton(tr("ui.form.today"))
            today.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            today.clicked.connect(lambda: self.edit.setText(date.today().strftime("%d/%m/%Y")))
            row.addWidget(today)
        row.addStretch(1)
        self.main = self.edit
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(lambda _: self.changed.emit())

    def set_accessible(self, name: str, description: str = "") -> None:
        hint = tr("ui.a11y.date_format", format=tr("ui.form.date_placeholder"))
        name_widget(self.edit, name, " ".join(t for t in (description, hint) if t))
        if self.today is not None:
            name_widget(self.today, part_name(name, tr("ui.form.today")), description)

    def value(self):
        return parse_date(self.edit.text())

    def set_value(self, value):
        self.edit.setText(show_date(value))


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
        _single(self, self.combo)
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

    def _index_changed(self, _=None) -> None:
        if self.combo.isEditable() and self.combo.currentText() == self.combo.itemText(self.combo.currentIndex()):
            self._unlisted = ""  # a choice taken from the list (arrow keys, a click) ends the message
        self.changed.emit()

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


class FieldRow(QWidget):
    """Label (with * when required), the editor, the help line and the inline problem."""

    def __init__(self, fdef, editor: Editor) -> None:
        super().__init__()
        self.fdef, self.editor = fdef, editor
        self.setObjectName(f"field_{fdef.key}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.setSpacing(4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setBuddy(editor.focusProxy() or editor)  # the widget that takes the focus
        layout.addWidget(self.label)
        layout.addWidget(editor)
        help_text = self.help_text = fdef.help(lang())
        self._spoken: tuple = ()
        if help_text:
            help_label = QLabel(help_text)
            help_label.setObjectName("muted")
            help_label.setWordWrap(True)
            layout.addWidget(help_label)
        self.problem = QLabel()
        self.problem.setObjectName("error")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        self.set_required(fdef.required is True)

    def set_required(self, required: bool) -> None:
        text = self.fdef.label(lang())
        self.label.setText(f"<b>{_html(text)}</b>" + (" <span style='color:#a61b1b'>*</span>" if required else ""))
        self.required = required
        self._speak()

    def set_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        self.editor.set_invalid(bool(text))
        self._speak()

    def _speak(self) -> None:
        """The question as the accessible name of each focusable editor widget; the
        problem (read first), "required" and the help as its description."""
        problem = self.problem.text() if hasattr(self, "problem") else ""
        parts = (problem, tr("ui.a11y.required") if getattr(self, "required", False) else "", self.help_text)
        spoken = (self.fdef.label(lang()), " ".join(p for p in parts if p))
        if spoken != self._spoken:
            self._spoken = spoken
            self.editor.set_accessible(*spoken)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_editor(cb, fdef) -> Editor:
    if fdef.type == "repeat":
        from .repeat import RepeatEditor

        return RepeatEditor(cb, fdef)
    if fdef.type == "text":
        return TextEditor(fdef)
    if fdef.type == "longtext":
        return LongTextEditor(fdef)
    if fdef.type == "date":
        return DateEditor(fdef)
    if fdef.type == "integer":
        return IntegerEditor(fdef)
    if fdef.type == "boolean":
        return BooleanEditor(fdef)
    if fdef.type == "choice":
        return ChoiceEditor(fdef, cb.vocab(fdef))
    if fdef.type == "multi":
        return MultiEditor(fdef, cb.vocab(fdef))
    raise ValueError(fdef.type)
