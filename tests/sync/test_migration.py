"""STYLE rule 7: a vault written by schema 1 opens with this code, upgrades to the sync
schema, keeps every case, and then syncs. Also: the purge path the migration adds
cannot touch an unacknowledged revision, even by hand."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from intake_app.vault import Vault
from intake_app.vault.schema import SCHEMA_VERSION, current_version

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "vaults" / "schema1"


@pytest.fixture
def old_home(tmp_path) -> Path:
    home = tmp_path / "old"
    shutil.copytree(SAMPLE / "home", home)
    return home


def test_schema1_vault_opens_upgrades_and_keeps_every_case(old_home, server_keys, tmp_path):
    import sqlcipher3  # noqa: F401

    expected = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))
    v = Vault.open(old_home, expected["officer"], "frase de prueba ficticia")
    try:
        assert current_version(v.conn) == SCHEMA_VERSION >= 2
        assert v.device_id == expected["device_id"]
        assert v.integrity_check()
        assert v.audit.verify() > 0
        assert v.conn.execute("SELECT count(*) FROM revisions").fetchone()[0] == expected["revisions"]
        for case_id, want in expected["cases"].items():
            rec = v.get_case(case_id)
            assert rec.revision_id == want["head_revision"] and rec.content_hash == want["content_hash"]
            assert rec.sync_state == "pending"
        assert v.search("FICTICIA")  # the name index survived
        # and the upgraded vault syncs: every old revision goes into the first bundle
        from intake_app.sync import export_to

        from .helpers import MiniServer, enroll

        enroll(v, server_keys)
        stick = tmp_path / "stick"
        stick.mkdir()
        report = export_to(v, stick)
        assert report.written == (1,) and report.revisions == expected["revisions"]
        mini = MiniServer(server_keys)
        mini.enroll(v)
        mini.import_stick(stick)
        assert set(mini.revisions) == {r[0] for r in v.conn.execute("SELECT revision_id FROM revisions")}
    finally:
        v.close()
    # opening again applies nothing more
    v = Vault.open(old_home, expected["officer"], "frase de prueba ficticia")
    v.close()


def test_revisions_stay_append_only_after_the_migration(enrolled, sample):
    import sqlcipher3

    r = enrolled.save_case(sample("intake-adult-woman"))
    conn = enrolled.conn
    with pytest.raises(sqlcipher3.IntegrityError):
        conn.execute("UPDATE revisions SET content = '{}' WHERE revision_id = ?", (r.revision_id,))
    with pytest.raises(sqlcipher3.IntegrityError):
        conn.execute("DELETE FROM revisions WHERE revision_id = ?", (r.revision_id,))
    # the purge grant cannot be taken for a revision the server never acknowledged
    with pytest.raises(sqlcipher3.IntegrityError):
        conn.execute("INSERT INTO purged_revisions VALUES (?, ?, 'x', 'y', 0)", (r.revision_id, r.case_id))
    assert json.loads(conn.execute("SELECT content FROM revisions").fetchone()[0])["surnames"]


SAMPLE3 = Path(__file__).resolve().parent.parent / "data" / "vaults" / "schema3"


def test_schema3_sync_records_become_chain_1_and_carry_on(tmp_path):
    """Migration 0004 (bundle chains) on a vault with one delivered bundle, one sent without
    a receipt and a case in no bundle: the records stay, the unreceipted bundle is sent again
    with the very same bytes, the chain goes on, and delivered cases can be purged."""
    from intake_app.bundle import read_header, read_key_file
    from intake_app.sync import export_to, import_receipts, pending, purge
    from intake_app.sync.outbox import outstanding

    from .helpers import MiniServer

    expected = json.loads((SAMPLE3 / "expected.json").read_text(encoding="utf-8"))
    sync = expected["sync"]
    keys, _ = read_key_file(SAMPLE3 / "server.key", passphrase=sync["server_key_passphrase"])
    home = tmp_path / "old3"
    shutil.copytree(SAMPLE3 / "home", home)
    with Vault.open(home, expected["officer"], "frase de prueba ficticia") as v:
        assert current_version(v.conn) == SCHEMA_VERSION >= 4
        assert v.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = v.conn.execute("SELECT chain, sequence, state, bundle_hash FROM sync_outbox"
                              " ORDER BY sequence").fetchall()
        assert [(c, str(s), st, bytes(h).hex()) for c, s, st, h in rows] == [
            (1, seq, o["state"], o["bundle_hash"]) for seq, o in sorted(sync["outbox"].items())]
        assert v.conn.execute("SELECT count(*) FROM sync_revisions WHERE chain = 1 AND delivered_at IS NOT NULL"
                              ).fetchone()[0] == sync["delivered_revisions"]
        assert v.conn.execute("SELECT chain, sequence FROM sync_receipts").fetchall() == [(1, 1)]
        p = pending(v)
        assert (p.revisions, p.outstanding) == (1, 1)
        # the purge grant still stands on the rebuilt table: only the delivered cases go
        report = purge(v)
        assert report.cases == len(sync["delivered_cases"]) and report.kept_unacknowledged == 3
        sent_before = outstanding(v)[0].bundle
        stick = tmp_path / "stick"
        stick.mkdir()
        export = export_to(v, stick)
        assert export.written == (2, 3) and export.new == (3,)
        assert (stick / "intake-bundles" / v.device_id / "00000002.bundle").read_bytes() == sent_before
        third = read_header((stick / "intake-bundles" / v.device_id / "00000003.bundle").read_bytes())
        assert third.prev_hash.hex() == sync["outbox"]["2"]["bundle_hash"]
        mini = MiniServer(keys)
        mini.enroll(v)
        mini.import_stick(stick)
        assert len(import_receipts(v, stick).delivered) == 2
        assert {c.sync_state for c in v.list_cases()} == {"delivered"}
        assert purge(v).cases == len(sync["sent_cases"]) + len(sync["pending_cases"])
        # nothing sent or delivered may disappear, in the rebuilt tables too
        import sqlcipher3

        for table in ("sync_outbox", "sync_revisions"):
            with pytest.raises(sqlcipher3.IntegrityError):
                v.conn.execute(f"DELETE FROM {table}")
        with pytest.raises(sqlcipher3.IntegrityError):
            v.conn.execute("UPDATE sync_revisions SET delivered_at = NULL")
