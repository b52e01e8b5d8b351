"""Offline enrollment: a request file from the device, a response file from the server.

1. The device writes a request (device id, its public keys, labels for its post and
   officer roles — codes, never names — the time, and its fingerprint), self-signed.
2. The administrator compares the fingerprint read aloud with the one the server shows,
   approves, and the server writes a response signed with its signing keys: the device's
   id and keys echoed, the server's public info (signing keys + endorsed HPKE key), the
   approval time and the lease end.
3. The device checks the response was made for it, optionally that the server's
   fingerprint is the one the administrator read out, and pins the server keys.
Layout: ``docs/bundle-format.md``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from .errors import EnrollmentMalformed, EnrollmentMismatch, EnrollmentSignatureInvalid, ServerKeyUntrusted
from .format import (
    FieldError,
    check_bytes,
    check_id,
    check_list,
    check_map,
    check_utc,
    open_envelope,
    public_keys_from_wire,
    public_keys_to_wire,
    seal_envelope,
)
from .keys import SigningKeys, SigningPublicKeys
from .serverkeys import ServerKeys, ServerPublicInfo

MAGIC_REQUEST = b"\x89ITKQ\r\n\x1a"
MAGIC_RESPONSE = b"\x89ITKS\r\n\x1a"
ENROLLMENT_VERSION = 1


@dataclass(frozen=True)
class EnrollmentRequest:
    device_id: str
    device_public: SigningPublicKeys
    post: str  # a codebook border-post code
    officer_labels: tuple[str, ...]  # role labels such as "eri-turno-2": codes, never names
    created_at: str
    fingerprint: str
    request_hash: bytes = b""  # sha256 of the request file (set by the parser)

    def to_wire(self) -> dict:
        return {"device_id": self.device_id, "device_public": public_keys_to_wire(self.device_public),
                "post": self.post, "officer_labels": list(self.officer_labels),
                "created_at": self.created_at, "fingerprint": self.fingerprint}

    @classmethod
    def from_wire(cls, value: object, request_hash: bytes = b"") -> "EnrollmentRequest":
        d = check_map(value, "request", {"device_id", "device_public", "post", "officer_labels",
                                         "created_at", "fingerprint"})
        public = public_keys_from_wire(d["device_public"], "device_public")
        if d["fingerprint"] != public.fingerprint():
            raise FieldError("fingerprint")
        return cls(check_id(d["device_id"], "device_id"), public, check_id(d["post"], "post"),
                   tuple(check_id(x, "officer_labels") for x in check_list(d["officer_labels"], "officer_labels", 100)),
                   check_utc(d["created_at"], "created_at"), d["fingerprint"], request_hash)


@dataclass(frozen=True)
class EnrollmentResponse:
    device_id: str
    device_public: SigningPublicKeys
    server: ServerPublicInfo
    approved_at: str
    lease_until: str
    request_hash: bytes

    def to_wire(self) -> dict:
        return {"device_id": self.device_id, "device_public": public_keys_to_wire(self.device_public),
                "server": self.server.to_wire(), "approved_at": self.approved_at,
                "lease_until": self.lease_until, "request_hash": self.request_hash}

    @classmethod
    def from_wire(cls, value: object) -> "EnrollmentResponse":
        d = check_map(value, "response", {"device_id", "device_public", "server", "approved_at",
                                          "lease_until", "request_hash"})
        response = cls(check_id(d["device_id"], "device_id"),
                       public_keys_from_wire(d["device_public"], "device_public"),
                       ServerPublicInfo.from_wire(d["server"]), check_utc(d["approved_at"], "approved_at"),
                       check_utc(d["lease_until"], "lease_until"), check_bytes(d["request_hash"], "request_hash", 32))
        if datetime.fromisoformat(response.lease_until) <= datetime.fromisoformat(response.approved_at):
            raise FieldError("lease_until")
        return response


def make_enrollment_request(*, device_id: str, device_keys: SigningKeys, post: str,
                            officer_labels: list[str], created_at: str) -> bytes:
    public = device_keys.public()
    request = EnrollmentRequest(device_id, public, post, tuple(officer_labels), created_at, public.fingerprint())
    EnrollmentRequest.from_wire(request.to_wire())  # the reader's checks
    return seal_envelope(MAGIC_REQUEST, ENROLLMENT_VERSION, request.to_wire(), device_keys)


def parse_and_verify_request(data: bytes) -> EnrollmentRequest:
    """At the server: the request is self-signed by the keys it carries (proof the device
    holds them); whether to trust the device is the administrator's call, by fingerprint."""
    env = open_envelope(data, magic=MAGIC_REQUEST, max_version=ENROLLMENT_VERSION, error=EnrollmentMalformed)
    try:
        request = EnrollmentRequest.from_wire(env.body, hashlib.sha256(bytes(data)).digest())
    except FieldError as exc:
        raise EnrollmentMalformed(part=exc.args[0]) from None
    if not env.verified_by(request.device_public):
        raise EnrollmentSignatureInvalid(kind="request")
    return request


def make_enrollment_response(request: EnrollmentRequest, *, server_keys: ServerKeys, approved_at: str,
                             lease_until: str) -> bytes:
    response = EnrollmentResponse(request.device_id, request.device_public, server_keys.public_info(),
                                  approved_at, lease_until, request.request_hash)
    EnrollmentResponse.from_wire(response.to_wire())  # the reader's checks
    return seal_envelope(MAGIC_RESPONSE, ENROLLMENT_VERSION, response.to_wire(), server_keys.signing)


def parse_and_verify_response(data: bytes, *, device_id: str, device_public: SigningPublicKeys,
                              expected_server_fingerprint: str | None = None) -> EnrollmentResponse:
    """On the device: signed by the server keys it carries, endorsing their HPKE key, made
    for this device's id and keys. The caller then pins ``response.server``."""
    env = open_envelope(data, magic=MAGIC_RESPONSE, max_version=ENROLLMENT_VERSION, error=EnrollmentMalformed)
    try:
        response = EnrollmentResponse.from_wire(env.body)
    except FieldError as exc:
        raise EnrollmentMalformed(part=exc.args[0]) from None
    if not env.verified_by(response.server.signing) or not response.server.endorsed_by(response.server.signing):
        raise EnrollmentSignatureInvalid(kind="response")
    if response.device_id != device_id or response.device_public != device_public:
        raise EnrollmentMismatch(device_id=response.device_id)
    if expected_server_fingerprint is not None and \
            _norm(expected_server_fingerprint) != _norm(response.server.fingerprint()):
        raise ServerKeyUntrusted(reason="fingerprint")
    return response


def _norm(fingerprint: str) -> str:
    return fingerprint.replace("-", "").replace(" ", "").upper()
