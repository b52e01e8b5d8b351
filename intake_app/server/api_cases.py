"""Cases and conflicts (supervisor), aggregates (analyst), the audit log (auditor).

Supervisors see the cases of their own institution (a supervisor with no institution
is a national coordinator and sees all). Analysts get counts over non-identifying
dimensions only, with cells below ``MIN_CELL`` suppressed. Auditors read the server's
audit log and verify its chain. Every view of a case is itself audited.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import func, select, update
from starlette.concurrency import run_in_threadpool

from . import audit
from .auth import Principal
from .db import transaction
from .deps import roles
from .errors import ConflictNotFound, NotFound, RequestMalformed
from .facts import DIMENSIONS
from .ingest import write_facts
from .models import Case, CaseFactExploitation, CaseFacts, Conflict, Revision

router = APIRouter(prefix="/api/v1")
SUPERVISOR = roles("supervisor")
ANALYST = roles("analyst", "supervisor")
AUDITOR = roles("auditor", "administrator")
MIN_CELL = 11

cases_t, facts_t, revisions_t = Case.__table__, CaseFacts.__table__, Revision.__table__
conflicts_t, exploit_t = Conflict.__table__, CaseFactExploitation.__table__


def _scoped(query, user: Principal):
    if user.institution is not None:
        query = query.where(facts_t.c.institution == user.institution)
    return query


def _case_in_scope(conn, case_id: str, user: Principal):
    q = select(cases_t).join(facts_t, facts_t.c.case_id == cases_t.c.case_id, isouter=True) \
        .where(cases_t.c.case_id == case_id)
    row = conn.execute(_scoped(q, user)).first()
    if row is None:
        raise NotFound()
    return row


@router.get("/cases", tags=["cases"])
async def list_cases(request: Request, state: Literal["new", "reviewed", "all"] = "new",
                     limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**9),
                     user: Principal = Depends(SUPERVISOR)):
    """Incoming cases (no identity fields in the list)."""

    def run():
        q = select(cases_t.c.case_id, cases_t.c.head_revision_id, cases_t.c.revision_count,
                   cases_t.c.open_conflicts, cases_t.c.review_state, cases_t.c.updated_at, facts_t.c.record_date,
                   facts_t.c.border_post, facts_t.c.institution) \
            .join(facts_t, facts_t.c.case_id == cases_t.c.case_id)
        if state != "all":
            q = q.where(cases_t.c.review_state == state)
        q = _scoped(q, user).order_by(cases_t.c.updated_at.desc(), cases_t.c.case_id).limit(limit).offset(offset)
        with request.app.state.engine.connect() as conn:
            return [{**r._mapping, "updated_at": r.updated_at.isoformat(),
                     "record_date": r.record_date.isoformat() if r.record_date else None}
                    for r in conn.execute(q)]

    return await run_in_threadpool(run)


@router.get("/cases/{case_id}", tags=["cases"])
async def view_case(case_id: str, request: Request, user: Principal = Depends(SUPERVISOR)):
    """The case's head revision with its content, and its history (audited as a view)."""

    def run():
        with transaction(request.app.state.engine) as conn:
            case = _case_in_scope(conn, case_id, user)
            history = conn.execute(select(revisions_t.c.revision_id, revisions_t.c.parent_id, revisions_t.c.device_id,
                                          revisions_t.c.officer_id, revisions_t.c.created_at,
                                          revisions_t.c.codebook_version)
                                   .where(revisions_t.c.case_id == case_id).order_by(revisions_t.c.created_at)).all()
            head = conn.execute(select(revisions_t.c.content, revisions_t.c.codebook_version)
                                .where(revisions_t.c.revision_id == case.head_revision_id)).first()
            audit.append(conn, user.actor, "case_view", case_id)
        return {"case_id": case_id, "head_revision_id": case.head_revision_id, "review_state": case.review_state,
                "open_conflicts": case.open_conflicts, "codebook_version": head.codebook_version,
                "content": head.content, "history": [dict(r._mapping) for r in history]}

    return await run_in_threadpool(run)


@router.post("/cases/{case_id}/review", tags=["cases"])
async def review_case(case_id: str, request: Request, user: Principal = Depends(SUPERVISOR)):
    def run():
        with transaction(request.app.state.engine) as conn:
            _case_in_scope(conn, case_id, user)
            conn.execute(update(cases_t).where(cases_t.c.case_id == case_id).values(review_state="reviewed"))
            audit.append(conn, user.actor, "case_review", case_id)

    await run_in_threadpool(run)
    return {"case_id": case_id, "review_state": "reviewed"}


@router.get("/conflicts", tags=["cases"])
async def list_conflicts(request: Request, status: Literal["open", "resolved"] = "open",
                         user: Principal = Depends(SUPERVISOR)):
    def run():
        q = select(conflicts_t).join(facts_t, facts_t.c.case_id == conflicts_t.c.case_id, isouter=True) \
            .where(conflicts_t.c.status == status).order_by(conflicts_t.c.id)
        with request.app.state.engine.connect() as conn:
            return [{"id": r.id, "case_id": r.case_id, "head_revision_id": r.head_revision_id,
                     "revision_id": r.revision_id, "detected_at": r.detected_at.isoformat(),
                     "resolution": r.resolution} for r in conn.execute(_scoped(q, user))]

    return await run_in_threadpool(run)


class ResolveIn(BaseModel):
    keep: Literal["head", "incoming"]


@router.post("/conflicts/{conflict_id}/resolve", tags=["cases"])
async def resolve_conflict(conflict_id: int, body: ResolveIn, request: Request, user: Principal = Depends(SUPERVISOR)):
    """Keep the server's head, or make the conflicting revision the head. Nothing is deleted."""

    def run():
        from datetime import datetime, timezone

        now = datetime.now(timezone.utc)
        with transaction(request.app.state.engine) as conn:
            c = conn.execute(select(conflicts_t).where(conflicts_t.c.id == conflict_id).with_for_update()).first()
            if c is None or c.status != "open":
                raise ConflictNotFound()
            _case_in_scope(conn, c.case_id, user)
            if body.keep == "incoming":
                rev = conn.execute(select(revisions_t.c.case_id, revisions_t.c.revision_id,
                                          revisions_t.c.codebook_version, revisions_t.c.content)
                                   .where(revisions_t.c.revision_id == c.revision_id)).first()
                conn.execute(update(cases_t).where(cases_t.c.case_id == c.case_id).values(
                    head_revision_id=c.revision_id, updated_at=now))
                write_facts(conn, [dict(rev._mapping)], now)
            conn.execute(update(cases_t).where(cases_t.c.case_id == c.case_id).values(
                open_conflicts=cases_t.c.open_conflicts - 1))
            conn.execute(update(conflicts_t).where(conflicts_t.c.id == conflict_id).values(
                status="resolved", resolution="kept_head" if body.keep == "head" else "took_incoming",
                resolved_by=user.username, resolved_at=now))
            audit.append(conn, user.actor, "conflict_resolve", c.case_id, keep=body.keep, conflict=conflict_id)

    await run_in_threadpool(run)
    return {"id": conflict_id, "status": "resolved"}


@router.get("/aggregates", tags=["aggregates"])
async def aggregates(request: Request, by: str = Query(..., max_length=200), quarter: str | None = None,
                     border_post: str | None = None, user: Principal = Depends(ANALYST)):
    """Counts of cases by up to three non-identifying dimensions (comma-separated in ``by``).
    Cells under the threshold are suppressed (``count: null``)."""
    dims = [d.strip() for d in by.split(",") if d.strip()]
    if not dims or len(dims) > 3 or len(set(dims)) != len(dims) or any(d not in DIMENSIONS for d in dims):
        raise RequestMalformed(part="by")

    def run():
        cols = [exploit_t.c.exploitation_type if d == "exploitation_type" else facts_t.c[d] for d in dims]
        q = select(*cols, func.count().label("n")).select_from(facts_t)
        if "exploitation_type" in dims:
            q = q.join(exploit_t, exploit_t.c.case_id == facts_t.c.case_id)
        if quarter:
            q = q.where(facts_t.c.quarter == quarter)
        if border_post:
            q = q.where(facts_t.c.border_post == border_post)
        q = q.group_by(*cols).order_by(*cols)
        with transaction(request.app.state.engine) as conn:
            rows = conn.execute(q).all()
            audit.append(conn, user.actor, "aggregate_view", None, by=dims)
        cells = []
        for r in rows:
            key = {d: (v.isoformat() if hasattr(v, "isoformat") else v) for d, v in zip(dims, r[:-1])}
            n = r[-1]
            cells.append({**key, "count": n if n >= MIN_CELL else None})
        return {"by": dims, "min_cell": MIN_CELL, "cells": cells}

    return await run_in_threadpool(run)


@router.get("/audit", tags=["audit"])
async def audit_entries(request: Request, after: int = Query(0, ge=0, le=2**62), limit: int = Query(200, ge=1, le=5000),
                        user: Principal = Depends(AUDITOR)):
    def run():
        with request.app.state.engine.connect() as conn:
            return audit.recent(conn, after, limit)

    return await run_in_threadpool(run)


@router.get("/audit/verify", tags=["audit"])
async def audit_verify(request: Request, user: Principal = Depends(AUDITOR)):
    count = await run_in_threadpool(audit.verify, request.app.state.engine)
    return {"status": "ok", "entries": count}
