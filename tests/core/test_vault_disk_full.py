"""A full disk or an I/O error while the vault works: a passphrase change or an officer add
is all or nothing as the officer sees it; an unlock says "the disk", not "the file is
damaged, restore a backup"; a command that committed is not failed by its closing "lock"
entry. SQLite's errors are injected with SQLite's own result codes (SQLITE_FULL 13,
SQLITE_IOERR_WRITE 778, SQLITE_CORRUPT 11) where a real full disk would raise them."""

from __future__ import annotations

import errno
import logging

import pytest
import sqlcipher3
from click.testing import CliRunner

from intake_app import i18n
from intake_app.errors import VaultCorrupt, VaultDiskError, WrongPassphrase
from intake_app.vault import Vault, keyring, store
from tests.conftest import PASSPHRASE, SAMPLES

NEW = "nueva frase ficticia larga"
OTHER = "otra frase ficticia larga"


def _sqlite_error(code: int, name: str, text: str):
    exc = sqlcipher3.OperationalError(text)
    exc.sqlite_errorcode, exc.sqlite_errorname = code, name
    return exc


def disk_full():
    return _sqlite_error(13, "SQLITE_FULL", "database or disk is full")


class _Conn:
    """A connection whose statement ``fail_on`` (its start, upper case) raises ``error``
    (once, or every time with ``times=None``); the rest goes to the real one."""

    def __init__(self, real, fail_on: str | None = None, error=None, times: int | None = 1) -> None:
        self._real, self.fail_on, self.error, self.times, self.closed = real, fail_on, error, times, False

    def execute(self, sql, *args):
        if self.fail_on and sql.strip().upper().startswith(self.fail_on) and self.times != 0:
            self.times = None if self.times is None else self.times - 1
            raise self.error
        return self._real.execute(sql, *args)

    def close(self):
        self.closed = True
        self._real.close()

    def __getattr__(self, name):
        return getattr(self._real, name)


def _opens_with(home, passphrase) -> bool:
    try:
        Vault.open(home, "oficial.prueba", passphrase).close()
    except WrongPassphrase:
        return False
    return True


def _no_backup_advice(err) -> None:
    for lang in ("es", "en"):
        text = i18n.describe_error(err, lang)
        assert "copia de seguridad" not in text and "backup" not in text, text
        assert "está dañado" not in text and "is damaged" not in text, text


# --- officer passwd / officer add: all or nothing -------------------------------------------------
def test_a_passphrase_change_whose_audit_entry_cannot_be_written_changes_nothing(vault, home, no_delay):
    """The reviewer's case: the keyring was saved, then the audit entry failed (disk full):
    the officer was told it failed while the new passphrase already worked."""
    entries, before = len(vault.audit.entries()), (home / "keyring.json").read_bytes()
    vault._conn = _Conn(vault._conn, "COMMIT", disk_full())
    with pytest.raises(VaultDiskError) as exc:
        vault.change_passphrase(NEW)
    assert exc.value.params == {"reason": "no_space"}
    assert (home / "keyring.json").read_bytes() == before  # the new copy is renamed only after the COMMIT
    assert not [p for p in home.iterdir() if p.name.endswith(".part")]
    assert "No se perdió ni se cambió nada" in i18n.describe_error(exc.value, "es")
    assert len(vault.audit.entries()) == entries  # rolled back, and the session goes on
    vault.record("case_view")
    assert vault.audit.verify() == entries + 1
    vault.close()
    assert _opens_with(home, PASSPHRASE)
    assert not _opens_with(home, NEW)


def test_a_passphrase_change_whose_keyring_cannot_be_written_changes_nothing(vault, home, monkeypatch, no_delay):
    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keyring.os, "fsync", full)  # the new keyring's blocks could not be had
    entries = len(vault.audit.entries())
    with pytest.raises(VaultDiskError) as exc:
        vault.change_passphrase(NEW)
    assert exc.value.params == {"reason": "no_space"}
    assert len(vault.audit.entries()) == entries  # no "passphrase_change" for a change that did not happen
    monkeypatch.undo()
    assert not [p for p in home.iterdir() if p.name.endswith(".part")]
    vault.close()
    assert _opens_with(home, PASSPHRASE) and not _opens_with(home, NEW)


def test_an_officer_add_that_cannot_commit_adds_nothing_and_can_be_run_again(vault, home):
    real = vault._conn
    vault._conn = _Conn(real, "COMMIT", disk_full())
    with pytest.raises(VaultDiskError):
        vault.add_officer("segundo.ficticio", OTHER)
    assert [o.name for o in keyring.Keyring.load(home / "keyring.json").officers] == ["oficial.prueba"]
    assert real.execute("SELECT count(*) FROM officers").fetchone()[0] == 1
    vault.add_officer("segundo.ficticio", OTHER)  # space freed: run again
    assert [o.name for o in vault.officers()] == ["oficial.prueba", "segundo.ficticio"]
    assert real.execute("SELECT count(*) FROM officers").fetchone()[0] == 2
    vault.close()
    Vault.open(home, "segundo.ficticio", OTHER).close()


# --- unlock: the disk is not damage ------------------------------------------------------------
@pytest.fixture
def failing_open(vault, home, monkeypatch):
    """Vault.open whose new connection fails one statement; returns (error, the connection)."""
    vault.close()
    made = []

    def run(fail_on, error):
        real_connect = sqlcipher3.connect

        def connect(*args, **kwargs):
            conn = _Conn(real_connect(*args, **kwargs), fail_on, error)
            made.append(conn)
            return conn

        monkeypatch.setattr(store.sqlcipher3, "connect", connect)
        try:
            with pytest.raises(Exception) as exc:
                Vault.open(home, "oficial.prueba", PASSPHRASE)
        finally:
            monkeypatch.setattr(store.sqlcipher3, "connect", real_connect)
        return exc.value, made[-1]
    return run


@pytest.mark.parametrize("fail_on", ["SELECT COUNT(*) FROM SQLITE_MASTER", "PRAGMA JOURNAL_MODE", "COMMIT"])
def test_a_full_disk_at_unlock_is_no_damage(failing_open, home, fail_on):
    """At the first read, while setting the journal up, or at the "unlock" entry's COMMIT."""
    err, conn = failing_open(fail_on, disk_full())
    assert isinstance(err, VaultDiskError) and err.params == {"reason": "no_space"}
    assert conn.closed  # the connection (and its key) not left behind
    _no_backup_advice(err)
    assert "Libere espacio" in i18n.describe_error(err, "es")
    Vault.open(home, "oficial.prueba", PASSPHRASE).close()  # space freed: it opens, nothing lost


def test_an_io_error_at_unlock_is_no_damage(failing_open, home):
    err, conn = failing_open("BEGIN IMMEDIATE", _sqlite_error(778, "SQLITE_IOERR_WRITE", "disk I/O error"))
    assert isinstance(err, VaultDiskError) and err.params == {"reason": "io"} and conn.closed
    _no_backup_advice(err)


def test_real_damage_is_still_damage(failing_open):
    err, conn = failing_open("SELECT COUNT(*) FROM SQLITE_MASTER",
                             _sqlite_error(11, "SQLITE_CORRUPT", "database disk image is malformed"))
    assert isinstance(err, VaultCorrupt) and err.params == {"part": "database"} and conn.closed


# --- the CLI: a committed command stands ---------------------------------------------------------
def test_a_lock_entry_that_fails_does_not_fail_a_saved_case(vault, home, tmp_path, monkeypatch, caplog):
    """``case add`` commits its case; the "lock" entry written as the command ends fails
    (disk full): the command still succeeds (run again, it would save the case twice)."""
    from intake_app.cli import main

    vault.close()
    pp = tmp_path / "pp.txt"
    pp.write_text(PASSPHRASE + "\n", encoding="utf-8")
    audited = Vault._audited

    def no_lock(self, action, *args, **kwargs):
        if action == "lock":
            raise disk_full()
        return audited(self, action, *args, **kwargs)

    monkeypatch.setattr(Vault, "_audited", no_lock)
    caplog.set_level(logging.WARNING)
    i18n.set_language("es")
    with CliRunner().isolation() as (out, err, _):
        code = main(["--home", str(home), "--passphrase-file", str(pp), "case", "add", "--json",
                     str(SAMPLES / "intake-adult-woman.json")])
        stderr = err.getvalue().decode()
    assert code == 0, stderr
    assert "vault lock entry not written: OperationalError" in caplog.text
    monkeypatch.undo()
    with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
        assert v.count_cases() == 1


def test_an_unreadable_keyring_is_a_disk_error_not_damage(home, monkeypatch):
    """A permission or I/O error reading keyring.json said "the vault is damaged" (restore a
    backup) while the file was fine."""
    import errno as _errno
    from pathlib import Path as _Path

    from intake_app.errors import VaultCorrupt, VaultDiskError
    from intake_app.vault import Vault, keyring
    from tests.conftest import PASSPHRASE

    Vault.create(home, "oficial.prueba", PASSPHRASE).close()
    path = home / "keyring.json"
    real = _Path.read_text

    def refuse(self, *a, **k):
        if self == path:
            raise OSError(_errno.EIO, "Input/output error")
        return real(self, *a, **k)

    monkeypatch.setattr(_Path, "read_text", refuse)
    with pytest.raises(VaultDiskError) as err:
        keyring.Keyring.load(path)
    assert err.value.params["reason"] == "io"
    monkeypatch.setattr(_Path, "read_text", real)
    path.write_text("{no es json", encoding="utf-8")
    with pytest.raises(VaultCorrupt):
        keyring.Keyring.load(path)


def test_a_rename_that_fails_after_the_commit_is_said_in_the_log(vault, home, monkeypatch, no_delay):
    """The database committed "passphrase_change" but the new keyring could not replace the old
    (another program holding it on Windows, a disk error): the old passphrase still works and the
    log now says the change was not applied, instead of only claiming it."""
    import intake_app.fsutil as fsutil

    def refused(src, dst):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(fsutil, "replace", refused)
    with pytest.raises(VaultDiskError):
        vault.change_passphrase(NEW)
    monkeypatch.undo()
    actions = [e.action for e in vault.audit.entries()][-2:]
    assert actions == ["passphrase_change", "keyring_change_not_applied"]
    vault.close()
    assert _opens_with(home, PASSPHRASE) and not _opens_with(home, NEW)
