"""Database engines for SQLite (the embedded default) and PostgreSQL (psycopg 3).

Correctness never depends on in-process state: every exactly-once guarantee comes from
unique constraints and one transaction per bundle, so several processes may share one
PostgreSQL. On SQLite, writers take the lock up front (``BEGIN IMMEDIATE``) and wait for
each other (``busy_timeout``), with WAL so readers never block.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterable, Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from .errors import DatabaseUnavailable, DatabaseUrlInvalid, ServerBusy

CHUNK = 2000  # rows per statement (IN lists, multi-row inserts)


def chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]

log = logging.getLogger(__name__)


def is_sqlite(engine_or_conn) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def check_url(url: str) -> None:
    """A database URL this server can use (``sqlite:///…`` or ``postgresql…://``), or
    :class:`DatabaseUrlInvalid` (a plain path, a typo in the scheme) before anything is opened."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except (ArgumentError, ValueError):
        raise DatabaseUrlInvalid() from None
    if backend not in ("sqlite", "postgresql", "postgres"):
        raise DatabaseUrlInvalid()


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    check_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql:") or url.startswith("postgres:"):
        url = "postgresql+psycopg:" + url.split(":", 1)[1]
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         connect_args={"connect_timeout": 10, "application_name": "intake-server"})


TRANSIENT = ("40001", "40P01")  # serialization failure, deadlock: the caller may simply retry


def _is_transient(exc: DBAPIError) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in TRANSIENT


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction; database faults become typed errors (the transaction rolled back).
    Also those raised by psycopg itself, for the rows ingest sends by COPY on the driver's
    own cursor (server/pgcopy.py), which SQLAlchemy never sees."""
    try:
        with engine.begin() as conn:
            yield conn
    except DBAPIError as exc:
        if _is_transient(exc):
            raise ServerBusy() from None
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            log.warning("database unavailable: %s", type(exc.orig).__name__)
            raise DatabaseUnavailable() from None
        raise
    except Exception as exc:
        if _is_psycopg(exc, "Error"):
            if getattr(exc, "sqlstate", None) in TRANSIENT:
                raise ServerBusy() from None
            if _is_psycopg(exc, "OperationalError"):
                log.warning("database unavailable: %s", type(exc).__name__)
                raise DatabaseUnavailable() from None
        raise


def _is_psycopg(exc: BaseException, name: str) -> bool:
    """isinstance(exc, psycopg.<name>), without importing psycopg where it is not used (SQLite)."""
    import sys

    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, getattr(psycopg, name))


def check_database(engine: Engine) -> None:
    """Raise DatabaseUnavailable if the database cannot be reached now."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError:
        raise DatabaseUnavailable() from None


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    from .config import SECRET_QUERY_KEYS

    try:
        parsed = make_url(url)
        secret_query = [k for k in parsed.query if k.lower() in SECRET_QUERY_KEYS]
        return parsed.difference_update_query(secret_query).render_as_string(hide_password=True)
    except Exception:
        return "<database>"
