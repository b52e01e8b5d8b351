"""Keep ``dash_case``, ``dash_delta`` and ``dash_rollup`` in step with the case heads.

Inside ingest's transaction (so the figures are exactly as current as the cases, and
several server processes agree: nothing is held in memory), for the cases whose head
changed: read their old contribution (``dash_case``), subtract it, add the new one, and
append the net difference per cell to ``dash_delta``. Appending takes no lock on any
count, so concurrent ingests never wait for each other's cells.

:func:`fold` later moves the deltas into ``dash_rollup`` (one MERGE, or on PostgreSQL
before 15 one upsert per cell, in its own transaction, one folder at a time). Ingest calls it after a bundle once
enough deltas have piled up; the views read ``dash_rollup`` plus what is not folded yet.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import chain
from operator import itemgetter
from typing import Iterable, Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from .. import pgcopy
from ..jsontext import json_text
from .collect import cells_of, key_of
from .models import KEY_COLUMNS, ROLLUP_COLUMNS, DashCase, DashRollup, dash_delta

case_t = DashCase.__table__
rollup_t = DashRollup.__table__
delta_t = dash_delta
CHUNK = 2000
CELL_COLUMNS = ROLLUP_COLUMNS[:-1]  # the key of a cell: dim, the rollup key, code
CASE_COLUMNS = ("case_id", *KEY_COLUMNS, "cells")
FOLD_LOCK = 0x6461736866  # pg advisory lock: one folder at a time ("dashf")
MERGE_FROM = 150000  # PostgreSQL 15 has MERGE (and WITH before it); older servers fold with ON CONFLICT


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
    return [row for row, _ in _with_cells(heads, facts)]


def _with_cells(heads: Sequence[Mapping], facts: Sequence[Mapping]) -> list[tuple[dict, list]]:
    """(dash_case row, its contribution) for each head: the cells as a list and as text."""
    out = []
    for head, fact in zip(heads, facts):
        key = key_of(fact)
        cells = cells_of(fact, head["content"])
        out.append((dict(zip(CASE_COLUMNS, (fact["case_id"], *key, json_text(cells)))),
                    [(dim, *key, code) for dim, code in cells]))
    return out


def _contribution(row: Mapping) -> Iterable[tuple]:
    key = tuple(row[c] for c in KEY_COLUMNS)
    for dim, code in json.loads(row["cells"]):
        yield (dim, *key, code)


def apply(conn: Connection, heads: Sequence[Mapping], facts: Sequence[Mapping], *, direct: bool = False) -> int:
    """Called by ingest (``write_facts``) with the new head revisions and their facts rows.
    Returns the number of delta rows appended. ``direct``: add to ``dash_rollup`` at once
    (a migration's backfill, which runs alone)."""
    if not heads:
        return 0
    cased = _with_cells(heads, facts)
    new_rows = [row for row, _ in cased]
    pg = conn.dialect.name == "postgresql"
    old_rows = _old_rows(conn, [r["case_id"] for r in new_rows], pg)
    delta: Counter = Counter()
    for old in old_rows:
        for cell in _contribution(old):
            delta[cell] -= 1
    delta.update(chain.from_iterable(cells for _, cells in cased))  # one count, in the same order
    cells = [(*cell, n) for cell, n in delta.items() if n]
    if pg:
        _write_pg(conn, new_rows, fresh=not old_rows, cells=[] if direct else cells)
    else:
        stmt = _insert(conn, case_t)
        stmt = stmt.on_conflict_do_update(index_elements=["case_id"],
                                          set_={c: stmt.excluded[c] for c in CASE_COLUMNS[1:]})
        for part in _chunks(sorted(new_rows, key=lambda r: r["case_id"])):
            conn.execute(stmt, part)
        if not direct and cells:
            for part in _chunks(cells):
                conn.execute(delta_t.insert(), [dict(zip(ROLLUP_COLUMNS, c)) for c in part])
    if direct:
        add_to_rollup(conn, delta)
        return 0
    return len(cells)


def _old_rows(conn: Connection, ids: list[str], pg: bool) -> list[dict]:
    if pg:
        with pgcopy.cursor(conn) as cur:
            cur.execute(f"SELECT {', '.join(CASE_COLUMNS)} FROM dash_case WHERE case_id = ANY(%s)", (ids,))
            return [dict(zip(CASE_COLUMNS, row)) for row in cur.fetchall()]
    out = []
    for part in _chunks(ids):
        out.extend(dict(r) for r in conn.execute(select(case_t).where(case_t.c.case_id.in_(part))).mappings())
    return out


def _write_pg(conn: Connection, new_rows: list[dict], fresh: bool, cells: list[tuple]) -> None:
    """dash_case rows (straight in when none of these cases had one) and the deltas, by COPY."""
    rows = sorted(map(itemgetter(*CASE_COLUMNS), new_rows))
    with pgcopy.cursor(conn) as cur:
        if not (fresh and pgcopy.copy_fresh(cur, "dash_case", CASE_COLUMNS, rows)):
            stage = pgcopy.stage(cur, "dash_case", CASE_COLUMNS, rows)
            sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in CASE_COLUMNS[1:])
            cur.execute(f"INSERT INTO dash_case ({', '.join(CASE_COLUMNS)}) SELECT {', '.join(CASE_COLUMNS)}"
                        f" FROM {stage} ORDER BY case_id ON CONFLICT (case_id) DO UPDATE SET {sets}")
        if cells:
            with cur.copy(f"COPY dash_delta ({', '.join(ROLLUP_COLUMNS)}) FROM STDIN") as cp:
                for cell in cells:
                    cp.write_row(cell)


def fold(engine: Engine) -> int:
    """Move every delta into ``dash_rollup`` in one transaction; returns the cells touched.
    On PostgreSQL one folder at a time (a second one finds the lock taken and leaves the
    work to the first), so the upsert needs no key order to stay clear of deadlocks:
    ingest never writes ``dash_rollup``, and :func:`rebuild` takes the same lock. That lock
    is also what lets PostgreSQL 15 and later fold with one MERGE (:func:`_merge`)."""
    cols = ", ".join(CELL_COLUMNS)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            with pgcopy.cursor(conn) as cur:
                cur.execute("SELECT pg_try_advisory_xact_lock(%s)", (FOLD_LOCK,))
                if not cur.fetchone()[0]:
                    return 0
                moved = (f"WITH moved AS (DELETE FROM dash_delta RETURNING {cols}, n)",
                         f"SELECT {cols}, sum(n) AS n FROM moved GROUP BY {cols} HAVING sum(n) <> 0")
                if cur.connection.info.server_version >= MERGE_FROM:
                    cur.execute(_merge(*moved))
                else:
                    cur.execute(f"{moved[0]} INSERT INTO dash_rollup ({cols}, n) {moved[1]} ON CONFLICT"
                                " ON CONSTRAINT pk_dash_rollup DO UPDATE SET n = dash_rollup.n + EXCLUDED.n")
                return cur.rowcount
        delta: Counter = Counter()
        for row in conn.execute(select(delta_t)):
            delta[tuple(row[:-1])] += row[-1]
        conn.execute(delta_t.delete())
        add_to_rollup(conn, delta)
        return len(delta)


def _merge(with_moved: str, summed: str) -> str:
    """The fold as one MERGE: the summed deltas joined to the counts once, each cell then
    updated or inserted: about 30 % less work than ``INSERT … ON CONFLICT``, which looks every
    cell up in the seven-column key before it inserts or locks and updates. Safe only because
    nothing else writes ``dash_rollup`` meanwhile (``FOLD_LOCK``; a MERGE would not wait for
    a concurrent insert of the same cell, as ON CONFLICT does)."""
    cols = ", ".join(CELL_COLUMNS)
    on = " AND ".join(f"r.{c} = d.{c}" for c in CELL_COLUMNS)
    return (f"{with_moved} MERGE INTO dash_rollup AS r USING ({summed}) AS d ON {on}"
            " WHEN MATCHED THEN UPDATE SET n = r.n + d.n"
            f" WHEN NOT MATCHED THEN INSERT ({cols}, n) VALUES ({', '.join('d.' + c for c in CELL_COLUMNS)}, d.n)")


def add_to_rollup(conn: Connection, delta: Mapping[tuple, int]) -> None:
    rows = [{**dict(zip(CELL_COLUMNS, cell)), "n": n} for cell, n in sorted(delta.items()) if n]
    if not rows:
        return
    stmt = _insert(conn, rollup_t)
    stmt = stmt.on_conflict_do_update(index_elements=list(CELL_COLUMNS), set_={"n": rollup_t.c.n + stmt.excluded.n})
    for part in _chunks(rows):
        conn.execute(stmt, part)


def counts_from_cases(rows: Iterable[Mapping]) -> Counter:
    total: Counter = Counter()
    for row in rows:
        total.update(_contribution(row))
    return total


def rebuild(conn: Connection) -> int:
    """Recompute dash_rollup from dash_case (repair, and a check that the increments agree)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({FOLD_LOCK})")  # no fold meanwhile
    conn.execute(rollup_t.delete())
    conn.execute(delta_t.delete())
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
