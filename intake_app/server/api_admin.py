"""Operators' API: login, users, devices and keys (administrator)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from . import auth, devices
from .auth import USERNAME_PATTERN, Principal
from .deps import bearer, principal, roles
from .keys import rotate_audited

router = APIRouter(prefix="/api/v1")
ADMIN = roles("administrator")


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=USERNAME_PATTERN)
    password: str = Field(min_length=1, max_length=1024)
    role: str = Field(max_length=16)
    institution: str | None = Field(default=None, max_length=32)


@router.post("/auth/login", tags=["auth"])
async def login(body: LoginIn, request: Request):
    st = request.app.state
    token, idle_until = await run_in_threadpool(auth.login, st.engine, st.settings, body.username, body.password)
    return {"token": token, "idle_until": devices.iso(idle_until)}


@router.post("/auth/logout", tags=["auth"])
async def logout(request: Request, user: Principal = Depends(principal)):
    await run_in_threadpool(auth.logout, request.app.state.engine, bearer(request))
    return {"status": "ok"}


@router.get("/auth/me", tags=["auth"])
async def me(user: Principal = Depends(principal)):
    return {"username": user.username, "role": user.role, "institution": user.institution}


@router.get("/users", tags=["administration"])
async def list_users(request: Request, user: Principal = Depends(ADMIN)):
    rows = await run_in_threadpool(auth.list_users, request.app.state.engine)
    return [{"username": r["username"], "role": r["role"], "institution": r["institution"],
             "disabled": r["disabled"]} for r in rows]


@router.post("/users", tags=["administration"], status_code=201)
async def add_user(body: UserIn, request: Request, user: Principal = Depends(ADMIN)):
    st = request.app.state
    await run_in_threadpool(auth.add_user, st.engine, st.settings, body.username, body.password, body.role,
                            body.institution, actor=user.actor)
    return {"username": body.username}


@router.post("/users/{username}/disable", tags=["administration"])
async def disable_user(username: str, request: Request, user: Principal = Depends(ADMIN)):
    await run_in_threadpool(auth.set_disabled, request.app.state.engine, username, True, actor=user.actor)
    return {"username": username, "disabled": True}


@router.get("/devices", tags=["administration"])
async def list_devices(request: Request, user: Principal = Depends(ADMIN)):
    st = request.app.state
    rows = await run_in_threadpool(devices.list_devices, st.engine)
    return [{"device_id": d.device_id, "status": d.status, "fingerprint": d.fingerprint, "post": d.post,
             "last_contact_at": devices.iso(d.last_contact_at) if d.last_contact_at else None,
             "lease_until": devices.iso(d.lease_until(st.settings.lease_days)) if d.lease_until(1) else None}
            for d in rows]


class ApproveIn(BaseModel):
    """The fingerprint the laptop shows, read aloud by the officer (any case, dashes and
    spaces aside): approved only if it is the request's (409 device_fingerprint_mismatch)."""

    fingerprint: str = Field(min_length=1, max_length=200)


@router.post("/devices/{device_id}/approve", tags=["administration"])
async def approve_device(device_id: str, body: ApproveIn, request: Request, user: Principal = Depends(ADMIN)):
    st = request.app.state
    await run_in_threadpool(devices.approve, st.engine, st.keystore, device_id, actor=user.actor,
                            lease_days=st.settings.lease_days, fingerprint=body.fingerprint)
    return {"device_id": device_id, "status": "active"}


@router.post("/devices/{device_id}/refuse", tags=["administration"])
async def refuse_device(device_id: str, request: Request, user: Principal = Depends(ADMIN)):
    await run_in_threadpool(devices.refuse, request.app.state.engine, device_id, actor=user.actor)
    return {"device_id": device_id, "status": "refused"}


@router.post("/devices/{device_id}/revoke", tags=["administration"])
async def revoke_device(device_id: str, request: Request, user: Principal = Depends(ADMIN)):
    await run_in_threadpool(devices.revoke, request.app.state.engine, device_id, actor=user.actor)
    return {"device_id": device_id, "status": "revoked"}


@router.get("/keys", tags=["administration"])
async def keys_info(request: Request, user: Principal = Depends(ADMIN)):
    keys = request.app.state.keystore.keys()
    return {"fingerprint": keys.signing_public.fingerprint(), "current": keys.current.key_id,
            "key_ids": list(keys.key_ids)}


@router.post("/keys/rotate", tags=["administration"])
async def rotate_keys(request: Request, user: Principal = Depends(ADMIN)):
    st = request.app.state

    keys = await run_in_threadpool(rotate_audited, st.engine, st.keystore, user.actor)
    return {"current": keys.current.key_id, "key_ids": list(keys.key_ids)}
