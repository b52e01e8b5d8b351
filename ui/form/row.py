"""One field on the form: its label, editor, help line and inline problem."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..text import lang, tr
from .editor import Editor


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

