"""Duplicate hints: "this person may already be registered", the candidates side by
side with the new record. The officer decides; nothing merges by itself."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QHeaderView, QPushButton, QStyle, QTableWidget, QTableWidgetItem, QVBoxLayout,
)

from .text import lang, tr
from .widgets import fit_window, heading, muted

COMPARE = ("given_names", "surnames", "other_names", "document_type", "document_number", "birth_date",
           "age_estimate", "gender", "citizenship", "record_date", "border_post")
MAX_SHOWN = 3

DISMISS, LINK, BACK = "dismiss", "link", "back"


def spread(needs: list[int], room: int) -> list[int]:
    """Column widths: each at least its need (a case id whole in its heading), the room left
    shared so that the columns are as even as their needs allow. With too little room every
    column keeps its need, and the table scrolls sideways rather than cut an id."""
    count, rest, fixed = len(needs), room, set()
    for i in sorted(range(len(needs)), key=needs.__getitem__, reverse=True):
        if needs[i] * count <= rest:
            break
        fixed.add(i)
        rest, count = rest - needs[i], count - 1
    if not count:
        return list(needs)
    share, left = divmod(rest, count)
    widths = [needs[i] if i in fixed else share for i in range(len(needs))]
    widths[max(i for i in range(len(needs)) if i not in fixed)] += left  # no gap at the right edge
    return widths


class CompareTable(QTableWidget):
    """The comparison: its columns fill the width, none narrower than its heading (the case
    ids, on their own line, are never cut: they are what the officer looks up)."""

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def need(self, col: int) -> int:
        """Its heading whole, and its longest word (cells wrap between words, never inside one)."""
        metrics = self.fontMetrics()
        words = [w for row in range(self.rowCount()) if (item := self.item(row, col)) is not None
                 for w in item.text().split()]
        longest = max((metrics.horizontalAdvance(w) for w in words), default=0)
        pad = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1) + 2  # + grid
        return max(self.horizontalHeader().sectionSizeHint(col), longest + pad)

    def fit_columns(self) -> None:
        header = self.horizontalHeader()
        needs = [self.need(c) for c in range(self.columnCount())]
        for col, width in enumerate(spread(needs, self.viewport().width())):
            if header.sectionSize(col) != width:
                header.resizeSection(col, width)


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
        table = CompareTable(len(COMPARE) + 1, 2 + len(shown))
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
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # CompareTable spreads
        # less side padding than the sheet's 6 px: three ids side by side fit a 1024 px screen at 16 pt
        table.horizontalHeader().setStyleSheet("QHeaderView::section { padding-left: 2px; padding-right: 2px; }")
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
