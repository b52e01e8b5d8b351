"""«Borrar datos de identidad…» in the sync dialog: what ``intake sync purge`` does
(docs/sync.md, "Purge"). Only cases the server acknowledged (every revision listed in a
verified receipt) lose their identifying fields here; the central server keeps the whole
record. The group shows only while some delivered case keeps identity data here; its
count comes with the dialog's refresh; the press asks the worker for the
cases as they are now, asks the officer (what is removed, that it cannot be undone, that
the server keeps it; default No) and purges exactly those, on the worker."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QMessageBox, QPushButton, QVBoxLayout, QWidget

from .text import tr
from .widgets import muted


def purgeable_job(s) -> list[str]:
    from intake_app.sync.purge import purgeable_cases

    return purgeable_cases(s.require())


def purge_job(case_ids: list[str]):
    def job(s):
        from intake_app.sync.purge import purge

        return purge(s.require(), case_ids)
    return job


class PurgePanel(QGroupBox):
    """Signals: ``started`` (the purge runs), ``done(text)``, ``nothing(text)`` (nothing to
    purge, said without an error), ``failed(err)``, ``cancelled``."""

    started = Signal()
    done = Signal(str)
    nothing = Signal(str)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, backend, parent: QWidget | None = None) -> None:
        super().__init__(tr("ui.purge.group"), parent)
        self.backend = backend
        self.confirm_box: QMessageBox | None = None
        layout = QVBoxLayout(self)
        self.count = muted()
        layout.addWidget(self.count)
        row = QHBoxLayout()
        self.button = QPushButton(tr("ui.purge.button"))
        self.button.setObjectName("purge")
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)
        self.button.clicked.connect(self.ask)
        self.available = False
        self.set_count(0)

    def set_count(self, count: int, allowed: bool = True) -> None:
        self.available = bool(count) and allowed
        self.count.setText(tr("ui.purge.count", count=count) if count else tr("ui.purge.none"))
        self.button.setEnabled(self.available)
        self.setVisible(bool(count))  # only when there is something to remove: the dialog stays short

    def ask(self) -> None:
        self.button.setEnabled(False)
        self.backend.op(purgeable_job, self).quiet().success(self._confirm).failure(self._failed).run()

    def _confirm(self, case_ids: list[str]) -> None:
        if not case_ids:
            self.set_count(0)
            self.nothing.emit(tr("ui.purge.none"))
            return
        box = QMessageBox(QMessageBox.Icon.Warning, tr("ui.purge.title"),
                          tr("ui.purge.confirm", count=len(case_ids)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window())
        box.button(QMessageBox.StandardButton.Yes).setText(tr("ui.purge.yes"))
        box.button(QMessageBox.StandardButton.No).setText(tr("ui.purge.no"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setEscapeButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda _r, b=box, ids=case_ids: self._answered(b, b.clickedButton(), ids))
        self.confirm_box = box
        box.open()  # window-modal, no nested event loop

    def _answered(self, box: QMessageBox, clicked, case_ids: list[str]) -> None:
        self.confirm_box = None
        box.deleteLater()
        if clicked is None or box.standardButton(clicked) != QMessageBox.StandardButton.Yes:
            self.button.setEnabled(self.available)
            self.cancelled.emit()
            return
        self.started.emit()
        self.backend.op(purge_job(case_ids), self).changes_cases().success(self._done).failure(self._failed).run()

    def _done(self, report) -> None:
        text = tr("ui.purge.done", cases=report.cases, revisions=report.revisions)
        if report.kept_unacknowledged:
            text += " " + tr("ui.purge.kept", kept=report.kept_unacknowledged)
        self.done.emit(text)

    def _failed(self, err: BaseException) -> None:
        self.button.setEnabled(self.available)
        self.failed.emit(err)
