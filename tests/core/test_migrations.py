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
        assert len(upgrades) == 1 and upgrades[0].detail == {"to": SCHEMA_VERSION}
