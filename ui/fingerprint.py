"""The one way the app asks for the central server's fingerprint (the one the
administrator reads aloud): a label, a field and its help, used by «Inscribir por la red»
(``ui.enroll_online``) and by the enrollment response from a USB stick
(:class:`ServerFingerprintDialog`, asked before the response is accepted).

The core compares (``intake_app.bundle.enrollment``: dashes, spaces and case do not
matter) and refuses another server's response with ``server_key_untrusted`` (reason
``fingerprint``): nothing is pinned."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from .text import tr
from .problem_said import ProblemSaid
from .widgets import message_label, muted

PLACEHOLDER = "XXXX-XXXX-XXXX-XXXX-XXXX"
_SHAPE = re.compile(r"[A-Z2-7]{20}")  # 5 groups of 4 base32 characters (bundle.keys.fingerprint)


def normalized(text: str) -> str:
    return text.replace("-", "").replace(" ", "").upper()


def looks_like_fingerprint(text: str) -> bool:
    return bool(_SHAPE.fullmatch(normalized(text)))


class FingerprintEdit(QLineEdit):
    """Enter does the field's action (``returnPressed``) and goes no further: the dialog's
    default button (possibly «Cerrar») never gets it."""

    def keyPressEvent(self, event) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()


def fingerprint_field(help_key: str = "ui.syncdlg.server_fingerprint_help") -> tuple[QLabel, FingerprintEdit]:
    """«Huella del servidor (la que lee el administrador)» and its field (named for a screen
    reader, the help as its description)."""
    label = QLabel(tr("ui.syncdlg.server_fingerprint"))
    label.setWordWrap(True)
    edit = FingerprintEdit()
    edit.setPlaceholderText(PLACEHOLDER)
    edit.setAccessibleName(tr("ui.syncdlg.server_fingerprint"))
    edit.setAccessibleDescription(tr(help_key))
    label.setBuddy(edit)
    return label, edit


class ServerFingerprintDialog(QDialog):
    """Before a response from a stick is accepted: the server fingerprint the administrator
    reads, typed (or, when typed already in «Por la red», confirmed). Required: an empty or
    misshapen one is said so here, under the field and first in its spoken description, until
    it is fixed. ``confirmed(text)`` hands it on; the core compares."""

    confirmed = Signal(str)

    def __init__(self, parent: QWidget | None = None, typed: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("ui.fingerprint.title"))
        layout = QVBoxLayout(self)
        text = QLabel(tr("ui.fingerprint.ask_stick"))
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(text)
        label, self.fingerprint = fingerprint_field("ui.fingerprint.required_help")
        self.fingerprint.setText(typed.strip())
        layout.addWidget(label)
        layout.addWidget(self.fingerprint)
        layout.addWidget(muted(tr("ui.fingerprint.required_help")))
        self.message = message_label()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel = QPushButton(tr("ui.fingerprint.cancel"))
        self.ok = QPushButton(tr("ui.fingerprint.check"))
        self.ok.setObjectName("primary")
        self.ok.setDefault(True)
        row.addWidget(self.cancel)
        row.addWidget(self.ok)
        layout.addLayout(row)
        layout.addStretch(1)  # a taller window keeps the field under its label
        self.cancel.clicked.connect(self.reject)
        self.ok.clicked.connect(self._check)
        self.fingerprint.returnPressed.connect(self._check)
        self.said = ProblemSaid(self.message, help_of=lambda _box: tr("ui.fingerprint.required_help"))
        self.said.watch(self.fingerprint, self.fingerprint.textChanged)
        self.fingerprint.setFocus(Qt.FocusReason.OtherFocusReason)
        self.resize(max(self.sizeHint().width(), 520), self.sizeHint().height())

    def problem(self) -> str:
        text = self.fingerprint.text().strip()
        return (tr("ui.fingerprint.missing") if not text else
                "" if looks_like_fingerprint(text) else tr("ui.fingerprint.shape"))

    def _check(self) -> None:
        """The problem under the field and first in its description (the keyboard stays in it,
        where a screen reader did not say it) until fixed; another one is said at Enter."""
        problem = self.problem()
        if problem:
            self.said.say(problem, boxes=(self.fingerprint,), until="fixed", holds=lambda: self.problem() == problem)
            self.fingerprint.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.said.say("")
        self.accept()
        self.confirmed.emit(self.fingerprint.text().strip())
