"""An officer throwing a draft away deletes typed data for good: the log says a draft was
discarded (and of which case, for an edit), never what it held. A draft that became a case
goes without an entry. Fictional data."""

from __future__ import annotations


def test_a_discarded_draft_is_in_the_log_without_its_content(vault, sample):
    saved = vault.save_case(sample("intake-adult-woman"))
    vault.save_draft("nuevo", {"given_names": "Zoila FICTICIA"})
    vault.save_draft("edicion", {**sample("intake-adult-woman"), "given_names": "Otra FICTICIA"}, saved.case_id)
    vault.discard_draft("nuevo")
    vault.discard_draft("edicion")
    vault.discard_draft("edicion")  # gone already: nothing more in the log
    entries = [e for e in vault.audit.entries() if e.action == "draft_discard"]
    assert [e.case_id for e in entries] == [None, saved.case_id]
    assert all("FICTICIA" not in repr(e) for e in entries)
    assert vault.load_drafts() == []
    vault.save_draft("otro", {"given_names": "Ana FICTICIA"})
    vault.delete_draft("otro")  # became a case: not a discard
    assert len([e for e in vault.audit.entries() if e.action == "draft_discard"]) == 2
