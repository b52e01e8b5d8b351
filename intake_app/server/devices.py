"""Devices: enrollment (online or by USB), approval, refusal, revocation, lease and status.

A device is ``pending`` from its first request until an administrator compares the
fingerprint and approves it (``active``) or refuses it (``refused``). ``revoked`` is
final: its bundles are refused from that moment (what it sent before stays), and its
next status says so, which locks its vault. The lease (default 30 days) runs from the
device's last contact; a device learns it in every status and enrollment response.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Connection, Engine

from ..bundle import device_auth
from ..bundle.enrollment import EnrollmentRequest, make_enrollment_response, parse_and_verify_request
from ..bundle.errors import UnknownDevice
from ..bundle.keys import SigningPublicKeys
from ..bundle.status import make_status
from . import audit
from .db import transaction
from .errors import (DeviceAlreadyEnrolled, DeviceApproveRevoked, DeviceFingerprintMismatch, DeviceIdUnknown,
                     DeviceNotPending, DevicePending, DeviceRefused, DeviceRevokedError, DeviceSignatureRequired,
                     EnrollmentQueueFull)
from .keys import KeyStore
from .models import Device

devices_t = Device.__table__
_PENDING_LOCK = 0x696E74616B65  # "intake": the advisory lock that serialises online enrollment requests


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class DeviceInfo:
    device_id: str
    status: str
    fingerprint: str
    post: str
    requested_at: datetime
    approved_at: datetime | None
    revoked_at: datetime | None
    last_contact_at: datetime | None

    def lease_until(self, lease_days: int) -> datetime | None:
        start = self.last_contact_at or self.approved_at
        return start + timedelta(days=lease_days) if start else None


def _info(row) -> DeviceInfo:
    return DeviceInfo(row.device_id, row.status, row.fingerprint, row.post, row.requested_at, row.approved_at,
                      row.revoked_at, row.last_contact_at)


def public_keys(row) -> SigningPublicKeys:
    return SigningPublicKeys(bytes(row.ed25519), bytes(row.mldsa65))


def get_device(conn: Connection, device_id: str):
    return conn.execute(select(devices_t).where(devices_t.c.device_id == device_id)).first()


def require_active(row, device_id: str) -> None:
    """Raise the typed error that says why this device may not send data now."""
    if row is None:
        raise UnknownDevice(device_id=device_id)
    if row.status == "revoked":
        raise DeviceRevokedError(device_id=device_id)
    if row.status == "pending":
        raise DevicePending(device_id=device_id)
    if row.status == "refused":
        raise DeviceRefused(device_id=device_id)


def register_request(engine: Engine, data: bytes, *, source: str,
                     max_pending: int | None = None) -> tuple[EnrollmentRequest, str]:
    """Store a verified enrollment request as pending. Returns (request, device status).
    Sending the same request again (or after approval) is harmless. Anyone can make a
    self-signed request, so online ones stop at ``max_pending`` waiting requests
    (EnrollmentQueueFull); a stick in the office's hands is not limited."""
    request = parse_and_verify_request(data)
    now = utcnow()
    with transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            # look, count and insert as one step across processes (SQLite's BEGIN IMMEDIATE already
            # is): the same request sent twice at once gave a duplicate-key error
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PENDING_LOCK})
        row = get_device(conn, request.device_id)
        if row is not None:
            same_keys = public_keys(row) == request.device_public
            if not same_keys or row.status == "revoked":
                raise DeviceAlreadyEnrolled(device_id=request.device_id)
            return request, row.status
        if max_pending is not None and conn.execute(select(func.count()).select_from(devices_t).where(
                devices_t.c.status == "pending")).scalar_one() >= max_pending:
            raise EnrollmentQueueFull(limit=max_pending)
        conn.execute(devices_t.insert().values(
            device_id=request.device_id, status="pending", ed25519=request.device_public.ed25519,
            mldsa65=request.device_public.mldsa65, fingerprint=request.fingerprint, post=request.post,
            request=bytes(data), requested_at=now))
        audit.append(conn, f"device:{request.device_id}", "device_enroll_request", request.device_id,
                     source=source, post=request.post)
    return request, "pending"


def same_fingerprint_code(requested: str, given: str) -> bool:
    """Whether ``given`` is the request's fingerprint as a person types it read aloud:
    any case, dashes and spaces aside (``device approve --fingerprint`` and the API)."""
    def code(fingerprint: str) -> str:
        return fingerprint.replace("-", "").replace(" ", "").upper()

    return code(given) == code(requested)


def approve(engine: Engine, keystore: KeyStore, device_id: str, *, actor: str, lease_days: int,
            fingerprint: str | None = None) -> bytes:
    """Approve a pending device (after the fingerprint check) and return the signed response.
    With ``fingerprint`` (the API) it is compared here, under the row's lock, with the request's:
    another one is DeviceFingerprintMismatch and nothing is approved. Approving an active device
    again returns its stored response."""
    now = utcnow()
    with transaction(engine) as conn:
        row = conn.execute(select(devices_t).where(devices_t.c.device_id == device_id).with_for_update()).first()
        if row is None:
            raise DeviceIdUnknown(device_id=device_id)
        if fingerprint is not None and not same_fingerprint_code(row.fingerprint, fingerprint):
            raise DeviceFingerprintMismatch()
        if row.status == "active" and row.response:
            return bytes(row.response)
        if row.status == "revoked":  # the office's words (reinstate), not the laptop's ("your vault is locked")
            raise DeviceApproveRevoked(device_id=device_id)
        request = parse_and_verify_request(bytes(row.request))
        response = make_enrollment_response(request, server_keys=keystore.keys(), approved_at=iso(now),
                                             lease_until=iso(now + timedelta(days=lease_days)))
        conn.execute(update(devices_t).where(devices_t.c.device_id == device_id).values(
            status="active", response=response, approved_at=now, approved_by=actor, last_contact_at=now))
        audit.append(conn, actor, "device_approve", device_id)
    return response


def clear_pending(engine: Engine, *, actor: str, older_than: timedelta | None = None) -> int:
    """Forget enrollment requests still waiting (all, or those older than ``older_than``):
    the way out when someone filled the queue on purpose. Nothing is refused: a real laptop
    among them finds its request gone and sends it again (sync/client.py). Audited."""
    where = devices_t.c.status == "pending"
    if older_than is not None:
        where = where & (devices_t.c.requested_at <= utcnow() - older_than)
    with transaction(engine) as conn:
        count = conn.execute(devices_t.delete().where(where)).rowcount
        audit.append(conn, actor, "device_pending_cleared", None, count=count)
    return count


def refuse(engine: Engine, device_id: str, *, actor: str) -> bool:
    """Refuse a waiting enrollment; True if this call changed anything (False: refused
    already). An active or revoked laptop has no request to refuse: DeviceNotPending."""
    with transaction(engine) as conn:
        row = get_device(conn, device_id)
        if row is None:
            raise DeviceIdUnknown(device_id=device_id)
        if row.status == "refused":
            return False
        if row.status != "pending":
            raise DeviceNotPending(device_id=device_id, reason=row.status)  # reason: the state, worded
        conn.execute(update(devices_t).where(devices_t.c.device_id == device_id).values(status="refused"))
        audit.append(conn, actor, "device_refuse", device_id)
    return True


def revoke(engine: Engine, device_id: str, *, actor: str) -> bool:
    """Revoke now; True if this call changed anything. Takes the device row's lock, so an
    ingest of this device that already started finishes first and any later one is refused."""
    with transaction(engine) as conn:
        row = conn.execute(select(devices_t).where(devices_t.c.device_id == device_id).with_for_update()).first()
        if row is None:
            raise DeviceIdUnknown(device_id=device_id)
        if row.status == "revoked":
            return False
        conn.execute(update(devices_t).where(devices_t.c.device_id == device_id).values(
            status="revoked", revoked_at=utcnow(), revoked_by=actor))
        audit.append(conn, actor, "device_revoke", device_id)
    return True


def reinstate(engine: Engine, device_id: str, *, actor: str) -> None:
    """Undo a revocation made by mistake: the device is active again, and the next signed
    status it gets (online, or on a stick with ``intake-server device reinstate --dir``) says
    so; its vault opens again and its undelivered cases can be sent. Audited."""
    from .errors import DeviceNotRevoked

    with transaction(engine) as conn:
        row = conn.execute(select(devices_t).where(devices_t.c.device_id == device_id).with_for_update()).first()
        if row is None:
            raise DeviceIdUnknown(device_id=device_id)
        if row.status != "revoked":
            raise DeviceNotRevoked(device_id=device_id, reason=row.status)  # reason: the state, worded
        conn.execute(update(devices_t).where(devices_t.c.device_id == device_id).values(
            status="active", revoked_at=None, revoked_by=None))
        audit.append(conn, actor, "device_reinstate", device_id)


def authenticate_read(engine: Engine, challenges: device_auth.ChallengeKey, device_id: str, purpose: str,
                      token_text: str | None, signature_text: str | None) -> None:
    """Check a device read's signed challenge (intake_app/bundle/device_auth.py) against the
    device's enrolled Ed25519 key. Raises UnknownDevice, or DeviceSignatureRequired with the
    reason: "missing", "expired" (the device asks for a new challenge) or "invalid"."""
    if not token_text or not signature_text:
        raise DeviceSignatureRequired(device_id=device_id, reason="missing")
    token, signature = device_auth.unb64(token_text), device_auth.unb64(signature_text)
    if token is None or signature is None:
        raise DeviceSignatureRequired(device_id=device_id, reason="invalid")
    now = utcnow()
    try:
        challenge = challenges.check(token, int(now.timestamp() * 1_000_000))
    except device_auth.ChallengeRejected as exc:
        raise DeviceSignatureRequired(device_id=device_id, reason=exc.reason) from None
    if challenge.device_id != device_id:
        raise DeviceSignatureRequired(device_id=device_id, reason="invalid")
    with engine.connect() as conn:
        row = conn.execute(select(devices_t.c.ed25519).where(devices_t.c.device_id == device_id)).first()
    if row is None:
        raise UnknownDevice(device_id=device_id)
    if not device_auth.verify_request(bytes(row.ed25519), purpose, token, signature):
        raise DeviceSignatureRequired(device_id=device_id, reason="invalid")


def enrollment_response(engine: Engine, device_id: str) -> bytes | None:
    """The signed response once approved; None while pending. Raises for refused/revoked/unknown."""
    with engine.connect() as conn:
        row = get_device(conn, device_id)
    if row is None:
        raise UnknownDevice(device_id=device_id)
    if row.status == "active":
        return bytes(row.response)
    if row.status == "pending":
        return None
    require_active(row, device_id)
    return None


def status_bytes(engine: Engine, keystore: KeyStore, device_id: str, *, lease_days: int,
                 contact: bool = True, nonce: str | None = None, online: bool = False) -> bytes:
    """The signed status (revoked flag, lease, current server keys). With ``contact`` (a read
    the device signed, or a stick with its bundles) it is a contact: the lease runs from now.
    Without (a stick folder named after the device with nothing of its own in it) the lease
    stays as the last real contact left it, and so does the contact time. ``nonce`` (an online
    read's, already checked) is signed back in the body: the device knows the status is fresh.
    A revoked device's ``online`` read is its contact too: it learns it now and locks, and the
    first one after the revocation is audited (``revoked_device_contact``), so the office can
    tell a lost laptop that has locked from one not yet heard from (a stick's status reaches
    the laptop only when it reads the stick)."""
    now = utcnow()
    with transaction(engine) as conn:
        row = get_device(conn, device_id)
        if row is None:
            raise UnknownDevice(device_id=device_id)
        if row.status in ("pending", "refused"):
            require_active(row, device_id)
        revoked = row.status == "revoked"
        if revoked:
            lease_until = row.revoked_at
            if online:  # the laptop learns it now and locks its vault: the office can see it did
                if row.last_contact_at is None or _aware(row.last_contact_at) <= _aware(row.revoked_at):
                    audit.append(conn, f"device:{device_id}", "revoked_device_contact", device_id)
                conn.execute(update(devices_t).where(devices_t.c.device_id == device_id).values(last_contact_at=now))
        elif contact:
            conn.execute(update(devices_t).where(devices_t.c.device_id == device_id).values(last_contact_at=now))
            lease_until = now + timedelta(days=lease_days)
        else:
            lease_until = _info(row).lease_until(lease_days)
    # the server's time to the microsecond: a status made after a revocation is always later
    # than the one that announced it (intake_app/sync/state.reinstate)
    return make_status(server_keys=keystore.keys(), device_id=device_id, revoked=revoked,
                       lease_until=iso(lease_until), nonce=nonce,
                       server_time=now.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z"))


MIN_PREFIX = 8


def resolve_id(engine: Engine, given: str) -> list[str]:
    """The device ids an administrator may mean by ``given``: itself if the server knows it,
    else those starting with it when it has at least :data:`MIN_PREFIX` characters (the
    laptop prints the first 12 of its id). Empty: none; more than one: ambiguous."""
    with engine.connect() as conn:
        if get_device(conn, given) is not None:
            return [given]
        if len(given) < MIN_PREFIX:
            return []
        starts = devices_t.c.device_id.startswith(given, autoescape=True)
        return list(conn.execute(select(devices_t.c.device_id).where(starts).order_by(devices_t.c.device_id)).scalars())


def device_info(engine: Engine, device_id: str) -> DeviceInfo:
    with engine.connect() as conn:
        row = get_device(conn, device_id)
    if row is None:
        raise DeviceIdUnknown(device_id=device_id)
    return _info(row)


def list_devices(engine: Engine) -> list[DeviceInfo]:
    with engine.connect() as conn:
        rows = conn.execute(select(devices_t).order_by(devices_t.c.device_id)).all()
    return [_info(r) for r in rows]


def _aware(moment: datetime) -> datetime:
    """A stored time in UTC (SQLite hands back naive ones)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def learned_revocation(info: DeviceInfo) -> bool:
    """Whether a revoked laptop has been in contact since its revocation (and so has locked)."""
    return (info.status == "revoked" and info.revoked_at is not None and info.last_contact_at is not None
            and _aware(info.last_contact_at) > _aware(info.revoked_at))
