"""Server ingest on PostgreSQL, end to end from bundle bytes, beside a raw COPY.

Each bundle holds 1,000 valid fictional revisions (demo intakes, DEMO names) from its
own enrolled device. "Ingest" is the server's own path: read header, find device,
verify both signatures, HPKE-decrypt, zstd-decompress, parse, check every revision
(fields, content hash, codebook validation), then one transaction per bundle writing
bundles, revisions, device audit, cases, case facts, receipt and audit log. Measured
with 1 and 2 processes, each started and warmed up (imports, keys, codebook, one
connection) before the clock, which runs from a common start barrier to the last finish. The baseline COPYs the very same revision, case and case-fact
rows (prepared in advance, not timed) into the same tables in the same run.
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
TABLES = "bundles, revisions, device_audit, cases, conflicts, case_facts, case_fact_exploitation, devices, audit_log"


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
    pool = [validate_record(cb, r) for r in fictional_intakes(PER_BUNDLE, seed=3, cb=cb)]
    out = []
    for i in range(n_bundles):
        dev = SimDevice(f"bench-{tag}-{i:03d}")
        devices.register_request(engine, dev.enrollment_request(), source="bench")
        dev.accept_response(devices.approve(engine, keystore, dev.device_id, actor="bench", lease_days=30))
        revs = [dev.revision(content=pool[j]) for j in range(PER_BUNDLE)]
        out.append((dev.bundle(revs), revs))
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
    return max(e for _, e in spans) - min(s for s, _ in spans)


def _copy_rows(url: str, bundles) -> float:
    """COPY the same revision, case and case-fact rows into the same tables."""
    from datetime import datetime, timezone

    import psycopg

    from intake_app.server.facts import facts_of

    now = datetime.now(timezone.utc)
    rev_rows, case_rows, fact_rows = [], [], []
    fact_cols = None
    for i, (_, revs) in enumerate(bundles):
        for r in revs:
            rev_rows.append((r["revision_id"], r["case_id"], r["parent_id"], r["officer_id"], f"bench-{i}", i + 1,
                             r["created_at"], r["codebook_version"], r["content_hash"], json.dumps(r["content"])))
            case_rows.append((r["case_id"], r["revision_id"], 1, 0, "new", now, now))
            f, _ = facts_of(r["case_id"], r["revision_id"], "1.0", r["content"], now)
            fact_cols = fact_cols or list(f)
            fact_rows.append(tuple(f[c] for c in fact_cols))
    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq) as conn:
        start = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy("COPY revisions (revision_id, case_id, parent_id, officer_id, device_id, bundle_id, created_at,"
                          " codebook_version, content_hash, content) FROM STDIN") as cp:
                for row in rev_rows:
                    cp.write_row(row)
            with cur.copy("COPY cases (case_id, head_revision_id, revision_count, open_conflicts, review_state,"
                          " first_received_at, updated_at) FROM STDIN") as cp:
                for row in case_rows:
                    cp.write_row(row)
            with cur.copy(f"COPY case_facts ({', '.join(fact_cols)}) FROM STDIN") as cp:
                for row in fact_rows:
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
                elapsed = _run_ingest(url, settings.home, key_hex, [b for b, _ in bundles], procs)
                with engine.connect() as conn:
                    stored = conn.execute(text("SELECT count(*) FROM revisions")).scalar_one()
                assert stored == BUNDLES * PER_BUNDLE, stored
                results.append((procs, stored / elapsed))
            _reset(url)
            copy_s = _copy_rows(url, bundles)
            copy_rate = BUNDLES * PER_BUNDLE / copy_s
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    n = BUNDLES * PER_BUNDLE
    rows = [[f"ingest end to end, {p} process{'es' if p > 1 else ''}", n, f"{rate:,.0f}", f"{rate / copy_rate:.2f}",
             "yes" if rate >= 5000 and rate >= copy_rate / 2 else "NO"] for p, rate in results]
    rows.append(["raw COPY of the same rows (revisions, cases, case_facts)", n, f"{copy_rate:,.0f}", "1.00", "-"])
    print(f"Server ingest on PostgreSQL, bundles of {PER_BUNDLE:,} revisions, {os.cpu_count()} cores")
    print(table(["pipeline", "revisions", "revisions/s", "× COPY", "goal ≥5,000/s and ≥0.5× COPY"], rows))


if __name__ == "__main__":
    main()
