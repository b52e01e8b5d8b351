"""The laptops' audit chains checked on both databases (JSON on SQLite, JSONB on
PostgreSQL): intact across bundles, and an entry changed after arrival is named. The
entries are fictional (ids and codes only)."""

from __future__ import annotations

import json

from sqlalchemy import text

from intake_app.server.device_audit import verify_devices
from intake_app.vault.audit import GENESIS, entry_hash


def chained(start: int, n: int, prev: str) -> list[dict]:
    out = []
    for seq in range(start, start + n):
        detail = {"case": "7KQ3-MX2D-9FAP", "n": seq, "texto": "señal"}  # non-ASCII, as the vault writes it
        at = f"2026-11-24T10:00:{seq:02d}.123456+00:00"
        e = {"seq": seq, "at": at, "officer_id": "oficial.demo", "action": "case_view", "case_id": None,
             "revision_id": None, "detail": detail, "prev_hash": prev}
        e["hash"] = entry_hash(prev, seq, at, "oficial.demo", "case_view", None, None,
                               json.dumps(detail, sort_keys=True, separators=(",", ":")))
        out.append(e)
        prev = e["hash"]
    return out


def test_device_chains_on_both_databases(srv, device_factory):
    dev = srv.enroll(device_factory())
    ing = srv.ingestor()
    first = chained(1, 3, GENESIS)
    ing.ingest(dev.bundle([dev.revision()], audit=first))
    ing.ingest(dev.bundle([dev.revision()], audit=chained(4, 2, first[-1]["hash"])))
    (chain,) = verify_devices(srv.engine)
    assert (chain.device_id, chain.state, chain.entries) == (dev.device_id, "intact", 5)
    with srv.engine.begin() as conn:
        row = conn.execute(text("SELECT entry FROM device_audit WHERE seq = 4")).scalar_one()
        entry = json.loads(row) if isinstance(row, str) else dict(row)
        entry["action"] = "vault_lock"
        conn.execute(text("UPDATE device_audit SET entry = :e WHERE seq = 4"), {"e": json.dumps(entry)})
    (chain,) = verify_devices(srv.engine, dev.device_id)
    assert (chain.state, chain.seq, chain.entries) == ("altered", 4, 3)
