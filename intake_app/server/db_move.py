"""``intake-server db move --to URL``: the server's whole database into an empty one.

The way from the embedded SQLite database to PostgreSQL (docs/server.md §4); PostgreSQL to
PostgreSQL and SQLite to SQLite work the same way. Neither a dump (``restore`` refuses a
backup of the other kind of database) nor ``init`` on the target (it writes an
administrator and audit entries the copy then collides with):

- the source is read from **one** read-only transaction (a SQLite snapshot, a PostgreSQL
  ``REPEATABLE READ``), table by table in foreign-key order, streamed in chunks;
- the target (PostgreSQL: one in which the role may create tables) is migrated to the
  program's Alembic head, must hold no data (an untouched
  ``audit_head`` genesis row is all a fresh migration writes), and receives everything in
  **one** transaction with the migration itself: a failure leaves it as it was;
- the rows go through the tables' own column types, so JSON, bytes, dates and aware
  datetimes arrive as they left (a nullable JSON column keeps SQL NULL apart from JSON
  ``null``); the dashboard's rollup, its unfolded deltas and the case facts are copied as
  they are (they are exact at every moment, folded or not);
- the audit log's hash chain is checked as it is copied, PostgreSQL's id sequences are set
  past the largest id of every table that has one, and a ``db_move`` entry (URLs without
  password) closes the chain on the target;
- just before the commit the source's audit head is read again, outside the snapshot: if a
  server still running there wrote anything meanwhile (every bundle, login and
  administrative act is audited), nothing is committed and the operator is told to stop it.

The caller (``cli_db.py``) points ``server.json`` at the target afterwards. A failure after
the commit (the chain's check on the target, Ctrl-C, writing ``server.json``) leaves a
complete copy there and ``server.json`` as it was: said as such (:class:`DbMoveNotSwitched`),
and the same command run again finishes the move (:func:`_earlier_copy`: it recognises that
copy by its audit chain, checks it, and the caller only switches ``server.json``).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Callable, Iterator

from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, create_engine, event, func, inspect, literal, null, select, text
from sqlalchemy.engine import Connection, Engine, make_url

from ..cli.common import on_interrupt
from . import audit
from .config import without_password
from .db import check_database, make_engine, redact_url, transaction
from .errors import DatabaseNotInitialized, DatabaseNotReachable, DatabaseUnavailable, ServerError
from .migrate import alembic_config, head_revision
from .models import AuditEntry, AuditHead, Base

CHUNK = 1000  # rows read (yield_per) and written (one executemany) at a time
log = logging.getLogger(__name__)

entries_t = AuditEntry.__table__
head_t = AuditHead.__table__


class DbMoveTargetNotEmpty(ServerError):
    """The target database already holds data (or tables of something else); nothing was
    written. params: target (URL without password), table."""

    code = "db_move_target_not_empty"


class DbMoveTargetSchema(ServerError):
    """The target has the server's tables at another schema version. params: target, found,
    expected."""

    code = "db_move_target_schema"


class TargetCannotCreateTables(ServerError):
    """The PostgreSQL role may not create tables in the target database (one made by another
    role, ``createdb`` without ``-O``): ``db move`` and ``restore`` refuse it before writing.
    params: db (URL without password), role, database, schema."""

    code = "pg_target_no_create"


def check_can_create(conn: Connection, url: str) -> None:
    """PostgreSQL: the connected role may create tables in the schema they would go to
    (the first of its search_path); :class:`TargetCannotCreateTables` otherwise."""
    if conn.dialect.name != "postgresql":
        return
    role, database, schema, allowed = conn.execute(text(
        "SELECT current_user, current_database(), current_schema(), "
        "COALESCE(has_schema_privilege(current_schema(), 'CREATE'), false)")).one()
    if not allowed:
        raise TargetCannotCreateTables(db=redact_url(url), role=role, database=database, schema=schema or "public")


class DbMoveSameDatabase(ServerError):
    """The target is the source itself. params: db."""

    code = "db_move_same_database"


class DbMoveAuditBroken(ServerError):
    """The source's audit chain does not verify; nothing was written. params: seq, reason."""

    code = "db_move_audit_broken"


class DbMoveServerRunning(ServerError):
    """A server of this home still runs (params: pids, markers: their run/ files), even if
    it writes nothing. Nothing was written."""

    code = "db_move_server_running"


class DbMoveSourceInUse(ServerError):
    """A server, perhaps on another host, is connected to the source PostgreSQL database
    (params: connections). Nothing was written."""

    code = "db_move_source_in_use"


class DbMoveSourceChanged(ServerError):
    """A server still running on the source wrote during the copy; nothing was committed.
    params: before, after (audit head seq)."""

    code = "db_move_source_changed"


class DbMoveNotSwitched(ServerError):
    """The copy is committed in the target, complete with its ``db_move`` entry, but the move
    did not finish (the check after it failed): ``server.json`` still names the old database,
    untouched. The same command again finishes it (:func:`_earlier_copy`). params: target
    (URL without password)."""

    code = "db_move_not_switched"


@dataclass
class MoveResult:
    tables: dict[str, int] = field(default_factory=dict)  # rows copied per table, in copy order
    sequences: list[str] = field(default_factory=list)  # PostgreSQL sequences set past their ids
    audit_entries: int = 0  # the target's chain after the move, db_move included
    earlier: bool = False  # the copy an earlier run committed, found complete: only server.json is left

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def move_database(source_url: str, target_url: str, *, actor: str = "operator",
                  on_table: Callable[[str, int], None] | None = None) -> MoveResult:
    """Copy the whole database at ``source_url`` into the empty one at ``target_url``;
    ``on_table(name, rows)`` after each table. Writes nothing anywhere if it raises before
    the commit; after it, raises :class:`DbMoveNotSwitched`. A target that holds the complete
    copy an earlier run committed is checked and returned as it is (``earlier``)."""
    if _same_database(source_url, target_url):
        raise DbMoveSameDatabase(db=redact_url(target_url))
    fresh_file = _new_sqlite_file(target_url)
    source, target = _reader(source_url), make_engine(target_url, pool_size=1)
    committed = False
    try:
        _reachable(target, target_url)
        with target.connect() as conn:
            check_can_create(conn, target_url)  # a database of another role: said, not an internal error
        _check_no_server_connected(source)
        earlier = _earlier_copy(source, target)
        if earlier is not None:  # an earlier run copied it all, then failed: only server.json is left
            return earlier
        result = MoveResult()
        with _snapshot(source) as src, transaction(target) as dst:
            found = MigrationContext.configure(src).get_current_revision()
            if found is None:
                raise DatabaseNotInitialized(reason="no_server", db=redact_url(source_url), expected=head_revision())
            if found != head_revision():
                raise DatabaseNotInitialized(found=found, expected=head_revision())
            _prepare_target(dst, target_url)
            chain = _Chain()
            for table in Base.metadata.sorted_tables:
                result.tables[table.name] = _copy_table(src, dst, table, chain if table is entries_t else None)
                if on_table is not None:
                    on_table(table.name, result.tables[table.name])
            chain.check_head(dst)
            _check_counts(dst, result.tables)
            result.sequences = reset_sequences(dst)
            _check_source_unchanged(source, chain.count)
            audit.append(dst, actor, "db_move", None, from_db=without_password(source_url),
                         to_db=without_password(target_url), rows=result.rows, revision=found)
        committed = True
        shown = without_password(target_url)
        on_interrupt("dbmove.interrupted_after_copy", target=shown)  # Ctrl-C from here on: what is where
        try:
            result.audit_entries = audit.verify(target)
        except Exception as exc:  # noqa: BLE001 - the copy is committed: say so, and how the move ends
            log.warning("db move: the check after the commit failed (%s)", type(exc).__name__)
            raise DbMoveNotSwitched(target=shown) from None
        return result
    finally:
        source.dispose()
        target.dispose()
        if fresh_file is not None and not committed:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{fresh_file}{suffix}").unlink(missing_ok=True)


def _earlier_copy(source: Engine, target: Engine) -> MoveResult | None:
    """The copy of this source that an earlier run committed in the target before it failed
    (the check after the commit, Ctrl-C, writing ``server.json``), or None. It is that copy
    when the target's audit chain is the source's, entry for entry up to the source's head,
    followed by that run's ``db_move`` entry and nothing else (the source's head hash is
    chained into it), and every table holds the source's rows, value for value (writes that
    leave no audit entry, a laptop's lease renewal, a session, still count). The whole
    chain is then verified on the target (:class:`~.errors.ServerAuditBroken` otherwise).
    A target with anything else (other data, a copy the source has moved on from, a server
    that ran on it since) is no such copy: the move goes on and refuses it as not empty."""
    with target.connect() as dst:
        if "alembic_version" not in inspect(dst).get_table_names() \
                or MigrationContext.configure(dst).get_current_revision() != head_revision():
            return None
        there = dst.execute(select(head_t.c.seq, head_t.c.hash).where(head_t.c.one == 1)).first()
        last = dst.execute(select(entries_t.c.action, entries_t.c.prev_hash)
                           .where(entries_t.c.seq == there.seq)).first() if there is not None else None
        if last is None or last.action != "db_move":
            return None
        with _snapshot(source) as src:
            here = src.execute(select(head_t.c.seq, head_t.c.hash).where(head_t.c.one == 1)).first()
            if here is None or (there.seq, last.prev_hash) != (here.seq + 1, here.hash):
                return None
            tables = {}
            for table in Base.metadata.sorted_tables:
                if table is head_t:  # the target's head is the db_move entry, checked above
                    tables[table.name] = src.execute(select(func.count()).select_from(table)).scalar_one()
                    continue
                upto = (entries_t.c.seq <= here.seq,) if table is entries_t else ()  # not the db_move entry
                same = _same_rows(_rows(src, table), _rows(dst, table, upto))
                if same is None:
                    return None
                tables[table.name] = same
    return MoveResult(tables=tables, audit_entries=audit.verify(target), earlier=True)


def _same_database(a: str, b: str) -> bool:
    """The same file, or the same database name on the same host and port."""
    ua, ub = make_url(a), make_url(b)
    kind_a, kind_b = ("postgresql" if u.get_backend_name() == "postgres" else u.get_backend_name() for u in (ua, ub))
    if kind_a != kind_b:
        return False
    if kind_a == "sqlite":
        return Path(ua.database or "").resolve() == Path(ub.database or "").resolve()
    return all(getattr(ua, k) == getattr(ub, k) for k in ("host", "port", "database"))


def _new_sqlite_file(url: str) -> Path | None:
    """The target's SQLite file when this move would create it (removed again on failure)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    path = Path(u.database)
    return None if path.exists() else path


def _reachable(engine: Engine, url: str) -> None:
    try:
        check_database(engine)
    except DatabaseUnavailable:
        raise DatabaseNotReachable(db=redact_url(url)) from None


def _reader(url: str) -> Engine:
    """An engine for reading the source. SQLite: a plain deferred ``BEGIN`` (the server's
    engines take the write lock up front), read-only; the snapshot is taken at the first
    read and holds for the whole transaction (WAL)."""
    if make_url(url).get_backend_name() != "sqlite":
        return make_engine(url, pool_size=1)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # pragma: no cover - trivial
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA query_only=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # pragma: no cover - trivial
        conn.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction over the whole source (rolled back at the end)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin() as tx:
            yield conn
            tx.rollback()


def _prepare_target(dst: Connection, target_url: str) -> None:
    """Migrate the target to head inside the copy's transaction; refuse it unless empty."""
    shown = redact_url(target_url)
    have = set(inspect(dst).get_table_names())
    ours = {t.name for t in Base.metadata.sorted_tables}
    strangers = sorted(have - ours - {"alembic_version"})
    if strangers:
        raise DbMoveTargetNotEmpty(target=shown, table=strangers[0])
    found = MigrationContext.configure(dst).get_current_revision() if "alembic_version" in have else None
    if found is None and have:
        raise DbMoveTargetNotEmpty(target=shown, table=sorted(have)[0])
    if found is None:
        command.upgrade(alembic_config(dst), "head")
    elif found != head_revision():
        raise DbMoveTargetSchema(target=shown, found=found, expected=head_revision())
    for table in Base.metadata.sorted_tables:
        if table is head_t:
            rows = dst.execute(select(head_t.c.one, head_t.c.seq, head_t.c.hash)).all()
            if [tuple(r) for r in rows] != [(1, 0, audit.GENESIS)]:
                raise DbMoveTargetNotEmpty(target=shown, table=table.name)
        elif dst.execute(select(literal(1)).select_from(table).limit(1)).first() is not None:
            raise DbMoveTargetNotEmpty(target=shown, table=table.name)
    dst.execute(head_t.delete())  # the genesis row: the source's head takes its place


def _json_nulls(table) -> list[tuple[int, str]]:
    """A nullable JSON column reads SQL NULL and JSON null both as None: such columns are read
    with an ``IS NULL`` of their own after the table's columns, to keep them apart."""
    return [(i, c.name) for i, c in enumerate(table.c) if c.nullable and isinstance(c.type, JSON)]


def _rows(conn: Connection, table, where=()):
    """The table's rows in primary-key order, streamed in chunks: its columns, then one
    ``IS NULL`` per nullable JSON column (:func:`_json_nulls`)."""
    query = select(*table.c, *(table.c[name].is_(None) for _, name in _json_nulls(table))).where(*where)
    if table.primary_key.columns:
        query = query.order_by(*table.primary_key.columns)
    return conn.execution_options(yield_per=CHUNK).execute(query)


def _same_rows(a, b) -> int | None:
    """The number of rows when the two streams of :func:`_rows` hold the same rows, value for
    value and in the same order; None at the first difference."""
    count, end = 0, object()
    try:
        for x, y in zip_longest(a, b, fillvalue=end):
            if x is end or y is end or tuple(x) != tuple(y):
                return None
            count += 1
        return count
    finally:
        a.close()
        b.close()


def _copy_table(src: Connection, dst: Connection, table, chain: "_Chain | None") -> int:
    cols = list(table.c)
    names = [c.name for c in cols]
    json_null = _json_nulls(table)
    count = 0
    result = _rows(src, table)
    for part in result.partitions():
        rows = []
        for r in part:
            row = dict(zip(names, r))
            for k, (_, name) in enumerate(json_null):
                if r[len(cols) + k]:
                    row[name] = null()
            rows.append(row)
        if chain is not None:
            chain.feed(rows)
        dst.execute(table.insert(), rows)
        count += len(rows)
    return count


class _Chain:
    """The audit log's hash chain, checked as its entries stream past (in seq order)."""

    def __init__(self) -> None:
        self.prev, self.count = audit.GENESIS, 0

    def feed(self, rows: list[dict]) -> None:
        for r in rows:
            seq = self.count + 1
            if r["seq"] != seq:
                raise DbMoveAuditBroken(seq=seq, reason="missing")
            if r["prev_hash"] != self.prev:
                raise DbMoveAuditBroken(seq=seq, reason="chain")
            if audit.entry_hash(self.prev, seq, r["at"], r["actor"], r["action"], r["target"], r["detail"]) != r["hash"]:
                raise DbMoveAuditBroken(seq=seq, reason="hash")
            self.prev, self.count = r["hash"], seq

    def check_head(self, dst: Connection) -> None:
        head = dst.execute(select(head_t.c.seq, head_t.c.hash).where(head_t.c.one == 1)).first()
        if head is None or (head.seq, head.hash) != (self.count, self.prev):
            raise DbMoveAuditBroken(seq=self.count + 1, reason="tail")


def _check_counts(dst: Connection, copied: dict[str, int]) -> None:
    for table in Base.metadata.sorted_tables:
        have = dst.execute(select(func.count()).select_from(table)).scalar_one()
        if have != copied[table.name]:  # pragma: no cover - a guard, not a path
            raise RuntimeError(f"db move: row count differs in {table.name}")


def reset_sequences(dst: Connection) -> list[str]:
    """PostgreSQL: every sequence behind an integer primary key (serial or identity) set so
    its next value follows the table's largest id. Nothing to do on SQLite."""
    if dst.dialect.name != "postgresql":
        return []
    done = []
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].type.python_type is not int:
            continue
        seq = dst.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}).scalar()
        if seq is None:
            continue
        dst.execute(text(f'SELECT setval(CAST(:s AS regclass), COALESCE(max("{pk[0].name}"), 0) + 1, false) '
                         f'FROM "{table.name}"'), {"s": seq})
        done.append(seq)
    return done


def _check_no_server_connected(source: Engine) -> None:
    """PostgreSQL: a server connected to the source, idle or not, from any host (its
    connections carry ``application_name`` intake-server; this one's own is left out)."""
    if source.dialect.name != "postgresql":
        return
    with source.connect() as conn:
        others = conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'intake-server' AND pid <> pg_backend_pid()")).scalar_one()
    if others:
        raise DbMoveSourceInUse(connections=others)


def _check_source_unchanged(source: Engine, seq: int) -> None:
    """Read the source's audit head afresh (not in the snapshot): a server still serving
    there would have audited what it did since the copy began."""
    with source.connect() as conn:
        now = conn.execute(select(head_t.c.seq).where(head_t.c.one == 1)).scalar_one()
    if now != seq:
        raise DbMoveSourceChanged(before=seq, after=now)
