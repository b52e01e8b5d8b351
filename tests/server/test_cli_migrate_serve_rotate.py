"""An operator's view of three things that went unsaid: ``migrate`` on a database it cannot
open says so as every other command does (not "internal error"); a server worker that dies is
in the log at the default level (uvicorn said it at INFO, under the WARNING shown), while no
access line (a query string can hold typed text) ever is; ``keys rotate`` says to copy the
key file to the server's other machines. All data is fictional."""

from __future__ import annotations

import logging
import socket

import pytest

from intake_app.bundle.serverkeys import KEY_ENV
from intake_app.server.setup import init_server

from .conftest import ADMIN_PASSWORD, FAST_KDF, KEY_PASSPHRASE
from .test_backup import cli

MISSING_PG = "postgresql+psycopg://postgres:clave-ficticia@127.0.0.1:5432/intake_no_existe"


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "srv"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin",
                admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    return home


@pytest.mark.parametrize("db", [MISSING_PG, "sqlite:////intake_no_such_folder/server.sqlite3"])
def test_migrate_on_a_database_it_cannot_open_says_so(home, tmp_path, capsys, caplog, db):
    assert cli(home, db, tmp_path, "migrate") == 2
    err = capsys.readouterr().err
    assert "could not be opened" in err and "internal error" not in err, err
    assert "clave-ficticia" not in err
    assert "internal error" not in caplog.text and "OperationalError" not in caplog.text


def test_migrate_still_upgrades_a_database_it_reaches(home, tmp_path, capsys):
    assert cli(home, None, tmp_path, "migrate") == 0
    assert "Database schema up to date" in capsys.readouterr().out


@pytest.fixture
def uvicorn_logs():
    """uvicorn's loggers as they were, put back afterwards."""
    names = ("uvicorn.error", "uvicorn.access", "uvicorn.asgi")
    saved = {n: (logging.getLogger(n).level, list(logging.getLogger(n).handlers), logging.getLogger(n).propagate,
                 list(logging.getLogger(n).filters)) for n in names}
    yield
    for n, (level, handlers, propagate, filters) in saved.items():
        logger = logging.getLogger(n)
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.filters[:] = filters


class Shown(logging.Handler):
    """What the operator's log shows by default (the root handler writes from WARNING up)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_dead_worker_reaches_the_log_and_no_request_line_does(home, tmp_path, monkeypatch, uvicorn_logs):
    import uvicorn
    from uvicorn.config import Config

    for name in (KEY_ENV, "INTAKE_SERVER_HOME", "INTAKE_SERVER_DB"):  # what serve sets for its workers
        monkeypatch.setenv(name, "x")
        monkeypatch.delenv(name)
    given = {}

    def run(app, **kwargs):  # uvicorn's own logging set-up, as run() does it, without serving
        given.update(kwargs)
        Config(app, **kwargs).configure_logging()

    monkeypatch.setattr(uvicorn, "run", run)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # as in the fresh process serve runs in: a server started in this test process earlier
        # (tests.loopback) left uvicorn's own dictConfig here (its loggers not propagating)
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "propagate", True)
        monkeypatch.setattr(logger, "handlers", [])
        monkeypatch.setattr(logger, "disabled", False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert cli(home, None, tmp_path, "serve", "--port", str(port), "--workers", "2") == 0
    assert given["log_level"] == "info" and given["access_log"] is False and given["log_config"] is None

    shown = Shown()
    logging.getLogger().addHandler(shown)
    try:
        logging.getLogger("uvicorn.error").info("Started parent process [%d]", 4241)
        logging.getLogger("uvicorn.error").info("Child process [4242] died")
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                                                  "/cases?q=Ficticia%20Prueba", "1.1", 200)
    finally:
        logging.getLogger().removeHandler(shown)
    lines = [(r.levelname, r.getMessage()) for r in shown.records]
    assert lines == [("WARNING", "el proceso del servidor [4242] terminó; se inicia otro en su lugar / "
                                 "Child process [4242] died; a new worker is started in its place")], lines


def test_keys_rotate_says_to_copy_the_key_file_to_the_other_machines(home, tmp_path, capsys):
    assert cli(home, None, tmp_path, "keys", "rotate") == 0
    out = capsys.readouterr().out
    assert f"copy {home / 'server.keys'} to each of the others now" in out, out
    assert "Take a backup now" in out
