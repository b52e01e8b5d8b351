"""Closing the app while a worker job still runs (an online enrollment waiting on the
network): shutdown waits a while, then leaves the vault open to that job instead of
closing it underneath; a quick job ends as before, then ``final`` and the lock.

The job is held by an Event the test releases; the wait is shortened on the class."""

from __future__ import annotations

import logging
import threading

import pytest

from tests.ui.uikit import OFFICER, PASSPHRASE


@pytest.fixture
def backend(qtbot, tmp_path):
    from ui.worker import Backend

    b = Backend(tmp_path / "data")
    with qtbot.waitSignal(b.idle, timeout=20_000):
        b.op(lambda s: s.create(OFFICER, PASSPHRASE)).run()
    yield b
    b.shutdown()


def test_a_job_still_running_keeps_the_vault_open(qtbot, backend, monkeypatch, caplog):
    monkeypatch.setattr(type(backend), "SHUTDOWN_WAIT_MS", 200)
    started, gate, seen = threading.Event(), threading.Event(), {}

    def slow(s):  # stands in for enroll_online: waits on the network, then uses the vault
        started.set()
        gate.wait(30)
        seen["cases"] = s.require().count_cases()

    backend.op(slow).quiet().run()
    qtbot.waitUntil(started.is_set, timeout=20_000)
    finals = []
    with caplog.at_level(logging.WARNING, logger="ui.worker"):
        backend.shutdown(finals.append)
    assert backend.session.vault is not None and backend.session.vault.is_open
    assert finals == []  # not run beside the job
    assert [r.levelno for r in caplog.records if r.name == "ui.worker"] == [logging.WARNING]
    gate.set()
    assert backend._thread.wait(20_000)  # the job ended, then the thread stopped
    assert seen == {"cases": 0}
    backend.session.close()


def test_a_quick_job_ends_then_final_and_the_lock(qtbot, backend, monkeypatch):
    monkeypatch.setattr(type(backend), "SHUTDOWN_WAIT_MS", 20_000)
    seen = []
    backend.op(lambda s: seen.append(s.require().count_cases())).quiet().run()
    backend.shutdown(lambda s: seen.append(("final", s.require().is_open)))
    assert seen == [0, ("final", True)]
    assert backend.session.vault is None and not backend._thread.isRunning()
