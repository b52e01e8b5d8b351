"""Removing an officer re-keys the vault (intake_app/vault/officers.py): the removed
officer's passphrase, and an old copy of keyring.json holding their entry, no longer open
vault.db; the remaining officers unlock as before, with nothing else to do, the new key
reaching them sealed to their keyring box. Fictional officers and passphrases only."""

from __future__ import annotations

import base64
import json
import logging
import shutil

import pytest
import sqlcipher3

from intake_app import i18n
from intake_app.errors import (OfficerRemoveSelf, OfficersMustUnlock, UnknownOfficer, VaultCorrupt, VaultDiskError,
                               VaultOpenElsewhere)
from intake_app.vault import Vault, keyring, officer_names, officers
from tests.conftest import PASSPHRASE, load_sample

ANA, BETO, CARLA, DANI = "ana.ficticia", "beto.ficticio", "carla.ficticia", "dani.ficticia"
PASSES = {ANA: PASSPHRASE, BETO: "frase ficticia de beto", CARLA: "frase ficticia de carla",
          DANI: "frase ficticia de dani"}


class Crash(BaseException):
    """A process killed between two steps (nothing after it runs but ``finally`` blocks)."""


def _team(home, *extra: str) -> list[str]:
    """A vault made by ANA with BETO, CARLA (and ``extra``) and three fictional cases."""
    v = Vault.create(home, ANA, PASSES[ANA])
    for name in (BETO, CARLA, *extra):
        v.add_officer(name, PASSES[name])
    ids = [v.save_case(load_sample(s)).case_id
           for s in ("intake-adult-woman", "intake-no-indications", "intake-unaccompanied-boy")]
    v.close()
    return ids


def _open(home, name: str) -> Vault:
    return Vault.open(home, name, PASSES[name])


def _entries(home) -> dict[str, keyring.OfficerEntry]:
    return {o.name: o for o in keyring.Keyring.load(home / "keyring.json").officers}


def _opens(db, key: bytes) -> bool:
    """Whether ``key`` opens ``db`` with a fresh connection of its own."""
    conn = sqlcipher3.connect(str(db))
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


def _attempt_with_old_keyring(home, tmp_path, old_keyring, name: str) -> Exception:
    """The removed officer's try: the current vault.db beside their old copy of keyring.json."""
    stolen = tmp_path / "stolen"
    stolen.mkdir(exist_ok=True)
    shutil.copy(home / "vault.db", stolen / "vault.db")
    shutil.copy(old_keyring, stolen / "keyring.json")
    with pytest.raises(Exception) as exc:
        Vault.open(stolen, name, PASSES[name]).close()
    return exc.value


def _all_cases_there(home, name: str, ids: list[str]) -> None:
    with _open(home, name) as v:
        assert sorted(r.case_id for r in v.list_cases()) == sorted(ids)
        for case_id in ids:
            assert v.get_case(case_id).content
        assert v.integrity_check()


# --- the point of it --------------------------------------------------------------------------
def test_an_old_keyring_copy_and_the_passphrase_no_longer_open_the_vault(home, tmp_path, no_delay):
    ids = _team(home)
    old_keyring = tmp_path / "keyring-before.json"
    shutil.copy(home / "keyring.json", old_keyring)
    old_key = keyring.Keyring.load(old_keyring).unwrap(CARLA, PASSES[CARLA])[1]
    with _open(home, CARLA):  # before: the copy's entry opens the vault
        pass
    with _open(home, ANA) as v:
        removed = v.remove_officer(CARLA)
        new_key = v._db_key
    assert removed.name == CARLA and new_key != old_key
    assert not _opens(home / "vault.db", old_key) and _opens(home / "vault.db", new_key)
    err = _attempt_with_old_keyring(home, tmp_path, old_keyring, CARLA)
    assert isinstance(err, VaultCorrupt)
    with pytest.raises(UnknownOfficer):  # and the current keyring does not know her
        _open(home, CARLA)
    _all_cases_there(home, BETO, ids)


def test_the_remaining_officers_unlock_with_nothing_else_to_do(home, no_delay):
    ids = _team(home)
    with _open(home, ANA) as v:
        ana_id, carla_id = v.officer.id, v.keyring.find(CARLA).id
        v.remove_officer(CARLA)
        assert [o.name for o in v.officers()] == [ANA, BETO]
    pending = {n: bool(e.pending) for n, e in _entries(home).items()}
    assert pending == {ANA: True, BETO: True}  # the acting officer's too: its passphrase key is not kept
    _all_cases_there(home, BETO, ids)  # not the one who removed her
    _all_cases_there(home, ANA, ids)
    after = _entries(home)
    assert not after[ANA].pending and not after[BETO].pending  # each unlock wrapped the new key
    key = keyring.Keyring.load(home / "keyring.json").unwrap(BETO, PASSES[BETO])[1]
    assert _opens(home / "vault.db", key)  # the wrap itself holds the new key now
    with _open(home, BETO) as v:
        removals = [(e.officer_id, e.detail) for e in v.audit.entries() if e.action == "officer_remove"]
    assert removals == [(ana_id, {"officer": carla_id})]  # ids only
    assert officer_names(home) == [ANA, BETO]


def test_the_acting_session_goes_on_with_the_new_key(home, no_delay):
    ids = _team(home)
    with _open(home, ANA) as v:
        v.remove_officer(CARLA)
        assert v.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # WAL back
        v.save_case(load_sample("intake-adult-woman"))
        v.verify_passphrase(PASSES[ANA])  # the pending key is this session's: taken on
        assert not _entries(home)[ANA].pending
        v.change_passphrase("otra frase ficticia de ana")
    with Vault.open(home, ANA, "otra frase ficticia de ana") as v:
        assert v.count_cases() == len(ids) + 1


def test_a_removed_officer_is_refused_as_an_unknown_name(home, no_delay):
    _team(home)
    with _open(home, ANA) as v:
        v.remove_officer(CARLA)
        with pytest.raises(UnknownOfficer):
            v.remove_officer(CARLA)  # gone: nothing left to run again
    with pytest.raises(UnknownOfficer) as removed:
        _open(home, CARLA)
    with pytest.raises(UnknownOfficer) as unknown:
        Vault.open(home, "nadie.ficticio", PASSES[CARLA])
    assert str(removed.value) == str(unknown.value)
    assert removed.value.params == unknown.value.params == {}
    assert i18n.describe_error(removed.value) == i18n.describe_error(unknown.value)


def test_a_new_officer_of_the_same_name_gets_a_new_id_not_the_removed_row(home, no_delay):
    _team(home)
    with _open(home, ANA) as v:
        carla_id = v.keyring.find(CARLA).id
        v.remove_officer(CARLA)
        again = v.add_officer(CARLA, "frase ficticia nueva de carla")
    assert again.id != carla_id


# --- refusals: nothing changed -------------------------------------------------------------------
def test_refusals_change_nothing(home, no_delay):
    _team(home)
    with _open(home, ANA) as v:
        before = (home / "keyring.json").read_bytes()
        with pytest.raises(UnknownOfficer):
            v.remove_officer("nadie.ficticio")
        with pytest.raises(OfficerRemoveSelf):
            v.remove_officer(ANA)
        key = v._db_key
    assert (home / "keyring.json").read_bytes() == before
    assert _opens(home / "vault.db", key)


def test_refused_while_another_connection_has_the_vault_open(home, no_delay):
    """SQLite will not leave WAL while another connection has the database open: that is how
    another program (the desktop app beside the CLI) is found; both sessions go on."""
    ids = _team(home)
    beto = _open(home, BETO)
    try:
        with _open(home, ANA) as v:
            before, key = (home / "keyring.json").read_bytes(), v._db_key
            with pytest.raises(VaultOpenElsewhere):
                v.remove_officer(CARLA)
            assert (home / "keyring.json").read_bytes() == before and v._db_key == key
            assert v.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            v.save_case(load_sample("intake-no-indications"))  # this session goes on
        assert beto.count_cases() == len(ids) + 1  # and the other one, which sees its save
        beto.save_case(load_sample("intake-adult-woman"))
    finally:
        beto.close()
    with _open(home, CARLA):  # still an officer
        pass
    with _open(home, ANA) as v:  # the other program closed: now it goes through
        v.remove_officer(CARLA)
    with _open(home, BETO) as v:
        assert v.count_cases() == len(ids) + 2


def test_a_remaining_officer_without_a_box_must_unlock_first(home, no_delay):
    """A keyring from before (format 1, no boxes) still opens; each unlock adds the officer's
    box; a removal waits until every remaining officer has one, and says who."""
    ids = _team(home, DANI)
    doc = json.loads((home / "keyring.json").read_text(encoding="utf-8"))
    doc["format"] = 1
    for o in doc["officers"]:
        for k in ("box_public", "box_nonce", "box_sealed"):
            o.pop(k)
    (home / "keyring.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    assert officer_names(home) == [ANA, BETO, CARLA, DANI]
    with _open(home, ANA) as v:  # a format 1 file opens; this unlock gave ANA her box
        pass
    saved = json.loads((home / "keyring.json").read_text(encoding="utf-8"))
    assert saved["format"] == keyring.FORMAT == 2
    boxes = {o["name"]: "box_public" in o for o in saved["officers"]}
    assert boxes == {ANA: True, BETO: False, CARLA: False, DANI: False}
    with _open(home, ANA) as v:
        with pytest.raises(OfficersMustUnlock) as exc:
            v.remove_officer(CARLA)  # CARLA, going, needs none
    assert exc.value.params == {"count": 2, "names": f"{BETO}, {DANI}"}
    assert BETO in i18n.describe_error(exc.value) and DANI in i18n.describe_error(exc.value, "en")
    assert not any(e.removed or e.pending for e in _entries(home).values())
    for name in (BETO, DANI):
        with _open(home, name):
            pass
    with _open(home, ANA) as v:
        v.remove_officer(CARLA)
    for name in (ANA, BETO, DANI):
        _all_cases_there(home, name, ids)


# --- crashes between the steps ---------------------------------------------------------------------
@pytest.mark.parametrize("after", ["_mark", "_rekey", "_record"], ids=["a", "b", "c"])
def test_a_crash_after_each_step_leaves_a_vault_the_others_open_and_a_rerun_completes(
        home, tmp_path, monkeypatch, no_delay, after):
    ids = _team(home)
    old_keyring = tmp_path / "keyring-before.json"
    shutil.copy(home / "keyring.json", old_keyring)
    real = getattr(officers, after)

    def step_then_crash(*args):
        real(*args)
        raise Crash()

    v = _open(home, ANA)
    with monkeypatch.context() as m:
        m.setattr(officers, after, step_then_crash)
        with pytest.raises(Crash):
            v.remove_officer(CARLA)
    v._drop()  # the process died: no "lock" entry, nothing else written
    rekeyed = after != "_mark"
    with pytest.raises(UnknownOfficer):  # marked at (a): she no longer unlocks here
        _open(home, CARLA)
    if rekeyed:
        assert isinstance(_attempt_with_old_keyring(home, tmp_path, old_keyring, CARLA), VaultCorrupt)
    _all_cases_there(home, BETO, ids)  # the other remaining officer, who did not act
    with _open(home, BETO) as w:
        assert w.unfinished_removals() == [CARLA]
        assert [o.name for o in w.officers()] == [ANA, BETO]
        w.remove_officer(CARLA)  # run again, by another officer: completes
        assert w.unfinished_removals() == []
    assert sorted(_entries(home)) == [ANA, BETO]
    assert isinstance(_attempt_with_old_keyring(home, tmp_path, old_keyring, CARLA), VaultCorrupt)
    for name in (ANA, BETO):
        _all_cases_there(home, name, ids)
    with _open(home, ANA) as w:
        assert [e.action for e in w.audit.entries()].count("officer_remove") == 1


def test_a_rerun_after_the_rekey_does_not_rekey_again(home, monkeypatch, no_delay):
    _team(home)
    v = _open(home, ANA)
    with monkeypatch.context() as m:
        m.setattr(officers, "_record", lambda *a: (_ for _ in ()).throw(Crash()))
        with pytest.raises(Crash):
            v.remove_officer(CARLA)
    key = v._db_key
    v._drop()
    rekeys = []
    monkeypatch.setattr(officers, "_rekey", lambda *a: rekeys.append(1))
    with _open(home, BETO) as w:
        w.remove_officer(CARLA)
        assert w._db_key == key
    assert rekeys == []


def test_a_second_removal_interrupted_before_its_rekey_leaves_the_first_ones_key_reachable(
        home, monkeypatch, no_delay):
    """BETO has not unlocked since CARLA's removal (his wrap holds the first key, his pending
    the second); DANI's removal then stops before its re-key: the vault is still on the
    second key, which BETO's new pending seal carries beside the third."""
    ids = _team(home, DANI)
    with _open(home, ANA) as v:
        v.remove_officer(CARLA)
    v = _open(home, ANA)
    with monkeypatch.context() as m:
        m.setattr(officers, "_rekey", lambda *a: (_ for _ in ()).throw(Crash()))
        with pytest.raises(Crash):
            v.remove_officer(DANI)
    v._drop()
    _all_cases_there(home, BETO, ids)
    with _open(home, ANA) as w:
        w.remove_officer(DANI)
    assert sorted(_entries(home)) == [ANA, BETO]
    _all_cases_there(home, BETO, ids)


def test_a_disk_error_during_the_removal_is_said_and_the_session_goes_on(home, monkeypatch, no_delay):
    import errno

    ids = _team(home)
    with _open(home, ANA) as v:
        def full(*a):
            raise OSError(errno.ENOSPC, "no space")

        with monkeypatch.context() as m:
            m.setattr(officers, "_drop", full)
            with pytest.raises(VaultDiskError):
                v.remove_officer(CARLA)
        assert v.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert v.count_cases() == len(ids) and v.unfinished_removals() == [CARLA]
        v.remove_officer(CARLA)
        assert v.unfinished_removals() == []
    _all_cases_there(home, BETO, ids)


def test_an_unlock_that_read_the_keyring_before_a_rekey_reads_it_again(home, monkeypatch, no_delay):
    """Another program removed an officer between this unlock's reading of keyring.json and
    its opening of vault.db: the key read no longer opens it, the keyring is read again."""
    ids = _team(home)
    real = keyring.Keyring.unlock
    calls = []

    def unlock_then_someone_removes(self, name, passphrase):
        found = real(self, name, passphrase)
        if not calls:
            calls.append(name)
            with _open(home, ANA) as other:
                other.remove_officer(CARLA)
        return found

    monkeypatch.setattr(keyring.Keyring, "unlock", unlock_then_someone_removes)
    with _open(home, BETO) as v:
        assert v.count_cases() == len(ids)
    assert calls == [BETO]


# --- nothing secret in the log ---------------------------------------------------------------------
def test_no_passphrase_or_key_in_the_log(home, tmp_path, monkeypatch, caplog, no_delay):
    caplog.set_level(logging.DEBUG)
    _team(home, DANI)
    keys = []
    with _open(home, ANA) as v:
        keys.append(v._db_key)
        with pytest.raises(OfficerRemoveSelf):
            v.remove_officer(ANA)
        v.remove_officer(CARLA)
        keys.append(v._db_key)
    v = _open(home, ANA)
    with monkeypatch.context() as m:
        m.setattr(officers, "_drop", lambda *a: (_ for _ in ()).throw(OSError(28, "no space")))
        with pytest.raises(VaultDiskError):
            v.remove_officer(DANI)
    keys.append(v._db_key)
    v.close()
    for name in (ANA, BETO):
        with _open(home, name):
            pass
    text = caplog.text
    assert "officer removal stopped" in text  # something was logged, and it holds nothing secret
    for secret in (*PASSES.values(), *(k.hex() for k in keys), *(base64.b64encode(k).decode() for k in keys)):
        assert secret not in text
