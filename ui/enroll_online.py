"""«Inscribir por la red» in the sync dialog's "Por la red" group: enrollment over HTTP,
what ``intake sync enroll`` does for the CLI (docs/sync.md, "Enrollment").

Shown only while the laptop is not enrolled and not revoked (the dialog decides, from
its identity refresh; also after a new identity). The first press sends the request and
says which laptop and fingerprint the administrator is to approve; once approved, the
same press imports and pins the server's response, checked against the server
fingerprint the administrator reads (required the first time, as ``--server-fingerprint``:
without it the core refuses the response and the dialog asks for it). The dialog checks the address and the
post and keeps the address; the panel runs
:func:`intake_app.sync.client.enroll_online_via` on a thread of its own, as the background
sync does: only the short vault steps go to the vault worker, so saves never wait for the
network."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from .fingerprint import fingerprint_field
from .offthread import run_off_gui
from .sync_service import worker_vault_call
from .text import tr
from .widgets import muted

# per HTTP request: an address that never answers is said so after this long rather
# than the client's 30 s (the officer is looking at the dialog, waiting)
TIMEOUT = 15.0


@dataclass(frozen=True)
class Pending:
    """Sent; the administrator has not approved it yet."""

    device_id: str
    fingerprint: str


def _enroll(vault_call, url: str, post: str, expected: str | None):
    """On the panel's thread: the HTTP here, each vault step through ``vault_call``."""
    from intake_app.sync.client import SyncClient, enroll_online_via
    from intake_app.sync.errors import EnrollmentPending

    with SyncClient(url, timeout=TIMEOUT) as client:
        try:
            return enroll_online_via(vault_call, url, post, [], client=client, expected_server_fingerprint=expected)
        except EnrollmentPending:
            return vault_call(lambda v: Pending(v.device_id, v.device_keys().public().fingerprint()))


class EnrollOnlinePanel(QWidget):
    """The server fingerprint (required the first time) and «Inscribir por la red». The dialog connects
    ``requested`` (a press, or Enter in the field) to its checks, then calls :meth:`run`.
    Signals: ``started``, ``pending(Pending)``, ``enrolled(EnrollmentResponse)``,
    ``failed(err)``."""

    requested = Signal()
    started = Signal()
    _finished = Signal(object, object)  # (result, error), from the panel's thread
    pending = Signal(object)
    enrolled = Signal(object)
    failed = Signal(object)

    def __init__(self, backend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(muted(tr("ui.syncdlg.enroll_online_help", button=tr("ui.syncdlg.enroll_online"))))
        label, self.fingerprint = fingerprint_field()  # the one way to ask (the stick's response too)
        layout.addWidget(label)
        layout.addWidget(self.fingerprint)
        row = QHBoxLayout()
        self.button = QPushButton(tr("ui.syncdlg.enroll_online"))
        self.button.setAccessibleName(tr("ui.syncdlg.enroll_online"))
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)
        self.button.clicked.connect(self._request)
        self.fingerprint.returnPressed.connect(self._request)
        self._finished.connect(self._on_finished)  # queued: emitted on the panel's thread

    def _request(self) -> None:
        if self.button.isEnabled():
            self.requested.emit()

    def run(self, url: str, post: str) -> None:
        expected = self.fingerprint.text().strip() or None
        self._busy(True)
        self.started.emit()
        vault_call, finished = worker_vault_call(self.backend), self._finished

        run_off_gui(lambda: _enroll(vault_call, url, post, expected), finished, "intake-enroll", "online enrollment")

    def _on_finished(self, result, error) -> None:
        if error is not None:
            self._failed(error)
        else:
            self._done(result)

    def _busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.fingerprint.setReadOnly(busy)

    def _done(self, result) -> None:
        self._busy(False)
        if isinstance(result, Pending):
            self.pending.emit(result)
        else:
            self.enrolled.emit(result)

    def _failed(self, err) -> None:
        self._busy(False)
        self.failed.emit(err)
