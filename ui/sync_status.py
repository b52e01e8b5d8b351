"""The sync status area, always visible: connection, pending count, last receipt.

It reads only what the vault knows (the pending count and the last verified
receipt time); "Sync now" and the USB buttons light up when the core's sync module
is present in this build.
"""

from __future__ import annotations

import importlib.util

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from .text import tr

REFRESH_MS = 30_000


def sync_available() -> bool:
    return importlib.util.find_spec("intake_app.sync") is not None


def _status_job(s):
    v = s.vault
    if v is None or not v.is_open:
        return None
    pending = v.count_cases("WHERE sync_state = 'pending'")
    if not sync_available():
        return pending, None, "ok", False
    from intake_app.sync import is_enrolled, lease_state
    from intake_app.sync.state import K_LAST_CONTACT

    return pending, v.meta(K_LAST_CONTACT), lease_state(v), is_enrolled(v)


class SyncStatus(QWidget):
    def __init__(self, backend) -> None:
        super().__init__()
        self.backend = backend
        self.setObjectName("sync_status")
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 6, 0)
        self.state = QLabel(tr("ui.sync.offline"))
        self.state.setObjectName("sync_state")
        self.pending = QLabel()
        self.pending.setObjectName("sync_pending")
        self.receipt = QLabel()
        self.lease = QLabel()
        self.lease.setObjectName("error")
        self.lease.hide()
        self.sync_now = QPushButton(tr("ui.sync.open"))
        self.sync_now.setObjectName("sync_now")
        available = sync_available()
        self.sync_now.setEnabled(available)
        if not available:
            self.sync_now.setToolTip(tr("ui.sync.unavailable"))
        for w in (self.state, QLabel("·"), self.pending, QLabel("·"), self.receipt, self.lease, self.sync_now):
            row.addWidget(w)
        self.pending_count: int | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        backend.cases_changed.connect(self.refresh)
        self.show_locked()

    def show_locked(self) -> None:
        self.sync_now.setEnabled(False)
        self.lease.hide()
        self.pending_count = None
        self.pending.setText(tr("ui.sync.pending_unknown"))
        self.receipt.setText(tr("ui.sync.no_receipt"))

    def refresh(self) -> None:
        self.backend.op(_status_job, self).quiet().success(self._show).failure(lambda e: None).run()

    def _show(self, status) -> None:
        if status is None:
            self.show_locked()
            return
        pending, contact, lease, enrolled = status
        self.sync_now.setEnabled(sync_available())
        self.pending_count = pending
        self.pending.setText(tr("ui.sync.pending", count=pending))
        self.receipt.setText(tr("ui.sync.last_receipt", when=contact[:16].replace("T", " ")) if contact
                             else tr("ui.sync.no_receipt") if enrolled else tr("ui.sync.not_enrolled"))
        self.lease.setText(tr("ui.sync.lease_" + lease) if lease in ("expiring", "expired") else "")
        self.lease.setVisible(lease in ("expiring", "expired"))

    def set_state(self, state: str) -> None:
        """offline / syncing / online, from the sync jobs."""
        self.state.setText(tr("ui.sync.state_" + state))
