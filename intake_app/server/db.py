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
            _log_unavailable(exc.orig)
            raise DatabaseUnavailable() from None
        raise
    except Exception as exc:
        if _is_psycopg(exc, "Error"):
            if getattr(exc, "sqlstate", None) in TRANSIENT:
                raise ServerBusy() from None
            if _is_psycopg(exc, "OperationalError"):
                _log_unavailable(exc)
                raise DatabaseUnavailable() from None
        raise


# SQLite's error names (Python's sqlite3 sets ``sqlite_errorname`` on the error), by their primary
# code, worded for the operator: a full disk is not a lock nor a damaged file. psycopg's errors
# name themselves (DiskFull, AdminShutdown...). The error's message is never logged: SQLite's
# may quote part of a statement or a value.
_SQLITE_WORDS = {
    "SQLITE_FULL": ("disco lleno", "disk full"),
    "SQLITE_BUSY": ("bloqueada por otro proceso", "locked by another process"),
    "SQLITE_LOCKED": ("bloqueada por otro proceso", "locked by another process"),
    "SQLITE_CORRUPT": ("archivo dañado", "file damaged"),
    "SQLITE_NOTADB": ("el archivo no es una base de datos SQLite", "the file is not an SQLite database"),
    "SQLITE_CANTOPEN": ("no se puede abrir el archivo", "the file cannot be opened"),
    "SQLITE_READONLY": ("solo lectura", "read-only"),
    "SQLITE_PERM": ("sin permiso", "permission denied"),
    "SQLITE_IOERR": ("error de lectura o escritura del disco", "disk read or write error"),
    "SQLITE_NOMEM": ("sin memoria", "out of memory"),
}


def db_error_words(orig: BaseException | None) -> tuple[str, str]:
    """A database error as a log line may name it (Spanish, English): its type and, from
    SQLite, its error name (``SQLITE_FULL``...) and what that is; never its message."""
    kind = type(orig).__name__ if orig is not None else "-"
    name = getattr(orig, "sqlite_errorname", None)
    if not isinstance(name, str) or not name.startswith("SQLITE_") or not name.replace("_", "").isalnum():
        return kind, kind
    es, en = _SQLITE_WORDS.get("_".join(name.split("_")[:2]), ("", ""))
    return (f"{kind}, {name}: {es}", f"{kind}, {name}: {en}") if es else (f"{kind}, {name}", f"{kind}, {name}")


def _log_unavailable(orig: BaseException | None) -> None:
    es, en = db_error_words(orig)
    log.warning("base de datos no disponible (%s) / database unavailable (%s)", es, en)


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
