"""A command that writes into the server home, run by another user than the home's owner
(root in the service user's home, following the guide with ``sudo`` left out), is refused
before it does anything: before, ``keys rotate`` as root left a root-owned 0600
``server.keys`` the service could no longer read. The refusal names the owner and the same
command run as it (``sudo -u OWNER intake-server --home HOME …``). Commands that only read
(``user list``, ``keys show``) still run. Homes the tests make are root's, as the user the
tests run as: those pass. Fictional data only (SQLite)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from intake_app.server.setup import init_server

from .conftest import ADMIN_PASSWORD, FAST_KDF, KEY_PASSPHRASE, PASSWORD
from .test_cli_words import run

NOBODY = 65534  # a user that is not the one running the tests (root)

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="giving a folder to another user needs root (POSIX)")


def owner_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"#{uid}"


def give_away(path: Path) -> None:
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.chown(name, NOBODY, NOBODY)


def state(home: Path) -> dict:
    """Every file in the home with its owner, mode, size and modification time."""
    out = {}
    for path in sorted(home.rglob("*")):
        st = path.stat()
        out[str(path.relative_to(home))] = (st.st_uid, st.st_mode, st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture
def service_home(tmp_path):
    """A server home as the guide makes it: the service user's (here: nobody), mode 0700."""
    home = tmp_path / "srv"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin",
                admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    give_away(home)
    return home


def secrets(tmp_path: Path) -> list:
    pp = tmp_path / "pp.txt"
    pp.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    new = tmp_path / "nueva.txt"
    new.write_text("otra frase del operador ficticia\n", encoding="utf-8")
    return ["--passphrase-file", pp, "--password-file", pw]


@pytest.mark.parametrize("command", [
    ["keys", "rotate"],
    ["keys", "passphrase", "--new-passphrase-file", "{tmp}/nueva.txt"],
    ["migrate"],
    ["serve", "--port", "1"],
    ["db", "move", "--to", "sqlite:///{home}/server-nuevo.sqlite3"],
    ["backup", "{home}/copia"],
])
def test_a_command_that_writes_into_anothers_home_is_refused_before_anything(service_home, tmp_path, command):
    before = state(service_home)
    words = [w.format(tmp=tmp_path, home=service_home) for w in command]
    code, out, err = run("--home", service_home, *secrets(tmp_path), *words)
    assert code == 2, err
    owner = owner_name(NOBODY)
    assert f"La carpeta del servidor {service_home} es del usuario {owner}" in err, err
    assert f"sudo -u {owner} intake-server --home {service_home}" in err and " ".join(words[:2]) in err, err
    assert state(service_home) == before  # nothing written, nothing given to root


def test_a_root_keys_rotate_no_longer_closes_the_key_file_to_the_service(service_home, tmp_path):
    code, out, err = run("--lang", "en", "--home", service_home, *secrets(tmp_path), "keys", "rotate")
    assert code == 2 and "Run it as the user that owns the folder" in err, err
    keys = service_home / "server.keys"
    assert keys.stat().st_uid == NOBODY and not (service_home / "server.keys.lock").exists()


def test_init_and_restore_into_a_folder_made_for_the_service_are_refused(tmp_path):
    empty = tmp_path / "srv-nuevo"
    empty.mkdir(mode=0o700)
    os.chown(empty, NOBODY, NOBODY)
    for args in (["init"], ["restore", str(tmp_path)]):
        code, out, err = run("--home", empty, *secrets(tmp_path), *args, input="")
        assert code == 2 and "es del usuario" in err, err
        assert list(empty.iterdir()) == []


def test_reading_commands_still_run_as_another_user(service_home, tmp_path):
    code, out, err = run("--home", service_home, *secrets(tmp_path), "user", "list")
    assert code == 0 and "admin" in out, err
    code, out, err = run("--home", service_home, *secrets(tmp_path), "keys", "show")
    assert code == 0, err


def test_a_backup_outside_the_home_is_not_the_homes_business(service_home, tmp_path):
    code, out, err = run("--home", service_home, *secrets(tmp_path), "backup", tmp_path / "copias")
    assert code == 0, err


def test_no_check_where_the_home_does_not_exist_or_there_are_no_owners(tmp_path, monkeypatch):
    from intake_app.server.config import home_owner_mismatch

    assert home_owner_mismatch(tmp_path / "todavia-no") is None
    assert home_owner_mismatch(tmp_path) is None  # this user's own folder
    os.chown(tmp_path, NOBODY, NOBODY)
    try:
        assert home_owner_mismatch(tmp_path) == (owner_name(NOBODY), owner_name(0))
        monkeypatch.delattr(os, "geteuid")  # Windows: no POSIX owners
        assert home_owner_mismatch(tmp_path) is None
    finally:
        os.chown(tmp_path, 0, 0)


def test_a_root_owned_home_the_service_writes_through_its_group_is_not_refused(tmp_path, monkeypatch):
    """A volume mounted root-owned and group-writable (Kubernetes fsGroup, OpenShift): the
    service user runs in it; refusing would suggest ``sudo -u root``, which makes exactly the
    root-owned files the check is there to prevent."""
    from intake_app.server.config import home_owner_mismatch

    home = tmp_path / "volumen"
    home.mkdir(mode=0o770)
    os.chown(home, 0, 0)
    monkeypatch.setattr(os, "geteuid", lambda: NOBODY)  # the service user, in root's folder
    assert home_owner_mismatch(home) is None
