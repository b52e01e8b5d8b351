"""The thin QObject that drives the core's background sync (STYLE rules 3 and 5).

``intake_app.sync.SyncService`` owns the job queue, the retries with backoff and the
pause/resume; it runs on its own thread and does the HTTP there, with bytes only. Every
vault step it needs goes through ``vault_call``, which here posts the step to the ONE
vault worker (``Backend.post``) and waits for the result on the sync thread: the keyed
connection is only ever used by the vault worker, in order with the GUI's jobs, and a
slow network never occupies that worker (the worker is busy only for the short vault
steps: read the outbox, build bundles, apply a receipt).

The service's callbacks arrive on the sync thread; they are re-emitted here as Qt
signals, which Qt queues to the GUI thread. Callbacks of a service stopped since (a
lock, a new address) are dropped. When Qt can tell whether the network is reachable
(``QNetworkInformation``), losing it pauses the attempts and getting it back retries at
once; without a backend the service's own backoff finds out.
"""

from __future__ import annotations

import logging
from concurrent.futures import TimeoutError as FutureTimeout

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

VAULT_STEP_TIMEOUT = 120.0  # a vault step that never returns (worker stopped): give up


class SyncDriver(QObject):
    """GUI-thread side of the background sync. ``start(url)`` after unlock, ``stop()`` at
    lock; ``sync_now()`` after a save or when the officer asks."""

    state_changed = Signal(str, object)  # idle/syncing/offline/paused/revoked/error/stopped, info dict
    progress = Signal(int, int)  # bundles done, total in this cycle
    receipt = Signal(int)  # a bundle's receipt verified (sequence)
    failed = Signal(object)  # a typed core error the service reported
    cycle_done = Signal()  # a cycle ended (idle, offline, error): counts may have changed

    _relay = Signal(object, str, object)  # (service, kind, payload): from the sync thread

    def __init__(self, backend, parent: QObject | None = None, *, interval: float = 300.0,
                 backoff_base: float = 2.0, backoff_max: float = 300.0) -> None:
        super().__init__(parent)
        self.backend = backend
        self.interval, self.backoff_base, self.backoff_max = interval, backoff_base, backoff_max
        self.service = None
        self.url = ""
        self.state = "stopped"
        self.info: dict = {}
        self.last_error = None  # the typed error of the last cycle that failed; None after one that ended well
        self._relay.connect(self._on_relay)  # queued: emitted on the sync thread
        self._network = _network_information()
        if self._network is not None:
            self._network.reachabilityChanged.connect(self._reachability)

    # --- control (GUI thread) ---------------------------------------------------------
    def running(self) -> bool:
        return self.service is not None

    def start(self, url: str) -> None:
        """Start (or restart on a new address). No address: nothing to do."""
        if self.service is not None and url == self.url:
            self.sync_now()
            return
        self.stop()
        if not url:
            return
        from intake_app.sync import SyncService

        self.url = url
        relay = self._relay
        holder: list = []

        def emit(kind, payload):
            if holder:
                relay.emit(holder[0], kind, payload)

        service = SyncService(
            worker_vault_call(self.backend), url,
            on_status=lambda state, info: emit("status", (state, dict(info))),
            on_progress=lambda done, total: emit("progress", (done, total)),
            on_receipt=lambda seq: emit("receipt", seq),
            on_error=lambda err: emit("error", err),
            interval=self.interval, backoff_base=self.backoff_base, backoff_max=self.backoff_max)
        holder.append(service)
        self.service = service
        if self._network is not None and not _reachable(self._network):
            service.network_changed(False)
        service.start()

    def stop(self) -> None:
        """Do not wait for the sync thread: a request in flight finishes (or times out)
        by itself, and its vault steps then fail with ``VaultLocked`` after a lock."""
        service, self.service = self.service, None
        if service is not None:
            service.stop(timeout=0)
        self._set("stopped", {})

    def reset(self) -> None:
        """The device took a new identity: the service's queued uploads belong to the old
        bundle chain. Drop them and stop; the next ``start`` (once the new identity is
        enrolled) queues the new chain from the outbox."""
        service = self.service
        if service is not None:
            service.reset_queue()
        self.last_error = None
        self.stop()

    def sync_now(self) -> None:
        """One attempt as soon as possible (a save, or the officer asked). It ends a backoff
        wait, but leaves the platform's "no network" pause and the backoff as they are: only
        the network monitor lifts those (``network_changed``)."""
        if self.service is not None:
            self.service.sync_now()

    # --- from the sync thread, delivered on the GUI thread ------------------------------
    @Slot(object, str, object)
    def _on_relay(self, service, kind: str, payload) -> None:
        if service is not self.service:
            return  # a service stopped since
        if kind == "status":
            state, info = payload
            if state == "idle":
                self.last_error = None
            self._set(state, info)
            if state in ("idle", "offline", "error", "revoked"):
                self.cycle_done.emit()
        elif kind == "progress":
            self.progress.emit(*payload)
        elif kind == "receipt":
            self.receipt.emit(payload)
        elif kind == "error":
            self.last_error = payload
            self.failed.emit(payload)

    def _set(self, state: str, info: dict) -> None:
        self.state, self.info = state, info
        self.state_changed.emit(state, info)

    def _reachability(self, reachability) -> None:
        from PySide6.QtNetwork import QNetworkInformation

        self.network_changed(reachability != QNetworkInformation.Reachability.Disconnected)

    def network_changed(self, online: bool) -> None:
        """The network went away (pause the attempts) or came back (retry at once)."""
        if self.service is not None:
            self.service.network_changed(online)


def worker_vault_call(backend):
    """A ``vault_call`` for a thread that is not the vault worker's (the sync thread, the
    online enrollment's): the step runs on the ONE vault worker, in order with the GUI's
    jobs; only the calling thread waits for it."""
    from intake_app.errors import VaultLocked

    generation = backend.generation  # a lock (and an unlock since) ends this caller's steps

    def step(fn, s):
        if backend.generation != generation:
            raise VaultLocked()
        return fn(s.require())

    def call(fn):
        future = backend.post(lambda s: step(fn, s))
        try:
            return future.result(VAULT_STEP_TIMEOUT)
        except FutureTimeout:
            future.cancel()  # not run later behind the caller's back (pinning a server, say)
            raise VaultLocked() from None

    return call


def _network_information():
    """Qt's network monitor when this platform has a backend, else None."""
    try:
        from PySide6.QtNetwork import QNetworkInformation

        if QNetworkInformation.instance() is None and not QNetworkInformation.loadBackendByFeatures(
                QNetworkInformation.Feature.Reachability):
            return None
        return QNetworkInformation.instance()
    except Exception:  # no QtNetwork in this build, or no backend
        log.info("no network monitor: the sync's backoff detects the network")
        return None


def _reachable(info) -> bool:
    from PySide6.QtNetwork import QNetworkInformation

    r = info.reachability()
    # Unknown: let the service try (and back off); only a definite "disconnected" pauses
    return r != QNetworkInformation.Reachability.Disconnected
