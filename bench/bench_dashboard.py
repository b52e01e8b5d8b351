"""Dashboard views over 1,000,000 fictional cases on PostgreSQL (and 100,000 on SQLite),
each beside a plain ``SELECT count(*) … GROUP BY`` over the same case_facts rows.

    .venv/bin/python -m bench.bench_dashboard [PG_CASES] [SQLITE_CASES]

Load: POOL distinct fictional intakes (intake_app.demo.fictional_intakes) go through the
server's own ``facts_of`` and the dashboard's ``case_rows`` (the code ingest runs), then
are copied with new case ids up to the target: ``case_facts`` and ``dash_case`` by COPY
(PostgreSQL) or executemany (SQLite), ``dash_rollup`` from the same cells with the same
upsert ingest uses. The PostgreSQL views are timed again with 40,000 unfolded deltas
appended (the most two server processes leave before they fold, see ``rollup.fold``).
Goals: every view < 250 ms at 1M on PostgreSQL, < 1 s at 100k on SQLite.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

POOL = 50_000
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TODAY = date(2026, 11, 20)
RUNS = 7


def pool(n: int):
    from intake_app.demo import fictional_intakes
    from intake_app.server.dashboard.rollup import case_rows
    from intake_app.server.facts import facts_of

    now = datetime.now(timezone.utc)
    facts, heads = [], []
    for i, c in enumerate(fictional_intakes(n, seed=2026, today=TODAY)):
        row, _ = facts_of(f"p{i}", uuid.uuid4().hex, "1.0", c, now)
        facts.append(row)
        heads.append({"content": c})
    return facts, case_rows(heads, facts)


def load(engine, facts, dcases, total: int) -> float:
    from intake_app.server.dashboard.models import DashCase
    from intake_app.server.dashboard.rollup import add_to_rollup, counts_from_cases
    from intake_app.server.models import CaseFacts

    t0 = time.perf_counter()
    copies = -(-total // len(facts))
    fcols = [c.name for c in CaseFacts.__table__.columns]
    dcols = [c.name for c in DashCase.__table__.columns]
    n = 0
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy(f"COPY case_facts ({', '.join(fcols)}) FROM STDIN") as cp:
                for k in range(copies):
                    for f in facts[: min(len(facts), total - k * len(facts))]:
                        cp.write_row([f"c{k:03d}-{f['case_id']}" if c == "case_id" else f[c] for c in fcols])
            with cur.copy(f"COPY dash_case ({', '.join(dcols)}) FROM STDIN") as cp:
                for k in range(copies):
                    for d in dcases[: min(len(dcases), total - k * len(dcases))]:
                        cp.write_row([f"c{k:03d}-{d['case_id']}" if c == "case_id" else d[c] for c in dcols])
                        n += 1
            raw.commit()
        finally:
            raw.close()
    else:
        with engine.begin() as conn:
            for k in range(copies):
                part_f = facts[: min(len(facts), total - k * len(facts))]
                conn.execute(CaseFacts.__table__.insert(), [{**f, "case_id": f"c{k:03d}-{f['case_id']}"} for f in part_f])
                part_d = dcases[: len(part_f)]
                conn.execute(DashCase.__table__.insert(), [{**d, "case_id": f"c{k:03d}-{d['case_id']}"} for d in part_d])
                n += len(part_d)
    counts: Counter = Counter()
    full, rest = divmod(total, len(dcases))
    base = counts_from_cases(dcases)
    for cell, v in base.items():
        counts[cell] += v * full
    counts.update(counts_from_cases(dcases[:rest]))
    with engine.begin() as conn:
        add_to_rollup(conn, counts)
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE case_facts")
            conn.exec_driver_sql("ANALYZE dash_rollup")
    assert n == total
    return time.perf_counter() - t0


def add_unfolded_deltas(engine, dcases: list[dict], rows: int) -> int:
    """The most deltas two server processes leave unfolded (``FOLD_AFTER`` each): the views
    read them with a scan beside the rollup. Returns how many were appended."""
    from intake_app.server.dashboard.models import ROLLUP_COLUMNS
    from intake_app.server.dashboard.rollup import _contribution

    cells = [cell for d in dcases for cell in _contribution(d)][:rows]
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy(f"COPY dash_delta ({', '.join(ROLLUP_COLUMNS)}) FROM STDIN") as cp:
                for cell in cells:
                    cp.write_row((*cell, 1))
            cur.execute("ANALYZE dash_delta")
        raw.commit()
    finally:
        raw.close()
    return len(cells)


def timed(fn) -> tuple[float, float]:
    fn()  # warm
    xs = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(xs), max(xs)


BASELINE = {  # the plain GROUP BY a view stands for
    "overview": "flag_trafficking, flag_smuggling", "sex": "sex_age_group", "age": "age_band",
    "nationality": "citizenship", "exploitation": "flag_trafficking", "control": "flag_trafficking",
    "recruiter": "trafficking_status", "flow": "cross_border", "posts": "border_post", "quarters": "quarter",
    "referrals": "institution", "accreditation": "trafficking_status", "smuggling": "sex_age_group, flag_smuggling",
}


def run(engine, label: str, goal_ms: float) -> list[tuple]:
    from sqlalchemy import text

    from intake_app.server.dashboard import views
    from intake_app.server.dashboard.filters import Filters

    rows = []
    filters = {"all": Filters(), "CR": Filters(country="CR"),
               "post+quarter": Filters(post="cr_paso_canoas", period_from="2026-Q2", period_to="2026-Q2")}
    with engine.connect() as conn:
        for view in views.VIEWS:
            base_sql = text(f"SELECT {BASELINE[view]}, count(*) FROM case_facts GROUP BY {BASELINE[view]}")
            b50, _ = timed(lambda: conn.execute(base_sql).all())
            for fname, f in filters.items():
                p50, worst = timed(lambda: views.build(conn, view, f, today=TODAY))
                rows.append((label, view, fname, p50, worst, b50, "ok" if worst < goal_ms else "SLOW"))
    return rows


def main(argv: list[str] | None = None) -> None:
    argv = argv or []
    pg_n = int(argv[0]) if argv else 1_000_000
    sq_n = int(argv[1]) if len(argv) > 1 else 100_000
    os.environ.setdefault("INTAKE_TEST_FAST_KDF", "1")
    from sqlalchemy import create_engine, text

    from intake_app.server.db import make_engine
    from intake_app.server.migrate import upgrade

    t0 = time.perf_counter()
    facts, dcases = pool(min(POOL, max(pg_n, sq_n)))
    print(f"pool of {len(facts):,} fictional intakes through facts_of + case_rows: {time.perf_counter() - t0:.1f} s")
    results = []
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"intake_dash_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        eng = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
        upgrade(eng)
        secs = load(eng, facts, dcases, pg_n)
        with eng.connect() as conn:
            nroll = conn.execute(text("SELECT count(*) FROM dash_rollup")).scalar_one()
        print(f"PostgreSQL: {pg_n:,} cases loaded in {secs:.1f} s (COPY); dash_rollup has {nroll:,} rows")
        results += run(eng, f"PostgreSQL {pg_n:,}", 250)
        from intake_app.server.ingest import FOLD_AFTER

        backlog = add_unfolded_deltas(eng, dcases, 2 * FOLD_AFTER)
        results += run(eng, f"PG +{backlog // 1000}k deltas", 250)
        eng.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        eng = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        upgrade(eng)
        secs = load(eng, facts, dcases, sq_n)
        print(f"SQLite: {sq_n:,} cases loaded in {secs:.1f} s")
        results += run(eng, f"SQLite {sq_n:,}", 1000)
        eng.dispose()
    print()
    print(f"{'database':<20} {'view':<14} {'filters':<13} {'view p50 ms':>11} {'view max ms':>11} "
          f"{'plain GROUP BY p50 ms':>22}  goal")
    for label, view, fname, p50, worst, base in [r[:6] for r in results]:
        goal = next(r[6] for r in results if r[:3] == (label, view, fname))
        print(f"{label:<20} {view:<14} {fname:<13} {p50:>11.1f} {worst:>11.1f} {base:>22.1f}  {goal}")


if __name__ == "__main__":
    main(sys.argv[1:])
