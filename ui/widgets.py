"""Small shared widgets: headings, a busy bar, a message line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QPushButton, QWidget


def heading(text: str, level: int = 1) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading" if level == 1 else "subheading")
    label.setWordWrap(True)
    return label


def muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


def message_label() -> QLabel:
    """A line for errors and confirmations: hidden when empty."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def show_message(label: QLabel, text: str, kind: str = "error") -> None:
    label.setObjectName("error" if kind == "error" else "ok" if kind == "ok" else "banner")
    label.style().unpolish(label)  # re-polish with the new object name
    label.style().polish(label)
    label.setText(text)
    label.setVisible(bool(text))


def busy_bar(parent: QWidget | None = None) -> QProgressBar:
    bar = QProgressBar(parent)
    bar.setRange(0, 0)  # indeterminate
    bar.setTextVisible(False)
    bar.setMaximumHeight(8)
    bar.hide()
    return bar


def primary(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName("primary")
    button.setDefault(True)
    return button


def card() -> QFrame:
    frame = QFrame()
    frame.setObjectName("card")
    return frame
