"""The vault's hash-chained audit log: create, edit, view, print, export, unlock, ...

Each entry's hash covers the previous entry's hash and its own canonical fields, so an
edited, inserted or removed entry breaks the chain from that point. The head (count and
last hash) is also kept in ``meta`` to catch a removed tail. Details never hold personal
data: ids, codes and counts only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..errors import AuditBroken

GENESIS = "0" * 64


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def entry_hash(prev_hash: str, seq: int, at: str, officer_id: str, action: str, case_id: str | None,
               revision_id: str | None, detail: str) -> str:
    payload = json.dumps([seq, at, officer_id, action, case_id, revision_id, detail, prev_hash],
                         separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    officer_id: str
    action: str
    case_id: str | None
    revision_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class AuditLog:
    """Appends and verifies; callers hold the transaction."""

    def __init__(self, conn) -> None:
        self.conn = conn
        row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        self._seq, self._head = (row[0], row[1]) if row else (0, GENESIS)

    def append(self, officer_id: str, action: str, case_id: str | None = None,
               revision_id: str | None = None, **detail: Any) -> AuditEntry:
        seq, at = self._seq + 1, now_iso()
        text = json.dumps(detail, sort_keys=True, separators=(",", ":"))
        h = entry_hash(self._head, seq, at, officer_id, action, case_id, revision_id, text)
        self.conn.execute(
            "INSERT INTO audit (seq, at, officer_id, action, case_id, revision_id, detail, prev_hash, hash)"
            " VALUES (?,?,?,?,?,?,?,?,?)", (seq, at, officer_id, action, case_id, revision_id, text, self._head, h))
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)", (f"{seq}:{h}",))
        prev = self._head
        self._seq, self._head = seq, h
        return AuditEntry(seq, at, officer_id, action, case_id, revision_id, detail, prev, h)

    def rollback(self) -> None:
        """Re-read the head (after a rollback, or at the start of a write transaction: another
        program may have appended meanwhile)."""
        self.__init__(self.conn)

    refresh = rollback

    def entries(self, case_id: str | None = None, after_seq: int = 0, limit: int | None = None) -> list[AuditEntry]:
        sql = "SELECT seq, at, officer_id, action, case_id, revision_id, detail, prev_hash, hash FROM audit WHERE seq > ?"
        args: list[Any] = [after_seq]
        if case_id is not None:
            sql += " AND case_id = ?"
            args.append(case_id)
        sql += " ORDER BY seq"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8])
                for r in self.conn.execute(sql, args)]

    def verify(self) -> int:
        """Number of entries checked; raises AuditBroken(seq, reason) at the first break."""
        prev, expected_seq = GENESIS, 1
        for row in self.conn.execute(
                "SELECT seq, at, officer_id, action, case_id, revision_id, detail, prev_hash, hash FROM audit ORDER BY seq"):
            seq, at, officer, action, case_id, rev, detail, prev_hash, h = row
            if seq != expected_seq:
                raise AuditBroken(seq=expected_seq, reason="missing")
            if prev_hash != prev:
                raise AuditBroken(seq=seq, reason="chain")
            if entry_hash(prev, seq, at, officer, action, case_id, rev, detail) != h:
                raise AuditBroken(seq=seq, reason="altered")
            prev, expected_seq = h, seq + 1
        head = self.conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
        count = expected_seq - 1
        if head is None:
            if count:
                raise AuditBroken(seq=count, reason="head")
        elif head[0] != f"{count}:{prev}":
            raise AuditBroken(seq=count + 1, reason="truncated")
        return count
