"""``intake-server init`` and ``serve`` as a new operator meets them: secrets asked only once
everything else is known to be right, a key-file passphrase held to the passwords' length,
a failed init that leaves nothing behind, a busy port worded; a copied home serves its own
SQLite database; ``restore`` says how to start the restored home."""

from __future__ import annotations

import shutil
import socket

import pytest
from sqlalchemy import inspect, text

from intake_app.bundle.serverkeys import KEY_ENV, KeyFileKey, ServerKeys, write_key_file
from intake_app.server import setup
from intake_app.server.config import CONFIG_NAME, load_settings
from intake_app.server.db import make_engine
from intake_app.server.setup import init_server

from .conftest import ADMIN_PASSWORD, FAST_KDF, KEY_PASSPHRASE, PASSWORD
from .test_cli_words import run, spanish


def files(tmp_path, passphrase: str = KEY_PASSPHRASE, password: str = PASSWORD) -> list[str]:
    pp, pw = tmp_path / "pp.txt", tmp_path / "pw.txt"
    pp.write_text(passphrase + "\n", encoding="utf-8")
    pw.write_text(password + "\n", encoding="utf-8")
    return ["--passphrase-file", str(pp), "--password-file", str(pw)]


def test_a_short_key_file_passphrase_is_refused_and_asked_again(tmp_path, monkeypatch):
    home = tmp_path / "srv"
    code, _, err = run("--home", home, *files(tmp_path, passphrase="x"), "init")
    assert code == 2 and "La frase de paso del archivo de llaves debe tener al menos 12 caracteres" in err
    assert not home.exists()  # refused before anything was written
    typed = f"corta\n{KEY_PASSPHRASE}\n{KEY_PASSPHRASE}\n{PASSWORD}\n{PASSWORD}\n"
    monkeypatch.setattr("intake_app.cli.common.interactive", lambda: True)  # typed at a terminal: asked again
    code, out, err = run("--home", home, "init", input=typed)
    assert code == 0, err
    assert err.count("al menos 12 caracteres") == 1  # typed: worded, then asked again
    assert "Contraseña del primer administrador (admin)" in out  # whose password it is


def test_a_failed_init_leaves_nothing_behind_and_a_retry_starts_afresh(tmp_path):
    home = tmp_path / "srv"
    code, _, err = run("--home", home, *files(tmp_path, password="corta"), "init")
    assert code == 2 and "La contraseña debe tener al menos 12 caracteres" in err
    assert not home.exists()
    # another passphrase this time: before, the first try's server.keys was left and refused it
    code, _, err = run("--home", home, *files(tmp_path, passphrase="otra frase ficticia larga"), "init")
    assert code == 0, err
    assert {p.name for p in home.iterdir()} >= {"server.json", "server.keys", "server.sqlite3"}


def test_a_later_failure_removes_only_what_this_init_created(db_url, tmp_path, monkeypatch):
    home = tmp_path / "srv"
    home.mkdir()
    (home / "notas-ficticias.txt").write_text("ficticio\n", encoding="utf-8")
    write_key_file(home / "server.keys", ServerKeys.generate(), KeyFileKey.from_passphrase(KEY_PASSPHRASE, FAST_KDF))
    keys_before = (home / "server.keys").read_bytes()  # copied here on purpose (docs/server.md): reused, kept

    def fail(*args, **kwargs):
        raise RuntimeError("disco lleno (ficticio)")

    monkeypatch.setattr(setup.audit, "append", fail)
    with pytest.raises(RuntimeError):
        init_server(home, db_url=db_url, passphrase=KEY_PASSPHRASE, admin_username="admin",
                    admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    assert sorted(p.name for p in home.iterdir()) == ["notas-ficticias.txt", "server.keys"]
    assert (home / "server.keys").read_bytes() == keys_before
    if db_url.startswith("sqlite"):
        assert not (tmp_path / "server.sqlite3").exists()
    else:  # the test database had its tables before: they stay, with no user in them
        engine = make_engine(db_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 0
        engine.dispose()


def test_a_failed_init_on_an_empty_postgresql_database_takes_its_schema_out(tmp_path, monkeypatch):
    from tests.pg import temp_databases

    def fail(*args, **kwargs):
        raise RuntimeError("conexión perdida (ficticio)")

    monkeypatch.setattr(setup.audit, "append", fail)
    with temp_databases("intake_init_test") as (url,):
        with pytest.raises(RuntimeError):
            init_server(tmp_path / "srv", db_url=url, passphrase=KEY_PASSPHRASE, admin_username="admin",
                        admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
        engine = make_engine(url)
        assert inspect(engine).get_table_names() == []
        engine.dispose()
    assert not (tmp_path / "srv").exists()


def test_init_and_user_commands_refuse_before_asking_for_a_secret(srv, tmp_path):
    code, out, err = run("--home", srv.home, "--db", srv.settings.db_url, "init")  # nothing typed
    assert code == 2 and "Ya hay un servidor configurado" in err and "Frase de paso" not in out
    db = ("--home", srv.home, "--db", srv.settings.db_url)
    code, out, err = run(*db, "user", "add", "admin", "--role", "administrator")
    assert code == 2 and "Ya existe un usuario con ese nombre." in err and "Contraseña" not in out
    code, out, err = run(*db, "user", "add", "pedro.demo", "--role", "supervisor", "--institution", "nadie")
    assert code == 2 and "Institución desconocida: nadie." in err and "Contraseña" not in out
    code, out, err = run(*db, "user", "password", "nadie.demo")
    assert code == 2 and "Contraseña" not in out
    code, out, err = run(*db, "user", "add", "pedro.demo", "--role", "supervisor", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0 and "Contraseña nueva de pedro.demo" in out


def test_init_in_a_database_that_holds_a_server_asks_for_nothing(srv, tmp_path):
    code, out, err = run("--home", tmp_path / "otra", "--db", srv.settings.db_url, "init")
    assert code == 2 and "Ya hay un servidor configurado" in err and "Frase de paso" not in out
    assert not (tmp_path / "otra").exists()


def test_serve_on_a_busy_port_says_so_before_announcing(srv, tmp_path, monkeypatch):
    for name in (KEY_ENV, "INTAKE_SERVER_HOME", "INTAKE_SERVER_DB"):  # what serve sets for its workers
        monkeypatch.setenv(name, "x")
        monkeypatch.delenv(name)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = spanish(srv, tmp_path, "serve", "--port", port)
    assert code == 2, err
    assert f"El puerto {port} (127.0.0.1) ya está en uso" in err and "otro intake-server" in err
    assert "Servidor escuchando" not in out and "Errno" not in out + err


def test_a_copied_home_serves_its_own_sqlite_database(tmp_path):
    new, old = tmp_path / "srv-new", tmp_path / "srv-old"
    init_server(new, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin", admin_password=ADMIN_PASSWORD,
                kdf=FAST_KDF)
    shutil.copytree(new, old)
    assert load_settings(old).db_url == f"sqlite:///{old / 'server.sqlite3'}"
    assert load_settings(new).db_url == f"sqlite:///{new / 'server.sqlite3'}"
    code, _, err = run("--home", new, *files(tmp_path), "user", "add", "solo.nuevo", "--role", "analyst")
    assert code == 0, err
    code, out, _ = run("--home", old, "user", "list")
    assert code == 0 and "solo.nuevo" not in out
    # a server.json written by an older version (an absolute path) is read as it is, unless the
    # folder holds a file of that name itself: a copy, refused (tests/server/test_copied_home.py)
    config = old / CONFIG_NAME
    config.write_text(config.read_text().replace("sqlite:///server.sqlite3", f"sqlite:///{new / 'server.sqlite3'}"))
    (old / "server.sqlite3").rename(old / "kept-aside.sqlite3")
    assert load_settings(old).db_url == f"sqlite:///{new / 'server.sqlite3'}"


def test_restore_says_how_to_start_the_restored_home(tmp_path):
    home = tmp_path / "srv"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin", admin_password=ADMIN_PASSWORD,
                kdf=FAST_KDF)
    assert run("--home", home, *files(tmp_path), "backup", tmp_path / "bk")[0] == 0
    target = tmp_path / "srv restaurado"
    code, out, err = run("--home", target, *files(tmp_path), "restore", tmp_path / "bk")
    assert code == 0, err
    assert f"Inicie el servidor con «intake-server --home '{target}' serve»." in out
