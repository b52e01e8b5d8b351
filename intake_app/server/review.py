"""A supervisor's work on incoming cases: the list, one case, marking it reviewed, and
the conflicts two devices made. The JSON API (``api_cases``) and the supervisor's pages
(``exchange.web``) both call these, so both keep the same rules:

- a supervisor sees the cases of their own institution; one with no institution is a
  national coordinator and sees all;
- every opening of a case's content is audited (``case_view``), as are reviews and
  resolutions; nothing is ever deleted (a resolution only moves the head);
- a case or conflict refused (another institution's, or none such) answers as a missing
  one does, and is audited as ``access_refused`` (reason ``other_institution`` or
  ``not_found``), in one shape and with the same work either way, so an insider trying
  other institutions' case ids shows in the audit log without learning which exist.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timezone
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from . import audit
from .auth import Principal
from .db import transaction
from .errors import ConflictNotFound, NotFound
from .ingest import write_facts
from .models import Case, CaseFacts, Conflict, Device, Revision

cases_t, facts_t, revisions_t, conflicts_t = Case.__table__, CaseFacts.__table__, Revision.__table__, \
    Conflict.__table__
devices_t = Device.__table__
State = Literal["new", "reviewed", "all"]
Reviewed = Literal["reviewed", "already", "changed"]


def _scoped(query, user: Principal):
    if user.institution is not None:
        query = query.where(facts_t.c.institution == user.institution)
    return query


CASE_ID = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", re.ASCII)  # as vault.cases.new_case_id makes them
NO_CASE = "----"  # no case id (CASE_ID never matches it): a lookup that finds nothing, for equal work


class _Refusal:
    """Why a case or conflict was refused, kept on the error for :func:`_audited` (never in
    the answer: another institution's case answers as a missing one does)."""

    def __init__(self, reason: str, case_id: str | None, **detail) -> None:
        self.reason, self.detail = reason, detail
        # a case id only as this server makes them: typed text never reaches the audit log
        self.target = case_id if case_id is not None and CASE_ID.fullmatch(case_id) else None


def _case_in_scope(conn, case_id: str, user: Principal):
    q = select(cases_t).join(facts_t, facts_t.c.case_id == cases_t.c.case_id, isouter=True) \
        .where(cases_t.c.case_id == case_id)
    row = conn.execute(_scoped(q, user)).first()
    if row is None:
        exists = user.institution is not None and conn.execute(
            select(cases_t.c.case_id).where(cases_t.c.case_id == case_id)).first() is not None
        err = NotFound()
        err.refusal = _Refusal("other_institution" if exists else "not_found", case_id)
        raise err
    return row


def _audited(attempt: str):
    """Audit a refusal of ``fn(engine, user, key, ...)`` (``access_refused``, in its own
    transaction: the refused one rolled back), then let it answer as before."""

    def wrap(fn):
        @functools.wraps(fn)
        def run(engine: Engine, user: Principal, *args, **kwargs):
            try:
                return fn(engine, user, *args, **kwargs)
            except (NotFound, ConflictNotFound) as err:
                refusal = getattr(err, "refusal", None)
                if refusal is not None:
                    audit.refused(engine, user.actor, user.role, refusal.reason, refusal.target, attempt=attempt,
                                  **refusal.detail)
                raise

        return run

    return wrap


def list_incoming(engine: Engine, user: Principal, state: State = "new", limit: int = 100,
                  offset: int = 0, conflicted: bool = False) -> list[dict]:
    """Incoming cases, latest change first (no identity fields); ``conflicted``: only those
    with an open conflict."""
    q = select(cases_t.c.case_id, cases_t.c.head_revision_id, cases_t.c.revision_count,
               cases_t.c.open_conflicts, cases_t.c.review_state, cases_t.c.updated_at, facts_t.c.record_date,
               facts_t.c.border_post, facts_t.c.institution) \
        .join(facts_t, facts_t.c.case_id == cases_t.c.case_id)
    if state != "all":
        q = q.where(cases_t.c.review_state == state)
    if conflicted:
        q = q.where(cases_t.c.open_conflicts > 0)
    q = _scoped(q, user).order_by(cases_t.c.updated_at.desc(), cases_t.c.case_id).limit(limit).offset(offset)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


@_audited("case_view")
def view_case(engine: Engine, user: Principal, case_id: str) -> dict:
    """The head revision with its content, and the history (audited as a view)."""
    with transaction(engine) as conn:
        case = _case_in_scope(conn, case_id, user)
        history = conn.execute(select(revisions_t.c.revision_id, revisions_t.c.parent_id, revisions_t.c.device_id,
                                      revisions_t.c.officer_id, revisions_t.c.created_at,
                                      revisions_t.c.codebook_version)
                               .where(revisions_t.c.case_id == case_id).order_by(revisions_t.c.created_at)).all()
        head = conn.execute(select(revisions_t.c.content, revisions_t.c.codebook_version)
                            .where(revisions_t.c.revision_id == case.head_revision_id)).first()
        conflicts = conn.execute(select(conflicts_t.c.id, conflicts_t.c.revision_id, conflicts_t.c.detected_at)
                                 .where(conflicts_t.c.case_id == case_id, conflicts_t.c.status == "open")
                                 .order_by(conflicts_t.c.id)).all()
        audit.append(conn, user.actor, "case_view", case_id)
    return {"case_id": case_id, "head_revision_id": case.head_revision_id, "review_state": case.review_state,
            "open_conflicts": case.open_conflicts, "codebook_version": head.codebook_version,
            "content": head.content, "history": [dict(r._mapping) for r in history],
            "conflicts": [dict(r._mapping) for r in conflicts]}


@_audited("case_review")
def mark_reviewed(engine: Engine, user: Principal, case_id: str, revision_id: str | None = None) -> Reviewed:
    """Mark the case reviewed, once: "reviewed", or "already" (it was: nothing written, no
    second audit entry). With ``revision_id`` (the head the supervisor's page showed), a head
    that moved since answers "changed" and nothing is written: a version nobody has read is
    never marked reviewed. One guarded UPDATE decides, so a new version arriving at the same
    moment (ingest locks and moves the case row) is never lost under the mark."""
    with transaction(engine) as conn:
        _case_in_scope(conn, case_id, user)
        q = update(cases_t).where(cases_t.c.case_id == case_id, cases_t.c.review_state != "reviewed")
        if revision_id is not None:
            q = q.where(cases_t.c.head_revision_id == revision_id)
        if conn.execute(q.values(review_state="reviewed")).rowcount:
            audit.append(conn, user.actor, "case_review", case_id)
            return "reviewed"
        head = conn.execute(select(cases_t.c.head_revision_id).where(cases_t.c.case_id == case_id)).scalar()
        return "changed" if revision_id is not None and head != revision_id else "already"


def list_conflicts(engine: Engine, user: Principal, status: Literal["open", "resolved"] = "open") -> list[dict]:
    q = select(conflicts_t).join(facts_t, facts_t.c.case_id == conflicts_t.c.case_id, isouter=True) \
        .where(conflicts_t.c.status == status).order_by(conflicts_t.c.id)
    with engine.connect() as conn:
        return [{"id": r.id, "case_id": r.case_id, "head_revision_id": r.head_revision_id,
                 "revision_id": r.revision_id, "detected_at": r.detected_at, "resolution": r.resolution}
                for r in conn.execute(_scoped(q, user))]


def _conflict_case(conn, c, conflict_id: int, user: Principal):
    """The conflict's case if the user may see it; another institution's conflict answers as
    a missing one does (its existence does not show), after the same queries: for a missing
    conflict the case lookup runs too (scoped select, then the existence query), on an id no
    case has. A conflict already resolved, of a case the user may see, is no refusal (two
    supervisors resolving it at once)."""
    if c is None:
        try:
            _case_in_scope(conn, NO_CASE, user)  # the same work as for another institution's case
        except NotFound:
            pass
        err = ConflictNotFound()
        err.refusal = _Refusal("not_found", None, conflict=conflict_id)
        raise err
    try:
        case = _case_in_scope(conn, c.case_id, user)
    except NotFound as missing:
        err = ConflictNotFound()
        err.refusal = _Refusal(missing.refusal.reason, c.case_id, conflict=conflict_id)
        raise err from None
    if c.status != "open":  # resolved meanwhile (another tab, Back, another supervisor): the page says so
        err = ConflictNotFound()
        err.resolved = {"id": c.id, "case_id": c.case_id, "by": c.resolved_by, "at": c.resolved_at,
                        "resolution": c.resolution,
                        "replaced_by": _replacing(conn, c) if c.resolution == "superseded" else None}
        raise err
    return case


def _replacing(conn, c) -> int | None:
    """The open conflict that took a superseded one's place: its version was made on top of
    the superseded version (case_tree queues a branch by its latest revision); None if none
    is open now (a supervisor resolved it already)."""
    parent = dict(conn.execute(select(revisions_t.c.revision_id, revisions_t.c.parent_id)
                               .where(revisions_t.c.case_id == c.case_id)).all())
    for conflict_id, rid in conn.execute(select(conflicts_t.c.id, conflicts_t.c.revision_id).where(
            conflicts_t.c.case_id == c.case_id, conflicts_t.c.status == "open").order_by(conflicts_t.c.id)):
        seen: set[str] = set()
        while rid is not None and rid not in seen:
            if rid == c.revision_id:
                return conflict_id
            seen.add(rid)
            rid = parent.get(rid)
    return None


@_audited("conflict_view")
def conflict_versions(engine: Engine, user: Principal, conflict_id: int) -> dict:
    """An open conflict's two versions, the server's head and the incoming one, side by
    side (audited as a view of the case)."""
    with transaction(engine) as conn:
        c = conn.execute(select(conflicts_t).where(conflicts_t.c.id == conflict_id)).first()
        case = _conflict_case(conn, c, conflict_id, user)
        rows = {r.revision_id: r for r in conn.execute(
            select(revisions_t.c.revision_id, revisions_t.c.codebook_version, revisions_t.c.content,
                   revisions_t.c.officer_id, revisions_t.c.device_id, revisions_t.c.created_at)
            .where(revisions_t.c.revision_id.in_([case.head_revision_id, c.revision_id])))}
        posts = dict(conn.execute(select(devices_t.c.device_id, devices_t.c.post).where(
            devices_t.c.device_id.in_([r.device_id for r in rows.values()]))).all())
        audit.append(conn, user.actor, "case_view", c.case_id, conflict=conflict_id)
    return {"id": conflict_id, "case_id": c.case_id, "detected_at": c.detected_at,
            **{side: {**rows[rev]._mapping, "post": posts.get(rows[rev].device_id)}
               for side, rev in (("head", case.head_revision_id), ("incoming", c.revision_id))}}


@_audited("conflict_resolve")
def resolve_conflict(engine: Engine, user: Principal, conflict_id: int, keep: Literal["head", "incoming"]) -> None:
    """Keep the server's head, or make the conflicting revision the head (a new head: the
    case is «Nuevo» again, even if it was reviewed, as ingest does). Nothing is deleted."""
    now = datetime.now(timezone.utc)
    with transaction(engine) as conn:
        c = conn.execute(select(conflicts_t).where(conflicts_t.c.id == conflict_id).with_for_update()).first()
        _conflict_case(conn, c, conflict_id, user)
        if keep == "incoming":
            rev = conn.execute(select(revisions_t.c.case_id, revisions_t.c.revision_id,
                                      revisions_t.c.codebook_version, revisions_t.c.content)
                               .where(revisions_t.c.revision_id == c.revision_id)).first()
            conn.execute(update(cases_t).where(cases_t.c.case_id == c.case_id).values(
                head_revision_id=c.revision_id, review_state="new", updated_at=now))
            write_facts(conn, [dict(rev._mapping)], now)
        conn.execute(update(cases_t).where(cases_t.c.case_id == c.case_id).values(
            open_conflicts=cases_t.c.open_conflicts - 1))
        conn.execute(update(conflicts_t).where(conflicts_t.c.id == conflict_id).values(
            status="resolved", resolution="kept_head" if keep == "head" else "took_incoming",
            resolved_by=user.username, resolved_at=now))
        audit.append(conn, user.actor, "conflict_resolve", c.case_id, keep=keep, conflict=conflict_id)
