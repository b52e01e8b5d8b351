"""The server's hash-chained audit log: logins, ingests, views, exports, administration.

Each entry's hash covers the previous hash and its own canonical fields, so an edited,
inserted or removed entry breaks the chain from that point; ``audit_head`` keeps the
last seq and hash to catch a removed tail. Appenders lock ``audit_head`` (``SELECT …
FOR UPDATE`` on PostgreSQL; SQLite writers are serialized anyway), so several server
processes still write one chain. Details hold ids, codes and counts only.
"""

from __future__ import annotations

import hashlib
import json
import os
import weakref
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine

from .errors import ServerAuditBroken
from .models import AuditEntry, AuditHead

GENESIS = "0" * 64
entries_t = AuditEntry.__table__
head_t = AuditHead.__table__


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


OPERATOR = "operator"


def operator_actor() -> str:
    """Who acts at the server's command line, as the audit log names them: ``operator:<login>``,
    the login that ran the command (``SUDO_USER`` when it ran through sudo: the administrator,
    not root or the service user), so the log says which administrator revoked a laptop or
    rotated the keys. Plain ``operator`` when no login can be found."""
    login = os.environ.get("SUDO_USER") or _process_login()
    login = "".join(ch for ch in login if ch.isprintable() and not ch.isspace())[:64]  # actor: 80 characters
    return f"{OPERATOR}:{login}" if login else OPERATOR


def _process_login() -> str:
    try:
        if os.name == "nt":
            import getpass

            return getpass.getuser()
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (KeyError, OSError, ImportError):  # a uid with no passwd entry (a container)
        return ""


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, target: str | None, detail: str) -> str:
    payload = json.dumps([seq, at, actor, action, target, detail, prev_hash], separators=(",", ":"),
                         ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def append(conn: Connection, actor: str, action: str, target: str | None = None, **detail: Any) -> int:
    """Add one entry inside the caller's transaction; returns its seq."""
    row = conn.execute(select(head_t.c.seq, head_t.c.hash).where(head_t.c.one == 1).with_for_update()).one()
    seq, prev = row.seq + 1, row.hash
    at = now_iso()
    text = json.dumps(detail, sort_keys=True, separators=(",", ":"), default=str)
    h = entry_hash(prev, seq, at, actor, action, target, text)
    conn.execute(entries_t.insert().values(seq=seq, at=at, actor=actor, action=action, target=target, detail=text,
                                           prev_hash=prev, hash=h))
    conn.execute(update(head_t).where(head_t.c.one == 1).values(seq=seq, hash=h))
    return seq


def refused(engine: Engine, actor: str, role: str, reason: str, target: str | None = None, **detail: Any) -> int:
    """An access refused to a signed-in user, in its own transaction (the request's own, if
    any, was rolled back): ``access_refused`` with the user's role and the reason
    (``wrong_role``: the role may not use the route; ``other_institution``: a case of another
    institution; ``not_found``: no such case or conflict). ``target`` is a case id or None,
    the details name the route (its template, never the typed path) or the attempt, and
    never hold text a client typed. Requests without a session are not audited here: an
    anonymous flood of them cannot grow the log. The exception is signing in:
    ``auth.login`` writes an ``anonymous`` ``login_failed`` entry for every unknown name,
    bounded only by each try's Argon2 check and the proxy's rate limit (``limit_req`` on
    the sign-in addresses, docs/server.md §6)."""
    from .db import transaction

    with transaction(engine) as conn:
        return append(conn, actor, "access_refused", target, role=role, reason=reason, **detail)


def route_template(scope) -> str:
    """The route's template (``/api/v1/cases/{case_id}``), never the typed path, or "?"."""
    return getattr(scope.get("route"), "path", None) or "?"


# who may read the log and verify its chain: the API (/api/v1/audit) and the page (/exchange/audit)
READERS = ("auditor", "administrator")
CHECK = "audit_verify"  # a check of the whole chain asked for by a person, recorded as an entry


def check(engine: Engine, actor: str, via: str) -> dict:
    """Walk the chain (:func:`verify`, short read transactions: no write lock is held for the
    walk), then record the check as an entry of its own (``audit_verify``, ``via`` ``page`` or
    ``api``), in a short transaction after it: ``result`` ``intact`` with ``entries`` walked
    (entries 1 to ``entries``), or ``broken`` with ``seq`` and ``reason`` and, as ``entries``,
    the number the log's head named before the walk. Two checks at once each walk and each are
    recorded. Returns {"seq": the check's entry, "count": entries walked or None, "broken":
    the ServerAuditBroken or None}; other errors (the database) record nothing."""
    from .db import transaction

    with engine.connect() as conn:
        named = conn.execute(select(head_t.c.seq).where(head_t.c.one == 1)).scalar_one()
    try:
        count, broken = verify(engine), None
    except ServerAuditBroken as err:
        count, broken = None, err
    result = {"result": "intact", "entries": count} if broken is None else \
        {"result": "broken", "entries": named, "seq": broken.params.get("seq"), "reason": broken.params.get("reason")}
    with transaction(engine) as conn:
        seq = append(conn, actor, CHECK, None, via=via, **result)
    return {"seq": seq, "count": count, "broken": broken}


def last_check(conn: Connection) -> tuple[dict | None, int]:
    """(the newest ``audit_verify`` entry, detail parsed ({} if it is no JSON object), or None;
    the head's seq now: how many entries the log holds).

    The entry is not taken on trust (a few rows, not a walk): its own hash is recomputed, it
    must link to its neighbours, and no entry may be missing between it and the head. The
    newest check this engine saw earlier must still be there, unchanged, unless the log got
    shorter. Otherwise it comes with ``altered`` True (the page's alarm, never an older check
    in its place)."""
    head, _, newest = _tail(conn)
    if newest is None:
        return None, head
    row = conn.execute(select(entries_t).where(entries_t.c.seq == newest)).mappings().first()
    if row is None or row["action"] != CHECK or not _linked(conn, row, head):
        return {"seq": newest, "at": "", "actor": "", "detail": {}, "altered": True}, head
    try:
        detail = json.loads(row["detail"])
    except ValueError:
        detail = {}
    return {**row, "detail": detail if isinstance(detail, dict) else {}, "altered": False}, head


def _linked(conn: Connection, row, head: int) -> bool:
    """The entry's stored hash is its own, it chains to the entries either side of it, and the
    log holds every entry from it to the head."""
    seq = row["seq"]
    if entry_hash(row["prev_hash"], seq, row["at"], row["actor"], row["action"], row["target"],
                  row["detail"]) != row["hash"] or seq > head:
        return False
    if seq == 1:
        before = GENESIS
    else:
        before = conn.execute(select(entries_t.c.hash).where(entries_t.c.seq == seq - 1)).scalar()
    if before != row["prev_hash"]:
        return False
    if seq < head:
        after = conn.execute(select(entries_t.c.prev_hash).where(entries_t.c.seq == seq + 1)).scalar()
        if after != row["hash"]:
            return False
    return conn.execute(select(func.count()).select_from(entries_t)
                        .where(entries_t.c.seq > seq, entries_t.c.seq <= head)).scalar_one() == head - seq


def entries(conn: Connection, *, after_seq: int = 0, limit: int = 200, offset: int = 0, newest_first: bool = False,
            up_to_seq: int | None = None, action: str | None = None, actor: str | None = None,
            since: str | None = None, until: str | None = None, raw_detail: bool = False) -> list[dict]:
    """Entries in order of seq (``newest_first``: the other way), those after ``after_seq``
    (and up to ``up_to_seq``: pages that newer entries do not shift), narrowed by an action
    code, a part of the actor (any case), and UTC days: ``since`` (``2026-05-01``, that day
    included) and ``until`` (the first day left out). ``detail`` as parsed JSON, or
    (``raw_detail``) the stored text, which the hash covers."""
    where = [entries_t.c.seq > after_seq] if after_seq else []
    if up_to_seq is not None:
        where.append(entries_t.c.seq <= up_to_seq)
    if action:
        where.append(entries_t.c.action == action)
    if actor:
        where.append(func.lower(entries_t.c.actor).contains(actor.lower(), autoescape=True))
    if since:  # ``at`` is ISO 8601 text in UTC (now_iso): its order is the order of time
        where.append(entries_t.c.at >= since)
    if until:
        where.append(entries_t.c.at < until)
    order = entries_t.c.seq.desc() if newest_first else entries_t.c.seq
    rows = conn.execute(select(entries_t).where(*where).order_by(order).limit(limit).offset(offset)).mappings().all()
    return [{**r, "detail": r["detail"] if raw_detail else json.loads(r["detail"])} for r in rows]


def recent(conn: Connection, after_seq: int = 0, limit: int = 200) -> list[dict]:
    return entries(conn, after_seq=after_seq, limit=limit)


def actions(conn: Connection) -> list[str]:
    """The action codes the log holds, in alphabetical order (the page's action filter)."""
    return sorted(_tail(conn)[1])


# per engine: (the head's seq looked at, the action codes up to it, the newest check up to it).
# A view reads only the entries appended since the last view (a range of the primary key), never
# the whole log: a million entries took seconds for the codes alone. A log cut shorter than what
# was looked at is looked at again from the start; a check entry gone or changed is not looked
# past (last_check reports it).
_tails: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _tail(conn: Connection) -> tuple[int, frozenset, int | None]:
    head = conn.execute(select(head_t.c.seq).where(head_t.c.one == 1)).scalar_one()
    upto, codes, newest = _tails.get(conn.engine, (0, frozenset(), None))
    if upto > head:
        upto, codes, newest = 0, frozenset(), None
    if head > upto:
        since = (entries_t.c.seq > upto, entries_t.c.seq <= head)
        codes = codes | set(conn.execute(select(entries_t.c.action).where(*since).distinct()).scalars())
        newest = conn.execute(select(func.max(entries_t.c.seq)).where(*since, entries_t.c.action == CHECK)) \
            .scalar() or newest
        _tails[conn.engine] = (head, codes, newest)  # one tuple: a view in another thread reads a whole one
    return head, codes, newest


def verify(engine: Engine, batch: int = 5000) -> int:
    """Walk the whole chain; returns the number of entries, or raises ServerAuditBroken.

    Each batch is read in a short transaction of its own: on SQLite every transaction takes the
    write lock (``BEGIN IMMEDIATE``, db.py), and one held for the whole walk (seconds at a
    million entries) would stop every sign-in and ingest meanwhile. Entries appended during the
    walk (each entry and the head move in one transaction) are walked too and must chain on.
    The head read before the walk must be met on the way (its entry and hash), and no entry may
    lie beyond the head read after it: a row no head accounts for was not appended by the
    server."""
    prev, expected, count = GENESIS, 1, 0
    at_head = None
    with engine.connect() as conn:
        head = conn.execute(select(head_t.c.seq, head_t.c.hash).where(head_t.c.one == 1)).one()
    last = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(select(entries_t).where(entries_t.c.seq > last).order_by(entries_t.c.seq)
                                .limit(batch)).all()
        if not rows:
            break
        for r in rows:
            if r.seq != expected:
                raise ServerAuditBroken(seq=expected, reason="missing")
            if r.prev_hash != prev:
                raise ServerAuditBroken(seq=r.seq, reason="chain")
            if entry_hash(prev, r.seq, r.at, r.actor, r.action, r.target, r.detail) != r.hash:
                raise ServerAuditBroken(seq=r.seq, reason="hash")
            prev, expected, count = r.hash, expected + 1, count + 1
            if r.seq == head.seq:
                at_head = r.hash
        last = rows[-1].seq
    with engine.connect() as conn:
        after = conn.execute(select(head_t.c.seq).where(head_t.c.one == 1)).scalar_one()
    if count < head.seq:  # entries cut from the end
        raise ServerAuditBroken(seq=count + 1, reason="tail")
    if head.seq and at_head != head.hash:  # the head's entry rewritten (and the chain after it)
        raise ServerAuditBroken(seq=head.seq, reason="tail")
    if count > after:  # rows no head accounts for
        raise ServerAuditBroken(seq=after + 1, reason="tail")
    return count
