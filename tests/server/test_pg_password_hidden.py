"""The database password never shows on pg_dump's or pg_restore's command line, which every
user of the machine can read (``ps``, ``/proc/<pid>/cmdline``): the URL goes without it and
the password goes in the child's own environment (``PGPASSWORD``), never in this process's.
A ``?sslpassword=`` (no libpq variable for it) is refused in words before anything runs.
Against the real PostgreSQL on 127.0.0.1 (trust auth takes any password, so a fictional one
works). All data is fictional."""

from __future__ import annotations

import os
import subprocess
from urllib.parse import quote

import pytest

from intake_app.server.backup import check_dump_url, libpq_target, preflight
from intake_app.server.errors import BackupFailed
from tests.pg import temp_databases

from .conftest import ADMIN_PASSWORD, FAST_KDF, KEY_PASSPHRASE, Srv
from .test_backup import cli, fill_device

SECRET = "clave:ficticia@2026/x"  # characters a URL must encode, so both spellings are looked for
HOST = "postgres:{pw}@127.0.0.1:5432"


def with_password(url: str, password: str = SECRET) -> str:
    return url.replace("postgres@127.0.0.1:5432", HOST.format(pw=quote(password, safe="")), 1)


def test_the_url_for_libpq_carries_no_secret_and_the_environment_does(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "otra-ficticia")
    base = "postgresql+psycopg://postgres@127.0.0.1:5432/intake_demo"
    dsn, env = libpq_target(with_password(base))
    assert dsn == "postgresql://postgres@127.0.0.1:5432/intake_demo"
    assert env["PGPASSWORD"] == SECRET  # the URL's password wins over the one inherited
    assert os.environ["PGPASSWORD"] == "otra-ficticia"  # this process's environment untouched
    dsn, env = libpq_target(base + "?sslmode=disable&password=desde-consulta&passfile=/tmp/pgpass-demo")
    assert dsn == "postgresql://postgres@127.0.0.1:5432/intake_demo?sslmode=disable"
    assert env["PGPASSWORD"] == "desde-consulta" and env["PGPASSFILE"] == "/tmp/pgpass-demo"
    dsn, env = libpq_target(base)  # no password in the URL: PGPASSWORD or ~/.pgpass as before
    assert dsn.endswith("/intake_demo") and env["PGPASSWORD"] == "otra-ficticia"
    for url in (base + "?sslpassword=ficticia", base + "?SSLPassword=ficticia"):
        with pytest.raises(BackupFailed) as refused:
            check_dump_url(url)
        assert refused.value.params["reason"] == "pg_sslpassword"
    check_dump_url("sqlite:////tmp/intake_demo.sqlite3?password=no-aplica")  # SQLite: nothing to give


def test_sslpassword_is_refused_before_anything_is_written(tmp_path, capsys):
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/intake_demo?sslpassword=ficticia"
    with pytest.raises(BackupFailed):
        preflight(tmp_path / "bk", url)
    assert not (tmp_path / "bk").exists()
    home = tmp_path / "srv"
    code = cli(home, url, tmp_path, "restore", str(tmp_path))  # before the backup is even read
    assert code == 2 and "sslpassword" in capsys.readouterr().err and not home.exists()


@pytest.fixture
def spawned(monkeypatch):
    """Every child process started meanwhile: (argv, the environment it was given)."""
    calls = []
    real = subprocess.Popen

    def spy(args, *rest, **kwargs):
        calls.append(([str(a) for a in args], kwargs.get("env")))
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", spy)
    return calls


def test_backup_and_restore_keep_the_password_off_the_command_line(tmp_path, device_factory, spawned, capsys,
                                                                   monkeypatch):
    from intake_app.server.db import make_engine
    from intake_app.server.setup import init_server
    from sqlalchemy import text

    monkeypatch.setenv("PGPASSWORD", "x")
    monkeypatch.delenv("PGPASSWORD")  # none inherited: the one the children get comes from the URL
    with temp_databases("intake_pgpass_test", count=2) as (source, target):
        source_pw, target_pw = with_password(source), with_password(target)
        home = tmp_path / "srv"
        settings, keystore = init_server(home, db_url=source_pw, passphrase=KEY_PASSPHRASE,
                                         admin_username="admin", admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
        engine = make_engine(source)
        try:
            _, revs = fill_device(Srv(home, settings, keystore, engine, source), device_factory, 25)
        finally:
            engine.dispose()
        bk = tmp_path / "bk"
        assert cli(home, source_pw, tmp_path, "backup", str(bk)) == 0, capsys.readouterr().err
        restored = tmp_path / "restored"
        assert cli(restored, target_pw, tmp_path, "restore", str(bk)) == 0, capsys.readouterr().err
        assert f"({len(revs)} revisions)" in capsys.readouterr().out

        tools = [(argv, env) for argv, env in spawned if os.path.basename(argv[0]) in ("pg_dump", "pg_restore")]
        assert sorted(os.path.basename(argv[0]) for argv, _ in tools) == ["pg_dump", "pg_restore"]
        for argv, env in tools:
            line = " ".join(argv)
            assert SECRET not in line and quote(SECRET, safe="") not in line and "ficticia" not in line, line
            assert env is not None and env["PGPASSWORD"] == SECRET
        assert "PGPASSWORD" not in os.environ
        engine = make_engine(target)
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM revisions")).scalar_one() == len(revs)
        finally:
            engine.dispose()
