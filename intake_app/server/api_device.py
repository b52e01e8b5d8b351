"""The device protocol (docs/sync-protocol.md): enrollment, bundles, status, receipts.

Devices are not users: they prove themselves by signing (bundles, enrollment requests,
and a server challenge for every read: intake_app/bundle/device_auth.py) and the server answers with signed objects (receipts, status, enrollment responses)
that a device verifies against the keys it pinned. Nothing here returns personal data.
"""

from __future__ import annotations

import logging
import shutil
import time

import msgpack
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from ..bundle import device_auth
from ..bundle.errors import UnknownDevice
from ..bundle.status import NONCE_HEADER, NONCE_PATTERN
from . import devices
from .errors import RequestMalformed
from .app import OCTET, read_upload
from .models import Bundle

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["devices"])
ENROLL_LIMIT = 64 * 1024
_OCTET_BODY = {"requestBody": {"required": True, "content": {OCTET: {"schema": {"type": "string",
                                                                                 "format": "binary"}}}}}
_ERR = {"description": "error", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"code": {"type": "string"}, "params": {"type": "object"}}}}}}
_BYTES = {"description": "signed bytes", "content": {OCTET: {"schema": {"type": "string", "format": "binary"}}}}


@router.post("/enroll", status_code=202, openapi_extra=_OCTET_BODY,
             responses={202: {"description": "pending"}, 400: _ERR, 403: _ERR, 409: _ERR, 413: _ERR, 415: _ERR})
async def enroll(request: Request):
    """Register an enrollment request; an administrator approves it after the fingerprint check."""
    data = await read_upload(request, ENROLL_LIMIT)
    st = request.app.state
    _, status = await run_in_threadpool(devices.register_request, st.engine, data, source="http",
                                        max_pending=st.settings.max_pending_enrollments)
    return JSONResponse({"status": status}, status_code=202)


_CHALLENGE = {"description": "a fresh challenge", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"challenge": {"type": "string", "description": "base64url token"},
                                     "seconds": {"type": "integer"}}}}}}


@router.get("/devices/{device_id}/challenge", responses={200: _CHALLENGE, 400: _ERR})
async def device_challenge(device_id: str, request: Request):
    """A challenge the device signs for its next read (status, receipts, enrollment answer);
    it lasts a few minutes by the server's clock. Says nothing about the device."""
    try:
        token = _challenges(request).issue(device_id, time.time_ns() // 1000)
    except ValueError:
        raise RequestMalformed(part="device_id") from None
    return JSONResponse({"challenge": device_auth.b64(token), "seconds": device_auth.CHALLENGE_SECONDS})


def _challenges(request: Request) -> device_auth.ChallengeKey:
    return device_auth.ChallengeKey(request.app.state.keystore.keys().signing)


async def _signed(request: Request, device_id: str, purpose: str) -> None:
    """Refuse a read the device did not sign (devices.authenticate_read)."""
    await run_in_threadpool(devices.authenticate_read, request.app.state.engine, _challenges(request), device_id,
                            purpose, request.headers.get(device_auth.CHALLENGE_HEADER),
                            request.headers.get(device_auth.SIGNATURE_HEADER))


_SIGNED = {"parameters": [
    {"name": device_auth.CHALLENGE_HEADER, "in": "header", "required": True, "schema": {"type": "string"},
     "description": "the token from GET /devices/{device_id}/challenge (base64url)"},
    {"name": device_auth.SIGNATURE_HEADER, "in": "header", "required": True, "schema": {"type": "string"},
     "description": "the device's Ed25519 signature of the request message (base64url; docs/sync-protocol.md)"}]}


@router.get("/enroll/{device_id}", openapi_extra=_SIGNED,
            responses={200: _BYTES, 202: {"description": "pending"}, 401: _ERR, 403: _ERR, 404: _ERR})
async def enroll_response(device_id: str, request: Request):
    st = request.app.state
    await _signed(request, device_id, "enroll")
    data = await run_in_threadpool(devices.enrollment_response, st.engine, device_id)
    if data is None:
        return JSONResponse({"status": "pending"}, status_code=202)
    return Response(data, media_type=OCTET)


@router.post("/bundles", openapi_extra=_OCTET_BODY,
             responses={200: _BYTES, 400: _ERR, 403: _ERR, 409: _ERR, 413: _ERR, 415: _ERR, 422: _ERR, 503: _ERR})
async def post_bundle(request: Request):
    """Ingest one bundle; answer with its signed receipt (the same receipt when sent again)."""
    st = request.app.state
    data = await read_upload(request, st.settings.max_upload_bytes)
    result = await run_in_threadpool(st.ingestor.ingest, data, source="http")
    return Response(result.receipt, media_type=OCTET)


@router.get("/devices/{device_id}/status", openapi_extra=_SIGNED, responses={200: _BYTES, 400: _ERR, 401: _ERR,
                                                                             403: _ERR, 404: _ERR})
async def device_status(device_id: str, request: Request, nonce: str | None = Header(
        None, alias=NONCE_HEADER, min_length=22, max_length=86, pattern=NONCE_PATTERN,
        description="optional: a fresh random nonce (base64url of 16 to 64 bytes), signed back in the "
                    "status body as `nonce` so the device knows the status answers this request")):
    """Signed: revoked or not, lease end, server time and the current server keys (and the
    request's nonce when it sent one; another nonce format is 400 ``request_malformed``)."""
    st = request.app.state
    await _signed(request, device_id, "status")
    data = await run_in_threadpool(devices.status_bytes, st.engine, st.keystore, device_id,
                                   lease_days=st.settings.lease_days, nonce=nonce, online=True)
    return Response(data, media_type=OCTET)


def _receipts(engine, device_id: str, after: int, limit: int) -> bytes:
    bundles_t = Bundle.__table__
    with engine.connect() as conn:
        if devices.get_device(conn, device_id) is None:
            raise UnknownDevice(device_id=device_id)
        rows = conn.execute(select(bundles_t.c.receipt).where(
            bundles_t.c.device_id == device_id, bundles_t.c.sequence > after, bundles_t.c.receipt.is_not(None))
            .order_by(bundles_t.c.sequence).limit(limit)).scalars().all()
    return msgpack.packb([bytes(r) for r in rows], use_bin_type=True)


@router.get("/devices/{device_id}/receipts", openapi_extra=_SIGNED, responses={200: _BYTES, 401: _ERR, 403: _ERR,
                                                                               404: _ERR})
async def device_receipts(device_id: str, request: Request, after: int = Query(0, ge=0, le=2**62),
                          limit: int = Query(1000, ge=1, le=10000)):
    """msgpack list of the receipts (bytes) for this device's bundles after sequence ``after``."""
    st = request.app.state
    await _signed(request, device_id, "receipts")
    data = await run_in_threadpool(_receipts, st.engine, device_id, after, limit)
    return Response(data, media_type=OCTET)


_low_seen: set[str] = set()  # folders this process last found low: logged once per episode
_WHERE_ES = {"home": "carpeta", "database": "base de datos"}


def low_disk(settings) -> list[str]:
    """The names (``home``, ``database``) of the folders the server writes to whose disk has
    less free space than ``min_free_disk_mb``; logged when one becomes low and when it
    recovers, by name, never by path. A folder that cannot be read is left to the
    database check."""
    floor = settings.min_free_disk_mb * 1024 * 1024
    folders = settings.disk_folders() if floor > 0 else {}
    low = []
    for name, folder in folders.items():
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            continue
        if free < floor:
            low.append(name)
            if name not in _low_seen:
                log.warning("poco espacio libre en disco (%s del servidor): menos de %d MiB; los lotes pueden no "
                            "guardarse / low free disk space (server's %s): under %d MiB; bundles may fail to store",
                            _WHERE_ES[name], settings.min_free_disk_mb, name, settings.min_free_disk_mb)
        elif name in _low_seen:
            log.warning("espacio libre en disco (%s del servidor) de nuevo sobre %d MiB / free disk space (server's %s)"
                        " above %d MiB again", _WHERE_ES[name], settings.min_free_disk_mb, name,
                        settings.min_free_disk_mb)
    _low_seen.clear()
    _low_seen.update(low)
    return low


@router.get("/health", responses={503: {"description": "degraded: the database does not answer, or the disk is"
                                                       " nearly full (reason disk_low)"}})
async def health(request: Request):
    """``{"status": "ok"}``; 503 when the database does not answer (``database_unavailable``),
    or ``{"status": "degraded", "reason": "disk_low"}`` when free space where the server writes
    (its home, a SQLite database's folder) is below ``min_free_disk_mb``. No path, no figure."""
    from .db import check_database

    await run_in_threadpool(check_database, request.app.state.engine)
    if await run_in_threadpool(low_disk, request.app.state.settings):
        return JSONResponse({"status": "degraded", "reason": "disk_low"}, status_code=503)
    return {"status": "ok"}
