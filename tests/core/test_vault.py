"""The SQLCipher vault: keys, officers, revisions, search, duplicates, audit, bad input."""

from __future__ import annotations

import json
import sqlite3

import pytest

from intake_app.errors import (AuditBroken, CaseNotFound, InvalidRecord, OfficerExists, StaleRevision,
                               UnlockThrottled, VaultCorrupt, VaultExists, VaultLocked, VaultNotFound, VaultTooNew,
                               WeakPassphrase, WrongPassphrase)
from intake_app.vault import Vault, keyring, officer_names
from intake_app.vault.schema import SCHEMA_VERSION
from tests.conftest import PASSPHRASE

DISTINCT_NAME = "Zuleimy FICTICIA"
DISTINCT_SURNAMES = "Quetzalcóatl Ñandutí"
DISTINCT_DOC = "FICT-7731942"


def test_create_open_and_files_are_private(vault, home, sample):
    r = vault.save_case(sample("intake-adult-woman"))
    vault.close()
    assert oct(home.stat().st_mode & 0o777) == "0o700"
    for p in home.iterdir():
        assert p.stat().st_mode & 0o077 == 0, p
    with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
        assert v.get_case(r.case_id).content["surnames"] == "Muñoz Ejemplo"
        assert v.integrity_check()
    assert officer_names(home) == ["oficial.prueba"]


def test_the_file_is_not_plain_sqlite(vault, home):
    vault.close()
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(home / "vault.db").execute("SELECT * FROM sqlite_master").fetchall()


def test_no_plaintext_anywhere_in_the_data_folder(vault, home, sample):
    rec = {**sample("intake-adult-woman"), "given_names": DISTINCT_NAME, "surnames": DISTINCT_SURNAMES,
           "document_number": DISTINCT_DOC}
    for _ in range(3):
        vault.save_case(rec)
    vault.save_draft("d1", rec)
    vault.search("Quetzal")
    vault.checkpoint()
    files = [p for p in home.rglob("*") if p.is_file()]
    # while open (WAL and shm present) and after closing
    blobs_open = [p.read_bytes() for p in files]
    vault.close()
    blobs_closed = [p.read_bytes() for p in home.rglob("*") if p.is_file()]
    needles = []
    for text in ("Zuleimy", "Quetzalcóatl", "Ñandutí", "7731942", DISTINCT_DOC):
        for enc in ("utf-8", "utf-16-le", "utf-16-be", "latin-1"):
            try:
                needles.append(text.encode(enc))
            except UnicodeEncodeError:
                pass
        needles.append(json.dumps(text).encode())  # \u-escaped JSON
    for blob in blobs_open + blobs_closed:
        for needle in needles:
            assert needle not in blob


def test_wrong_passphrase_grows_delay_and_reveals_nothing(vault, home, no_delay):
    vault.close()
    delays = []
    for _ in range(4):
        with pytest.raises(WrongPassphrase) as exc:
            Vault.open(home, "oficial.prueba", "no es la frase correcta")
        delays.append(exc.value.params["retry_after"])
        assert "correcta" not in str(exc.value)
        # trying again at once is refused without even deriving the key
        with pytest.raises(UnlockThrottled):
            Vault.open(home, "oficial.prueba", PASSPHRASE)
        no_delay[0] += exc.value.params["retry_after"] + 0.01
    assert delays == sorted(delays) and delays[-1] > delays[0]
    with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:  # then the right one works and resets
        assert v.officer.name == "oficial.prueba"
    assert keyring.Keyring.load(home / "keyring.json").find("oficial.prueba").failures == 0


def test_second_officer_and_passphrase_change_do_not_reencrypt(vault, home, sample, no_delay):
    r = vault.save_case(sample("intake-no-indications"))
    vault.checkpoint()
    db_before = (home / "vault.db").read_bytes()[:4096]
    vault.add_officer("segundo.oficial", "otra frase ficticia larga")
    with pytest.raises(OfficerExists):
        vault.add_officer("segundo.oficial", "otra frase ficticia larga")
    with pytest.raises(WeakPassphrase):
        vault.add_officer("tercero", "corta")
    vault.change_passphrase("nueva frase ficticia larga")
    vault.close()
    assert (home / "vault.db").read_bytes()[:4096] == db_before  # same salt and first page: not re-encrypted
    with pytest.raises(WrongPassphrase):
        Vault.open(home, "oficial.prueba", PASSPHRASE)
    no_delay[0] += 10
    with Vault.open(home, "oficial.prueba", "nueva frase ficticia larga") as v:
        assert v.get_case(r.case_id)
    with Vault.open(home, "segundo.oficial", "otra frase ficticia larga") as v:
        r2 = v.save_case(sample("intake-no-indications"), case_id=r.case_id)
        history = v.case_history(r.case_id)
        assert [h.officer_id for h in history][-1] == v.officer.id != history[0].officer_id
        assert history[-1].parent_id == history[0].revision_id == r.revision_id
        assert v.get_case(r.case_id).revision_id == r2.revision_id


def test_revisions_are_append_only(vault, sample):
    r = vault.save_case(sample("intake-adult-woman"))
    with pytest.raises(Exception, match="append-only"):
        vault.conn.execute("UPDATE revisions SET content = '{}'")
    with pytest.raises(Exception, match="append-only"):
        vault.conn.execute("DELETE FROM revisions")
    edited = {**sample("intake-adult-woman"), "case_status": "follow_up"}
    vault.save_case(edited, case_id=r.case_id, parent_revision=r.revision_id)
    with pytest.raises(StaleRevision):  # someone else's edit came first
        vault.save_case(edited, case_id=r.case_id, parent_revision=r.revision_id)
    assert len(vault.case_history(r.case_id)) == 2
    with pytest.raises(CaseNotFound):
        vault.get_case("NOPE-NOPE-NOPE")


def test_invalid_record_stores_nothing(vault, sample):
    before = vault.conn.execute("SELECT count(*) FROM revisions").fetchone()[0]
    audit_before = vault.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(InvalidRecord) as exc:
        vault.save_case({**sample("intake-adult-woman"), "birth_date": "07/03/1998"})
    assert [(p.field, p.rule) for p in exc.value.problems] == [("birth_date", "type_date")]
    assert "07/03/1998" not in str(exc.value) and "Yelitza" not in repr(exc.value)
    assert vault.conn.execute("SELECT count(*) FROM revisions").fetchone()[0] == before
    assert vault.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_before
    assert vault.count_cases() == 0


def test_search_tolerates_accents_and_double_surnames(vault, sample):
    rec = {**sample("intake-adult-woman"), "given_names": "María José FICTICIA", "surnames": "Rodríguez Peña"}
    r = vault.save_case(rec)
    vault.save_case(sample("intake-no-indications"))
    for query in ("rodriguez", "Peña", "pena", "maria jose", "RODR", "rodríguez peña", "FICT-884213", "884213"):
        found = [row.case_id for row in vault.search(query)]
        assert r.case_id in found, query
    assert vault.search("Gonzalez") == []
    assert vault.search('"; DROP TABLE cases; --') == []  # FTS syntax cannot be injected


def test_duplicate_hints_never_merge(vault, sample):
    first = vault.save_case(sample("intake-adult-woman"))
    # same person, spelled differently, different document: a hint by name + birth date + nationality
    again = {**sample("intake-adult-woman"), "given_names": "Yelitsa FICTICIA", "surnames": "Munoz Ejemplo",
             "document_number": "FICT-000001"}
    hints = vault.find_duplicates(again)
    assert [h.case_id for h in hints] == [first.case_id]
    assert {"name", "birth_date", "nationality"} <= set(hints[0].reasons)
    second = vault.save_case(again)
    assert [h.case_id for h in second.duplicates] == [first.case_id]
    assert vault.count_cases() == 2  # nothing merged
    assert vault.find_duplicates(sample("intake-no-indications")) == []


def test_decided_duplicates_are_not_asked_again(vault, sample):
    """Editing a case, a possible duplicate the officer already linked or dismissed is not
    offered again (either direction); an undecided one still is."""
    first = vault.save_case(sample("intake-adult-woman"))
    again = {**sample("intake-adult-woman"), "given_names": "Yelitsa FICTICIA", "surnames": "Munoz Ejemplo",
             "document_number": "FICT-000001"}
    second = vault.save_case(again)
    third = vault.save_case({**again, "document_number": "FICT-000002"})
    assert {h.case_id for h in vault.find_duplicates(again, exclude_case=second.case_id)} == \
        {first.case_id, third.case_id}
    vault.record("duplicate_link", second.case_id, second.revision_id, other=first.case_id)
    assert {h.case_id for h in vault.find_duplicates(again, exclude_case=second.case_id)} == {third.case_id}
    assert second.case_id not in {h.case_id for h in vault.find_duplicates(
        sample("intake-adult-woman"), exclude_case=first.case_id)}  # the other direction
    vault.record("duplicate_dismiss", third.case_id, third.revision_id, other=second.case_id)
    assert vault.find_duplicates(again, exclude_case=second.case_id) == []
    assert {h.case_id for h in vault.find_duplicates(again)} == {first.case_id, second.case_id, third.case_id}


def test_audit_chain_detects_edit_removal_and_truncation(vault, sample):
    for _ in range(3):
        vault.save_case(sample("intake-no-indications"))
    n = vault.audit.verify()
    assert n >= 4
    conn = vault.conn
    row = conn.execute("SELECT seq, detail FROM audit WHERE seq = 3").fetchone()
    conn.execute("UPDATE audit SET detail = '{\"duplicates\":9}' WHERE seq = 3")
    with pytest.raises(AuditBroken) as exc:
        vault.audit.verify()
    assert exc.value.params == {"seq": 3, "reason": "altered"}
    conn.execute("UPDATE audit SET detail = ? WHERE seq = 3", (row[1],))
    assert vault.audit.verify() == n
    saved = conn.execute("SELECT * FROM audit WHERE seq = 2").fetchone()
    conn.execute("DELETE FROM audit WHERE seq = 2")
    with pytest.raises(AuditBroken) as exc:
        vault.audit.verify()
    assert exc.value.params["seq"] == 2
    conn.execute("INSERT INTO audit VALUES (?,?,?,?,?,?,?,?,?)", saved)
    conn.execute(f"DELETE FROM audit WHERE seq = {n}")  # drop the newest entry
    with pytest.raises(AuditBroken) as exc:
        vault.audit.verify()
    assert exc.value.params["reason"] == "truncated"


def test_locked_vault_refuses_work(vault, sample):
    vault.close()
    with pytest.raises(VaultLocked):
        vault.save_case(sample("intake-no-indications"))
    with pytest.raises(VaultLocked):
        vault.list_cases()


def test_missing_existing_damaged_and_newer_vaults(vault, home, tmp_path):
    with pytest.raises(VaultExists):
        Vault.create(home, "otro", PASSPHRASE)
    with pytest.raises(VaultNotFound):
        Vault.open(tmp_path / "nothing", "x", PASSPHRASE)
    vault.conn.execute("PRAGMA user_version = 99")
    vault.close()
    before = (home / "vault.db").read_bytes()
    with pytest.raises(VaultTooNew) as exc:
        Vault.open(home, "oficial.prueba", PASSPHRASE)
    assert exc.value.params == {"found": 99, "supported": SCHEMA_VERSION}
    assert (home / "vault.db").read_bytes() == before  # nothing written
    # damage the database pages
    data = bytearray(before)
    data[4096 * 2: 4096 * 3] = b"\x00" * 4096
    data[:4096] = b"\x13" * 4096
    (home / "vault.db").write_bytes(bytes(data))
    with pytest.raises(VaultCorrupt):
        Vault.open(home, "oficial.prueba", PASSPHRASE)
    (home / "keyring.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(VaultCorrupt) as exc:
        Vault.open(home, "oficial.prueba", PASSPHRASE)
    assert exc.value.params == {"part": "keyring"}


def test_fresh_vault_is_at_the_latest_schema(vault):
    assert vault.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_two_programs_on_one_vault_keep_one_audit_chain(vault, home, sample):
    """The app and the CLI (or two CLI commands) open the same vault: each write continues
    the audit chain from the head on disk, so neither crashes on a sequence the other used."""
    other = Vault.open(home, "oficial.prueba", PASSPHRASE)
    try:
        vault.save_case(sample("intake-adult-woman"))
        other.save_case(sample("intake-no-indications"))
        vault.save_case(sample("intake-no-indications"))
        other.record("case_view", None)
        assert vault.count_cases() == 3 == other.count_cases()
    finally:
        other.close()
    assert vault.audit.verify() >= 4  # one chain, intact
