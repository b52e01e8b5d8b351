"""Several choices from a vocabulary: check boxes, or a filterable list when it is long."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QCheckBox, QGridLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QSizePolicy, QStyle, QStyleOptionButton,
    QStyleOptionFocusRect, QStylePainter, QVBoxLayout,
)

from ..style import BASE_POINT_SIZE
from ..text import lang, tr
from .editor import BIG_VOCABULARY, Editor, name_widget, part_name


class WrapCheckBox(QCheckBox):
    """A check box whose text wraps onto more lines when its column is narrow (a plain one
    never wraps: at a large font "Se explicó el derecho a retirar el consentimiento" made
    the form, and the window, wider than a 1024 px screen; the steps then scroll up and down
    only, ``StepScroll``). Still one QCheckBox: its text and name for a screen reader, Space
    and a click anywhere on it (its text too, on any line) toggle it."""

    WRAP = Qt.TextFlag.TextWordWrap | Qt.TextFlag.TextShowMnemonic

    def __init__(self, text: str) -> None:
        super().__init__(text)
        policy = self.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Preferred)  # a button's Minimum never goes below one line
        policy.setVerticalPolicy(QSizePolicy.Policy.Preferred)  # a button's Fixed never grows a second line
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _text_size(self) -> QSize:
        return QFontMetrics(self.font()).size(Qt.TextFlag.TextShowMnemonic, self.text())

    def _room(self) -> QSize:
        """The indicator, spacing, padding and border around the text (one line's hint less its text)."""
        hint, text = super().sizeHint(), self._text_size()
        return QSize(hint.width() - text.width(), hint.height() - text.height())

    def minimumSizeHint(self) -> QSize:
        """Its longest word: the text wraps instead of widening the form. At the normal size it
        kept its text on one line, and "Pagos o beneficios a quien tiene autoridad sobre la
        persona" made the form 986 px wide, wider than a 1366×768 laptop at a 1.5 scale (911
        px); where there is room it is still one line (``comfort_width``)."""
        metrics = QFontMetrics(self.font())
        word = max((metrics.horizontalAdvance(w) for w in self.text().split()), default=0)
        return QSize(self._room().width() + min(word, self._text_size().width()), super().minimumSizeHint().height())

    def comfort_width(self) -> int:
        """The width it is given when there is room: its text on one line at the normal size
        (or smaller), as the form always showed it; its least at a larger font."""
        if self.font().pointSizeF() <= BASE_POINT_SIZE:
            return max(super().sizeHint().width(), self.minimumSizeHint().width())
        return self.minimumSizeHint().width()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        room = self._room()
        box = QFontMetrics(self.font()).boundingRect(QRect(0, 0, max(1, width - room.width()), 100_000), self.WRAP,
                                                     self.text())
        return max(super().sizeHint().height(), box.height() + room.height())

    def hitButton(self, pos) -> bool:  # its text, on any line, toggles it as the indicator does
        return self.rect().contains(pos)

    def paintEvent(self, event) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        text, option.text = option.text, ""
        painter.drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option)  # the style sheet's border (focus)
        line = QStyleOptionButton(option)  # the indicator beside the first line
        line.rect = QRect(option.rect.topLeft(), QSize(option.rect.width(), super().sizeHint().height()))
        line.text = text
        indicator = QStyleOptionButton(line)
        indicator.rect = self.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, line, self)
        painter.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorCheckBox, indicator)
        first = self.style().subElementRect(QStyle.SubElement.SE_CheckBoxContents, line, self)
        area = QRect(first.left(), first.top(), option.rect.right() - first.left(), option.rect.bottom() - first.top())
        lead = max(0, (first.height() - self._text_size().height()) // 2)  # where one line's text starts
        area.adjust(0, lead, 0, 0)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(self.WRAP)
        self.style().drawItemText(painter, area, flags, option.palette, self.isEnabled(), text,
                                  QPalette.ColorRole.WindowText)
        if option.state & QStyle.StateFlag.State_HasFocus:
            focus = QStyleOptionFocusRect()
            focus.initFrom(self)
            used = QFontMetrics(self.font()).boundingRect(area, int(Qt.AlignmentFlag.AlignLeft) | int(self.WRAP), text)
            focus.rect = used.adjusted(-2, -1, 2, 1)
            painter.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus)


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
            self.list.setWordWrap(True)  # a long choice takes a second line rather than a sideways scroll
            self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
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
                box = WrapCheckBox(term.label(lang()))
                box.toggled.connect(lambda _: self.changed.emit())
                self.boxes[term.code] = box
                grid.addWidget(box, i % rows, i // rows)
            if self.boxes:
                self.setFocusProxy(next(iter(self.boxes.values())))

    def comfort_width(self) -> int:
        """Each column as wide as its widest check box on one line (``WrapCheckBox.comfort_width``)."""
        grid = self.layout()
        if self.list is not None or not self.boxes:
            return super().comfort_width()
        columns = [0] * grid.columnCount()
        for box in self.boxes.values():
            column = grid.getItemPosition(grid.indexOf(box))[1]
            columns[column] = max(columns[column], box.comfort_width())
        margins = grid.contentsMargins()
        return (sum(columns) + max(0, grid.horizontalSpacing()) * (len(columns) - 1)
                + margins.left() + margins.right())

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

