"""The sync status area, always visible: connection, pending count, last contact with
the server (an enrollment response, a receipt, a status: the server's own time), and
the result of a sync job whose dialog was closed before it ended (``show_note``).

The connection state comes from the background sync (``ui.sync_service.SyncDriver``:
online / syncing / offline with the next retry / revoked); the counts from a quiet
worker job (the pending count, the last verified receipt, the lease). ``status_known``
hands the lease and enrollment to the window (which gates new intakes on the lease and
starts the background sync on an enrolled device).
"""

from __future__ import annotations

import importlib.util

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from intake_app.numbers import group
from intake_app.timefmt import local_time_iso

from .flow import FlowRow
from .text import error_text, lang, tr

REFRESH_MS = 30_000
NOTE_CHARS = 140  # a longer job result is cut here (whole on hover): the status bar stays one line or two
VAULT_FILE = "vault.db"  # intake_app.vault.store.DB_NAME, without loading SQLCipher before the window shows


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


def _after_dot(label: QLabel) -> QWidget:
    """"· label", kept together on a line."""
    pair = QWidget()
    row = QHBoxLayout(pair)
    row.setContentsMargins(0, 0, 0, 0)
    pair.dot = QLabel("·")  # hidden when nothing stands before it (no connection state shown)
    row.addWidget(pair.dot)
    row.addWidget(label)
    return pair


class SyncStatus(QWidget):
    status_known = Signal(int, str, bool)  # pending, lease state, enrolled (after each refresh)

    def __init__(self, backend) -> None:
        super().__init__()
        self.backend = backend
        self.setObjectName("sync_status")
        row = FlowRow(self)  # wraps onto a second line on a narrow window rather than cutting words
        row.setContentsMargins(6, 0, 6, 0)
        self.state = QLabel(tr("ui.sync.offline"))
        self.state.setObjectName("sync_state")
        self.pending = QLabel()
        self.pending.setObjectName("sync_pending")
        self.receipt = QLabel()
        self.note = QLabel()  # a sync job's result, its dialog closed before it ended
        self.note.setObjectName("sync_note")
        self.note.hide()
        self.lease = QLabel()
        self.lease.setObjectName("error")
        self.lease.hide()
        self.sync_now = QPushButton(tr("ui.sync.open"))
        self.sync_now.setObjectName("sync_now")
        available = sync_available()
        self.sync_now.setEnabled(available)
        self.sync_now.setToolTip(tr("ui.sync.open_tip") if available else tr("ui.sync.unavailable"))
        self.pending_pair, self.receipt_pair = _after_dot(self.pending), _after_dot(self.receipt)
        for w in (self.state, self.pending_pair, self.receipt_pair, self.lease, self.note, self.sync_now):
            row.addWidget(w)
        self.pending_count: int | None = None
        self.shown_state = "offline"
        self.raw_state = "stopped"  # the background sync's own word: "stopped" is nothing tried (yet)
        self.open = False  # unlocked, with the vault's counts shown
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        backend.cases_changed.connect(self.refresh)
        self.show_locked()

    def show_locked(self) -> None:
        """Locked: only «bóveda bloqueada» (nothing about the connection or receipts; «Equipo
        revocado» too while a revocation keeps it locked); before any vault exists (the
        first-run wizard) nothing at all."""
        self.open = False
        self.sync_now.setEnabled(False)
        self.sync_now.hide()
        self.lease.hide()
        self.show_note("")
        self.pending_count = None
        self.pending.setText(tr("ui.sync.pending_unknown"))
        self.receipt.setText("")
        self.receipt_pair.hide()
        self.pending_pair.setVisible((Path(self.backend.home) / VAULT_FILE).exists())
        self._state_shown()

    def refresh(self) -> None:
        self.backend.op(_status_job, self).quiet().success(self._show).failure(lambda e: None).run()

    def _show(self, status) -> None:
        if status is None:
            self.show_locked()
            return
        pending, contact, lease, enrolled = status
        self.open = True
        self.sync_now.setEnabled(sync_available())
        self.sync_now.show()
        self.pending_count = pending
        self.pending.setText(tr("ui.sync.pending", count=group(pending, lang())))  # "100 000 casos por enviar"
        self.pending_pair.show()
        self.receipt.setText(tr("ui.sync.last_contact", when=local_time_iso(contact)) if contact
                             else tr("ui.sync.no_contact") if enrolled else tr("ui.sync.not_enrolled"))
        self.receipt_pair.show()
        self._state_shown()
        self.lease.setText(tr("ui.sync.lease_" + lease) if lease in ("expiring", "expired") else "")
        self.lease.setVisible(lease in ("expiring", "expired"))
        self.status_known.emit(pending, lease, bool(enrolled))

    def set_state(self, state: str, info: dict | None = None) -> None:
        """From the background sync: the service's state words (idle, syncing, offline,
        paused, revoked, error, stopped) become online / syncing / offline / ..."""
        info = info or {}
        shown = STATE_SHOWN.get(state, "offline")
        self.shown_state, self.raw_state = shown, state
        retry = info.get("retry_in")
        seconds = max(1, round(retry)) if retry else None
        if shown == "offline" and info.get("reason") == "busy":  # a server or proxy answered 5xx/429
            text = tr("ui.sync.state_busy_retry", seconds=seconds) if seconds else tr("ui.sync.state_busy")
        elif shown == "offline" and seconds:
            text = tr("ui.sync.state_retry", seconds=seconds)
        else:
            text = tr("ui.sync.state_" + shown)
        self.state.setText(text)
        if shown in ("online", "syncing"):  # offline keeps why (a Wi-Fi sign-in page, ...): said just before
            self.state.setToolTip("")
        self._state_shown()

    def _state_shown(self) -> None:
        """The connection state only once the background sync tried something (never while
        it is stopped: the wizard, a lock, a laptop not enrolled or without a server address,
        where «Sin conexión» would read as a fault), and while locked only «Equipo revocado»."""
        visible = self.raw_state != "stopped" and (self.open or self.shown_state == "revoked")
        self.state.setVisible(visible)
        self.pending_pair.dot.setVisible(visible)
        self.receipt_pair.dot.setVisible(visible or not self.pending_pair.isHidden())

    def show_error(self, text: str) -> None:
        """The worded typed error the service reported (details on hover)."""
        self.state.setToolTip(text)

    def show_failure(self, err: BaseException) -> None:
        self.show_error(error_text(err))

    def show_note(self, text: str, kind: str = "") -> None:
        """What a sync job said after its dialog was closed ("" clears it): its first line,
        cut to ``NOTE_CHARS``, the whole on hover; red for an error."""
        first = text.strip().split("\n")[0]
        short = first if len(first) <= NOTE_CHARS else first[:NOTE_CHARS - 1].rstrip() + "…"
        self.note.setObjectName("error" if kind == "error" else "ok" if kind == "ok" else "sync_note")
        self.note.style().unpolish(self.note)
        self.note.style().polish(self.note)
        self.note.setText(tr("ui.sync.note", text=short) if short else "")
        self.note.setToolTip(text.strip())
        self.note.setVisible(bool(short))


# the core service's states -> the words shown (ui.sync.state_*)
STATE_SHOWN = {"idle": "online", "syncing": "syncing", "offline": "offline", "paused": "offline",
               "revoked": "revoked", "error": "error", "stopped": "offline"}
