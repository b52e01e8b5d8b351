"""Repeating an administrative act is said, not failed: ``device reinstate`` of an active laptop
exits 0 ("ya estaba activo") as ``revoke`` of a revoked one does; a waiting request is still
refused (it is approved, never reinstated). ``keys env-key`` does not print the raw key on a
terminal unless asked to, and says how to redirect it. The worker guard's log lines are Spanish
then English. Fictional laptops only."""

from __future__ import annotations

import logging
import os
import pty
import subprocess
import sys

import pytest

from intake_app.server import devices
from intake_app.server.audit import entries_t

from .conftest import KEY_PASSPHRASE
from .test_cli_operator_errors import op


@pytest.fixture
def db_url(tmp_path):  # the command line's words, the same on both databases: SQLite only
    return f"sqlite:///{tmp_path / 'server.sqlite3'}"


def test_reinstating_an_active_laptop_says_so_and_exits_0(srv, device_factory, tmp_path):
    laptop = srv.enroll(device_factory())
    code, out, err = op(srv, tmp_path, "device", "reinstate", laptop.device_id)
    assert code == 0, err
    assert f"El equipo {laptop.device_id} ya estaba activo; no se cambió nada." in out
    code, out, err = op(srv, tmp_path, "--lang", "en", "device", "reinstate", laptop.device_id)
    assert code == 0 and f"Laptop {laptop.device_id} was already active; nothing was changed." in out
    assert op(srv, tmp_path, "device", "revoke", laptop.device_id, "--yes")[0] == 0
    assert op(srv, tmp_path, "device", "revoke", laptop.device_id, "--yes")[0] == 0  # as before: said, 0
    code, out, _ = op(srv, tmp_path, "device", "reinstate", laptop.device_id)
    assert code == 0 and "reactivado" in out
    with srv.engine.connect() as conn:
        acts = [r.action for r in conn.execute(entries_t.select()) if r.target == laptop.device_id]
    assert acts.count("device_reinstate") == 1  # the repeats wrote nothing

    waiting = device_factory()
    devices.register_request(srv.engine, waiting.enrollment_request(), source="test")
    code, _, err = op(srv, tmp_path, "device", "reinstate", waiting.device_id)
    assert code == 2 and "espera aprobación" in err


def env_key(srv, tmp_path, *extra: str, terminal: bool) -> tuple[int, str, str]:
    """``keys env-key`` run as the operator would: its output on a terminal (a pty) or a pipe."""
    pp = tmp_path / "pp.txt"
    pp.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    args = [sys.executable, "-c", "import sys; from intake_app.server.cli import main; sys.exit(main())",
            "--home", str(srv.home), "--passphrase-file", str(pp), "keys", "env-key", *extra]
    env = {k: v for k, v in os.environ.items() if k != "INTAKE_SERVER_KEY"}
    if not terminal:
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
        return done.returncode, done.stdout, done.stderr
    parent, child = pty.openpty()
    try:
        proc = subprocess.Popen(args, stdout=child, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        os.close(child)
        shown = b""
        while True:
            try:
                chunk = os.read(parent, 4096)
            except OSError:  # the child ended: the pty is closed
                break
            if not chunk:
                break
            shown += chunk
        err = proc.stderr.read().decode()
        return proc.wait(timeout=120), shown.decode(), err
    finally:
        os.close(parent)


def test_env_key_is_not_printed_on_a_terminal(srv, tmp_path):
    key = srv.keystore.file_key.hex()
    code, shown, err = env_key(srv, tmp_path, terminal=True)
    assert code == 2 and key not in shown + err
    assert "no se muestra en la terminal" in err and "keys env-key > /etc/intake-server.env" in err
    assert "--show-on-terminal" in err
    code, shown, _ = env_key(srv, tmp_path, "--show-on-terminal", terminal=True)
    assert code == 0 and f"INTAKE_SERVER_KEY={key}" in shown
    code, out, _ = env_key(srv, tmp_path, terminal=False)  # redirected, as the guide does it
    assert code == 0 and out.strip() == f"INTAKE_SERVER_KEY={key}"


def test_the_worker_guard_speaks_spanish_then_english(monkeypatch, caplog):
    from intake_app.server import worker_guard

    class Parent:
        pid = -1  # never this process's parent: it "ended" before the worker was set up

    monkeypatch.setattr(worker_guard, "protect_process", lambda: None)
    monkeypatch.setattr(worker_guard.multiprocessing, "parent_process", lambda: Parent())
    monkeypatch.setattr(worker_guard, "_ask_kernel", lambda: True)
    with caplog.at_level(logging.WARNING), pytest.raises(SystemExit):
        worker_guard.end_with_supervisor()
    line = caplog.records[-1].getMessage()
    es, en = line.split(" / ")
    assert es.startswith("proceso del servidor no iniciado") and en.startswith("server process not started")
