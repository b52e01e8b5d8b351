"""Server ingest on PostgreSQL, end to end from bundle bytes, beside a raw COPY.

Each bundle holds 1,000 valid fictional revisions (demo intakes, DEMO names, a different
draw for every bundle) from its own enrolled device. "Ingest" is the server's own path:
read header, find device, verify both signatures, HPKE-decrypt, zstd-decompress, parse,
check every revision (fields, content hash, codebook validation), then one transaction per
bundle writing bundles, revisions, device audit, cases, case facts, the dashboard's rows
(dash_case and the count deltas), receipt and audit log. The clock also covers the fold of
every dashboard delta into dash_rollup, so no work ingest causes is left outside it.
Measured with 1 and 2 processes, each started and warmed up (imports, keys, codebook,
one connection) before the clock, which runs from a common start barrier to the last
finish (plus the final fold).

Baselines in the same run, rows prepared in advance (not timed), one connection:
- raw COPY of every row ingest writes, into the same tables (revisions, device_audit,
  cases, case_facts, case_fact_exploitation, dash_case, dash_delta): the goal's yardstick;
- raw COPY of the revision, case and case-fact rows only (the narrower baseline of the
  first measurement, kept for comparison).
Goals: at least 5,000 revisions/s and at least half the COPY rate.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INTAKE_TEST_FAST_KDF", "1")

from bench.common import table  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PER_BUNDLE = 1000
BUNDLES = 12
TABLES = ("bundles, revisions, device_audit, cases, conflicts, case_facts, case_fact_exploitation, devices, audit_log,"
          " dash_case, dash_delta, dash_rollup")


def _setup(url: str, home: Path):
    from intake_app.bundle.serverkeys import KdfParams
    from intake_app.server.setup import init_server

    return init_server(home, db_url=url, passphrase="frase de banco ficticia", admin_username="admin",
                       admin_password="clave-banco-ficticia", kdf=KdfParams(memory_kib=1024, iterations=1))


def _reset(url: str) -> None:
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": "0" * 64})
    eng.dispose()


def _make_bundles(srv_settings, keystore, engine, n_bundles: int, tag: str):
    """Enroll one simulated device per bundle and build its bundle (not timed)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from server.devicesim import SimDevice

    from intake_app.codebook import load_codebook, validate_record
    from intake_app.demo import fictional_intakes
    from intake_app.server import devices

    cb = load_codebook("1.0")
    out = []
    for i in range(n_bundles):
        pool = [validate_record(cb, r) for r in fictional_intakes(PER_BUNDLE, seed=100 + i, cb=cb)]
        dev = SimDevice(f"bench-{tag}-{i:03d}")
        devices.register_request(engine, dev.enrollment_request(), source="bench")
        dev.accept_response(devices.approve(engine, keystore, dev.device_id, actor="bench", lease_days=30))
        revs = [dev.revision(content=pool[j]) for j in range(PER_BUNDLE)]
        audit = [dev.audit_entry(r) for r in revs]
        out.append((dev.bundle(revs, audit), revs, audit, dev.device_id))
    return out


_START = None


def _init(barrier) -> None:
    global _START
    _START = barrier


def _worker(args) -> tuple[float, float]:
    """A server process, started and warmed up (imports, keys, codebook, one connection)
    before the clock: the table measures ingest, not interpreter start-up. Returns the
    wall-clock (start, end) of its ingests; all workers start together at a barrier."""
    url, home, key_hex, bundles = args
    from intake_app.bundle.serverkeys import KEY_ENV
    from intake_app.codebook import load_codebook
    from intake_app.server.db import make_engine
    from intake_app.server.ingest import Ingestor
    from intake_app.server.keys import KeyStore

    os.environ[KEY_ENV] = key_hex
    engine = make_engine(url)
    ing = Ingestor(engine, KeyStore.open(Path(home) / "server.keys"))
    ing.keystore.keys()
    load_codebook("1.0")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    _START.wait()
    start = time.time()
    for data in bundles:
        ing.ingest(data)
    end = time.time()
    engine.dispose()
    return start, end


def _run_ingest(url, home, key_hex, datas: list[bytes], procs: int) -> float:
    parts = [datas[i::procs] for i in range(procs)]
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(procs)
    with ctx.Pool(procs, initializer=_init, initargs=(barrier,)) as pool:
        spans = pool.map(_worker, [(url, str(home), key_hex, p) for p in parts], chunksize=1)
    from intake_app.server.dashboard.rollup import fold
    from intake_app.server.db import make_engine

    engine = make_engine(url)
    start = time.time()
    fold(engine)  # what the processes left unfolded: part of the work ingest causes
    fold_s = time.time() - start
    engine.dispose()
    return max(e for _, e in spans) - min(s for s, _ in spans) + fold_s


def _baseline_rows(bundles) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """{table: (columns, rows)}: every row ingest writes for these bundles, as it writes them."""
    from collections import Counter
    from datetime import datetime, timezone

    from intake_app.server.dashboard.models import ROLLUP_COLUMNS
    from intake_app.server.dashboard.rollup import CASE_COLUMNS, _contribution, case_rows
    from intake_app.server.facts import facts_of
    from intake_app.server.ingest_pg import REVISION_COLUMNS
    from intake_app.server.jsontext import json_text as to_json

    now = datetime.now(timezone.utc)
    out: dict[str, tuple[tuple[str, ...], list[tuple]]] = {}

    def add(table, cols, rows):
        out.setdefault(table, (tuple(cols), []))[1].extend(rows)

    for i, (_, revs, audit, device_id) in enumerate(bundles):
        add("revisions", REVISION_COLUMNS, [(r["revision_id"], r["case_id"], r["parent_id"], r["officer_id"], device_id,
                                             i + 1, r["created_at"], r["codebook_version"], r["content_hash"],
                                             to_json(r["content"])) for r in revs])
        add("device_audit", ("device_id", "seq", "bundle_id", "entry"),
            [(device_id, a["seq"], i + 1, to_json(a)) for a in audit])
        add("cases", ("case_id", "head_revision_id", "revision_count", "open_conflicts", "review_state",
                      "first_received_at", "updated_at"), [(r["case_id"], r["revision_id"], 1, 0, "new", now, now)
                                                           for r in revs])
        facts, kinds = [], []
        for r in revs:
            f, k = facts_of(r["case_id"], r["revision_id"], "1.0", r["content"], now)
            facts.append(f)
            kinds.extend(k)
        add("case_facts", tuple(facts[0]), [tuple(f.values()) for f in facts])
        add("case_fact_exploitation", ("case_id", "exploitation_type"),
            [(k["case_id"], k["exploitation_type"]) for k in kinds])
        dash = case_rows(revs, facts)
        add("dash_case", CASE_COLUMNS, [tuple(d[c] for c in CASE_COLUMNS) for d in dash])
        delta: Counter = Counter()
        for d in dash:
            delta.update(_contribution(d))
        add("dash_delta", ROLLUP_COLUMNS, [(*cell, n) for cell, n in delta.items()])
    return out


def _copy_rows(url: str, tables: dict[str, tuple[tuple[str, ...], list[tuple]]]) -> float:
    """COPY prepared rows into their tables on one connection, one transaction; seconds."""
    import psycopg

    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq) as conn:
        start = time.perf_counter()
        with conn.cursor() as cur:
            for table, (cols, rows) in tables.items():
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
        conn.commit()
        return time.perf_counter() - start


def main() -> None:
    name = f"intake_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            from intake_app.server.db import make_engine

            settings, keystore = _setup(url, Path(tmp) / "home")
            engine = make_engine(url)
            key_hex = keystore.file_key.hex()
            results = []
            for procs in (1, 2):
                _reset(url)
                bundles = _make_bundles(settings, keystore, engine, BUNDLES, f"p{procs}")
                elapsed = _run_ingest(url, settings.home, key_hex, [b[0] for b in bundles], procs)
                with engine.connect() as conn:
                    stored = conn.execute(text("SELECT count(*) FROM revisions")).scalar_one()
                assert stored == BUNDLES * PER_BUNDLE, stored
                results.append((procs, stored / elapsed))
            rows = _baseline_rows(bundles)
            _reset(url)
            copy_rate = BUNDLES * PER_BUNDLE / _copy_rows(url, rows)
            _reset(url)
            narrow = {t: rows[t] for t in ("revisions", "cases", "case_facts")}
            narrow_rate = BUNDLES * PER_BUNDLE / _copy_rows(url, narrow)
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    n = BUNDLES * PER_BUNDLE
    rows = [[f"ingest end to end, {p} process{'es' if p > 1 else ''}", n, f"{rate:,.0f}", f"{rate / copy_rate:.2f}",
             f"{rate / narrow_rate:.2f}", "yes" if rate >= 5000 and rate >= copy_rate / 2 else "NO"]
            for p, rate in results]
    rows.append(["raw COPY of every row ingest writes (7 tables)", n, f"{copy_rate:,.0f}", "1.00",
                 f"{copy_rate / narrow_rate:.2f}", "-"])
    rows.append(["raw COPY of revisions, cases, case_facts only", n, f"{narrow_rate:,.0f}",
                 f"{narrow_rate / copy_rate:.2f}", "1.00", "-"])
    print(f"Server ingest on PostgreSQL, bundles of {PER_BUNDLE:,} revisions, {os.cpu_count()} cores")
    print(table(["pipeline", "revisions", "revisions/s", "× COPY (all rows)", "× COPY (3 tables)",
                 "goal ≥5,000/s and ≥0.5× COPY (all rows)"], rows))


if __name__ == "__main__":
    main()
