"""How the schema-4 sample vault was made (kept for the record; never rerun over the
committed files: they must stay as schema 4 wrote them).

Run from a checkout of the commit that still had only migrations 0001–0004 (HEAD before 0005):

    git archive <commit> | tar -x -C /tmp/src
    cd /tmp/src && INTAKE_TEST_FAST_KDF=1 PYTHONPATH=/tmp/src python make_vault.py OUTDIR

Besides the cases it holds sync records: enrolled with the fictional server keys in
``server.key`` (passphrase below, tiny KDF), bundle 1 delivered (receipt imported),
bundle 2 exported to a stick without its receipt, and one case not yet in any bundle.

Everything in it is FICTIONAL (the resources/samples intakes and demo intakes whose
names carry FICTICIO/DEMO).
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date
from pathlib import Path

from intake_app.bundle import ServerKeys
from intake_app.bundle.serverkeys import KdfParams, KeyFileKey, write_key_file
from intake_app.demo import fictional_intake
from intake_app.paths import resource
from intake_app.sync import export_to, import_receipts
from intake_app.vault import Vault
from intake_app.vault.schema import SCHEMA_VERSION
from tests.sync.helpers import MiniServer, enroll

TODAY = date(2026, 12, 1)
OFFICER = "oficial.demo"
PASSPHRASE = "frase de prueba ficticia"
SERVER_KEY_PASSPHRASE = "frase del servidor ficticia"


def load_sample(name: str) -> dict:
    data = json.loads((resource("samples") / f"{name}.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def main(out: str) -> None:
    assert SCHEMA_VERSION == 4, SCHEMA_VERSION
    out = Path(out)
    home = out / "home"
    keys = ServerKeys.generate()
    write_key_file(out / "server.key", keys,
                   KeyFileKey.from_passphrase(SERVER_KEY_PASSPHRASE, KdfParams(memory_kib=1024, iterations=1, lanes=1)))
    v = Vault.create(home, OFFICER, PASSPHRASE)
    enroll(v, keys)
    mini = MiniServer(keys)
    mini.enroll(v)
    saved = []
    for name in ("intake-adult-woman", "intake-unaccompanied-boy", "intake-no-indications"):
        saved.append(v.save_case(load_sample(name), today=TODAY))
    edited = dict(load_sample("intake-adult-woman"), case_status="follow_up")
    saved[0] = v.save_case(edited, case_id=saved[0].case_id, parent_revision=saved[0].revision_id,
                           today=TODAY)
    rng = random.Random(20261201)
    for _ in range(5):
        saved.append(v.save_case(fictional_intake(rng, v.codebook, TODAY), today=TODAY))
    stick1 = out / "stick1"
    stick1.mkdir()
    export_to(v, stick1)  # bundle 1
    mini.import_stick(stick1)
    import_receipts(v, stick1)  # bundle 1 delivered
    delivered = [r.case_id for r in saved]
    sent = [v.save_case(fictional_intake(rng, v.codebook, TODAY), today=TODAY) for _ in range(2)]
    stick2 = out / "stick2"
    stick2.mkdir()
    export_to(v, stick2)  # bundle 2: sent, its receipt never read
    pending = v.save_case(fictional_intake(rng, v.codebook, TODAY), today=TODAY)
    v.save_draft("draft-demo-1", {"given_names": "Borrador DEMO"})
    # audit entries about cases: a view, a print and a duplicate decision (schema 5 indexes them)
    v.view_case(saved[0].case_id)
    v.record("case_print", saved[0].case_id, saved[0].revision_id, copy="official", lang="es")
    v.record("duplicate_dismiss", saved[1].case_id, saved[1].revision_id, other=saved[0].case_id)
    outbox = {r[0]: {"state": r[1], "bundle_hash": bytes(r[2]).hex()}
              for r in v.conn.execute("SELECT sequence, state, bundle_hash FROM sync_outbox")}
    expected = {
        "schema": 4,
        "officer": OFFICER,
        "device_id": v.device_id,
        "cases": {r.case_id: {"head_revision": r.revision_id, "content_hash": r.content_hash}
                  for r in saved + sent + [pending]},
        "revisions": v.conn.execute("SELECT count(*) FROM revisions").fetchone()[0],
        "sync": {
            "server_key_passphrase": SERVER_KEY_PASSPHRASE,
            "outbox": {str(k): val for k, val in sorted(outbox.items())},
            "delivered_cases": delivered,
            "sent_cases": [r.case_id for r in sent],
            "pending_cases": [pending.case_id],
            "delivered_revisions": v.conn.execute(
                "SELECT count(*) FROM sync_revisions WHERE delivered_at IS NOT NULL").fetchone()[0],
        },
    }
    v.close()
    import shutil

    shutil.rmtree(stick1)
    shutil.rmtree(stick2)
    (out / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
