"""Passphrases are derived in Unicode NFC: "canción" typed with a precomposed "ó" (NFC) or
with "o" and a combining accent (NFD; keyboards and input methods differ) is one passphrase.
A vault wrapped before, from the form as typed, still opens with either form and is sealed
again under NFC at that unlock; a wrong passphrase still counts one failure. The common
case (one form only) costs one derivation. Fictional officers and passphrases only."""

from __future__ import annotations

import unicodedata

import pytest

from intake_app.errors import WrongPassphrase
from intake_app.vault import Vault, kdf, keyring

OFFICER = "oficial.prueba"
NFC = unicodedata.normalize("NFC", "canción ficticia de prueba")
NFD = unicodedata.normalize("NFD", NFC)


@pytest.fixture
def derivations(monkeypatch):
    """The passphrase forms derived from, in order (calibration aside)."""
    seen: list[str] = []
    real = kdf.derive

    def counting(passphrase, salt, params):
        seen.append(passphrase)
        return real(passphrase, salt, params)

    monkeypatch.setattr(kdf, "derive", counting)
    return seen


def _legacy_vault(home, monkeypatch, passphrase: str) -> None:
    """A vault wrapped as before: from the passphrase as typed, not normalized."""
    with monkeypatch.context() as m:
        m.setattr(kdf, "normalized", lambda p: p, raising=False)
        Vault.create(home, OFFICER, passphrase).close()


def _entry(home) -> keyring.OfficerEntry:
    return keyring.Keyring.load(home / "keyring.json").find(OFFICER)


def test_the_two_forms_differ():
    assert NFC != NFD and len(NFD) > len(NFC)


@pytest.mark.parametrize("typed", [NFC, NFD], ids=["nfc", "nfd"])
def test_an_older_nfd_vault_opens_with_either_form_and_is_sealed_again_under_nfc(home, monkeypatch, no_delay,
                                                                                 derivations, typed):
    _legacy_vault(home, monkeypatch, NFD)
    before = _entry(home)
    derivations.clear()
    with Vault.open(home, OFFICER, typed) as v:
        assert v.officer.name == OFFICER
    assert derivations[0] == NFC and NFD in derivations[1:]
    after = _entry(home)
    assert after.salt != before.salt and after.failures == 0 and after.kdf == before.kdf
    derivations.clear()
    with Vault.open(home, OFFICER, typed):  # next time the NFC form opens at once
        pass
    assert derivations == [NFC]


def test_a_new_vault_created_with_nfd_opens_with_nfc(home, no_delay, derivations):
    Vault.create(home, OFFICER, NFD).close()
    derivations.clear()
    with Vault.open(home, OFFICER, NFC):
        pass
    with Vault.open(home, OFFICER, NFD):
        pass
    assert derivations == [NFC, NFC]  # one derivation each, nothing sealed again


def test_a_wrong_passphrase_counts_one_failure_whatever_forms_were_tried(home, monkeypatch, no_delay, derivations):
    _legacy_vault(home, monkeypatch, NFD)
    before = _entry(home)
    derivations.clear()
    wrong = unicodedata.normalize("NFD", "canción equivocada ficticia")
    with pytest.raises(WrongPassphrase) as exc:
        Vault.open(home, OFFICER, wrong)
    assert exc.value.params["failures"] == 1 and _entry(home).failures == 1
    assert len(derivations) == 2  # NFC, then NFD (which is what was typed): each once
    assert _entry(home).wrapped == before.wrapped  # nothing sealed again


def test_a_passphrase_with_one_form_costs_one_derivation(vault, home, no_delay, derivations):
    vault.close()
    derivations.clear()
    with pytest.raises(WrongPassphrase):
        Vault.open(home, OFFICER, "frase ficticia equivocada")
    assert len(derivations) == 1


def test_verify_and_change_passphrase_use_the_same_forms(home, monkeypatch, no_delay):
    _legacy_vault(home, monkeypatch, NFD)
    with Vault.open(home, "oficial.prueba", NFD) as v:
        v.verify_passphrase(NFC)
        new = unicodedata.normalize("NFD", "añoranza ficticia larga")
        v.change_passphrase(new)
        v.verify_passphrase(unicodedata.normalize("NFC", new))
    with Vault.open(home, OFFICER, unicodedata.normalize("NFC", new)):
        pass


def test_an_entry_changed_meanwhile_is_not_sealed_again(home, monkeypatch, no_delay):
    """Another program changed the passphrase between this unlock's read and its rewrap:
    its new entry stays."""
    _legacy_vault(home, monkeypatch, NFD)
    kr = keyring.Keyring.load(home / "keyring.json")
    stale = kr.find(OFFICER)
    with Vault.open(home, OFFICER, NFC) as v:  # seals it again under NFC
        v.change_passphrase("otra frase ficticia larga")
    changed = _entry(home)
    kr._rewrap_normalized(stale, NFC, b"\0" * 32)
    assert _entry(home).wrapped == changed.wrapped
