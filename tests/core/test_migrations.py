"""STYLE rule 7: a vault written by the previous schema opens with this code, upgrades,
and keeps every case; duplicate hints work on the upgraded key table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from intake_app.vault import Vault
from intake_app.vault.schema import SCHEMA_VERSION, current_version
from tests.conftest import load_sample

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "vaults"


def _open(tmp_path, schema: int):
    home = tmp_path / f"schema{schema}"
    shutil.copytree(SAMPLES / f"schema{schema}" / "home", home)
    expected = json.loads((SAMPLES / f"schema{schema}" / "expected.json").read_text(encoding="utf-8"))
    return Vault.open(home, expected["officer"], "frase de prueba ficticia"), expected


def test_every_sample_vault_upgrades_and_keeps_its_cases(tmp_path):
    for schema in sorted(int(p.name[6:]) for p in SAMPLES.glob("schema*")):
        v, expected = _open(tmp_path, schema)
        with v:
            assert current_version(v.conn) == SCHEMA_VERSION
            assert v.integrity_check() and v.audit.verify() > 0
            assert v.count_cases() == len(expected["cases"])
            for case_id, want in expected["cases"].items():
                rec = v.get_case(case_id)
                assert (rec.revision_id, rec.content_hash) == (want["head_revision"], want["content_hash"])
            keys = v.conn.execute("SELECT count(*) FROM person_keys").fetchone()[0]
            assert keys >= 2 * len(expected["cases"])
            # the same person again is hinted, with the dimensions the upgrade copied in
            again = {**load_sample("intake-no-indications"), "document_number": "FICT-000002"}
            hints = v.find_duplicates(again)
            assert hints and {"name", "birth_date", "nationality"} <= set(hints[0].reasons)
            assert v.search("FICTICIO")


def test_the_upgrade_is_applied_once(tmp_path):
    v, expected = _open(tmp_path, 2)
    v.close()
    v = Vault.open(tmp_path / "schema2", expected["officer"], "frase de prueba ficticia")
    with v:
        upgrades = [e for e in v.audit.entries() if e.action == "schema_upgrade"]
        assert len(upgrades) == 1 and upgrades[0].detail == {"from": 2, "to": SCHEMA_VERSION}


KILL_AFTER_UPGRADE = """
import os, signal, sys
from intake_app.vault import store

real = store._connect

def connect(*args, **kwargs):
    conn = real(*args, **kwargs)
    def trace(statement):  # the first statement after the last migration's COMMIT
        if "key = 'vault_id'" in statement:
            os.kill(os.getpid(), signal.SIGKILL)
    conn.set_trace_callback(trace)
    return conn

store._connect = connect
store.Vault.open(sys.argv[1], sys.argv[2], "frase de prueba ficticia")
"""


def test_an_upgrade_killed_before_its_audit_entry_is_recorded_at_the_next_open(tmp_path):
    import subprocess
    import sys

    v, expected = _open(tmp_path, 2)  # only to learn the officer; reopened fresh below
    v.close()
    home = tmp_path / "killed"
    shutil.copytree(SAMPLES / "schema2" / "home", home)
    done = subprocess.run([sys.executable, "-c", KILL_AFTER_UPGRADE, str(home), expected["officer"]],
                          cwd=Path(__file__).resolve().parents[2], timeout=120, capture_output=True)
    assert done.returncode == -9, done.stderr[-2000:]
    v = Vault.open(home, expected["officer"], "frase de prueba ficticia")
    with v:
        assert current_version(v.conn) == SCHEMA_VERSION
        upgrades = [e.detail for e in v.audit.entries() if e.action == "schema_upgrade"]
        assert upgrades == [{"from": 2, "to": SCHEMA_VERSION}] and v.audit.verify() > 0
