"""Two programs changing ``keyring.json`` at once (the desktop app and the CLI, two CLI
commands): each change is made to the file as it is on disk, under an exclusive lock, so
neither loses the other's (a new officer, a failure count). Fictional officers only."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from intake_app.errors import WrongPassphrase
from intake_app.vault import Vault, keyring
from tests.conftest import PASSPHRASE, ROOT

OTHER = "otra frase ficticia larga"
NEW = "nueva frase ficticia larga"


def _names(home) -> list[str]:
    return sorted(o.name for o in keyring.Keyring.load(home / "keyring.json").officers)


def _failures(home, name="oficial.prueba") -> int:
    return keyring.Keyring.load(home / "keyring.json").find(name).failures


def test_an_officer_added_by_another_program_survives_a_passphrase_change(vault, home):
    other = Vault.open(home, "oficial.prueba", PASSPHRASE)  # loaded the keyring before the add
    try:
        vault.add_officer("segundo.ficticio", OTHER)
        other.change_passphrase(NEW)  # writes back what it changed, not what it had loaded
    finally:
        other.close()
    assert _names(home) == ["oficial.prueba", "segundo.ficticio"]
    vault.close()
    with Vault.open(home, "segundo.ficticio", OTHER) as v:
        assert [o.name for o in v.officers()] == ["oficial.prueba", "segundo.ficticio"]
    Vault.open(home, "oficial.prueba", NEW).close()


def test_a_failure_counted_by_another_program_is_not_reset_by_an_add(vault, home, no_delay):
    with pytest.raises(WrongPassphrase):
        Vault.open(home, "oficial.prueba", "frase ficticia equivocada")
    assert _failures(home) == 1
    vault.add_officer("segundo.ficticio", OTHER)  # this session loaded the keyring with 0 failures
    assert _failures(home) == 1
    vault.change_passphrase(NEW)  # the officer's own new passphrase starts a clean count
    assert _failures(home) == 0 and _names(home) == ["oficial.prueba", "segundo.ficticio"]


def test_two_failures_at_once_are_both_counted(vault, home, no_delay):
    """Two unlocks with a wrong passphrase that read the keyring before either wrote: the
    count is 2, not 1 (each adds to the count on disk)."""
    vault.close()
    first = keyring.Keyring.load(home / "keyring.json")
    second = keyring.Keyring.load(home / "keyring.json")
    for kr in (first, second):
        with pytest.raises(WrongPassphrase):
            kr.unwrap("oficial.prueba", "frase ficticia equivocada")
    assert _failures(home) == 2


class _HeldSave:
    """In the thread named ``holder``, a keyring write stops after the file was read and
    changed, before the new content is written, until released: the moment another program
    could read the file and write it back."""

    def __init__(self, monkeypatch) -> None:
        self.reached, self.release = threading.Event(), threading.Event()
        original = keyring.Keyring._dump

        def dump(kr) -> bytes:
            if threading.current_thread().name == "holder":
                self.reached.set()
                assert self.release.wait(30)
            return original(kr)

        monkeypatch.setattr(keyring.Keyring, "_dump", dump)


def test_two_sessions_adding_officers_at_once_keep_both(vault, home, monkeypatch):
    """Two threads, each with its own Vault (as two programs): the first stops between
    reading the keyring and writing it; the second's add waits for it, then keeps both."""
    held = _HeldSave(monkeypatch)
    other = Vault.open(home, "oficial.prueba", PASSPHRASE)
    errors = []

    def add(v, name):
        try:
            v.add_officer(name, OTHER)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    first = threading.Thread(target=add, args=(vault, "primero.ficticio"), name="holder")
    second = threading.Thread(target=add, args=(other, "segundo.ficticio"), name="second")
    first.start()
    assert held.reached.wait(30)
    second.start()
    second.join(1.0)
    assert second.is_alive()  # waits for the lock: else it would write the file without the first's officer
    held.release.set()
    first.join(30)
    second.join(30)
    other.close()
    assert errors == []
    assert _names(home) == ["oficial.prueba", "primero.ficticio", "segundo.ficticio"]


def test_a_wrong_passphrase_in_the_cli_while_the_app_adds_an_officer(vault, home, tmp_path, monkeypatch):
    """Two real processes: this one adds an officer and stops with the keyring lock held,
    just before writing; ``intake`` in another process, given a wrong passphrase, waits for
    the lock, then counts its failure in the file as written. The officer and the count
    are both there (a program writing back what it had loaded would drop one)."""
    held = _HeldSave(monkeypatch)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("frase ficticia equivocada\n", encoding="utf-8")
    result = []
    adder = threading.Thread(target=lambda: result.append(vault.add_officer("segundo.ficticio", OTHER)),
                             name="holder")
    adder.start()
    assert held.reached.wait(30)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_TEST_FAST_KDF": "1"}
    cli = subprocess.Popen([sys.executable, "-m", "intake_app", "--home", str(home), "--passphrase-file", str(wrong),
                            "--officer", "oficial.prueba", "case", "list"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            cli.wait(timeout=8)  # derived, found it wrong, and now waits for the lock to count it
    finally:
        held.release.set()
    out, err = cli.communicate(timeout=120)
    adder.join(30)
    assert cli.returncode == 2 and "intento fallido 1" in err, err
    assert [o.name for o in result] == ["segundo.ficticio"]
    assert _names(home) == ["oficial.prueba", "segundo.ficticio"]
    assert _failures(home) == 1
