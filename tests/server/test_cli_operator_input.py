"""``intake-server`` given what an operator may type by mistake: a backup to a drive that is
not mounted (a folder whose parent does not exist) or to /proc, a ``--trusted-proxy`` that
is not an address, a database password on the command line, a password of blanks around one
character, a refused new secret piped in. Each is said in words before harm is done, or
warned about. Fictional data only (SQLite)."""

from __future__ import annotations

import pytest

from intake_app.server.auth import check_password
from intake_app.server.errors import WeakPassword

from .conftest import KEY_PASSPHRASE, PASSWORD
from .test_cli_operator_errors import op
from .test_cli_words import run


@pytest.fixture
def db_url(tmp_path):  # the command line's words, the same on both databases: SQLite only
    return f"sqlite:///{tmp_path / 'server.sqlite3'}"


def test_a_backup_into_a_missing_folder_is_refused_not_made(srv, tmp_path):
    unmounted = tmp_path / "mnt" / "copias"
    code, out, err = op(srv, tmp_path, "backup", unmounted / "2026-11-23", with_secrets=False, input="")
    assert code == 2, err
    assert f"No existe la carpeta {unmounted}" in err and "¿está montado el disco de copias?" in err
    assert not (tmp_path / "mnt").exists()  # nothing made, and refused before the passphrase (no "Cancelado")
    code, out, err = op(srv, tmp_path, "backup", tmp_path / "copia")  # a new folder in one that exists
    assert code == 0, err


def test_a_backup_where_nothing_can_be_created_says_it_cannot_be_written(srv, tmp_path):
    code, out, err = op(srv, tmp_path, "backup", "/proc/copia-ficticia", with_secrets=False, input="")
    assert code == 2, err
    assert "No se puede escribir en /proc/copia-ficticia" in err and "No se encuentra" not in err


@pytest.mark.parametrize("value", ["notanip", "10.0.0.5,proxy.example", "10.0.0.5/24", "", "*,10.0.0.5"])
def test_a_trusted_proxy_that_is_not_an_address_is_refused(srv, tmp_path, value):
    # no passphrase given and none typed: without the check it would stop at the prompt (130), never serve
    code, out, err = op(srv, tmp_path, "serve", "--port", "1", "--trusted-proxy", value, with_secrets=False, input="")
    assert code == 2 and "--trusted-proxy acepta direcciones IP o redes" in err, err


def test_addresses_networks_and_any_are_trusted_proxies():
    from intake_app.server.cli_setup import _check_trusted

    for value in ("127.0.0.1", "10.0.0.5, 10.0.0.0/24", "::1", "fd00::/8", "*"):
        assert _check_trusted(None, None, value) == value


def test_a_database_password_on_the_command_line_is_warned_about(srv, tmp_path):
    url = "postgresql+psycopg://ficticio:clave-ficticia@127.0.0.1:9/nada"
    code, out, err = run("--home", srv.home, "--db", url, "user", "list")
    assert code == 2 and "Atención: la contraseña escrita en la URL de --db" in err and "PGPASSWORD" in err
    assert "clave-ficticia" not in out + err
    code, out, err = run("--home", srv.home, "--db", srv.settings.db_url, "user", "list")
    assert code == 0 and "Atención" not in err
    code, out, err = op(srv, tmp_path, "db", "move", "--to", url + "?connect_timeout=1")
    assert "la URL de --to" in err and "clave-ficticia" not in out + err


def test_the_database_url_from_the_environment_earns_no_warning(srv, monkeypatch):
    monkeypatch.setenv("INTAKE_SERVER_DB", "postgresql+psycopg://ficticio:clave-ficticia@127.0.0.1:9/nada")
    code, out, err = run("--home", srv.home, "user", "list")
    assert code == 2 and "Atención" not in err


def test_blanks_around_a_password_do_not_count(srv):
    for weak in (" " * 12 + "x", "x" + " " * 12, " " * 6 + "abc" + " " * 6):
        with pytest.raises(WeakPassword) as refused:
            check_password(srv.settings, "ana.demo", weak)
        assert refused.value.params.get("reason") == "spaces"
    check_password(srv.settings, "ana.demo", "  " + PASSWORD + "  ")  # long enough without them


def test_a_refused_new_secret_piped_in_ends_at_once(tmp_path, srv):
    typed = "corta\n" * 6
    code, out, err = run("--home", tmp_path / "nuevo", "init", input=typed)
    assert code == 2 and err.count("al menos 12 caracteres") == 1 and "Cancelado" not in err
    typed = f"{KEY_PASSPHRASE}\n{KEY_PASSPHRASE}\n" + "admin-algo-largo-1\n" * 4
    code, out, err = run("--home", tmp_path / "nuevo", "init", input=typed)
    assert code == 2 and err.count("el nombre de usuario con algo añadido") == 1 and "Cancelado" not in err
    assert not (tmp_path / "nuevo").exists()
    pp = tmp_path / "pp.txt"
    pp.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    code, out, err = run("--home", srv.home, "--db", srv.settings.db_url, "--passphrase-file", pp, "user", "add",
                         "eva.demo", "--role", "analyst", input=f"{PASSWORD}\nclave-distinta-ficticia\n" * 3)
    assert code == 2 and "Las dos líneas no coinciden" in err and "Cancelado" not in err
