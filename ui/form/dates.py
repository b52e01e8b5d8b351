"""Dates as the officer types and reads them (DD/MM/AAAA), stored as ISO."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QStyle, QStyleOptionFrame

from ..text import tr
from .editor import Editor, name_widget, part_name


def parse_date(text: str) -> Any:
    """DD/MM/AAAA (or AAAA-MM-DD) to ISO; anything else is returned as typed so the
    codebook check words the problem. A part too large for a date ("13000000000", a held
    key) is such a value too: Python says OverflowError, not ValueError, for it."""
    text = text.strip()
    if not text:
        return None
    parts = text.replace("-", "/").replace(".", "/").split("/")
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            return date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
        if len(parts) == 3 and len(parts[2]) == 4:
            return date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
    except (ValueError, OverflowError):
        pass
    return text


def show_date(iso: Any) -> str:
    if isinstance(iso, str) and len(iso) == 10 and iso[4] == "-":
        return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"
    return "" if iso is None else str(iso)


NO_TODAY = {"birth_date"}  # a person is not born today: one click must not say so


WHOLE_DATE = "00/00/0000"  # the widest a typed date gets (digits are all as wide)


class DateBox(QLineEdit):
    """A date's box never narrower than a whole date (and its "DD/MM/AAAA" hint) in its font:
    squeezed by a narrow line, it showed "024" of a date."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        metrics = self.fontMetrics()
        text = max(metrics.horizontalAdvance(WHOLE_DATE), metrics.horizontalAdvance(self.placeholderText()))
        margins, inner = self.textMargins(), self.contentsMargins()
        # the line edit's own 2 px a side, and room for the cursor after the last digit
        width = text + 4 + 2 + margins.left() + margins.right() + inner.left() + inner.right()
        option = QStyleOptionFrame()
        self.initStyleOption(option)
        box = self.style().sizeFromContents(QStyle.ContentsType.CT_LineEdit, option, QSize(width, hint.height()), self)
        return QSize(box.width(), hint.height())


class DateEditor(Editor):
    def __init__(self, fdef) -> None:
        super().__init__()
        self.edit = DateBox()
        self.edit.setPlaceholderText(tr("ui.form.date_placeholder"))
        self.edit.setMaximumWidth(max(180, self.edit.minimumSizeHint().width()))
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

