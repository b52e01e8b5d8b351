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
