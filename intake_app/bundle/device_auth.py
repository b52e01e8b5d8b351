"""Signed device requests: a laptop proves who it is when it reads from the server.

Bundles carry their own signatures. The reads a laptop makes did not: anyone who knew a
device id could fetch its status (which moved the "last contact" administrators see when
they look for a lost laptop) or list its receipts. Now each such read goes in two steps
(docs/sync-protocol.md, "Signed reads"):

1. ``GET /api/v1/devices/{device_id}/challenge`` answers ``{"challenge": TOKEN}``: the
   server's time, the device id, a random nonce and an HMAC-SHA256 over them under a key
   derived (HKDF) from the server's signing key. It is stateless, so every server process
   accepts every other's tokens, and only the server's clock decides when it expires
   (``CHALLENGE_SECONDS``): a laptop whose clock is wrong by days still gets in.
2. The laptop signs ``request_message(purpose, TOKEN)`` with its Ed25519 device key and
   sends the token and the signature in the ``X-Intake-Challenge`` and
   ``X-Intake-Signature`` headers (base64url, no padding).

Ed25519 alone, not the Ed25519 + ML-DSA-65 hybrid of bundles and receipts: this signature
only has to hold for the few minutes the token lives, so a future quantum computer gains
nothing from it, and a 4 KiB ML-DSA header would trip proxies' header limits.
"""

from __future__ import annotations

import base64
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .keys import SigningKeys

CHALLENGE_HEADER = "X-Intake-Challenge"
SIGNATURE_HEADER = "X-Intake-Signature"
CHALLENGE_SECONDS = 300
PURPOSES = ("status", "receipts", "enroll")
_VERSION = 1
_NONCE = 16
_MAC = 32
_HEAD = struct.Struct(">BqB")  # version, issued (server time, µs since the epoch), device id length
_MESSAGE_PREFIX = b"intake-device-request-v1\0"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str, limit: int = 512) -> bytes | None:
    """The bytes of a base64url header value, or None when it is not one (or too long)."""
    if not text or len(text) > limit:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None


def request_message(purpose: str, token: bytes) -> bytes:
    """What the laptop signs: the purpose (so a status signature cannot fetch receipts) and
    the token, which already names the device and the server's time."""
    if purpose not in PURPOSES:
        raise ValueError("purpose")
    return _MESSAGE_PREFIX + purpose.encode("ascii") + b"\0" + token


def read_key(keys: SigningKeys) -> ed25519.Ed25519PrivateKey:
    """The one key a signed read needs: what a long-lived holder (the background sync
    thread, a client) keeps instead of both device seeds (the ML-DSA one signs bundles only)."""
    return ed25519.Ed25519PrivateKey.from_private_bytes(keys.ed25519_seed)


def sign_request(key: SigningKeys | ed25519.Ed25519PrivateKey, purpose: str, token: bytes) -> bytes:
    private = key if isinstance(key, ed25519.Ed25519PrivateKey) else read_key(key)
    return private.sign(request_message(purpose, token))


def verify_request(ed25519_public: bytes, purpose: str, token: bytes, signature: bytes) -> bool:
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(ed25519_public).verify(signature,
                                                                          request_message(purpose, token))
    except (InvalidSignature, ValueError):
        return False
    return True


class ChallengeRejected(Exception):
    """``reason`` is "expired" (ask for a new one) or "invalid" (not made by this server)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Challenge:
    device_id: str
    issued_us: int


class ChallengeKey:
    """The server side: makes and checks tokens. The key is derived from the server's
    Ed25519 signing seed, which a key rotation keeps, so tokens outlive a rotation."""

    def __init__(self, signing: SigningKeys) -> None:
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                         info=b"intake-device-challenge-v1").derive(signing.ed25519_seed)

    def __repr__(self) -> str:  # never print a key
        return "ChallengeKey(<secret>)"

    def _hmac(self, body: bytes) -> hmac.HMAC:
        h = hmac.HMAC(self._key, hashes.SHA256())
        h.update(body)
        return h

    def issue(self, device_id: str, now_us: int) -> bytes:
        raw = device_id.encode("utf-8")
        if not raw or len(raw) > 255:
            raise ValueError("device id")
        body = _HEAD.pack(_VERSION, now_us, len(raw)) + raw + os.urandom(_NONCE)
        return body + self._hmac(body).finalize()

    def check(self, token: bytes, now_us: int) -> Challenge:
        """The token's device and time if this server made it and it has not expired.
        Raises ChallengeRejected."""
        if len(token) < _HEAD.size + _NONCE + _MAC:
            raise ChallengeRejected("invalid")
        body, mac = token[:-_MAC], token[-_MAC:]
        try:
            self._hmac(body).verify(mac)  # constant time
        except InvalidSignature:
            raise ChallengeRejected("invalid") from None
        version, issued, n = _HEAD.unpack_from(body)
        if version != _VERSION or len(body) != _HEAD.size + n + _NONCE:
            raise ChallengeRejected("invalid")
        age = now_us - issued
        if age < -5_000_000 or age > CHALLENGE_SECONDS * 1_000_000:  # several processes: allow a little drift
            raise ChallengeRejected("expired")
        return Challenge(body[_HEAD.size:_HEAD.size + n].decode("utf-8", "replace"), issued)
