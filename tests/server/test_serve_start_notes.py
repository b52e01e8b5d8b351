"""What ``intake-server serve`` says before it starts about choices that work but may not be
what was meant: several processes on SQLite (correct, writers take turns, but PostgreSQL is the
database for that), and listening beyond this host while trusting only a proxy on it. The
workers learn the trusted proxies too (for their warning). uvicorn itself is not started."""

from __future__ import annotations

import pytest

from intake_app.bundle.serverkeys import KEY_ENV
from intake_app.server.setup import init_server

from .conftest import ADMIN_PASSWORD, FAST_KDF, KEY_PASSPHRASE
from .test_cli_words import run
from .test_cli_operator_errors import secrets


@pytest.fixture
def serve(tmp_path, monkeypatch):
    """``serve`` on a fresh SQLite home with uvicorn.run and the port check stubbed out."""
    import uvicorn

    home = tmp_path / "srv"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin",
                admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    for name in (KEY_ENV, "INTAKE_SERVER_HOME", "INTAKE_SERVER_DB", "FORWARDED_ALLOW_IPS"):  # set for workers
        monkeypatch.setenv(name, "x")
        monkeypatch.delenv(name)
    given = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: given.update(kwargs))
    monkeypatch.setattr("intake_app.server.cli_setup.check_port", lambda host, port: None)
    pp, pw = secrets(tmp_path)

    def start(*args: str, db: str | None = None) -> tuple[str, dict]:
        given.clear()
        code, out, err = run("--home", home, *(["--db", db] if db else []), "--passphrase-file", pp, "serve", *args)
        assert code == 0, err
        return err, dict(given)

    return start


def test_several_workers_on_sqlite_are_warned_about(serve):
    err, given = serve("--workers", "2")
    assert given["workers"] == 2  # still served: correct, only slower
    assert "Aviso: 2 procesos sobre SQLite" in err and "--workers 1" in err and "PostgreSQL" in err
    err, _ = serve("--workers", "1")
    assert "SQLite" not in err


def test_listening_beyond_this_host_while_trusting_only_it_is_said(serve):
    import os

    err, given = serve("--host", "0.0.0.0")
    assert "escucha en 0.0.0.0" in err and "--trusted-proxy <IP del proxy>" in err
    assert given["forwarded_allow_ips"] == "127.0.0.1" and os.environ["FORWARDED_ALLOW_IPS"] == "127.0.0.1"
    err, given = serve("--host", "0.0.0.0", "--trusted-proxy", "10.0.0.5")
    assert "--trusted-proxy" not in err and os.environ["FORWARDED_ALLOW_IPS"] == "10.0.0.5"
    err, _ = serve()  # 127.0.0.1: a proxy on this host, as trusted by default
    assert "--trusted-proxy" not in err
