"""Duplicate hints: "this person may already be registered", the candidates side by
side with the new record. The officer decides; nothing merges by itself."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QHeaderView, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
)

from .text import lang, tr
from .widgets import fit_window, heading, muted

COMPARE = ("given_names", "surnames", "other_names", "document_type", "document_number", "birth_date",
           "age_estimate", "gender", "citizenship", "record_date", "border_post")
MAX_SHOWN = 3

DISMISS, LINK, BACK = "dismiss", "link", "back"


class DuplicateDialog(QDialog):
    """``candidates``: [(DuplicateHint, CaseRecord)]. ``decision`` is dismiss, link or back."""

    def __init__(self, cb, answers: dict, candidates: list, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("ui.dup.window"))
        self.decision = BACK
        fit_window(self, 980, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("ui.dup.title"), 2))
        layout.addWidget(muted(tr("ui.dup.text")))
        shown = candidates[:MAX_SHOWN]
        table = QTableWidget(len(COMPARE) + 1, 2 + len(shown))
        table.setObjectName("duplicates")
        table.setHorizontalHeaderLabels([tr("ui.dup.field"), tr("ui.dup.this_intake")] +
                                        [tr("ui.dup.candidate", case=h.case_id) for h, _ in shown])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)  # a comparison to read, not to pick from
        # a Tab stop with a name: the arrows walk (and scroll) every row, a screen reader reads each
        # cell; Tab leaves; Enter and Esc still go back to the form (the table ignores both)
        table.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        table.setTabKeyNavigation(False)
        table.setAccessibleName(tr("ui.dup.compare"))
        table.setAccessibleDescription(tr("ui.dup.text"))
        reasons = [", ".join(tr("duplicate." + r) for r in h.reasons) for h, _ in shown]
        table.setItem(0, 0, QTableWidgetItem(tr("ui.dup.why")))
        table.setItem(0, 1, QTableWidgetItem("—"))
        for j, text in enumerate(reasons):
            table.setItem(0, 2 + j, QTableWidgetItem(text))
        for i, key in enumerate(COMPARE, 1):
            fdef = cb.fields[key]
            table.setItem(i, 0, QTableWidgetItem(fdef.label(lang())))
            table.setItem(i, 1, QTableWidgetItem(cb.value_label(fdef, answers.get(key), lang())))
            for j, (_, rec) in enumerate(shown):
                table.setItem(i, 2 + j, QTableWidgetItem(cb.value_label(fdef, rec.content.get(key), lang())))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # rows as tall as their text at the columns' real width (sized before the columns
        # stretched, the reasons' row was as tall as at 100 px), again whenever they change:
        # once the header has settled (during its signal the old widths still count)
        rows_fit = QTimer(table, singleShot=True, interval=0)
        rows_fit.timeout.connect(table.resizeRowsToContents)
        table.horizontalHeader().sectionResized.connect(lambda *_: rows_fit.start())
        table.resizeRowsToContents()
        layout.addWidget(table, 1)
        if len(candidates) > MAX_SHOWN:
            layout.addWidget(muted(tr("ui.dup.more", count=len(candidates) - MAX_SHOWN)))
        row = QHBoxLayout()
        back = QPushButton(tr("ui.dup.back"))
        dismiss = QPushButton(tr("ui.dup.dismiss"))
        dismiss.setObjectName("dismiss")
        link = QPushButton(tr("ui.dup.link"))
        link.setObjectName("link")
        row.addWidget(back)
        row.addStretch(1)
        row.addWidget(dismiss)
        row.addWidget(link)
        layout.addLayout(row)
        back.clicked.connect(self.reject)
        dismiss.clicked.connect(lambda: self._decide(DISMISS))
        link.clicked.connect(lambda: self._decide(LINK))
        back.setDefault(True)

    def _decide(self, decision: str) -> None:
        self.decision = decision
        self.accept()
