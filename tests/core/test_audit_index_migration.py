"""Schema 5 (migrations/0005_audit_indexes.sql): opening a case and reading the duplicate
decisions about it find their audit entries through an index, not by reading the whole log
(about 70 ms at 100,000 entries before). Every old sample vault, and a vault taken back to
schema 4, upgrades to it; the query the code really runs is the one whose plan is checked.
Fictional data only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from intake_app.vault import Vault
from intake_app.vault.cases import decided_duplicates
from intake_app.vault.schema import SCHEMA_VERSION, current_version
from tests.conftest import PASSPHRASE, load_sample

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "vaults"
INDEXES = {"audit_case", "audit_action"}


def _indexes(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit'")}


def _plans(conn, run) -> list[str]:
    """The query plans of the statements on ``audit`` that ``run()`` executes (traced, values inlined)."""
    seen: list[str] = []
    conn.set_trace_callback(lambda sql: seen.append(sql) if " FROM audit " in sql else None)
    try:
        run()
    finally:
        conn.set_trace_callback(None)
    assert seen, "no audit query traced"
    return [" | ".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + sql)) for sql in seen]


def _check_index_used(v: Vault, case_id: str) -> None:
    assert INDEXES <= _indexes(v.conn)
    entries = _plans(v.conn, lambda: v.audit.entries(case_id=case_id))
    assert entries and all("USING INDEX audit_case" in p for p in entries), entries
    decisions = _plans(v.conn, lambda: decided_duplicates(v, case_id))
    assert decisions and all("USING INDEX audit_action" in p for p in decisions), decisions
    # the same answers as reading the whole log
    assert v.audit.entries(case_id=case_id) == [e for e in v.audit.entries() if e.case_id == case_id]


def test_every_sample_vault_gets_the_audit_indexes(tmp_path):
    samples = sorted(p for p in SAMPLES.glob("schema*") if (p / "home").is_dir())
    assert samples
    for sample in samples:
        expected = json.loads((sample / "expected.json").read_text(encoding="utf-8"))
        home = tmp_path / sample.name
        shutil.copytree(sample / "home", home)
        v = Vault.open(home, expected["officer"], PASSPHRASE)
        with v:
            assert current_version(v.conn) == SCHEMA_VERSION >= 5
            _check_index_used(v, sorted(expected["cases"])[0])
            assert v.audit.verify() > 0


def test_a_schema_4_vault_upgrades_and_records_it(home):
    v = Vault.create(home, "oficial.prueba", PASSPHRASE)
    first = v.save_case(load_sample("intake-adult-woman"))
    second = v.save_case(load_sample("intake-no-indications"))
    v.record("duplicate_dismiss", second.case_id, second.revision_id, other=first.case_id)  # as the form does
    # taken back to what schema 4 wrote: no audit index
    for name in INDEXES:
        v.conn.execute(f"DROP INDEX {name}")
    v.conn.execute("PRAGMA user_version = 4")
    assert _indexes(v.conn) == set()
    v.close()

    v = Vault.open(home, "oficial.prueba", PASSPHRASE)
    with v:
        assert current_version(v.conn) == SCHEMA_VERSION
        upgrades = [e.detail for e in v.audit.entries() if e.action == "schema_upgrade"]
        assert upgrades == [{"from": 4, "to": SCHEMA_VERSION}]
        _check_index_used(v, first.case_id)
        assert decided_duplicates(v, first.case_id) == {second.case_id}
        assert decided_duplicates(v, second.case_id) == {first.case_id}
        assert v.audit.verify() > 0


def test_a_new_vault_has_the_indexes(vault, sample):
    case_id = vault.save_case(sample("intake-unaccompanied-boy")).case_id
    _check_index_used(vault, case_id)
