"""The officer's unsaved drafts: pick one to continue, or discard one (asked first).

A draft is listed by when it was last changed, the step it was left on and whether it
is a new intake or the edit of a saved case (by its case id, as the case list shows
it), never by a name: the screen may be shared."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QMessageBox, QPushButton, QTableWidget, QTableWidgetItem,
    QVBoxLayout,
)

from .form.intake import DRAFT_STEP, ordered_sections
from .text import error_text, lang, tr
from .widgets import enter_clicks, fit_window, heading, message_label, muted, primary, show_message


def draft_step(content: dict, steps: int) -> int:
    """The step a draft was left on (0 when it did not say, or says nonsense)."""
    step = content.get(DRAFT_STEP, 0)
    return step if isinstance(step, int) and not isinstance(step, bool) and 0 <= step < steps else 0


def changed_at(updated_at: str, today: date | None = None) -> str:
    """"hoy, 14:32", "ayer, 09:10" or "12/03/2026 14:32", in local time."""
    try:
        when = datetime.fromisoformat(updated_at).astimezone()
    except ValueError:
        return updated_at
    today = today or date.today()
    clock = when.strftime("%H:%M")
    if when.date() == today:
        return tr("ui.drafts.today", time=clock)
    if when.date() == today - timedelta(days=1):
        return tr("ui.drafts.yesterday", time=clock)
    return when.strftime("%d/%m/%Y ") + clock


class DraftsDialog(QDialog):
    """``drafts``: ``Vault.load_drafts()`` (newest first). Emits ``chosen(draft)`` with the
    draft to continue (one of those tuples) and ``discarded()`` after each draft it deleted
    (on the worker, once the officer confirmed)."""

    chosen = Signal(object)  # the draft tuple
    discarded = Signal()

    def __init__(self, backend, cb, drafts: list, parent=None) -> None:
        super().__init__(parent)
        self.backend, self.drafts = backend, list(drafts)
        self.sections = ordered_sections(cb)
        self.setWindowTitle(tr("ui.drafts.window"))
        self.confirm_box: QMessageBox | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("ui.drafts.title"), 2))
        layout.addWidget(muted(tr("ui.drafts.text")))
        table = QTableWidget(0, 3)
        table.setObjectName("drafts")
        table.setHorizontalHeaderLabels([tr("ui.drafts.changed"), tr("ui.drafts.step"), tr("ui.drafts.kind")])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setTabKeyNavigation(False)  # Tab leaves the list; the arrows walk it
        table.setWordWrap(True)
        table.setAccessibleName(tr("ui.drafts.title"))
        table.setAccessibleDescription(tr("ui.drafts.text"))
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.doubleClicked.connect(lambda _: self._continue())
        table.itemSelectionChanged.connect(self._selection_changed)
        self.table = table
        layout.addWidget(table, 1)
        self.message = message_label()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.close_button = QPushButton(tr("ui.drafts.close"))
        self.close_button.setAutoDefault(False)
        self.discard_button = QPushButton(tr("ui.drafts.discard"))
        self.discard_button.setObjectName("discard_draft")
        self.discard_button.setAutoDefault(False)
        self.discard_button.setToolTip(tr("ui.drafts.discard_tip"))
        self.continue_button = primary(tr("ui.drafts.continue"))
        row.addWidget(self.close_button)
        row.addStretch(1)
        row.addWidget(self.discard_button)
        row.addWidget(self.continue_button)
        layout.addLayout(row)
        self.close_button.clicked.connect(self.reject)
        self.discard_button.clicked.connect(self.ask_discard)
        self.continue_button.clicked.connect(self._continue)
        enter_clicks(self)  # Enter on «Cerrar» or «Descartar» presses it, not «Continuar»
        self._fill()
        fit_window(self, 720, 420)

    # --- the list ----------------------------------------------------------------------
    def row_texts(self, draft) -> list[str]:
        _, case_id, updated_at, content = draft
        step = draft_step(content, len(self.sections))
        where = tr("ui.drafts.step_of", step=step + 1, steps=len(self.sections),
                   section=self.sections[step].label(lang())) if self.sections else ""
        kind = tr("ui.drafts.edit", case=case_id) if case_id else tr("ui.drafts.new")
        return [changed_at(updated_at), where, kind]

    def _fill(self, select: int = 0) -> None:
        self.table.setRowCount(len(self.drafts))
        for i, draft in enumerate(self.drafts):
            for j, text in enumerate(self.row_texts(draft)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        if self.drafts:
            self.table.selectRow(min(select, len(self.drafts) - 1))
        self._selection_changed()

    def current(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _selection_changed(self) -> None:
        chosen = self.current() >= 0
        self.continue_button.setEnabled(chosen)
        self.discard_button.setEnabled(chosen)

    def focus(self) -> None:
        """The keyboard on the list (also once a question over it has closed)."""
        if self.isVisible():
            self.activateWindow()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Delete and not event.modifiers():  # Supr: discard the chosen one (asked)
            event.accept()
            self.ask_discard()
            return
        super().keyPressEvent(event)

    # --- continue ------------------------------------------------------------------------
    def _continue(self) -> None:
        index = self.current()
        if index < 0:
            return
        self.accept()
        self.chosen.emit(self.drafts[index])

    # --- discard -------------------------------------------------------------------------
    def ask_discard(self) -> None:
        index = self.current()
        if index < 0 or self.confirm_box is not None:
            return
        draft = self.drafts[index]
        box = QMessageBox(QMessageBox.Icon.Warning, tr("ui.drafts.discard_title"),
                          tr("ui.drafts.discard_question", when=self.row_texts(draft)[0]),
                          QMessageBox.StandardButton.NoButton, self)
        info = tr("ui.drafts.discard_warning")
        if draft[1]:  # an edit: the saved case itself stays as it is
            info += " " + tr("ui.drafts.discard_case_kept", case=draft[1])
        box.setInformativeText(info)
        keep = box.addButton(tr("ui.drafts.keep"), QMessageBox.ButtonRole.RejectRole)
        discard = box.addButton(tr("ui.drafts.discard_confirm"), QMessageBox.ButtonRole.DestructiveRole)
        discard.setObjectName("confirm_discard")
        box.setDefaultButton(keep)  # Enter keeps it: deleting takes a deliberate choice
        box.setEscapeButton(keep)
        box.finished.connect(lambda _=0: self._answered(box, box.clickedButton() is discard, draft))
        self.confirm_box = box
        box.open()

    def _answered(self, box: QMessageBox, discard: bool, draft) -> None:
        self.confirm_box = None
        box.deleteLater()
        if not discard:
            self.focus()
            return
        draft_id = draft[0]
        self.setEnabled(False)

        def done(_) -> None:
            self.setEnabled(True)
            index = next((i for i, d in enumerate(self.drafts) if d[0] == draft_id), -1)
            if index >= 0:
                del self.drafts[index]
            self.discarded.emit()
            if not self.drafts:
                self.accept()
                return
            self._fill(max(0, index))
            show_message(self.message, tr("ui.drafts.discarded"), "ok")
            self.focus()

        def failed(err) -> None:
            self.setEnabled(True)
            show_message(self.message, error_text(err))
            self.focus()

        self.backend.op(lambda s: s.require().discard_draft(draft_id), self).success(done).failure(failed).run()
