"""The device status object: the server's signed answer to "may I keep working?".

A device asks ``GET /api/v1/devices/{device_id}/status`` at each contact. The answer is
a signed envelope (the same framing as receipts: ``magic | u16 version | u32 length |
canonical msgpack body | u16+Ed25519 | u16+ML-DSA-65``) whose body is::

    {"device_id": str, "revoked": bool, "lease_until": UTC ISO, "server_time": UTC ISO,
     "server": ServerPublicInfo wire map (signing keys + current endorsed HPKE key)}

and, at version 2 only, ``"nonce": str`` too. An online read may carry a fresh random nonce
(header :data:`NONCE_HEADER`, base64url of 16 to 64 bytes; :func:`new_nonce` makes 32); the
server then signs it back in a version-2 status, so the device can tell a status made for this
very request from an old one replayed. Without a nonce (a laptop that sends none, a stick) the
server writes version 1, the five keys every reader knows: a reader from before refuses
version 2 (and any key it does not know), and never asks for it. Each version's key set is
fixed. Checking the nonce is the device's part (``intake_app/sync/status.py``).

The device verifies it against the signing keys it pinned at enrollment: a status not
signed by them is refused (even over plain HTTP), one made for another device is
refused, and the embedded server info is accepted only through
:func:`~intake_app.bundle.serverkeys.verify_rotation` (key rotation). Owned by the server
side; the device side (``intake_app/sync``) imports it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from .errors import BundleError, ServerKeyUntrusted
from .format import FieldError, check_id, check_map, check_utc, open_envelope, seal_envelope
from .keys import SigningPublicKeys
from .serverkeys import ServerKeys, ServerPublicInfo, verify_rotation

MAGIC_STATUS = b"\x89ITKD\r\n\x1a"
STATUS_VERSION = 2  # the newest: a status that signs back a request's nonce; 1: one that does not
_FIELDS = {"device_id", "revoked", "lease_until", "server_time", "server"}
NONCE_HEADER = "X-Intake-Nonce"
# base64url without padding of 16 to 64 bytes (22 to 86 characters)
NONCE_PATTERN = r"^[A-Za-z0-9_-]{22,86}$"
_NONCE = re.compile(NONCE_PATTERN)


def new_nonce() -> str:
    """A fresh nonce for one status request: 32 random bytes, base64url without padding."""
    return secrets.token_urlsafe(32)


def valid_nonce(value: object) -> bool:
    return type(value) is str and _NONCE.fullmatch(value) is not None


class StatusMalformed(BundleError):
    """params: part."""

    code = "status_malformed"


class StatusNotFromServer(BundleError):
    """The status is not signed by the pinned server keys."""

    code = "status_not_signed_by_server"


class StatusWrongDevice(BundleError):
    """The status was made for another device. params: device_id (the one it names)."""

    code = "status_not_for_this_device"


@dataclass(frozen=True)
class DeviceStatus:
    device_id: str
    revoked: bool
    lease_until: str
    server_time: str
    server: ServerPublicInfo
    nonce: str | None = None  # the request's, signed back (version 2; None: version 1, bound to no request)
    raw: bytes = field(default=b"", repr=False, compare=False)

    def to_wire(self) -> dict:
        wire = {"device_id": self.device_id, "revoked": self.revoked, "lease_until": self.lease_until,
                "server_time": self.server_time, "server": self.server.to_wire()}
        if self.nonce is not None:
            wire["nonce"] = self.nonce
        return wire

    @property
    def version(self) -> int:
        return 1 if self.nonce is None else 2

    @classmethod
    def from_wire(cls, value: object, raw: bytes = b"", version: int = 1) -> "DeviceStatus":
        bound = version >= 2
        d = check_map(value, "status", _FIELDS | {"nonce"} if bound else _FIELDS)
        if type(d["revoked"]) is not bool:
            raise FieldError("revoked")
        if bound and not valid_nonce(d["nonce"]):
            raise FieldError("nonce")
        return cls(check_id(d["device_id"], "device_id"), d["revoked"], check_utc(d["lease_until"], "lease_until"),
                   check_utc(d["server_time"], "server_time"), ServerPublicInfo.from_wire(d["server"]),
                   d.get("nonce"), raw)


def make_status(*, server_keys: ServerKeys, device_id: str, revoked: bool, lease_until: str,
                server_time: str, nonce: str | None = None) -> bytes:
    """The signed status; with ``nonce`` (a request's, checked with :func:`valid_nonce`) it
    is signed back in a version-2 status, else it is version 1 (no such field)."""
    status = DeviceStatus(device_id, revoked, lease_until, server_time, server_keys.public_info(), nonce)
    DeviceStatus.from_wire(status.to_wire(), version=status.version)  # the reader's checks: never sign what we refuse
    return seal_envelope(MAGIC_STATUS, status.version, status.to_wire(), server_keys.signing)


def _open(data: bytes):
    env = open_envelope(data, magic=MAGIC_STATUS, max_version=STATUS_VERSION, error=StatusMalformed,
                        max_body=64 * 1024)
    try:
        return env, DeviceStatus.from_wire(env.body, bytes(data), env.version)
    except FieldError as exc:
        raise StatusMalformed(part=exc.args[0]) from None


def signed_by_another_server(data: bytes, pinned_signing: SigningPublicKeys) -> bool:
    """Whether a status that the pinned keys refused is whole and signed by the server keys it
    carries, which are not the pinned ones: another server's. False for a damaged one."""
    try:
        env, status = _open(data)
    except BundleError:
        return False
    return status.server.signing != pinned_signing and env.verified_by(status.server.signing)


def read_status(data: bytes) -> DeviceStatus:
    """Parse without checking any signature (diagnostics only)."""
    return _open(data)[1]


def parse_and_verify_status(data: bytes, pinned_signing: SigningPublicKeys, *, device_id: str,
                            current: ServerPublicInfo | None = None) -> DeviceStatus:
    """Verify both signatures under the pinned server keys, that the status names this
    device, and that its server info is endorsed by the pinned keys (no rollback when
    ``current`` is given). Raises StatusMalformed, StatusNotFromServer, StatusWrongDevice
    or ServerKeyUntrusted."""
    env, status = _open(data)
    if not env.verified_by(pinned_signing):
        raise StatusNotFromServer()
    if status.device_id != device_id:
        raise StatusWrongDevice(device_id=status.device_id)
    try:
        verify_rotation(pinned_signing, status.server, current=current)
    except ServerKeyUntrusted:
        raise
    return status
