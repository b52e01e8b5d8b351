"""Request dependencies: the app's services and the caller's role, checked server-side."""

from __future__ import annotations

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from .auth import Principal, authenticate, require_role


def state(request: Request):
    return request.app.state


def bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def principal(request: Request) -> Principal:
    st = request.app.state
    return await run_in_threadpool(authenticate, st.engine, st.settings, bearer(request))


def roles(*allowed: str):
    """Dependency: the caller, who must hold one of ``allowed`` (else 403 role_forbidden)."""

    async def _check(user: Principal = Depends(principal)) -> Principal:
        return require_role(user, *allowed)

    _check.allowed = allowed  # read by the role-matrix test
    return _check
