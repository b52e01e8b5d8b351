"""The screening panel: each indication with the answers that produced it, worded
as an indication for a person to decide, and the referrals the codebook suggests."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from intake_app.codebook.derive import derive_demographics
from intake_app.screening import describe, screen, suggested_referrals

from ..text import lang, tr
from ..widgets import heading, muted


def _clear(layout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget():
            item.widget().deleteLater()
        elif item.layout():
            _clear(item.layout())


class ScreeningPanel(QScrollArea):
    """Call :meth:`update_answers` with the form's answers; emits ``refer(institution)``."""

    refer = Signal(str)

    def __init__(self, cb) -> None:
        super().__init__()
        self.cb = cb
        self.setWidgetResizable(True)
        self.setMinimumWidth(330)
        self.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        inner.setObjectName("screening")
        outer = QVBoxLayout(inner)
        outer.addWidget(heading(tr("screening.title"), 2))
        self.flags = QVBoxLayout()
        outer.addLayout(self.flags)
        outer.addWidget(heading(tr("ui.screening.referrals"), 2))
        self.referrals = QVBoxLayout()
        outer.addLayout(self.referrals)
        outer.addWidget(muted(tr("screening.disclaimer")))
        outer.addStretch(1)
        self.setWidget(inner)
        self.indications: list[tuple[str, list[str]]] = []
        self.suggested: list[str] = []
        self._already: set[str] = set()

    def update_answers(self, answers: dict) -> None:
        derived = derive_demographics(self.cb, answers)
        result = screen(self.cb, answers, derived)
        self.indications = describe(self.cb, result, lang())
        self.suggested = suggested_referrals(self.cb, answers, {**derived, **result.as_derived()})
        self._already = {r.get("institution") for r in answers.get("referrals") or []}
        _clear(self.flags)
        if not self.indications:
            self.flags.addWidget(muted(tr("screening.none")))
        urgent_text = tr("screening.urgent")
        for text, reasons in self.indications:
            box = QFrame()
            box.setObjectName("flag")
            box.setProperty("urgent", text == urgent_text)
            lay = QVBoxLayout(box)
            title = QLabel(text)
            title.setWordWrap(True)
            title.setStyleSheet("font-weight: 600")
            lay.addWidget(title)
            if reasons:
                lay.addWidget(muted(tr("ui.screening.because")))
            for line in reasons:
                reason = QLabel("• " + line)
                reason.setWordWrap(True)
                lay.addWidget(reason)
            self.flags.addWidget(box)
        _clear(self.referrals)
        if not self.suggested:
            self.referrals.addWidget(muted(tr("ui.screening.no_referrals")))
        vocab = self.cb.vocab("institutions")
        for code in self.suggested:
            row = QHBoxLayout()
            label = QLabel(vocab.label(code, lang()))
            label.setWordWrap(True)
            row.addWidget(label, 1)
            if code in self._already:
                row.addWidget(muted(tr("ui.screening.referred")))
            else:
                button = QPushButton(tr("ui.screening.add_referral"))
                button.setObjectName(f"refer_{code}")
                button.clicked.connect(lambda _=False, c=code: self.refer.emit(c))
                row.addWidget(button)
            self.referrals.addLayout(row)
