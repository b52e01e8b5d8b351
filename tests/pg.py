"""Throwaway PostgreSQL databases for tests, on the machine's server (127.0.0.1:5432, trust
auth). ``make test`` starts PostgreSQL when it is down, so a test that finds it down fails
with that advice instead of silently skipping."""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def url_of(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@contextmanager
def temp_databases(prefix: str, count: int = 1) -> Iterator[list[str]]:
    """``count`` new, empty databases (their URLs), dropped afterwards."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect():
            pass
    except Exception:
        admin.dispose()
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (`make test` starts it)")
    names = [f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}" for _ in range(count)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield [url_of(n) for n in names]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_server_db(url: str) -> None:
    """Empty every server table that exists (a fresh test state), keeping the schema."""
    from intake_app.server.models import Base

    eng = create_engine(url)
    with eng.begin() as conn:
        have = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'")).scalars())
        tables = [t.name for t in Base.metadata.sorted_tables if t.name in have and t.name != "alembic_version"]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            conn.execute(text("INSERT INTO audit_head (one, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})
    eng.dispose()
