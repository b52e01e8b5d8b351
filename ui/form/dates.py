"""Dates as the officer types and reads them (DD/MM/AAAA), stored as ISO."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton

from ..text import tr
from .editor import Editor, name_widget, part_name


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

