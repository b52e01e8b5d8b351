"""How the committed schema-2 sample vault was made (kept for the record; never rerun
over the committed files: they must stay as schema 2 wrote them).

Run from a checkout of the commit that still had only migrations 0001–0002:

    git archive <commit> | tar -x -C /tmp/src
    INTAKE_TEST_FAST_KDF=1 PYTHONPATH=/tmp/src python make_vault.py OUTDIR

Everything in it is FICTIONAL (the resources/samples intakes and demo intakes whose
names carry FICTICIO/DEMO).
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date
from pathlib import Path

from intake_app.demo import fictional_intake
from intake_app.paths import resource
from intake_app.vault import Vault
from intake_app.vault.schema import SCHEMA_VERSION

TODAY = date(2026, 12, 1)
OFFICER = "oficial.demo"
PASSPHRASE = "frase de prueba ficticia"


def load_sample(name: str) -> dict:
    data = json.loads((resource("samples") / f"{name}.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def main(out: str) -> None:
    assert SCHEMA_VERSION == 2, SCHEMA_VERSION
    home = Path(out) / "home"
    v = Vault.create(home, OFFICER, PASSPHRASE)
    saved = []
    for name in ("intake-adult-woman", "intake-unaccompanied-boy", "intake-no-indications"):
        saved.append(v.save_case(load_sample(name), today=TODAY))
    # a second revision of the first case
    edited = dict(load_sample("intake-adult-woman"), case_status="follow_up")
    saved[0] = v.save_case(edited, case_id=saved[0].case_id, parent_revision=saved[0].revision_id,
                           today=TODAY)
    rng = random.Random(20261101)
    for _ in range(5):
        saved.append(v.save_case(fictional_intake(rng, v.codebook, TODAY), today=TODAY))
    v.save_draft("draft-demo-1", {"given_names": "Borrador DEMO"})
    expected = {
        "schema": 2,
        "officer": OFFICER,
        "device_id": v.device_id,
        "cases": {r.case_id: {"head_revision": r.revision_id, "content_hash": r.content_hash} for r in saved},
        "revisions": v.conn.execute("SELECT count(*) FROM revisions").fetchone()[0],
    }
    v.close()
    (Path(out) / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n",
                                             encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
