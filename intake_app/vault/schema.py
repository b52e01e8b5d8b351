"""Schema migrations: ``migrations/NNNN_name.sql``, applied in order inside one
transaction each, recorded in ``PRAGMA user_version``. A vault newer than this code
is refused before anything is written. Each migration is tested by opening a vault
file made by the previous schema (tests/data/vaults/)."""

from __future__ import annotations

import re
from importlib import resources

from ..errors import VaultTooNew

NAME_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str]]:
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        m = NAME_RE.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.read_text(encoding="utf-8")))
    found.sort()
    assert [v for v, _ in found] == list(range(1, len(found) + 1)), "migrations must be numbered 1..N"
    return found


SCHEMA_VERSION = len(migrations())


def current_version(conn) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def check_supported(conn) -> int:
    version = current_version(conn)
    if version > SCHEMA_VERSION:
        raise VaultTooNew(found=version, supported=SCHEMA_VERSION)
    return version


UNRECORDED_UPGRADE = "schema.unrecorded_upgrade"  # meta: the version an upgrade started from, until audited


def upgrade(conn) -> list[int]:
    """Apply every pending migration; returns the versions applied. An existing vault's
    upgrade also leaves, in each migration's own transaction, the version it started from
    under ``UNRECORDED_UPGRADE``: the audit entry is written later (it needs the opened
    vault), and a process killed in between leaves the next open to write it."""
    version = check_supported(conn)
    applied = []
    for number, sql in migrations():
        if number <= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                conn.execute(statement)
            if version > 0:  # not a new vault
                conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (UNRECORDED_UPGRADE, str(version)))
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a script on ';' at statement ends, keeping trigger bodies whole."""
    import sqlite3

    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        if line.strip().startswith("--") and not buf.strip():
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
