"""Cases and conflicts (supervisor), aggregates (analyst), the audit log (auditor).

Supervisors see the cases of their own institution (a supervisor with no institution
is a national coordinator and sees all). Analysts get counts over non-identifying
dimensions only, with cells below ``MIN_CELL`` suppressed. Auditors read the server's
audit log and verify its chain. Every view of a case is itself audited.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from . import audit, review
from .auth import Principal
from .db import transaction
from .deps import roles
from .errors import RequestMalformed
from .facts import DIMENSIONS
from .models import CaseFactExploitation, CaseFacts

router = APIRouter(prefix="/api/v1")
SUPERVISOR = roles("supervisor")
ANALYST = roles("analyst", "supervisor")
AUDITOR = roles("auditor", "administrator")
MIN_CELL = 11
ID_MAX = 2**62  # row ids: larger numbers are refused as malformed, never sent to the database

facts_t, exploit_t = CaseFacts.__table__, CaseFactExploitation.__table__


@router.get("/cases", tags=["cases"])
async def list_cases(request: Request, state: Literal["new", "reviewed", "all"] = "new",
                     limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**9),
                     user: Principal = Depends(SUPERVISOR)):
    """Incoming cases (no identity fields in the list)."""
    rows = await run_in_threadpool(review.list_incoming, request.app.state.engine, user, state, limit, offset)
    return [{**r, "updated_at": r["updated_at"].isoformat(),
             "record_date": r["record_date"].isoformat() if r["record_date"] else None} for r in rows]


@router.get("/cases/{case_id}", tags=["cases"])
async def view_case(case_id: str, request: Request, user: Principal = Depends(SUPERVISOR)):
    """The case's head revision with its content, and its history (audited as a view)."""
    case = await run_in_threadpool(review.view_case, request.app.state.engine, user, case_id)
    return {k: v for k, v in case.items() if k != "conflicts"}


@router.post("/cases/{case_id}/review", tags=["cases"])
async def review_case(case_id: str, request: Request, user: Principal = Depends(SUPERVISOR)):
    await run_in_threadpool(review.mark_reviewed, request.app.state.engine, user, case_id)
    return {"case_id": case_id, "review_state": "reviewed"}


@router.get("/conflicts", tags=["cases"])
async def list_conflicts(request: Request, status: Literal["open", "resolved"] = "open",
                         user: Principal = Depends(SUPERVISOR)):
    rows = await run_in_threadpool(review.list_conflicts, request.app.state.engine, user, status)
    return [{**r, "detected_at": r["detected_at"].isoformat()} for r in rows]


class ResolveIn(BaseModel):
    keep: Literal["head", "incoming"]


@router.post("/conflicts/{conflict_id}/resolve", tags=["cases"])
async def resolve_conflict(body: ResolveIn, request: Request, conflict_id: int = Path(ge=1, le=ID_MAX),
                           user: Principal = Depends(SUPERVISOR)):
    """Keep the server's head, or make the conflicting revision the head. Nothing is deleted."""
    await run_in_threadpool(review.resolve_conflict, request.app.state.engine, user, conflict_id, body.keep)
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
