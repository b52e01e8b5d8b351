"""Background online sync: a job queue with retries, backoff, pause and resume.

No Qt here: the desktop app wraps the callbacks into signals (STYLE rules 1 and 5).
The vault's connection has one owner (STYLE rule 3), so every vault step runs through
``vault_call(fn)``, which must run ``fn(vault)`` on the owner thread and return its
result; the HTTP calls run on the service's own thread. Jobs are uploads keyed by bundle
sequence (a sequence already queued is not queued again); a cycle first asks the
server's status (lease, revocation, key rotation) and the receipts it already holds.

States reported through ``on_status(state, info)``:
``idle`` (up to date: a whole cycle went well), ``syncing``, ``offline`` (no network or
server: retrying with exponential backoff, ``info["retry_in"]`` seconds; or the platform
says there is no network, ``retry_in`` None; ``info["reason"]``: ``busy`` for a server or
proxy that answered 5xx/429), ``paused``, ``revoked`` (stops for good), ``error`` (the
server refused something: ``info["code"]``; retried at the normal interval; an answer that
is not what the protocol says, ``sync_server_protocol``, is retried with the network
backoff, ``retry_in``), ``stopped``. A cycle cut short by ``pause()`` or by
``network_changed(False)`` ends ``paused`` / ``offline``, never ``idle``.
Progress: ``on_progress(done, total)`` per bundle delivered.
Network trouble worth its own words (a Wi-Fi's sign-in page, an unconfirmed "revoked", a
link too slow, a busy server) is also reported through ``on_error`` just before ``offline``.

One thread at a time: ``stop()`` waits up to its timeout; a thread still finishing a request
stays the service's thread (``start()`` again keeps it going) until it ends. A request ends
by its overall deadline (``client.GRACE``, ``client.MIN_RATE``), or after ``stop()`` between
two chunks or within ``deadline.SLICE`` seconds while it waits for the answer.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from ..bundle import device_auth
from ..errors import IntakeError
from . import outbox, state
from .client import (NOT_AT_ONCE, SyncClient, apply_receipt_list, backoff_delay, confirm_revocation,
                     first_unacknowledged)
from .status import apply_status
from .errors import DeviceRevoked, RevocationUnconfirmed, ServerBusy, ServerProtocolError, ServerUnreachable
from .receipts import apply_receipt

log = logging.getLogger(__name__)

VaultCall = Callable[[Callable[[Any], Any]], Any]


class DirectVaultCall:
    """``vault_call`` for a vault no other thread uses at the same time (CLI, tests)."""

    def __init__(self, vault) -> None:
        self.vault = vault
        self.lock = threading.Lock()

    def __call__(self, fn):
        with self.lock:
            return fn(self.vault)


class SyncService:
    def __init__(self, vault_call: VaultCall, server_url: str, *,
                 on_status: Callable[[str, dict], None] | None = None,
                 on_progress: Callable[[int, int], None] | None = None,
                 on_receipt: Callable[[int], None] | None = None,
                 on_error: Callable[[IntakeError], None] | None = None,
                 interval: float = 300.0, backoff_base: float = 2.0, backoff_max: float = 300.0,
                 client_factory: Callable[[str], SyncClient] | None = None, rng: random.Random | None = None):
        self.vault_call = vault_call
        self.server_url = server_url
        self.on_status = on_status or (lambda s, i: None)
        self.on_progress = on_progress or (lambda d, t: None)
        self.on_receipt = on_receipt or (lambda s: None)
        self.on_error = on_error or (lambda e: None)
        self.interval = interval
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.client_factory = client_factory or (lambda url: SyncClient(url))
        self.rng = rng or random.Random()
        self._queue: OrderedDict[int, bytes] = OrderedDict()  # sequence -> bundle bytes
        self._lock = threading.Lock()
        self._ctl = threading.RLock()  # start / stop / the thread's exit
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._paused = False
        self._paused_offline = False  # the platform says there is no network
        self._offline_gen = 0  # how many times it said so: a cycle it interrupts stops uploading
        self._once = False  # sync_now(): one attempt even while the platform says offline
        self._thread: threading.Thread | None = None
        self.state = "stopped"
        self.failures = 0
        self.delivered_total = 0

    # --- control (any thread) ---------------------------------------------------------
    def start(self) -> None:
        with self._ctl:
            self._stop.clear()
            if self._thread is not None:  # running, or still finishing after a stop(): it carries on
                self._wake.set()
                return
            self._thread = threading.Thread(target=self._run, name="intake-sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the thread to end (a request in flight ends between two chunks, or within
        ``deadline.SLICE`` s while it waits for the answer) and wait up to ``timeout``. The
        thread forgets itself only when it has ended (:meth:`alive`)."""
        with self._ctl:
            self._stop.set()
            self._wake.set()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread() and timeout != 0:
            thread.join(timeout)

    def alive(self) -> bool:
        with self._ctl:
            return self._thread is not None

    def sync_now(self) -> None:
        """A new save, or the officer pressed "sync": one cycle as soon as possible. It ends a
        backoff wait, and while the platform says there is no network it makes one attempt
        without lifting that pause; the failures counted (the backoff) stay. Not while
        ``pause()``d."""
        self._once = True
        self._wake.set()

    def pause(self) -> None:
        self._paused = True
        self._wake.set()

    def resume(self) -> None:
        self._paused = False
        self.failures = 0
        self._wake.set()

    def network_changed(self, online: bool) -> None:
        """From the platform's network monitor: offline pauses the attempts (a cycle under
        way finishes its current request, uploads no more and ends ``offline``); online
        retries at once instead of waiting out the backoff."""
        if online:
            self.failures = 0
            self._paused_offline = False
        else:
            self._offline_gen += 1
            self._paused_offline = True
            self._set_state("offline", retry_in=None)
        self._wake.set()

    def queued(self) -> list[int]:
        with self._lock:
            return list(self._queue)

    def enqueue(self, sequence: int, data: bytes) -> bool:
        """Queue an upload; False when that sequence is queued already (dedup)."""
        with self._lock:
            if sequence in self._queue:
                return False
            self._queue[sequence] = data
            return True

    def reset_queue(self) -> int:
        """Forget every queued upload (returns how many). After a new device identity
        (:mod:`.new_identity`) the queued bundles belong to the old chain, whose sequences the
        new chain reuses from 1: kept, they would go out again (and be refused as forks) and,
        keyed by sequence, hide the new chain's bundles. Stop the service too (a cycle in
        progress ends with its current upload); the next one queues from the outbox."""
        with self._lock:
            dropped = len(self._queue)
            self._queue.clear()
        return dropped

    # --- the worker ---------------------------------------------------------------------
    def _set_state(self, new: str, **info) -> None:
        self.state = new
        try:
            self.on_status(new, info)
        except Exception:  # a callback's bug must not kill the sync thread
            log.exception("sync status callback failed")

    def _run(self) -> None:
        while True:
            final = "stopped"
            try:
                final = self._loop()
            except BaseException:  # pragma: no cover - never leave a dead thread marked alive
                log.exception("sync thread failed")
                self._stop.set()
            with self._ctl:
                if self._stop.is_set():
                    if final == "stopped":  # "revoked" stays the last word
                        self._set_state("stopped")
                    self._thread = None
                    return
            # start() again while this thread was leaving: it carries on

    def _loop(self) -> str:
        delay = 0.0
        while not self._stop.is_set():
            if delay:
                self._wake.wait(delay)
            self._wake.clear()
            if self._stop.is_set():
                break
            gen = self._offline_gen
            once, self._once = self._once, False
            if self._paused or (self._paused_offline and not once):
                self._set_state("paused" if self._paused else "offline", retry_in=None)
                self._wake.wait()
                delay = 0.0
                continue
            try:
                whole = self._cycle(gen)
            except ServerUnreachable as exc:
                if self._stop.is_set():
                    break
                self.failures += 1
                delay = backoff_delay(self.failures, self.backoff_base, self.backoff_max, self.rng)
                if isinstance(exc, (*NOT_AT_ONCE, ServerBusy)):
                    self._safe_error(exc)  # its own words (a Wi-Fi's sign-in page, ...) before "offline"
                if self._paused or self._paused_offline:
                    delay = 0.0  # the top of the loop says paused / offline and waits
                    continue
                self._set_state("offline", retry_in=round(delay, 3), reason=exc.params.get("reason"))
                continue
            except ServerProtocolError as exc:  # a 200 that is not the answer (a middlebox): network backoff
                self.failures += 1
                delay = backoff_delay(self.failures, self.backoff_base, self.backoff_max, self.rng)
                self._set_state("error", code=exc.code, retry_in=round(delay, 3))
                self._safe_error(exc)
                continue
            except DeviceRevoked as exc:
                self._set_state("revoked", device_id=exc.params.get("device_id"))
                self._safe_error(exc)
                self._stop.set()  # for good (a new start() finds the vault revoked again)
                return "revoked"
            except IntakeError as exc:
                self._set_state("error", code=exc.code)
                self._safe_error(exc)
                delay = self.interval
                continue
            except Exception:  # pragma: no cover - a bug: report, keep the thread alive
                log.exception("sync cycle failed")
                self._set_state("error", code="internal")
                delay = self.interval
                continue
            if self._stop.is_set():
                break
            if not whole:  # paused, or the network went away, mid-cycle: the top says so
                delay = 0.0
                continue
            self.failures = 0
            self._set_state("idle", lease=self._lease())
            delay = self.interval
        return "stopped"

    def _lease(self) -> str | None:
        """The lease state after a cycle; None when the vault cannot say now (its worker busy
        too long, or locked since): the cycle itself went well, the thread goes on."""
        try:
            return self.vault_call(state.lease_state)
        except Exception as exc:
            log.info("lease state not available after the cycle (%s)", getattr(exc, "code", type(exc).__name__))
            return None

    def _safe_error(self, exc: IntakeError) -> None:
        try:
            self.on_error(exc)
        except Exception:
            log.exception("sync error callback failed")

    def _cycle(self, gen: int | None = None) -> bool:
        """One exchange; False when cut short (stop, pause, the network gone since ``gen``)."""
        gen = self._offline_gen if gen is None else gen
        self._set_state("syncing")
        call = self.vault_call
        device_id, keys, after = call(_start_cycle)
        client = self.client_factory(self.server_url).sign_as(device_id, keys)
        client.cancelled = self._stop.is_set
        try:
            try:
                return self._exchange(client, device_id, after, gen)
            except RevocationUnconfirmed:  # locks only if the signed status says so
                confirm_revocation(client, device_id, lambda data: call(lambda v: apply_status(v, data)))
                return True  # not reached: confirm_revocation raises
        finally:
            client.close()

    def _interrupted(self, gen: int) -> bool:
        return self._stop.is_set() or self._paused or self._offline_gen != gen

    def _exchange(self, client: SyncClient, device_id: str, after: int, gen: int) -> bool:
        """Status, receipts already held, then each queued upload (HTTP on this thread,
        every vault step through ``vault_call``). False when cut short before the queue
        was empty."""
        call = self.vault_call
        status = client.status(device_id)
        call(lambda v: apply_status(v, status))
        receipts = client.receipts(device_id, after)
        for applied in call(lambda v: apply_receipt_list(v, receipts)):
            self._drop(applied.sequence)
        for seq, data in call(_prepare_uploads):
            self.enqueue(seq, data)
        total = len(self.queued())
        done = 0
        while True:
            with self._lock:
                if not self._queue:
                    break
                seq, data = next(iter(self._queue.items()))
            if self._interrupted(gen):
                return False
            receipt = self._post(client, seq, data)
            applied = call(lambda v: apply_receipt(v, receipt, via="online"))
            self._drop(seq)
            done += 1
            if applied.status == "delivered":
                self.delivered_total += 1
                self.on_receipt(seq)
            self.on_progress(done, total)
        return not self._interrupted(gen)

    def _post(self, client: SyncClient, seq: int, data: bytes) -> bytes:
        """Upload one bundle. Marked ``sent`` only when it went out and its answer was lost
        (with the receipt it is delivered at once)."""
        try:
            return client.post_bundle(data)
        except ServerUnreachable as exc:
            if getattr(exc, "upload_out", False):
                try:
                    self.vault_call(lambda v: outbox.mark_sent(v, [seq], via="online"))
                except Exception as err:  # the vault busy or locked: the receipt path still works
                    log.info("bundle %d not marked sent (%s)", seq, getattr(err, "code", type(err).__name__))
            raise

    def _drop(self, sequence: int) -> None:
        with self._lock:
            self._queue.pop(sequence, None)


def _start_cycle(vault) -> tuple[str, ed25519.Ed25519PrivateKey, int]:
    """What a cycle needs from the vault: the thread holds the Ed25519 key its signed reads
    need, never the device seeds (bundles are built and signed inside vault calls)."""
    state.check_not_revoked(vault)
    state.require_server_info(vault)
    return vault.device_id, device_auth.read_key(vault.device_keys()), first_unacknowledged(vault)


def _prepare_uploads(vault) -> list[tuple[int, bytes]]:
    outbox.prepare(vault)
    return [(i.sequence, i.bundle) for i in outbox.outstanding(vault)]
