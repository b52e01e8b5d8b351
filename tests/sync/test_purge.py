"""Purge removes identity data only from cases the server acknowledged, only when asked,
never from anything unacknowledged, and audits every purged case."""

from __future__ import annotations

import json

from intake_app.sync import export_to, import_receipts, purge
from intake_app.sync.purge import is_purged, purgeable_cases

from .conftest import DISTINCT_DOC, DISTINCT_NAME, distinctive_case


def _decrypted_pages(path, key: bytes, page_size: int = 4096, reserve: int = 80) -> bytes:
    """Every page of a SQLCipher 4 file (raw key, AES-256-CBC, IV at the reserve start),
    free pages included: what a thief with the key would read."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    data = path.read_bytes()
    out = []
    for i in range(0, len(data) - len(data) % page_size, page_size):
        page = data[i:i + page_size]
        start = 16 if i == 0 else 0
        iv = page[page_size - reserve:page_size - reserve + 16]
        dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        out.append(dec.update(page[start:page_size - reserve]) + dec.finalize())
    return b"".join(out)


def _deliver(vault, mini, stick):
    export_to(vault, stick)
    mini.import_stick(stick)
    import_receipts(vault, stick)


def test_purge_only_delivered_cases_and_audit_each(enrolled, mini, stick, sample, home):
    delivered = enrolled.save_case(distinctive_case())
    edited = enrolled.save_case(sample("intake-unaccompanied-boy"))
    _deliver(enrolled, mini, stick)
    # after delivery: one case edited (new revision unacknowledged), one case new
    enrolled.save_case({**sample("intake-unaccompanied-boy"), "case_status": "follow_up"}, case_id=edited.case_id)
    new = enrolled.save_case(sample("intake-no-indications"))
    # and one exported but without a receipt yet
    sent = enrolled.save_case(sample("intake-adult-woman"))
    export_to(enrolled, stick)
    assert purgeable_cases(enrolled) == [delivered.case_id]

    report = purge(enrolled)
    assert report.cases == 1 and report.revisions == 1 and report.kept_unacknowledged == 3
    rec = enrolled.get_case(delivered.case_id)
    for key in ("given_names", "surnames", "document_number", "birth_date", "phone", "narrative"):
        assert key not in rec.content
    assert rec.content["citizenship"] == "VE" and rec.content_hash == delivered.content_hash
    assert is_purged(enrolled, delivered.case_id)
    assert enrolled.search(DISTINCT_NAME.split()[0]) == [] and enrolled.search(DISTINCT_DOC) == []
    # nothing unacknowledged was touched
    for r in (edited, new, sent):
        for rev in enrolled.case_history(r.case_id):
            assert rev.content.get("given_names"), r.case_id
    raw = [json.loads(c) for (c,) in enrolled.conn.execute("SELECT content FROM revisions")]
    assert sum(1 for c in raw if c.get("_purged")) == 1
    audit = [e for e in enrolled.audit.entries() if e.action == "case_purge"]
    assert [(e.case_id, e.detail["revisions"]) for e in audit] == [(delivered.case_id, 1)]
    assert enrolled.audit.verify() > 0
    # purging again finds nothing
    assert purge(enrolled).cases == 0


def test_purge_is_not_the_default_and_keeps_drafted_cases(enrolled, mini, stick, sample):
    r = enrolled.save_case(sample("intake-adult-woman"))
    _deliver(enrolled, mini, stick)
    # receipts alone never purge
    assert enrolled.get_case(r.case_id).content["given_names"]
    enrolled.save_draft("d1", {"given_names": "Borrador FICTICIO"}, case_id=r.case_id)
    assert purgeable_cases(enrolled) == []  # an officer is editing it: keep
    enrolled.delete_draft("d1")
    assert purge(enrolled, [r.case_id]).cases == 1


def test_purged_text_is_not_left_in_the_database_file(enrolled, mini, stick, home):
    """secure_delete + checkpoint: the removed name is not in the (decrypted) pages."""
    enrolled.save_case(distinctive_case())
    _deliver(enrolled, mini, stick)
    purge(enrolled)
    blob = _decrypted_pages(home / "vault.db", enrolled._db_key)
    assert b"SQLite format 3" not in blob[:16]  # page 1's salt stays; the rest decrypts
    assert b"CREATE TABLE revisions" in blob  # the decryption is right
    for needle in (DISTINCT_NAME, DISTINCT_DOC, "Quispealaya", "zelmira", "quispealaya"):
        assert needle.encode() not in blob, needle
