"""Checking a printed summary on this laptop: a person comes back with a paper (or a
receiving institution calls), the officer scans the QR with a reader (it types the text)
or types the 8 groups under it, and reads whether it is genuine and current. The core does
the check (``intake_app.printing.check_code``, audited); nothing personal is shown."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QVBoxLayout

from intake_app.printing import check_code, describe_check, describe_print_error

from .text import tr
from .widgets import describe_problem, fit_window, heading, keep_tall_enough, message_label, show_message


class VerifyPrintDialog(QDialog):
    def __init__(self, backend, parent=None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.setWindowTitle(tr("ui.verify.window"))
        fit_window(self, 640, 380)  # room for a two-line answer at the normal font
        self.setMinimumWidth(min(self.width(), 640))
        keep_tall_enough(self)  # taller when a larger font or a longer answer needs it
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("ui.verify.window")))
        helptext = QLabel(tr("ui.verify.help"))
        helptext.setWordWrap(True)
        layout.addWidget(helptext)
        label = QLabel(tr("ui.verify.code"))
        self.code = QLineEdit()
        self.code.setMaxLength(400)
        self.code.setPlaceholderText("7KQ3-MX2D-9FAP-…")
        self.code.setAccessibleName(tr("ui.verify.code"))
        label.setBuddy(self.code)
        layout.addWidget(label)
        layout.addWidget(self.code)
        self.check_button = QPushButton(tr("ui.verify.check"))
        self.check_button.setObjectName("primary")
        self.check_button.setDefault(True)
        layout.addWidget(self.check_button)
        self.result = message_label()
        self.result.setAccessibleName(tr("ui.verify.result"))
        layout.addWidget(self.result)
        layout.addStretch(1)  # room for a two-line answer below, never squeezing the text above
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.check_button.clicked.connect(self.check)
        self.code.returnPressed.connect(self.check)

    def check(self) -> None:
        text = self.code.text().strip()
        if not text:
            return
        self.check_button.setEnabled(False)
        self.backend.op(lambda s: check_code(s.require(), text), self).success(self._valid).failure(
            self._refused).run()

    def _valid(self, check) -> None:
        self._answer(describe_check(check), "ok")

    def _refused(self, err: BaseException) -> None:
        self._answer(describe_print_error(err), "error")

    def _answer(self, text: str, kind: str) -> None:
        """The answer under the button, and in the code box's description: the keyboard
        stays in the box (Enter checks), where a screen reader did not say the answer."""
        self.check_button.setEnabled(True)
        show_message(self.result, text, kind)
        describe_problem(self.code, text)
        self.code.selectAll()
