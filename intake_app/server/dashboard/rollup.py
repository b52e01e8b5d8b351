"""Keep ``dash_case`` and ``dash_rollup`` in step with the case heads, inside ingest's
transaction, so the figures are exactly as current as the cases and several server
processes agree (every change is a database upsert, nothing is held in memory).

For the cases whose head changed: read their old contribution (``dash_case``), subtract
it, add the new one, and apply the net difference to ``dash_rollup`` with one upsert per
changed cell (``n = n + delta``) in key order, so concurrent ingests never deadlock.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Iterable, Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from .collect import cells_of, key_of
from .models import KEY_COLUMNS, DashCase, DashRollup

case_t = DashCase.__table__
rollup_t = DashRollup.__table__
CHUNK = 2000


def _insert(conn: Connection, table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def case_rows(heads: Sequence[Mapping], facts: Sequence[Mapping]) -> list[dict]:
    """dash_case rows for head revisions and their case_facts rows (same order)."""
    rows = []
    for head, fact in zip(heads, facts):
        key = key_of(fact)
        rows.append({"case_id": fact["case_id"], **dict(zip(KEY_COLUMNS, key)),
                     "cells": json.dumps(cells_of(fact, head["content"]), separators=(",", ":"))})
    return rows


def _contribution(row: Mapping) -> Iterable[tuple]:
    key = tuple(row[c] for c in KEY_COLUMNS)
    for dim, code in json.loads(row["cells"]):
        yield (dim, *key, code)


def apply(conn: Connection, heads: Sequence[Mapping], facts: Sequence[Mapping]) -> None:
    """Called by ingest (``write_facts``) with the new head revisions and their facts rows."""
    if not heads:
        return
    new_rows = case_rows(heads, facts)
    if conn.dialect.name == "postgresql":
        _apply_pg(conn, new_rows)
        return
    ids = [r["case_id"] for r in new_rows]
    delta: Counter = Counter()
    for part in _chunks(ids):
        for old in conn.execute(select(case_t).where(case_t.c.case_id.in_(part))).mappings():
            for cell in _contribution(old):
                delta[cell] -= 1
    for row in new_rows:
        for cell in _contribution(row):
            delta[cell] += 1
    stmt = _insert(conn, case_t)
    stmt = stmt.on_conflict_do_update(index_elements=["case_id"],
                                      set_={c: stmt.excluded[c] for c in (*KEY_COLUMNS, "cells")})
    for part in _chunks(sorted(new_rows, key=lambda r: r["case_id"])):
        conn.execute(stmt, part)
    add_to_rollup(conn, delta)


def _stage(cur, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> str:
    """COPY rows into a per-session temporary twin of ``table`` (emptied at each commit)."""
    stage = f"stage_{table}"
    cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table}) ON COMMIT DELETE ROWS")
    cur.execute(f"DELETE FROM {stage}")
    with cur.copy(f"COPY {stage} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)
    return stage


def _apply_pg(conn: Connection, new_rows: list[dict]) -> None:
    """The same as :func:`apply` in a fixed number of statements: one read of the old
    contributions, one upsert of ``dash_case`` and one of ``dash_rollup`` (rows by COPY,
    applied in key order so concurrent ingests never deadlock)."""
    cols = ("case_id", *KEY_COLUMNS, "cells")
    names = ("dim", *KEY_COLUMNS, "code")
    delta: Counter = Counter()
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(cols)} FROM dash_case WHERE case_id = ANY(%s)",
                    ([r["case_id"] for r in new_rows],))
        for old in cur.fetchall():
            for cell in _contribution(dict(zip(cols, old))):
                delta[cell] -= 1
        for row in new_rows:
            for cell in _contribution(row):
                delta[cell] += 1
        stage = _stage(cur, "dash_case", cols, (tuple(r[c] for c in cols) for r in new_rows))
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols[1:])
        cur.execute(f"INSERT INTO dash_case ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {stage}"
                    f" ORDER BY case_id ON CONFLICT (case_id) DO UPDATE SET {sets}")
        cells = [(*cell, n) for cell, n in delta.items() if n]
        if cells:
            stage = _stage(cur, "dash_rollup", (*names, "n"), cells)
            cur.execute(f"INSERT INTO dash_rollup ({', '.join(names)}, n) SELECT {', '.join(names)}, n FROM {stage}"
                        f" ORDER BY {', '.join(names)} ON CONFLICT ({', '.join(names)}) DO UPDATE"
                        " SET n = dash_rollup.n + EXCLUDED.n")


def add_to_rollup(conn: Connection, delta: Mapping[tuple, int]) -> None:
    names = ("dim", *KEY_COLUMNS, "code")
    rows = [{**dict(zip(names, cell)), "n": n} for cell, n in sorted(delta.items()) if n]
    if not rows:
        return
    stmt = _insert(conn, rollup_t)
    stmt = stmt.on_conflict_do_update(index_elements=list(names), set_={"n": rollup_t.c.n + stmt.excluded.n})
    for part in _chunks(rows):
        conn.execute(stmt, part)


def counts_from_cases(rows: Iterable[Mapping]) -> Counter:
    total: Counter = Counter()
    for row in rows:
        total.update(_contribution(row))
    return total


def rebuild(conn: Connection) -> int:
    """Recompute dash_rollup from dash_case (repair, and a check that the increments agree)."""
    conn.execute(rollup_t.delete())
    total: Counter = Counter()
    last = ""
    while True:
        rows = conn.execute(select(case_t).where(case_t.c.case_id > last).order_by(case_t.c.case_id)
                            .limit(20000)).mappings().all()
        if not rows:
            break
        total.update(counts_from_cases(rows))
        last = rows[-1]["case_id"]
    add_to_rollup(conn, total)
    return conn.execute(select(func.count()).select_from(rollup_t)).scalar_one()
