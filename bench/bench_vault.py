"""Vault benchmark (issue 3): with 100,000 cases in the vault, save p50/p95/p99, ranked
name search p50/p95 and unlock time, beside the same SQL on plain ``sqlite3`` (same
schema, same rows) and on raw SQLCipher, in the same run.

Environment: BENCH_CASES (default 100000), BENCH_SAVES (default 2000).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.common import pct, table

N = int(os.environ.get("BENCH_CASES", "100000"))
SAVES = int(os.environ.get("BENCH_SAVES", "2000"))
PREFIXES = ["rodr", "gonz", "pere", "hern", "mart", "garc", "lope", "diaz", "mora", "jime", "cast", "nune",
            "pena", "jose", "pier", "varg", "roja", "sola", "arri", "muno"]
PASS = "frase de banco de pruebas ficticia"


def _plain_rows(records):
    from intake_app.codebook import derive, load_codebook, validate_record
    from intake_app.vault.cases import canonical_json, flags_of, new_case_id, revision_hash
    from intake_app.vault.search import index_texts, person_keys

    cb = load_codebook()
    for rec in records:
        clean = validate_record(cb, rec)
        d = derive(cb, clean)
        case_id = new_case_id()
        names, docs = index_texts(clean, ["given_names", "surnames", "other_names", "guardian_name"], ["document_number"])
        yield (case_id, canonical_json(clean), revision_hash(case_id, None, cb.version, clean),
               (clean.get("record_date"), clean.get("border_post"), clean.get("gender"), d.get("age_band"),
                clean.get("citizenship"), flags_of(d)), names, docs, person_keys(clean, d))


def _raw_save(conn, row, seq):
    """The vault's SQL for one new case, without the app's validation/derivation/audit logic."""
    case_id, content, h, dims, names, docs, keys = row
    rid = f"{seq:032x}"
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO revisions (revision_id, case_id, parent_id, officer_id, created_at, codebook_version,"
                 " content, content_hash) VALUES (?,?,?,?,?,?,?,?)", (rid, case_id, None, "o", "t", "1.0", content, h))
    cur = conn.execute("INSERT INTO cases (case_id, head_revision, revision_count, created_at, updated_at, record_date,"
                       " border_post, gender, age_band, citizenship, flags) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       (case_id, rid, 1, "t", "t", *dims))
    conn.execute("INSERT INTO name_index (rowid, names, documents) VALUES (?,?,?)", (cur.lastrowid, names, docs))
    conn.executemany("INSERT OR IGNORE INTO person_keys (kind, key, case_rowid, case_id, citizenship, age_band)"
                     " VALUES (?,?,?,?,?,?)", [(k, v, cur.lastrowid, case_id, dims[4], dims[3]) for k, v in keys])
    conn.execute("COMMIT")


def _raw_db(module, path: Path, key: bytes | None):
    from intake_app.vault.schema import _statements, migrations

    conn = module.connect(str(path), isolation_level=None)
    if key:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    for pragma in ("temp_store = MEMORY", "journal_mode = WAL", "synchronous = FULL", "wal_autocheckpoint = 0"):
        conn.execute(f"PRAGMA {pragma}")
    for _, sql in migrations():
        for st in _statements(sql):
            conn.execute(st)
    return conn


def _time_saves(save, rows) -> list[float]:
    out = []
    for row in rows:
        t = time.perf_counter()
        save(row)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _time_search(search) -> list[float]:
    rng = random.Random(5)
    out = []
    for _ in range(1000):
        q = rng.choice(PREFIXES)
        t = time.perf_counter()
        search(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


SEARCH_SQL = ("SELECT c.case_id FROM name_index JOIN cases c ON c.rowid = name_index.rowid"
              " WHERE name_index MATCH ? ORDER BY rank LIMIT 50")


def main() -> None:
    import sqlcipher3

    from intake_app.demo import fictional_intakes
    from intake_app.vault import Vault
    from intake_app.vault import kdf

    os.environ.pop(kdf.TEST_ENV, None)
    tmp = Path(tempfile.mkdtemp(prefix="bench-vault-"))
    print(f"{N:,} cases pre-filled, {SAVES:,} timed saves, 1,000 ranked searches; data in {tmp}")
    records = list(fictional_intakes(N + SAVES, seed=11))
    fill, timed = records[:N], records[N:]

    t = time.perf_counter()
    params = kdf.calibrate()
    calib = time.perf_counter() - t
    t = time.perf_counter()
    v = Vault.create(tmp / "app", "bench", PASS, params)
    v.save_cases_bulk(fill)
    fill_s = time.perf_counter() - t
    v.close()
    unlock = []
    for _ in range(3):
        t = time.perf_counter()
        v = Vault.open(tmp / "app", "bench", PASS)
        unlock.append(time.perf_counter() - t)
        v.close()
    v = Vault.open(tmp / "app", "bench", PASS)
    v.checkpoint()
    app_save = _time_saves(v.save_case, timed)
    app_search = _time_search(lambda q: v.search(q))
    v.close()

    rows = list(_plain_rows(records))
    results = {}
    for label, module, key in (("plain sqlite3", sqlite3, None), ("raw SQLCipher", sqlcipher3, os.urandom(32))):
        conn = _raw_db(module, tmp / f"{label.split()[0]}.db", key)
        conn.execute("BEGIN")
        for i, row in enumerate(rows[:N]):
            case_id, content, h, dims, names, docs, keys = row
            conn.execute("INSERT INTO revisions (revision_id, case_id, officer_id, created_at, codebook_version,"
                         " content, content_hash) VALUES (?,?,?,?,?,?,?)", (f"{i:032x}", case_id, "o", "t", "1.0", content, h))
            cur = conn.execute("INSERT INTO cases (case_id, head_revision, revision_count, created_at, updated_at,"
                               " record_date, border_post, gender, age_band, citizenship, flags)"
                               " VALUES (?,?,?,?,?,?,?,?,?,?,?)", (case_id, f"{i:032x}", 1, "t", "t", *dims))
            conn.execute("INSERT INTO name_index (rowid, names, documents) VALUES (?,?,?)", (cur.lastrowid, names, docs))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        seq = iter(range(10**9, 10**10))
        saves = _time_saves(lambda r: _raw_save(conn, r, next(seq)), rows[N:])
        search = _time_search(lambda q: conn.execute(SEARCH_SQL, (f'"{q}"*',)).fetchall())
        results[label] = (saves, search)
        conn.close()

    base_save, base_search = results["plain sqlite3"]
    rs_save, rs_search = results["raw SQLCipher"]
    rows_out = []
    for label, saves, search in (("app vault (SQLCipher + validation, audit, FTS, hints)", app_save, app_search),
                                 ("raw SQLCipher, same SQL", rs_save, rs_search),
                                 ("plain sqlite3, same SQL (baseline)", base_save, base_search)):
        rows_out.append([label, pct(saves, 50), pct(saves, 95), pct(saves, 99), max(saves), pct(search, 50),
                         pct(search, 95)])
    print(table(["variant", "save p50 ms", "save p95", "save p99", "save max", "search p50 ms", "search p95"], rows_out))
    print()
    print(table(["ratio", "save p50", "save p95", "save p99", "search p50", "search p95"], [
        ["app / plain sqlite3", pct(app_save, 50) / pct(base_save, 50), pct(app_save, 95) / pct(base_save, 95),
         pct(app_save, 99) / pct(base_save, 99), pct(app_search, 50) / pct(base_search, 50),
         pct(app_search, 95) / pct(base_search, 95)],
        ["app / raw SQLCipher", pct(app_save, 50) / pct(rs_save, 50), pct(app_save, 95) / pct(rs_save, 95),
         pct(app_save, 99) / pct(rs_save, 99), pct(app_search, 50) / pct(rs_search, 50),
         pct(app_search, 95) / pct(rs_search, 95)],
    ]))
    print()
    print(table(["unlock", "value"], [
        ["Argon2id params (calibrated)", f"{params.memory_kib // 1024} MiB, t={params.iterations}"],
        ["calibration s (first run only)", calib],
        ["unlock s (KDF + open), median of 3", sorted(unlock)[1]],
        ["goal", "0.25–1 s"],
        [f"bulk fill of {N:,} cases, s", fill_s],
    ]))
    print("\nGoals: save p95 ≤ 5 ms, p99 ≤ 15 ms; search p95 ≤ 30 ms; unlock 0.25–1 s.")


if __name__ == "__main__":
    main()
