"""An officer about to be removed, who holds the database key like every officer, swaps a
colleague's keyring box for one of their own and forges the database's vouching for it
(meta ``officer_box.<id>``): the removal then seals the new key to the attacker's box. This
cannot be prevented in code; the colleague's unlock must say what happened (not "damaged,
restore a backup"), and removing the colleague and adding them again must cut the attacker
off. Also: a removed officer with an old copy of keyring.json is not told to restore a
backup, and SQLCipher's own log line stays off stderr. Fictional officers and passphrases."""

from __future__ import annotations

import base64
import json
import shutil

import pytest
import sqlcipher3

from intake_app import i18n
from intake_app.bundle.keys import HpkeKeyPair
from intake_app.errors import UnknownOfficer, VaultCorrupt, WrongPassphrase
from intake_app.vault import Vault, box_trust, keybox, keyring
from tests.core.test_officer_remove import (ANA, BETO, CARLA, PASSES, _all_cases_there, _attempt_with_old_keyring,
                                            _entries, _open, _opens, _team)

ATTACKER, COLLEAGUE = CARLA, BETO
NEW_PASS = "nueva frase ficticia de beto"
BACKUP_WORDS = ("copia de seguridad", "backup")


def _swap_box(home) -> HpkeKeyPair:
    """What /tmp/helper-threat/boxswap.py does before the removal: the attacker, with her own
    passphrase, puts a box of hers in the colleague's entry and vouches for it in the database."""
    key_a = keyring.Keyring.load(home / "keyring.json").unlock(ATTACKER, PASSES[ATTACKER]).keys[0]
    pair = HpkeKeyPair.generate()
    path = home / "keyring.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    entry = next(o for o in doc["officers"] if o["name"] == COLLEAGUE)
    entry["box_public"] = base64.b64encode(pair.public_bytes()).decode()
    path.write_text(json.dumps(doc), encoding="utf-8")
    conn = sqlcipher3.connect(str(home / "vault.db"))
    conn.execute(f"PRAGMA key = \"x'{key_a.hex()}'\"")
    conn.execute("UPDATE meta SET value = ? WHERE key = ?",
                 (box_trust.box_digest(pair.public_bytes()), box_trust.BOX_META + entry["id"]))
    conn.commit()
    conn.close()
    return pair


def _attacked(home) -> tuple[HpkeKeyPair, bytes]:
    """The attack, then ANA removes the attacker: (her box, the key she read from the colleague's seal)."""
    _team(home)
    pair = _swap_box(home)
    with _open(home, ANA) as v:
        v.remove_officer(ATTACKER)
    kr = keyring.Keyring.load(home / "keyring.json")
    colleague = kr.find(COLLEAGUE)
    stolen = keybox.open_pending(pair, colleague.pending, kr.vault_id, colleague.id)
    assert stolen is not None and _opens(home / "vault.db", stolen[0])  # the attack works: she reads the vault
    return pair, stolen[0]


def _words(err: Exception) -> tuple[str, str]:
    return i18n.describe_error(err, "es"), i18n.describe_error(err, "en")


def test_the_colleague_is_told_their_box_was_replaced_not_to_restore_a_backup(home, no_delay):
    _attacked(home)
    with pytest.raises(Exception) as exc:
        _open(home, COLLEAGUE).close()
    err = exc.value
    assert not isinstance(err, VaultCorrupt) and getattr(err, "code", None) == "officer_box_replaced"
    es, en = _words(err)
    assert es != en and not es.startswith("error.")
    assert "keyring.json" in es and "keyring.json" in en
    assert "no restaure una copia de seguridad" in es and "do not restore a backup" in en  # only ever "do not"
    assert "Restaure" not in es and "Restore" not in en and "El archivo de la bóveda está dañado" not in es
    assert "retire a este oficial y lo agregue de nuevo" in es and "remove this officer and add them again" in en
    assert "frase de paso" in es and "de baja" not in es and "clave" not in es.lower()


def test_removing_the_colleague_and_adding_them_again_cuts_the_attacker_off(home, tmp_path, no_delay):
    _pair, stolen_key = _attacked(home)
    with pytest.raises(Exception) as exc:  # what the colleague is told to ask for
        _open(home, COLLEAGUE).close()
    assert getattr(exc.value, "code", None) == "officer_box_replaced"
    with _open(home, ANA) as v:  # the recovery: another officer of this laptop
        ids = sorted(r.case_id for r in v.list_cases())
        old_id = v.keyring.find(COLLEAGUE).id
        v.remove_officer(COLLEAGUE)
        v.add_officer(COLLEAGUE, NEW_PASS)
        assert sorted(o.name for o in v.officers()) == [ANA, COLLEAGUE]
    assert not _opens(home / "vault.db", stolen_key)  # what the attacker read no longer opens it
    assert _entries(home)[COLLEAGUE].id != old_id  # a new entry, with a box of its own
    with Vault.open(home, COLLEAGUE, NEW_PASS) as v:
        assert sorted(r.case_id for r in v.list_cases()) == ids
        assert v.integrity_check()
    with pytest.raises(WrongPassphrase):
        Vault.open(home, COLLEAGUE, PASSES[COLLEAGUE])
    with pytest.raises(UnknownOfficer):
        _open(home, ATTACKER)
    _all_cases_there(home, ANA, ids)
    with _open(home, ANA) as v:  # and a later removal gives the attacker nothing either
        v.add_officer(BETO + ".dos", "otra frase ficticia de prueba")
        v.remove_officer(BETO + ".dos")
    assert not _opens(home / "vault.db", stolen_key)


def test_an_old_keyring_copy_is_worded_as_older_than_the_vault_quietly(home, tmp_path, no_delay, capfd):
    _team(home)
    old_keyring = tmp_path / "keyring-before.json"
    shutil.copy(home / "keyring.json", old_keyring)
    with _open(home, ANA) as v:
        v.remove_officer(CARLA)
    probe = sqlcipher3.connect(":memory:")
    probe.execute("PRAGMA cipher_log_level = WARN")  # SQLCipher's default: another test may have set NONE
    probe.close()
    capfd.readouterr()
    err = _attempt_with_old_keyring(home, tmp_path, old_keyring, CARLA)
    assert "sqlcipher_codec_ctx_set_error" not in capfd.readouterr().err  # SQLCipher's own line stays quiet
    assert isinstance(err, VaultCorrupt) and err.code == "vault_corrupt"  # the code stays
    es, en = _words(err)
    assert "keyring.json" in es and "keyring.json" in en
    assert "retir" in es and "removed" in en
    assert not any(w in es.lower() for w in BACKUP_WORDS) and not any(w in en.lower() for w in BACKUP_WORDS)
    damaged = tmp_path / "damaged"  # real damage (a file cut short) keeps the old words
    damaged.mkdir()
    shutil.copy(home / "keyring.json", damaged / "keyring.json")
    (damaged / "vault.db").write_bytes((home / "vault.db").read_bytes()[:1000])
    with pytest.raises(VaultCorrupt) as exc:
        Vault.open(damaged, ANA, PASSES[ANA])
    assert i18n.describe_error(exc.value, "es") == i18n.t("error.vault_corrupt", "es")
