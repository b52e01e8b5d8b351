"""The vault's hash-chained audit log: create, edit, view, print, export, unlock, ...

Each entry's hash covers the previous entry's hash and its own canonical fields, so an
edited, inserted or removed entry breaks the chain from that point. The head (count and
last hash) is also kept in ``meta``, and the next entry always goes on from that head,
never from the table's last row: entries removed from the end (or a last row replaced)
leave a gap or a broken link before the next entry, which :meth:`AuditLog.verify` reports
ever after. Appending never "heals" such a break. Details never hold personal data: ids,
codes and counts only.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..errors import AuditBroken

log = logging.getLogger(__name__)

GENESIS = "0" * 64


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def failed_tries(cleared: tuple[int, float] | None) -> tuple[int, str] | None:
    """The failed unlocks a good unlock cleared (keyring count, epoch of the last) as the
    vault reports them: (count, time of the last as UTC ISO), or None."""
    if not cleared or cleared[0] <= 0:
        return None
    at = datetime.fromtimestamp(cleared[1], timezone.utc).isoformat(timespec="seconds") if cleared[1] > 0 else ""
    return cleared[0], at


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
        last, kept = self.last_entry(), self.kept_head()
        if last != kept:  # the table lost (or gained) entries behind the log's back
            log.warning("audit log: last entry %d does not match the head kept (%d); the break stays", last[0],
                        kept[0])
        # the next entry goes on from the head kept: a removed tail stays a gap, never healed
        self._seq, self._head = max(last[0], kept[0]), kept[1]

    def last_entry(self) -> tuple[int, str]:
        """(seq, hash) of the table's last row; (0, GENESIS) when empty."""
        row = self.conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def kept_head(self) -> tuple[int, str]:
        """(seq, hash) of the head kept in ``meta`` at the last append; (0, GENESIS) when
        none (a new vault) or unreadable (the next entry then shows the break)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
        try:
            seq, h = row[0].split(":")
            return int(seq), h
        except (TypeError, ValueError, AttributeError):
            return 0, GENESIS

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

    def append_failed(self, officer_id: str, failed: tuple[int, str] | None) -> None:
        """``unlock_failures``: the failed tries a good passphrase cleared (:func:`failed_tries`),
        their count and the time of the last, never what was typed; nothing when none."""
        if failed:
            self.append(officer_id, "unlock_failures", count=failed[0], last_at=failed[1])

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
