"""Set-based writes on PostgreSQL: rows travel by ``COPY`` inside SQLAlchemy's transaction.

Two ways in, both used by ingest and the dashboard's rollup:

* :func:`copy_fresh` COPYs rows straight into their table under a savepoint. It is the
  common case (a bundle's revisions are new) and the cheapest write PostgreSQL has. If
  any row is there already (a resend in another bundle, another process a moment
  earlier), the unique index refuses the COPY, the savepoint undoes it and the caller
  takes the careful path.
* :func:`stage` COPYs rows into a temporary twin of the table (emptied at each commit),
  from which the caller moves them with one ``INSERT … SELECT … ON CONFLICT``.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import psycopg
from sqlalchemy.engine import Connection


def cursor(conn: Connection):
    """A psycopg cursor inside SQLAlchemy's transaction (same connection, same transaction)."""
    return conn.connection.driver_connection.cursor()


def copy_rows(cur, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """COPY rows into ``table`` (a plain insert: a duplicate key fails the statement)."""
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def stage(cur, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> str:
    """COPY rows into a per-session temporary twin of ``table`` and return its name."""
    name = f"stage_{table}"
    cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (LIKE {table}) ON COMMIT DELETE ROWS")
    cur.execute(f"DELETE FROM {name}")  # an earlier statement of this transaction may have used it
    copy_rows(cur, name, columns, rows)
    return name


def copy_fresh(cur, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> bool:
    """COPY rows that are expected to be new straight into ``table``. False (and nothing
    written) when one of them collides with a row already there: use :func:`stage` then."""
    if not rows:
        return True
    cur.execute("SAVEPOINT copy_fresh")
    try:
        copy_rows(cur, table, columns, rows)
    except psycopg.errors.UniqueViolation:
        cur.execute("ROLLBACK TO SAVEPOINT copy_fresh")
        return False
    cur.execute("RELEASE SAVEPOINT copy_fresh")
    return True
