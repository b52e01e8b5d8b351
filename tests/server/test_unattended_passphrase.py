"""Unattended starts and refusals that come before a secret. Without a terminal and with no
key source (systemd with its EnvironmentFile missing), ``serve`` said only "Frase de paso del
archivo de llaves: Cancelado." (exit 130): it now says how to give the key (``--passphrase-file``
or ``INTAKE_SERVER_KEY``), exit 2. At a terminal, Ctrl+D still cancels (130). ``restore`` of a
PostgreSQL backup without ``--db`` is refused before the passphrase is asked; ``user add`` of an
existing name before the password is. Fictional data only (SQLite)."""

from __future__ import annotations

import json
import socket

import pytest

from intake_app.bundle.serverkeys import KEY_ENV

from .test_cli_words import run


@pytest.fixture
def db_url(tmp_path):  # the words are the same on both databases: SQLite only
    return f"sqlite:///{tmp_path / 'server.sqlite3'}"


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("command", [["serve", "--port", "{port}"], ["keys", "show"], ["check-backup", "{tmp}"]])
def test_no_terminal_and_no_key_source_says_how_to_give_one(srv, tmp_path, command):
    words = [w.format(port=free_port(), tmp=tmp_path) for w in command]
    code, out, err = run("--home", srv.home, *words, input="")  # stdin: nothing, and no terminal
    assert code == 2, err
    assert "No hay una terminal donde pedir la frase de paso" in err, err
    assert "--passphrase-file" in err and "INTAKE_SERVER_KEY" in err and "EnvironmentFile" in err
    assert "Cancelado" not in err
    code, out, err = run("--lang", "en", "--home", srv.home, *words, input="")
    assert code == 2 and "There is no terminal to ask for the key file's passphrase" in err, err


def test_at_a_terminal_an_empty_answer_still_cancels(srv, monkeypatch):
    monkeypatch.setattr("intake_app.cli.common.interactive", lambda: True)
    code, out, err = run("--home", srv.home, "keys", "show", input="")
    assert code == 130 and "Cancelado." in err and "No hay una terminal" not in err, err


def test_a_postgresql_backup_without_db_is_refused_before_the_passphrase(tmp_path):
    backup = tmp_path / "copia"
    backup.mkdir()
    (backup / "backup.json").write_text(json.dumps({"database": "postgresql"}), encoding="utf-8")
    code, out, err = run("--home", tmp_path / "srv-nuevo", "restore", backup, input="")
    assert code == 2, err
    assert "Esta copia es de PostgreSQL: indique la base de datos vacía de destino con --db" in err, err
    assert "frase de paso" not in (out + err).lower()
    assert not (tmp_path / "srv-nuevo").exists()


def test_user_add_of_an_existing_name_is_refused_before_the_password(srv):
    code, out, err = run("--home", srv.home, "user", "add", "admin", "--role", "analyst", input="")
    assert code == 2 and "Ya existe un usuario con ese nombre." in err, err
    assert "Contraseña" not in out + err
