"""The background sync thread outlives a vault step that fails (the desktop's vault worker
busy past VAULT_STEP_TIMEOUT, or a lock at the end of a cycle: VaultLocked), and its status
says what happened instead of "syncing" for ever; stop() and start() never leave two threads
running one service. The real server on 127.0.0.1. FICTIONAL data only."""

from __future__ import annotations

import threading

from intake_app.errors import VaultLocked
from intake_app.sync import DirectVaultCall, SyncService, state
from tests.conftest import load_sample

from .test_online import Recorder


def _save(vault, tag):
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": f"Ana{tag} FICTICIA"})


class Flaky:
    """``vault_call`` whose steps raise VaultLocked while ``refuse(fn)`` says so."""

    def __init__(self, vault) -> None:
        self.direct = DirectVaultCall(vault)
        self.refuse = lambda fn: False

    def __call__(self, fn):
        if self.refuse(fn):
            raise VaultLocked()
        return self.direct(fn)


def _sync_threads():
    return [t for t in threading.enumerate() if t.name == "intake-sync" and t.is_alive()]


def test_a_refused_lease_step_after_the_cycle_keeps_the_thread(real_server, vault):
    real_server.enroll(vault)
    _save(vault, 1)
    call = Flaky(vault)
    call.refuse = lambda fn: fn is state.lease_state
    rec = Recorder()
    svc = SyncService(call, real_server.url, on_status=rec.on_status, on_error=rec.on_error, interval=3600)
    svc.start()
    try:
        rec.wait_for(lambda s: s and s[-1][0] == "idle")
        assert rec.states[-1][1]["lease"] is None  # said truthfully: the vault could not tell now
        assert svc.alive() and svc._thread.is_alive()
        call.refuse = lambda fn: False
        _save(vault, 2)
        before = len(rec.states)
        svc.sync_now()
        rec.wait_for(lambda s: len(s) > before and s[-1][0] == "idle")
        assert rec.states[-1][1]["lease"] == "ok"
    finally:
        svc.stop()
    assert {r.sync_state for r in vault.list_cases()} == {"delivered"}
    assert rec.states[-1][0] == "stopped" and not svc.alive()


def test_a_refused_step_mid_cycle_is_an_error_and_the_next_cycle_runs(real_server, vault):
    from intake_app.sync import service as service_mod

    real_server.enroll(vault)
    _save(vault, 1)
    call = Flaky(vault)
    call.refuse = lambda fn: fn is service_mod._prepare_uploads
    rec = Recorder()
    svc = SyncService(call, real_server.url, on_status=rec.on_status, on_error=rec.on_error, interval=3600)
    svc.start()
    try:
        rec.wait_for(lambda s: s and s[-1][0] == "error")
        assert rec.states[-1][1]["code"] == "vault_locked" and isinstance(rec.errors[-1], VaultLocked)
        call.refuse = lambda fn: False
        svc.sync_now()
        rec.wait_for(lambda s: s[-1][0] == "idle")
    finally:
        svc.stop()
    assert {r.sync_state for r in vault.list_cases()} == {"delivered"}


def test_stop_and_start_again_keep_one_thread(enrolled):
    """start() right after a stop(timeout=0) (the desktop's lock then unlock) carries on with
    the thread still leaving instead of starting a second one next to it."""
    others = set(_sync_threads())  # left by other tests, if any
    svc = SyncService(DirectVaultCall(enrolled), "http://127.0.0.1:9", interval=3600,
                      backoff_base=3600, backoff_max=3600)
    svc.pause()
    for _ in range(5):
        svc.start()
        svc.stop(timeout=0)
    svc.start()
    try:
        assert len(set(_sync_threads()) - others) == 1
        assert svc.alive()
    finally:
        svc.stop()
    assert not svc.alive() and not set(_sync_threads()) - others
