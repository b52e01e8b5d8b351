"""Request dependencies: the app's services and the caller's role, checked server-side."""

from __future__ import annotations

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from . import audit
from .auth import Principal, authenticate, require_role
from .errors import RoleForbidden


def state(request: Request):
    return request.app.state


def bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def principal(request: Request) -> Principal:
    st = request.app.state
    return await run_in_threadpool(authenticate, st.engine, st.settings, bearer(request))


def audit_wrong_role(request: Request, user: Principal) -> None:
    """A signed-in user whose role may not use this route (the API, the dashboard, the
    supervisors' pages alike): ``access_refused`` with the route's template and the method."""
    audit.refused(request.app.state.engine, user.actor, user.role, "wrong_role",
                  route=audit.route_template(request.scope), method=request.method)


def roles(*allowed: str):
    """Dependency: the caller, who must hold one of ``allowed`` (else 403 role_forbidden,
    audited)."""

    async def _check(request: Request, user: Principal = Depends(principal)) -> Principal:
        try:
            return require_role(user, *allowed)
        except RoleForbidden:
            await run_in_threadpool(audit_wrong_role, request, user)
            raise

    _check.allowed = allowed  # read by the role-matrix test
    return _check
