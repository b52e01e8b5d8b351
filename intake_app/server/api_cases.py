"""Cases and conflicts (supervisor), aggregates (analyst), the audit log (auditor).

Supervisors see the cases of their own institution (a supervisor with no institution
is a national coordinator and sees all). Analysts get the dashboard's views as data, with
the dashboard's suppression (k = 11, complementary). Auditors read the server's audit log
and verify its chain. Every view of a case is itself audited.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from . import audit, review
from .auth import Principal
from .db import transaction
from .deps import roles
from .errors import RequestMalformed

router = APIRouter(prefix="/api/v1")
SUPERVISOR = roles("supervisor")
ANALYST = roles("analyst", "supervisor")
AUDITOR = roles(*audit.READERS)  # the same roles as the page /exchange/audit
ID_MAX = 2**62  # row ids: larger numbers are refused as malformed, never sent to the database


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
async def aggregates(request: Request, view: str = Query(..., max_length=32), user: Principal = Depends(ANALYST)):
    """One dashboard view as data: its tables exactly as the dashboard shows them (k = 11
    small-cell and complementary suppression; cells are strings: numbers, ``<11``, ``x``).
    Filters as on the dashboard: ``from``, ``to`` (quarters), ``country``, ``post``,
    ``institution``, ``sex``, ``age``, ``lang``. Fewer than 11 persons: ``too_few`` and no
    table. There is no free grouping: any two free groupings of the same cases can be
    subtracted from each other to reveal a suppressed cell."""
    from .dashboard.filters import Filters
    from .dashboard.suppress import K
    from .dashboard.views import VIEWS, build
    from .exchange.aggregate import table_dict

    if view not in VIEWS:
        raise RequestMalformed(part="view")
    f = Filters.parse(request.query_params)

    def run():
        with transaction(request.app.state.engine) as conn:
            result = build(conn, view, f)
            audit.append(conn, user.actor, "aggregate_view", view, filters=f.active(), too_few=result.too_few)
        return {"view": view, "from": result.period.first, "to": result.period.last, "k": K,
                "too_few": result.too_few, "persons": None if result.too_few else result.persons,
                "tables": [table_dict(t) for t in result.tables]}

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
    """Walk the whole chain; the check is recorded (``audit_verify``, as the audit page's
    button records it), intact or broken, and a broken chain answers ``server_audit_broken``."""
    got = await run_in_threadpool(audit.check, request.app.state.engine, user.actor, "api")
    if got["broken"] is not None:
        raise got["broken"]
    return {"status": "ok", "entries": got["count"]}
