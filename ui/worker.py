"""The one worker thread that owns the only Vault object, and the ``op`` helper.

All disk, crypto and database work runs here, in order, on one QThread; the GUI
thread submits jobs and gets the results back by signal (Anki's TaskManager plus
CollectionOp/QueryOp, in a few lines)::

    backend.op(lambda s: s.vault.count_cases()).success(label.setNum).run()

A job is a plain function of the :class:`Session` (the worker-side holder of the
vault). It must not touch widgets; its result or typed error comes back to the
``success`` / ``failure`` callbacks on the GUI thread. Widgets never touch the
database: they only ever see results.
"""

from __future__ import annotations

import itertools
from concurrent.futures import Future
import logging
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


class Session:
    """Lives on the worker thread: the only reference to the open vault."""

    def __init__(self, home) -> None:
        self.home = home
        self.vault = None  # intake_app.vault.Vault, created and used on the worker only

    def require(self):
        from intake_app.errors import VaultLocked

        if self.vault is None or not self.vault.is_open:
            raise VaultLocked()
        return self.vault

    def create(self, officer: str, passphrase: str):
        from intake_app.vault import Vault

        self.close()
        self.vault = Vault.create(self.home, officer, passphrase)
        return self.vault.officer

    def open(self, officer: str, passphrase: str):
        from intake_app.vault import Vault

        self.close()
        self.vault = Vault.open(self.home, officer, passphrase)
        return self.vault.officer, self.vault.failed_unlocks_since_last  # (count, last UTC) or None

    def close(self) -> None:
        if self.vault is not None:
            try:
                self.vault.close()
            finally:
                self.vault = None


class _Job:
    __slots__ = ("id", "fn", "generation", "result", "error")

    def __init__(self, job_id: int, fn: Callable[[Session], Any], generation: int) -> None:
        self.id, self.fn, self.generation = job_id, fn, generation
        self.result: Any = None
        self.error: BaseException | None = None


class _Worker(QObject):
    done = Signal(object)

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    @Slot(object)
    def execute(self, job: _Job) -> None:
        try:
            job.result = job.fn(self.session)
        except Exception as exc:  # typed core errors, and anything unexpected
            job.error = exc
            if not _is_typed(exc):
                log.error("job failed: %s", type(exc).__name__)
        self.done.emit(job)


def _is_typed(exc: BaseException) -> bool:
    from intake_app.errors import IntakeError

    return isinstance(exc, IntakeError)


class Op:
    """A builder for one job: ``backend.op(fn).success(cb).failure(cb).run()``."""

    def __init__(self, backend: "Backend", fn: Callable[[Session], Any], owner: QObject | None = None) -> None:
        self._backend, self._fn, self._owner = backend, fn, owner
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._changes = False
        self._busy = True

    def success(self, cb: Callable[[Any], None]) -> "Op":
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> "Op":
        self._failure = cb
        return self

    def changes_cases(self) -> "Op":
        """After success, ``backend.cases_changed`` fires (lists and counts refresh)."""
        self._changes = True
        return self

    def quiet(self) -> "Op":
        """Do not show the busy indicator (autosave, list pages)."""
        self._busy = False
        return self

    def run(self) -> int:
        return self._backend._submit(self)


class Backend(QObject):
    """GUI-thread side: submits jobs to the worker thread and dispatches results."""

    _to_worker = Signal(object)
    busy_changed = Signal(bool)
    cases_changed = Signal()
    failed = Signal(object)  # an error no callback handled
    idle = Signal()  # no job left in flight (tests wait on this)
    SHUTDOWN_WAIT_MS = 30_000  # at exit, how long to wait for the jobs still queued or running

    def __init__(self, home, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = Session(home)
        self._thread = QThread()
        self._thread.setObjectName("vault-worker")
        self._worker = _Worker(self.session)
        self._worker.moveToThread(self._thread)
        self._to_worker.connect(self._worker.execute)
        self._worker.done.connect(self._on_done)
        self._ids = itertools.count(1)
        self._pending: dict[int, Op] = {}
        self._busy_count = 0
        self.generation = 0  # bumped on lock: late results of the old session are dropped
        self._thread.start()

    @property
    def home(self):
        return self.session.home

    def op(self, fn: Callable[[Session], Any], owner: QObject | None = None) -> Op:
        """A job; when ``owner`` (the widget its callbacks update) is gone by the time
        the result arrives, the callbacks are skipped."""
        return Op(self, fn, owner)

    def in_flight(self) -> int:
        return len(self._pending)

    def post(self, fn: Callable[[Session], Any]) -> Future:
        """From ANY thread (the background sync's): run ``fn`` on the vault worker, in
        order with the GUI's jobs, and return a Future for its result. Nothing comes back
        to the GUI thread; a job of a session locked since fails with ``VaultLocked``."""
        future: Future = Future()
        generation = self.generation

        def job(s: Session):
            if not future.set_running_or_notify_cancel():
                return None
            try:
                if generation != self.generation:
                    from intake_app.errors import VaultLocked

                    raise VaultLocked()
                future.set_result(fn(s))
            except BaseException as exc:  # handed to the caller's thread
                future.set_exception(exc)
            return None

        self._to_worker.emit(_Job(0, job, generation))  # id 0: never in _pending, no GUI dispatch
        return future

    def _submit(self, op: Op) -> int:
        job = _Job(next(self._ids), op._fn, self.generation)
        self._pending[job.id] = op
        if op._busy:
            self._busy_count += 1
            if self._busy_count == 1:
                self.busy_changed.emit(True)
        self._to_worker.emit(job)
        return job.id

    @Slot(object)
    def _on_done(self, job: _Job) -> None:
        op = self._pending.pop(job.id, None)
        if op is None:
            return
        if op._busy:
            self._busy_count -= 1
            if self._busy_count == 0:
                self.busy_changed.emit(False)
        alive = op._owner is None or shiboken6.isValid(op._owner)
        if job.generation == self.generation and alive:
            if job.error is None:
                if op._success:
                    op._success(job.result)
                if op._changes:
                    self.cases_changed.emit()
            elif op._failure:
                op._failure(job.error)
            else:
                self.failed.emit(job.error)
        if not self._pending:
            self.idle.emit()

    def shutdown(self, final: Callable[[Session], Any] | None = None) -> None:
        """Stop the thread, run ``final`` (e.g. keep a draft), lock the vault. At exit
        only: this waits for the jobs already queued (a save the officer asked for just
        before closing is stored, and ``final`` comes after it, as a lock's job does).
        A job still running after ``SHUTDOWN_WAIT_MS`` (one that hangs) keeps the vault:
        neither ``final`` nor the lock runs beside it (the process is exiting;
        SQLite/SQLCipher keep the file consistent)."""
        if not self._thread.isRunning():
            return
        self.generation += 1
        # the thread's quit() alone would drop the jobs still queued: stop after the last one
        self._to_worker.emit(_Job(0, lambda s: self._thread.quit(), self.generation))
        if not self._thread.wait(self.SHUTDOWN_WAIT_MS):
            log.warning("vault worker still busy at exit: vault left to its job")
            return
        # the thread has stopped: nothing else can touch the vault now
        try:
            if final is not None and self.session.vault is not None:
                final(self.session)
        except Exception as exc:
            log.error("final job failed: %s", type(exc).__name__)
        finally:
            self.session.close()
