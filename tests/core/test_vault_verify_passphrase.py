"""``Vault.verify_passphrase``: the signed-in officer's passphrase checked again inside an
unlocked session (the desktop app asks it before changing the passphrase or adding an
officer), with the unlock's own failure count and delay, and audited when wrong."""

from __future__ import annotations

import logging

import pytest

from intake_app.errors import UnlockThrottled, WrongPassphrase
from intake_app.vault import Vault, keyring
from tests.conftest import PASSPHRASE

WRONG = "frase ficticia equivocada"
OTHER = "otra frase ficticia larga"


def _failures(home) -> int:
    return keyring.Keyring.load(home / "keyring.json").find("oficial.prueba").failures


def test_the_right_passphrase_passes_and_changes_nothing(vault, home):
    before, entries = (home / "keyring.json").read_bytes(), len(vault.audit.entries())
    vault.verify_passphrase(PASSPHRASE)
    assert (home / "keyring.json").read_bytes() == before
    assert len(vault.audit.entries()) == entries


def test_a_wrong_one_is_counted_delayed_and_audited_like_an_unlock(vault, home, no_delay, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(WrongPassphrase) as exc:
        vault.verify_passphrase(WRONG)
    assert exc.value.params == {"failures": 1, "retry_after": 1}
    assert WRONG not in str(exc.value) and PASSPHRASE not in str(exc.value)
    assert _failures(home) == 1  # the unlock screen's own count
    last = vault.audit.entries()[-1]
    assert last.action == "passphrase_check_failed" and last.detail == {"failures": 1}
    with pytest.raises(UnlockThrottled):  # at once: refused without deriving, even the right one
        vault.verify_passphrase(PASSPHRASE)
    no_delay[0] += 1.01
    with pytest.raises(WrongPassphrase) as exc:
        vault.verify_passphrase(WRONG)
    assert exc.value.params == {"failures": 2, "retry_after": 2}
    no_delay[0] += 2.01
    vault.verify_passphrase(PASSPHRASE)  # the right one resets the count
    assert _failures(home) == 0
    assert WRONG not in caplog.text and PASSPHRASE not in caplog.text
    assert all(WRONG not in p.read_bytes().decode("latin-1") for p in home.rglob("*") if p.is_file())


def test_the_delay_is_shared_with_the_unlock(vault, home, no_delay):
    with pytest.raises(WrongPassphrase):
        vault.verify_passphrase(WRONG)
    vault.close()
    with pytest.raises(UnlockThrottled):
        Vault.open(home, "oficial.prueba", PASSPHRASE)


def test_an_officer_added_elsewhere_meanwhile_is_kept(vault, home, no_delay):
    """The keyring is read again: a wrong try saves the count, not a stale keyring."""
    with Vault.open(home, "oficial.prueba", PASSPHRASE) as other:  # e.g. the CLI beside the app
        other.add_officer("segundo.oficial", OTHER)
    with pytest.raises(WrongPassphrase):
        vault.verify_passphrase(WRONG)
    no_delay[0] += 10
    vault.verify_passphrase(PASSPHRASE)
    vault.change_passphrase("nueva frase ficticia larga")
    vault.close()
    with Vault.open(home, "segundo.oficial", OTHER) as v:
        assert v.officer.name == "segundo.oficial"
