"""A uvicorn worker that starts while the database is down (``app_from_env``, the factory
every worker runs): one worded line through the app's logger and its privacy filter, exit
code 1 (uvicorn's supervisor starts another worker; its code 3 would stop the whole
server), never multiprocessing's "Process SpawnProcess-1: Traceback ..." on stderr."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intake_app.bundle.serverkeys import KEY_ENV
from intake_app.logsetup import PrivacyFilter
from intake_app.server.config import DB_ENV, HOME_ENV
from intake_app.server.setup import init_server
from tests.loopback import free_port

from .conftest import ADMIN_PASSWORD, FAST_KDF, KEY_PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]

# what uvicorn does for each worker with --workers N: a spawned process that loads the factory
WORKER = """
import sys
import uvicorn
from uvicorn._subprocess import get_subprocess

if __name__ == "__main__":
    config = uvicorn.Config("intake_app.server.app:app_from_env", factory=True, log_config=None)
    process = get_subprocess(config, target=uvicorn.Server(config).run, sockets=[])
    process.start()
    process.join()
    sys.exit(process.exitcode)
"""


@pytest.fixture
def home_db_down(tmp_path):
    """A server home whose database (PostgreSQL on a loopback port nobody listens on) is down."""
    home = tmp_path / "home"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin", admin_password=ADMIN_PASSWORD,
                kdf=FAST_KDF)
    return home, f"postgresql://postgres@127.0.0.1:{free_port()}/helper_nowhere"


def test_app_from_env_logs_one_line_and_exits_1_when_the_database_is_down(home_db_down, monkeypatch, capfd):
    from intake_app.server.app import app_from_env

    home, url = home_db_down
    for name in ("INTAKE_LOG", "INTAKE_LOG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(HOME_ENV, str(home))
    monkeypatch.setenv(DB_ENV, url)
    root = logging.getLogger()
    # as in a fresh worker: no handler yet, so app_from_env's setup_logging puts its own on stderr
    monkeypatch.setattr(root, "handlers", [h for h in root.handlers
                                           if not any(isinstance(f, PrivacyFilter) for f in h.filters)])
    monkeypatch.setattr(root, "level", root.level)
    with pytest.raises(SystemExit) as stopped:
        app_from_env()
    assert stopped.value.code == 1  # not 3: uvicorn 0.54 stops the whole parent on that code
    err = capfd.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "ERROR intake_app.server.app: proceso del servidor no iniciado: la base de datos no está" in lines[0]
    assert " / server process not started: the database cannot be reached now" in lines[0]
    assert "database_unavailable" in lines[0] and "Traceback" not in err and "helper_nowhere" not in err


def test_a_spawned_worker_says_it_in_one_line_without_a_traceback(home_db_down, tmp_path):
    home, url = home_db_down
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("INTAKE_LOG", "INTAKE_LOG_FILE")}
    env.update({HOME_ENV: str(home), DB_ENV: url, KEY_ENV: "00" * 32, "PYTHONPATH": str(ROOT)})
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "SpawnProcess" not in done.stderr, done.stderr
    said = [line for line in done.stderr.splitlines() if "server process not started" in line]
    assert len(said) == 1 and "database_unavailable" in said[0], done.stderr


def test_a_database_without_the_schema_is_said_in_one_line_too(tmp_path, monkeypatch, capfd):
    """The schema dropped (or a database moved) under a running server: the worker uvicorn
    starts again says so in one line and exits 1, no traceback."""
    from intake_app.server.app import app_from_env

    home = tmp_path / "home"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin", admin_password=ADMIN_PASSWORD,
                kdf=FAST_KDF)
    empty = tmp_path / "vacia.sqlite3"
    empty.touch()
    for name in ("INTAKE_LOG", "INTAKE_LOG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(HOME_ENV, str(home))
    monkeypatch.setenv(DB_ENV, f"sqlite:///{empty}")
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [h for h in root.handlers
                                           if not any(isinstance(f, PrivacyFilter) for f in h.filters)])
    monkeypatch.setattr(root, "level", root.level)
    with pytest.raises(SystemExit) as stopped:
        app_from_env()
    assert stopped.value.code == 1
    err = capfd.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "database_not_initialized" in lines[0] and "Traceback" not in err, err
