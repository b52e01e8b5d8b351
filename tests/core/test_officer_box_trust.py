"""A removal seals the new database key only to keyring boxes the vault vouches for
(intake_app/vault/box_trust.py). keyring.json is a plain file anyone with the laptop's OS
account can write: a forged entry, a removed officer's old entry put back, a box swapped into
a real officer's entry, or a ``removed`` mark edited out must not receive the new key.
Fictional officers and passphrases only."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

from intake_app.errors import OfficersMustUnlock, UnknownOfficer, VaultCorrupt
from intake_app.vault import Vault, keybox, keyring, officers
from tests.core.test_officer_remove import ANA, BETO, CARLA, DANI, PASSES, Crash, _all_cases_there, _entries, _open, _team

MALLORY = "mallory.ficticia"
MALLORY_PASS = "frase ficticia de mallory"


def _write(home, kr: keyring.Keyring) -> None:
    doc = json.loads((home / "keyring.json").read_text(encoding="utf-8"))
    doc["officers"] = [o.to_dict() for o in kr.officers]
    (home / "keyring.json").write_text(json.dumps(doc), encoding="utf-8")


def _load(home) -> keyring.Keyring:
    return keyring.Keyring.load(home / "keyring.json")


def _locked_out(home, name: str, passphrase: str) -> None:
    with pytest.raises((UnknownOfficer, VaultCorrupt)):
        Vault.open(home, name, passphrase).close()


def test_a_forged_entry_gets_no_key_from_a_removal(tmp_path):
    home = tmp_path / "v"
    ids = _team(home, DANI)
    kr = _load(home)  # an entry made without the database key: a random one, under a new id
    forged = kr.new_entry(MALLORY, MALLORY_PASS, os.urandom(32))
    kr.officers.append(forged)
    _write(home, kr)
    with _open(home, ANA) as v:
        v.remove_officer(BETO)
    assert not _entries(home)[MALLORY].pending
    _locked_out(home, MALLORY, MALLORY_PASS)
    _all_cases_there(home, CARLA, ids)


def test_a_removed_officers_old_entry_put_back_gets_no_key_from_the_next_removal(tmp_path):
    home = tmp_path / "v"
    ids = _team(home, DANI)
    old_beto = _entries(home)[BETO]
    with _open(home, ANA) as v:
        v.remove_officer(BETO)
    kr = _load(home)
    kr.officers.append(old_beto)  # beto, with the OS account, pastes his old entry back
    _write(home, kr)
    with _open(home, ANA) as v:
        assert BETO not in [o.name for o in v.officers()]
        v.remove_officer(DANI)
    assert not _entries(home)[BETO].pending
    _locked_out(home, BETO, PASSES[BETO])
    _all_cases_there(home, CARLA, ids)


def test_a_box_swapped_into_a_real_entry_is_refused_then_replaced_at_that_officers_unlock(tmp_path):
    home = tmp_path / "v"
    ids = _team(home, DANI)
    kr = _load(home)
    carla = kr.find(CARLA)
    mallory_kek = os.urandom(32)  # a box whose private key only mallory can open
    public, nonce, sealed = keybox.new_box(mallory_kek, kr.vault_id, carla.id)
    kr.replace(dataclasses.replace(carla, box_public=public))  # the public half alone, or all three
    _write(home, kr)
    with _open(home, ANA) as v, pytest.raises(OfficersMustUnlock) as exc:
        v.remove_officer(BETO)
    assert CARLA in exc.value.params["names"]
    assert not any(o.pending for o in _load(home).officers)
    _open(home, CARLA).close()  # her passphrase opens her own box: a new one replaces the swapped one
    assert _entries(home)[CARLA].box_public != public
    with _open(home, ANA) as v:
        v.remove_officer(BETO)
    _all_cases_there(home, CARLA, ids)
    _all_cases_there(home, DANI, ids)


def test_a_removed_mark_edited_out_takes_no_one_off_the_list(tmp_path, monkeypatch):
    home = tmp_path / "v"
    ids = _team(home, DANI)

    def killed(*_a, **_k):
        raise Crash()

    monkeypatch.setattr(officers, "_rekey", killed)  # stopped after (a): the keyring marked, not re-keyed
    with _open(home, ANA) as v, pytest.raises(Crash):
        v.remove_officer(BETO)
    monkeypatch.undo()
    kr = _load(home)
    kr.replace(dataclasses.replace(kr.find_any(BETO), removed=""))  # beto edits his mark out
    _write(home, kr)
    _locked_out(home, BETO, PASSES[BETO])  # the database knows the removal started
    with _open(home, ANA) as v:
        assert BETO in v.unfinished_removals() and BETO not in [o.name for o in v.officers()]
        v.remove_officer(DANI)  # finishes beto's too
        assert BETO not in v.unfinished_removals()
    assert BETO not in _entries(home)
    _locked_out(home, BETO, PASSES[BETO])
    _all_cases_there(home, CARLA, ids)


def test_a_disk_failure_after_the_removal_started_does_not_say_nothing_changed(tmp_path, monkeypatch):
    from intake_app import i18n
    from intake_app.errors import OfficerRemoveUnfinished, VaultDiskError

    home = tmp_path / "v"
    _team(home)

    def full(*_a, **_k):
        raise OSError(28, "no space")

    with _open(home, ANA) as v:
        monkeypatch.setattr(officers, "_started", full)  # (0) fails: nothing changed, and it says so
        with pytest.raises(VaultDiskError) as before:
            v.remove_officer(BETO)
        assert not isinstance(before.value, OfficerRemoveUnfinished)
        assert "No se perdió ni se cambió nada" in i18n.describe_error(before.value, "es")
        monkeypatch.undo()
        monkeypatch.setattr(officers, "_drop", full)  # (d) fails: the removal is under way
        with pytest.raises(OfficerRemoveUnfinished) as after:
            v.remove_officer(BETO)
        words = i18n.describe_error(after.value, "es")
        assert "quedó sin terminar" in words and BETO in words and "ni se cambió nada" not in words
        assert BETO in i18n.describe_error(after.value, "en") and "unfinished" in i18n.describe_error(after.value, "en")
        monkeypatch.undo()
        v.remove_officer(BETO)
        assert v.unfinished_removals() == []
