"""Ingest: one bundle's bytes in, one signed receipt out, exactly once.

1. Read the cleartext header, find the device (unknown, pending, refused or revoked
   devices are refused with their own error before any cryptography; a known one's bundle
   sealed for a key this server does not hold is refused as for another server first, once its
   signatures hold; an unknown device's too).
2. Verify both signatures, decrypt, decompress (bounded), parse (``open_bundle``).
3. Check every revision: its fields, its content hash, and its content against the
   codebook version it names (the date rules use the later of the device's and the
   server's day, plus one, so clock skew never rejects data).
4. One database transaction: the bundle row (unique on device+sequence and on hash),
   the revisions (new ones once; one held already must be the same), the device audit
   entries, the case heads (row-locked, in case-id order; a forked or out-of-order
   history is settled by ``case_tree``), conflicts, the
   non-identifying case facts, the dashboard's rows and count deltas, the receipt and a
   server audit entry. Either all of it commits or none. On PostgreSQL the rows travel
   by COPY (``ingest_pg``); a case another transaction creates meanwhile makes the
   bundle go round once more.
5. After the commit, once ``FOLD_AFTER`` deltas wait (earlier processes' too): fold them (``rollup.fold``).

The same bundle sent twice, or by two processes at once, meets the unique constraint:
the second finds the first's row and answers with the very same stored receipt. The
same device and sequence with other bytes is a fork and is refused.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ..bundle.codec import gc_paused
from ..bundle.errors import BundlePayloadMalformed, BundleWrongServer
from ..bundle.format import FieldError, OpenedBundle, bundle_hash, check_utc, open_bundle, read_header, \
    verify_signatures
from ..bundle.receipt import make_receipt
from ..codebook import load_codebook, validate_record
from ..errors import InvalidRecord
from ..vault.cases import revision_hash
from . import audit, ingest_pg
from .case_tree import children_of, settle_tree
from .db import chunks, transaction
from .devices import get_device, iso, public_keys, require_active, utcnow
from .errors import BundleChainBroken, BundleFork, DeviceRevokedError, RevisionConflictingCopy, RevisionHashMismatch, \
    RevisionInvalid, ServerBusy
from .facts import facts_of
from .dashboard import rollup as dashboard_rollup
from .keys import KeyStore
from .models import Bundle, Case, CaseFactExploitation, CaseFacts, Conflict, DeviceAudit, Device, Revision

log = logging.getLogger(__name__)

bundles_t = Bundle.__table__
revisions_t = Revision.__table__
cases_t = Case.__table__
conflicts_t = Conflict.__table__
facts_t = CaseFacts.__table__
exploit_t = CaseFactExploitation.__table__
devaudit_t = DeviceAudit.__table__
devices_t = Device.__table__

REVISION_KEYS = {"revision_id", "case_id", "parent_id", "officer_id", "created_at", "codebook_version", "content",
                 "content_hash"}
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}", re.ASCII)
_HEX64 = re.compile(r"[0-9a-f]{64}", re.ASCII)
STORE_ATTEMPTS = 3
# a revision's created_at (the device's clock) must lie in [CREATED_MIN, CREATED_END): wide
# enough for any clock a laptop may show, narrow enough for date arithmetic never to overflow
CREATED_MIN = datetime(1970, 1, 1, tzinfo=timezone.utc)
CREATED_END = datetime(3000, 1, 1, tzinfo=timezone.utc)
AUDIT_MAX_DEPTH = 32
_SCALARS = frozenset({int, bool, type(None)})  # str is checked for NUL apart, float for NaN and ±inf
# unfolded dashboard delta rows that make ingest fold them: the views read unfolded deltas
# with a scan, so this bounds what a view pays for them (docs/dashboard.md)
FOLD_AFTER = 20_000
# test hook: after the rows are written and before commit, create this file and wait
# for it to disappear (lets a test kill the process or the database mid-ingest)
HOLD_ENV = "INTAKE_SERVER_TEST_HOLD_DIR"


@dataclass(frozen=True)
class IngestResult:
    status: str  # "stored" (new bundle) or "already_had" (this very bundle was stored before)
    device_id: str
    sequence: int
    receipt: bytes
    revisions: int
    new_revisions: int
    conflicts: int


def dialect_insert(conn: Connection, table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


# --- step 3: revisions ---------------------------------------------------------------
def _is_id(value: Any) -> bool:
    return type(value) is str and _ID.fullmatch(value) is not None


def check_revision(rev: dict, server_today: date) -> None:
    """Raise the typed error for the first problem of one revision (never its values)."""
    if set(rev) != REVISION_KEYS:
        raise BundlePayloadMalformed(problem="revision_fields")
    rid = rev["revision_id"]
    if not _is_id(rid):
        raise BundlePayloadMalformed(problem="revision_id")
    if not _is_id(rev["case_id"]) or not _is_id(rev["officer_id"]) or not _is_id(rev["codebook_version"]) \
            or not (rev["parent_id"] is None or _is_id(rev["parent_id"])):
        raise BundlePayloadMalformed(problem="revision_ids")
    if type(rev["content"]) is not dict or type(rev["content_hash"]) is not str \
            or not _HEX64.fullmatch(rev["content_hash"]):
        raise BundlePayloadMalformed(problem="revision_content")
    try:
        created = datetime.fromisoformat(check_utc(rev["created_at"], "created_at").replace("Z", "+00:00"))
    except (FieldError, ValueError):
        raise BundlePayloadMalformed(problem="revision_created_at") from None
    if not CREATED_MIN <= created < CREATED_END:  # a device clock, however wrong, is never out there
        raise BundlePayloadMalformed(problem="revision_created_at")
    try:  # a content that is not JSON (bin values or keys, nested past what an encoder allows)
        digest = revision_hash(rev["case_id"], rev["parent_id"], rev["codebook_version"], rev["content"])
    except (TypeError, ValueError, RecursionError):
        raise BundlePayloadMalformed(problem="revision_content") from None
    if digest != rev["content_hash"]:
        raise RevisionHashMismatch(revision_id=rid)
    cb = load_codebook(rev["codebook_version"])  # UnknownCodebookVersion names the version
    # "not in the future" is judged by the later of the two clocks, plus a day for time zones
    today = max(created.date(), server_today) + timedelta(days=1)
    try:
        validate_record(cb, rev["content"], today=today)
    except InvalidRecord as exc:
        raise RevisionInvalid(revision_id=rid, problems=[f"{p.field}:{p.rule}" for p in exc.problems][:50]) from None


def _storable(value: Any, depth: int) -> bool:
    """A JSON value both databases keep as is: maps with str keys, lists, str without NUL,
    int, finite float, bool, nil; containers nested at most ``depth`` deep. (Explicit loops: this
    runs on every audit entry of every bundle.)"""
    kind = type(value)
    if kind is str:
        return "\x00" not in value
    if kind is float:  # NaN and ±inf are no JSON: PostgreSQL would keep null, SQLite NaN
        return math.isfinite(value)
    if depth <= 0:
        return kind in _SCALARS
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or "\x00" in key:
                return False
            if type(item) is str:
                if "\x00" in item:
                    return False
            elif type(item) not in _SCALARS and not _storable(item, depth - 1):
                return False
        return True
    if kind is list:
        for item in value:
            if type(item) not in _SCALARS and not _storable(item, depth - 1):
                return False
        return True
    return kind in _SCALARS


def check_audit_entry(entry: dict) -> None:
    """A device audit entry is stored as received, but it must be storable the same way on
    both databases: JSON values only (no bin value or key: SQLite's driver and PostgreSQL's
    JSON refuse them; no NaN or ±inf: one keeps NaN, the other null), no NUL character (PostgreSQL's JSON cannot keep one), containers at
    most AUDIT_MAX_DEPTH deep (a laptop's are 2 deep: the entry and its ``detail``). Else the
    bundle would fail later with a database or recursion error, on one backend only."""
    if not _storable(entry, AUDIT_MAX_DEPTH):
        raise BundlePayloadMalformed(problem="audit_entry")


# --- the ingestor --------------------------------------------------------------------
class Ingestor:
    def __init__(self, engine: Engine, keystore: KeyStore, *, max_payload_bytes: int = 256 * 1024 * 1024) -> None:
        self.engine = engine
        self.keystore = keystore
        self.max_payload_bytes = max_payload_bytes
        self._unfolded: int | None = None  # dashboard deltas waiting (scheduling only); None: not read yet

    def _device_row(self, device_id: str):
        with self.engine.connect() as conn:
            return get_device(conn, device_id)

    def _stored(self, device_id: str, sequence: int):
        with self.engine.connect() as conn:
            return conn.execute(select(bundles_t.c.bundle_hash, bundles_t.c.receipt, bundles_t.c.revision_count)
                                .where(bundles_t.c.device_id == device_id, bundles_t.c.sequence == sequence)).first()

    def open(self, data: bytes, device_row) -> OpenedBundle:
        try:
            return open_bundle(data, device_public=public_keys(device_row), server_keys=self.keystore.keys(),
                               max_payload_size=self.max_payload_bytes)
        except BundleWrongServer:
            # another process may have rotated the keys a moment ago: keys() re-reads the file
            return open_bundle(data, device_public=public_keys(device_row), server_keys=self.keystore.keys(),
                               max_payload_size=self.max_payload_bytes)

    def _check_key(self, key_id: str, data: bytes, row) -> None:
        """BundleWrongServer (reason ``other_server``) for a bundle sealed for a key this server
        never held (keys() re-reads a key file another process rotated); BundleTampered first
        when a known device's signatures do not hold."""
        if key_id not in self.keystore.keys().key_ids:
            if row is not None:
                verify_signatures(data, public_keys(row))
            raise BundleWrongServer(key_id=key_id, reason="other_server")

    def ingest(self, data: bytes, *, source: str = "http") -> IngestResult:
        with gc_paused():  # a bundle's ~100k decoded objects live until the end: no rescans meanwhile
            result = self._ingest(data, source)
        self._fold_when_due()
        return result

    def _ingest(self, data: bytes, source: str) -> IngestResult:
        data = bytes(data)
        header = read_header(data)
        device_id, sequence = header.device_id, header.sequence
        row = self._device_row(device_id)
        # sealed for another server: said before "pending, approve it" or "enrol it" (its laptop is
        # another server's); for a known device only once its signature holds (a flipped bit in
        # the key id is tampering). Both checks run only for a key this server does not hold.
        self._check_key(header.server_key_id, data, row)
        require_active(row, device_id)
        digest = bundle_hash(data)
        stored = self._stored(device_id, sequence)
        if stored is not None and stored.receipt is not None:  # a resend: no need to decrypt again
            if bytes(stored.bundle_hash) != digest:
                raise BundleFork(device_id=device_id, sequence=sequence)
            # the device could have been revoked since the pre-check: the write path re-checks under lock
            self._touch(device_id)
            return IngestResult("already_had", device_id, sequence, bytes(stored.receipt), stored.revision_count, 0, 0)
        opened = self.open(data, self._device_row(device_id))
        server_today = datetime.now(timezone.utc).date()
        for rev in opened.revisions:
            check_revision(rev, server_today)
        for entry in opened.audit:
            check_audit_entry(entry)
        return self._store(opened, digest, source)

    def _fold_when_due(self) -> None:
        """Fold the dashboard's deltas once FOLD_AFTER wait, those earlier processes left too (after
        the bundle's commit, in a transaction of its own; the receipt is already safe)."""
        try:
            if self._unfolded is None:  # at most FOLD_AFTER rows read, however many are waiting
                with self.engine.connect() as conn:
                    self._unfolded = conn.execute(select(func.count()).select_from(
                        select(dashboard_rollup.delta_t.c.n).limit(FOLD_AFTER).subquery())).scalar_one()
            if self._unfolded < FOLD_AFTER:
                return
            dashboard_rollup.fold(self.engine)
            self._unfolded = 0
        except DBAPIError as exc:  # the figures stay exact (views read the deltas): try again later
            log.warning("dashboard fold postponed: %s", type(exc.orig).__name__)

    def _touch(self, device_id: str) -> None:
        """A bundle sent again: the device must still be active, but anyone holding a copy of
        an old bundle can send it, so it is not a contact (the device's signed reads are)."""
        with transaction(self.engine) as conn:
            self._lock_device(conn, device_id, None)

    def _lock_device(self, conn: Connection, device_id: str, now: datetime | None) -> None:
        """Record the contact (unless ``now`` is None) and hold the device row until commit; a
        revocation waits for us, and we see one that committed before."""
        done = conn.execute(update(devices_t).where(devices_t.c.device_id == device_id,
                                                    devices_t.c.status == "active")
                            .values(last_contact_at=now if now is not None else devices_t.c.last_contact_at)).rowcount
        if not done:
            require_active(get_device(conn, device_id), device_id)
            raise DeviceRevokedError(device_id=device_id)

    # --- step 4: one transaction ---------------------------------------------------------
    def _store(self, opened: OpenedBundle, digest: bytes, source: str) -> IngestResult:
        for _ in range(STORE_ATTEMPTS - 1):
            try:
                return self._store_once(opened, digest, source)
            except ingest_pg.CaseRace:  # rolled back; the next attempt finds those cases and locks them
                log.info("bundle store retried: a new case was created concurrently")
        try:
            return self._store_once(opened, digest, source)
        except ingest_pg.CaseRace:
            raise ServerBusy() from None  # the device sends it again later

    def _store_once(self, opened: OpenedBundle, digest: bytes, source: str) -> IngestResult:
        h = opened.header
        now = utcnow()
        with transaction(self.engine) as conn:
            self._lock_device(conn, h.device_id, now)
            bundle_id = conn.execute(
                dialect_insert(conn, bundles_t).values(
                    device_id=h.device_id, sequence=h.sequence, bundle_hash=digest, prev_hash=h.prev_hash,
                    payload_sha256=opened.payload_sha256, created_at=h.created_at, received_at=now, source=source,
                    revision_count=h.revision_count, audit_count=h.audit_count, new_revisions=0, receipt=None)
                .on_conflict_do_nothing().returning(bundles_t.c.id)).scalar()
            if bundle_id is None:  # stored by someone else (maybe this very moment, in another process)
                row = conn.execute(select(bundles_t.c.bundle_hash, bundles_t.c.receipt).where(
                    bundles_t.c.device_id == h.device_id, bundles_t.c.sequence == h.sequence)).first()
                if row is None or bytes(row.bundle_hash) != digest:
                    raise BundleFork(device_id=h.device_id, sequence=h.sequence)
                return IngestResult("already_had", h.device_id, h.sequence, bytes(row.receipt), h.revision_count,
                                    0, 0)
            self._check_chain(conn, h.device_id, h.sequence, h.prev_hash, digest)
            new_ids = self._insert_revisions(conn, opened, bundle_id)
            self._insert_audit(conn, opened, bundle_id)
            conflicts, deltas = self._update_cases(conn, [r for r in opened.revisions if r["revision_id"] in new_ids],
                                                   now)
            status = "stored" if new_ids or not opened.revisions else "already_had"
            receipt = make_receipt(server_signing=self.keystore.keys().signing, bundle_hash=digest,
                                   device_id=h.device_id, sequence=h.sequence, revision_ids=opened.revision_ids,
                                   audit_seqs=opened.audit_seqs, received_at=iso(now), status=status)
            conn.execute(update(bundles_t).where(bundles_t.c.id == bundle_id).values(
                receipt=receipt, new_revisions=len(new_ids)))
            audit.append(conn, f"device:{h.device_id}", "bundle_ingest", f"{h.device_id}/{h.sequence}",
                         source=source, revisions=len(opened.revisions), new=len(new_ids), conflicts=conflicts,
                         audit_entries=len(opened.audit))
            _hold_for_tests()
        self._unfolded = None if self._unfolded is None else self._unfolded + deltas
        return IngestResult("stored", h.device_id, h.sequence, receipt, len(opened.revisions), len(new_ids),
                            conflicts)

    def _check_chain(self, conn: Connection, device_id: str, sequence: int, prev_hash: bytes, digest: bytes) -> None:
        rows = conn.execute(select(bundles_t.c.sequence, bundles_t.c.bundle_hash, bundles_t.c.prev_hash).where(
            bundles_t.c.device_id == device_id, bundles_t.c.sequence.in_([sequence - 1, sequence + 1]))).all()
        for seq, bhash, bprev in rows:
            if (seq == sequence - 1 and bytes(bhash) != prev_hash) or (seq == sequence + 1 and bytes(bprev) != digest):
                raise BundleChainBroken(device_id=device_id, sequence=sequence)
        if sequence == 1 and prev_hash != bytes(32):
            raise BundleChainBroken(device_id=device_id, sequence=sequence)

    def _insert_revisions(self, conn: Connection, opened: OpenedBundle, bundle_id: int) -> set[str]:
        device_id = opened.header.device_id
        if not opened.revisions:
            return set()
        if _pg(conn):
            return ingest_pg.insert_revisions(conn, opened.revisions, device_id, bundle_id)
        rows = [{"revision_id": r["revision_id"], "case_id": r["case_id"], "parent_id": r["parent_id"],
                 "officer_id": r["officer_id"], "device_id": device_id, "bundle_id": bundle_id,
                 "created_at": r["created_at"], "codebook_version": r["codebook_version"],
                 "content_hash": r["content_hash"], "content": r["content"]} for r in opened.revisions]
        stmt = dialect_insert(conn, revisions_t).on_conflict_do_nothing(index_elements=["revision_id"])
        for part in chunks(rows):
            conn.execute(stmt, part)
        # rows with our (brand-new) bundle id are the ones this bundle added; one held already must be
        # the same revision. By revision id (the key: a scan for our bundle_id would hold the write lock)
        new_ids: set[str] = set()
        for part in chunks(rows):
            held = {rid: (bid, digest) for rid, bid, digest in conn.execute(select(
                revisions_t.c.revision_id, revisions_t.c.bundle_id, revisions_t.c.content_hash).where(
                revisions_t.c.revision_id.in_([r["revision_id"] for r in part])))}
            for r in part:
                bid, digest = held.get(r["revision_id"], (None, None))
                if bid == bundle_id:
                    new_ids.add(r["revision_id"])
                elif digest != r["content_hash"]:
                    raise RevisionConflictingCopy(revision_id=r["revision_id"])
        return new_ids

    def _insert_audit(self, conn: Connection, opened: OpenedBundle, bundle_id: int) -> None:
        if _pg(conn):
            ingest_pg.insert_audit(conn, opened.header.device_id, bundle_id, opened.audit)
            return
        rows = [{"device_id": opened.header.device_id, "seq": a["seq"], "bundle_id": bundle_id, "entry": a}
                for a in opened.audit]
        for part in chunks(rows):
            conn.execute(dialect_insert(conn, devaudit_t).on_conflict_do_nothing(), part)

    def _update_cases(self, conn: Connection, revs: list[dict], now: datetime) -> tuple[int, int]:
        """Move case heads, queue conflicts, refresh facts. Returns (conflicts, dashboard deltas)."""
        if not revs:
            return 0, 0
        case_ids = sorted({r["case_id"] for r in revs})
        heads: dict[str, str | None] = {}
        held: dict[str, str | None] = {}
        states: dict[str, str] = {}
        if _pg(conn):  # the cases we have, locked; the new ones are inserted whole below
            held = ingest_pg.lock_heads(conn, case_ids)
            heads.update((c, held.get(c)) for c in case_ids)
        else:
            for part in chunks(case_ids):  # placeholders for new cases, in key order (no deadlocks)
                conn.execute(dialect_insert(conn, cases_t).on_conflict_do_nothing(index_elements=["case_id"]),
                             [{"case_id": c, "head_revision_id": None, "revision_count": 0, "open_conflicts": 0,
                               "review_state": "new", "first_received_at": now, "updated_at": now} for c in part])
            for part in chunks(case_ids):
                for c, head, state in conn.execute(select(cases_t.c.case_id, cases_t.c.head_revision_id,
                                                          cases_t.c.review_state).where(cases_t.c.case_id.in_(part))
                                                   .order_by(cases_t.c.case_id).with_for_update()):
                    heads[c], states[c] = head, state
        before = dict(heads)
        changed: dict[str, dict] = {}
        pending: list[dict] = []
        counts: dict[str, int] = defaultdict(int)
        for rev in revs:
            c = rev["case_id"]
            counts[c] += 1
            if heads[c] is None or heads[c] == rev["parent_id"]:
                heads[c] = rev["revision_id"]
                changed[c] = rev
            else:
                pending.append(rev)
        # the usual case ends here: new cases, and edits of the head with nothing stored below them.
        # Otherwise (an edit of another version, or a head with revisions already stored below it:
        # bundles imported in any order) the case's stored tree decides the head and the conflicts.
        moved = [c for c in changed if held.get(c) is not None or not _pg(conn)]
        below = children_of(conn, [heads[c] for c in moved]) if moved else {}
        irregular = sorted({r["case_id"] for r in pending} | {c for c in moved if heads[c] in below})
        conflict_rows, superseded = settle_tree(conn, irregular, heads, changed, now) if irregular else ([], [])
        inserted: list[str] = []
        if conflict_rows:
            inserted = list(conn.execute(dialect_insert(conn, conflicts_t).on_conflict_do_nothing()
                                         .returning(conflicts_t.c.case_id), conflict_rows).scalars())
        per_case_conflicts: dict[str, int] = defaultdict(int)
        for case_id in inserted:  # only rows new to the queue (a tip already queued or settled is not counted)
            per_case_conflicts[case_id] += 1
        for case_id in superseded:  # a queued revision with a later one below it now: the tip stands for it
            per_case_conflicts[case_id] -= 1
        # a new head, or a new version queued against it, is news to a supervisor: "new" again, even if reviewed
        unseen = {c for c in case_ids if heads[c] != before[c]} | set(inserted)
        if _pg(conn):
            ingest_pg.write_cases(conn, held, case_ids, heads, counts, per_case_conflicts, unseen, now)
            return len(inserted), write_facts(conn, [changed[c] for c in sorted(changed)], now,
                                              new_cases=not any(c in held for c in changed))
        # one multi-row upsert instead of one UPDATE per case (the rows exist and are locked by us)
        stmt = dialect_insert(conn, cases_t)
        stmt = stmt.on_conflict_do_update(index_elements=["case_id"], set_={
            "head_revision_id": stmt.excluded.head_revision_id,
            "revision_count": cases_t.c.revision_count + stmt.excluded.revision_count,
            "open_conflicts": cases_t.c.open_conflicts + stmt.excluded.open_conflicts,
            "review_state": stmt.excluded.review_state, "updated_at": stmt.excluded.updated_at})
        for part in chunks(case_ids):
            conn.execute(stmt, [{"case_id": c, "head_revision_id": heads[c], "revision_count": counts[c],
                                 "open_conflicts": per_case_conflicts[c],
                                 "review_state": "new" if c in unseen else states[c],
                                 "first_received_at": now, "updated_at": now} for c in part])
        return len(inserted), write_facts(conn, [changed[c] for c in sorted(changed)], now)


def write_facts(conn: Connection, heads: list[dict], now: datetime, *, new_cases: bool = False) -> int:
    """Upsert the non-identifying facts of these head revisions (same transaction). Returns the number
    of dashboard delta rows appended. ``new_cases``: none had facts (PostgreSQL COPYs them straight in)."""
    if not heads:
        return 0
    facts, kinds = [], []
    for rev in heads:
        row, k = facts_of(rev["case_id"], rev["revision_id"], rev["codebook_version"], rev["content"], now)
        facts.append(row)
        kinds.extend(k)
    if _pg(conn):
        ingest_pg.write_facts(conn, [c.name for c in facts_t.columns], facts, kinds, fresh=new_cases)
        return dashboard_rollup.apply(conn, heads, facts)
    stmt = dialect_insert(conn, facts_t)
    stmt = stmt.on_conflict_do_update(index_elements=["case_id"],
                                      set_={c.name: stmt.excluded[c.name] for c in facts_t.columns if c.name != "case_id"})
    for part in chunks(facts):
        conn.execute(stmt, part)
    ids = [r["case_id"] for r in heads]
    for part in chunks(ids):
        conn.execute(exploit_t.delete().where(exploit_t.c.case_id.in_(part)))
    for part in chunks(kinds):
        conn.execute(exploit_t.insert(), part)
    return dashboard_rollup.apply(conn, heads, facts)  # the dashboard's rollup, in this same transaction


def _hold_for_tests() -> None:
    folder = os.environ.get(HOLD_ENV)
    if not folder:
        return
    import time

    marker = Path(folder) / f"holding-{os.getpid()}"
    marker.write_bytes(b"")
    while marker.exists():  # the test removes it (or kills us)
        time.sleep(0.01)


def missing_sequences(conn: Connection, device_id: str) -> list[int]:
    """Gaps in a device's chain: sequences below the highest stored that never arrived."""
    seqs = sorted(conn.execute(select(bundles_t.c.sequence).where(bundles_t.c.device_id == device_id)).scalars())
    if not seqs:
        return []
    have = set(seqs)
    return [s for s in range(1, seqs[-1]) if s not in have]
