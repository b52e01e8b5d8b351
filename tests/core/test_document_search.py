"""A document number is found however the officer spaces it, and vaults indexed before
are brought up to date at unlock (fictional data)."""

from __future__ import annotations

from intake_app.vault import Vault
from intake_app.vault.reindex import META_KEY, refresh_document_index
from tests.conftest import PASSPHRASE


def _found(vault, query: str) -> set[str]:
    return {row.case_id for row in vault.search(query)}


def test_a_spaced_number_is_found_written_together_and_the_other_way_round(vault, sample):
    spaced = vault.save_case({**sample("intake-adult-woman"), "document_number": " AB 123 456 "})
    joined = vault.save_case({**sample("intake-no-indications"), "document_number": "CD987654"})
    for query in ("AB 123 456", "AB123456", "ab-123-456", "AB1234", "ab 123"):
        assert spaced.case_id in _found(vault, query), query
    for query in ("CD987654", "CD 987 654", "cd-987-654", "CD 9876"):
        assert joined.case_id in _found(vault, query), query
    assert _found(vault, "AB 999 456") == set()
    assert _found(vault, "123 AB") == {spaced.case_id}  # words in any order still match as words


def test_a_name_of_several_words_is_not_taken_for_a_document(vault, sample):
    r = vault.save_case({**sample("intake-adult-woman"), "given_names": "Ana FICTICIA", "surnames": "Mora Prueba"})
    assert _found(vault, "mora prueba") == {r.case_id}
    assert _found(vault, "moraprueba") == set()


def test_a_vault_indexed_before_gets_the_joined_numbers_once_at_unlock(home, sample):
    vault = Vault.create(home, "oficial.prueba", PASSPHRASE)
    r = vault.save_case({**sample("intake-adult-woman"), "document_number": "EF 55 66 77"})
    with vault.transaction() as conn:  # as an older version indexed it, and before the index was refreshed
        conn.execute("UPDATE name_index SET documents = 'EF 55 66 77' WHERE rowid ="
                     " (SELECT rowid FROM cases WHERE case_id = ?)", (r.case_id,))
        conn.execute("DELETE FROM meta WHERE key = ?", (META_KEY,))
    assert _found(vault, "EF556677") == set()
    vault.close()
    vault = Vault.open(home, "oficial.prueba", PASSPHRASE)
    try:
        assert _found(vault, "EF556677") == {r.case_id}
        assert _found(vault, "EF 55 66") == {r.case_id}
        assert refresh_document_index(vault) is None  # once
        docs = vault.conn.execute("SELECT documents FROM name_index").fetchall()
        assert [d for (d,) in docs if d.count("ef556677") > 1] == []  # not joined twice
    finally:
        vault.close()


def test_a_number_whose_halves_repeat_is_joined_too():
    """'12 12' looked already joined ('12' is the key of '12'), so it was left without '1212'."""
    from intake_app.vault.reindex import _joined

    assert _joined("12 12") == "12 12 1212"
    assert _joined("12 12 1212") == "12 12 1212"
    assert _joined("AB 123 456") == "AB 123 456 ab123456"
    assert _joined("AB123456") == "AB123456"
