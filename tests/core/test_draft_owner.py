"""A draft is its officer's: another officer signed in on the same laptop can neither see
it nor take it over by writing the same draft id (the desktop app once handed the next
officer the form of the one who locked, and that officer's autosave rewrote the draft
under their own id: the first officer lost it). Real SQLCipher vault; fictional data."""

from __future__ import annotations

import pytest

from intake_app.vault import Vault
from intake_app.vault.cases import DraftNotYours

from tests.conftest import PASSPHRASE

SECOND = "segunda.ficticia"
SECOND_PASSPHRASE = "otra frase ficticia de prueba"
FIRST_DRAFT = {"given_names": "Zoila FICTICIA", "document_number": "FIC-123-456", "_step": 2}


@pytest.fixture
def two_officers(home):
    vault = Vault.create(home, "oficial.prueba", PASSPHRASE)
    vault.add_officer(SECOND, SECOND_PASSPHRASE)
    vault.save_draft("borrador-a", FIRST_DRAFT)
    vault.close()
    return home


def _open(home, second: bool):
    return Vault.open(home, SECOND, SECOND_PASSPHRASE) if second else Vault.open(home, "oficial.prueba", PASSPHRASE)


def test_another_officer_cannot_take_a_draft_over(two_officers):
    b = _open(two_officers, second=True)
    try:
        assert b.load_drafts() == []  # not listed for B
        with pytest.raises(DraftNotYours) as refused:
            b.save_draft("borrador-a", {"given_names": "Otra FICTICIA", "surnames": "EditadoPorB"})
        assert "FICTICIA" not in str(refused.value)  # a code, never the content
        b.delete_draft("borrador-a")  # neither deleted ...
        b.discard_draft("borrador-a")  # ... nor discarded by B
        assert b.load_drafts() == []
        owners = b.conn.execute("SELECT o.name FROM drafts d JOIN officers o USING (officer_id)").fetchall()
        assert owners == [("oficial.prueba",)]
        b.save_draft("borrador-b", {"given_names": "Propia FICTICIA"})  # B's own drafts work as before
        b.save_draft("borrador-b", {"given_names": "Propia FICTICIA", "surnames": "Dos"})
        assert [(d[0], d[3]) for d in b.load_drafts()] == [
            ("borrador-b", {"given_names": "Propia FICTICIA", "surnames": "Dos"})]
    finally:
        b.close()
    a = _open(two_officers, second=False)
    try:
        assert [(d[0], d[3]) for d in a.load_drafts()] == [("borrador-a", FIRST_DRAFT)]  # A's, untouched
        assert not [e for e in a.audit.entries() if e.action == "draft_discard"]
        a.save_draft("borrador-a", {**FIRST_DRAFT, "_step": 3})  # and A still updates it
        assert a.load_drafts()[0][3]["_step"] == 3
    finally:
        a.close()
