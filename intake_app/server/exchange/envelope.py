"""The exchange package on the wire: a cleartext manifest, an HPKE-sealed payload, and
the sending server's hybrid signature. Built only from :mod:`intake_app.bundle`'s
primitives (the bundle suite, canonical msgpack, the signing keys); nothing home-made.

Layout (all integers big-endian)::

    magic "\\x89ITKX\\r\\n\\x1a" | u16 version | u32 len | manifest (canonical msgpack)
    | u32 len | ciphertext (HPKE ML-KEM-768+X25519 / HKDF-SHA256 / AES-256-GCM,
      info = magic .. end of manifest; plaintext = zstd(canonical msgpack payload))
    | u16 len | Ed25519 signature | u16 len | ML-DSA-65 signature

Both signatures cover magic .. end of ciphertext. The manifest names the package id,
kind, sender, recipient, purpose, the recipient's HPKE key id, the codebook version,
counts and the field keys carried: a recipient can read it before importing, and it
never holds personal data.

Reading is bounded (a package's size is not: 5 kB of zstd can hold 64 MiB of one-byte
msgpack objects, ~4.5 GB once decoded). Before any signature is checked only the manifest
is decoded, within :data:`MANIFEST_LIMITS`, and the ciphertext is never copied. After both
signatures verified, the payload is decompressed only up to the size its zstd frame declares
(at most :data:`MAX_PAYLOAD`), and decoded by the bundle codec within limits drawn from the
signed manifest (:func:`payload_limits`): at most :data:`MAX_ITEMS` objects (~150 MB) for
any package, whoever signed it.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any

import zstandard
from cryptography.exceptions import InvalidTag

from ...bundle.format import (
    FIELD_ITEMS,
    FIELD_KEYS,
    FIELD_TEXT,
    MAX_ARRAY,
    SUITE,
    DecodeLimits,
    FieldError,
    TooManyItems,
    canonical_packb,
    canonical_unpackb,
    check_id,
    check_int,
    check_list,
    check_map,
    check_utc,
    decompress_declared,
    gc_paused,
    unpackb,
)
from ...bundle.keys import SigningKeys, SigningPublicKeys, hpke_key_id, hpke_public_key
from ..dashboard.filters import MAX_QUARTERS
from .errors import NotAPackage, PackageKeyNotHeld, PackageMalformed, PackageTampered, PackageVersionTooNew
from .models import ExchangeReceived, ExchangeReceivedCase
from .packages import PACKAGE_ID

MAGIC = b"\x89ITKX\r\n\x1a"
VERSION = 1
MAX_MANIFEST = 256 * 1024
MAX_PAYLOAD = 64 * 1024 * 1024
MAX_PACKAGE = MAX_PAYLOAD  # a whole package file: its payload compressed, sealed and signed
KINDS = ("referral", "aggregate", "withdrawal")
MANIFEST_KEYS = {"package_id", "kind", "sender", "recipient", "purpose", "recipient_key_id", "created_at",
                 "codebook_version", "cases", "fields", "payload_sha256"}
_U16, _U32 = struct.Struct(">H"), struct.Struct(">I")
MAX_FIELDS = 1000  # field keys a manifest lists (a codebook has ~70)
# the manifest is read before any signature: a map of its keys, the fields list, short values
MANIFEST_LIMITS = DecodeLimits(items=2 * len(MANIFEST_KEYS) + MAX_FIELDS + 8, array=MAX_FIELDS,
                               map=len(MANIFEST_KEYS), text=256)
# What decoding a payload may build (DecodeLimits; ~70 bytes per object at worst), from the
# signed manifest's kind and count of cases. A referral record is a minimized revision: at most
# ~800 values in codebook 1.0 (all 249 transit countries, 40 referrals), ~110 in practice.
MAX_CASES = {"referral": 5000, "withdrawal": MAX_ARRAY}  # outgoing.MAX_CASES; a notice names case ids only
ITEMS_FIXED = 64
ITEMS_PER_CASE = 1024
ITEMS_PER_WITHDRAWAL = 256  # a case id and the referral packages withdrawn for it
ITEMS_PER_QUARTER = 32_768  # an aggregate quarter: 13 views of tables (~1,300 objects for 60 persons)
MAX_ITEMS = 2_097_152  # any package, whatever it declares: ~150 MB decoded at worst
# a manifest's identifiers are stored in columns narrower than check_id's 64 characters: the package
# id is one outgoing.new_package_id writes (PACKAGE_ID), the others fit the columns that keep them
_WIDTHS = {"sender": ExchangeReceived.sender_key.type.length, "recipient": ExchangeReceived.sender_key.type.length,
           "purpose": ExchangeReceived.purpose.type.length,
           "codebook_version": ExchangeReceivedCase.codebook_version.type.length}


def _narrow(value: Any, name: str) -> str:
    """check_id, and no wider than the column that stores it (PostgreSQL would refuse it, SQLite not)."""
    if len(check_id(value, name)) > _WIDTHS[name]:
        raise FieldError(name)
    return value


def check_package_id(value: Any, name: str = "package_id") -> str:
    """A package id as the sending side writes it (``xp-`` and 32 hex digits)."""
    if type(value) is not str or not PACKAGE_ID.fullmatch(value):
        raise FieldError(name)
    return value


@dataclass(frozen=True)
class Manifest:
    package_id: str
    kind: str
    sender: str
    recipient: str
    purpose: str
    recipient_key_id: str
    created_at: str
    codebook_version: str
    cases: int
    fields: tuple[str, ...]
    payload_sha256: bytes

    def to_wire(self) -> dict:
        return {"package_id": self.package_id, "kind": self.kind, "sender": self.sender,
                "recipient": self.recipient, "purpose": self.purpose, "recipient_key_id": self.recipient_key_id,
                "created_at": self.created_at, "codebook_version": self.codebook_version, "cases": self.cases,
                "fields": list(self.fields), "payload_sha256": self.payload_sha256}

    def to_json(self) -> dict:
        """For storage and display (bytes as hex)."""
        return {**self.to_wire(), "payload_sha256": self.payload_sha256.hex()}

    @classmethod
    def from_wire(cls, d: Any) -> "Manifest":
        d = check_map(d, "manifest", MANIFEST_KEYS)
        kind = d["kind"]
        if kind not in KINDS:
            raise FieldError("kind")
        fields = tuple(check_id(f, "fields") for f in check_list(d["fields"], "fields", MAX_FIELDS))
        sha = d["payload_sha256"]
        if type(sha) is not bytes or len(sha) != 32:
            raise FieldError("payload_sha256")
        return cls(check_package_id(d["package_id"]), kind, _narrow(d["sender"], "sender"),
                   _narrow(d["recipient"], "recipient"), _narrow(d["purpose"], "purpose"),
                   check_id(d["recipient_key_id"], "recipient_key_id"), check_utc(d["created_at"], "created_at"),
                   _narrow(d["codebook_version"], "codebook_version"), check_int(d["cases"], "cases", 0, 10**7),
                   fields, sha)


@dataclass(frozen=True)
class _Frame:
    manifest_bytes: bytes
    info: bytes
    ciphertext: memoryview  # views of the package's bytes: up to 64 MiB, never copied
    signed: memoryview
    sig_ed25519: bytes
    sig_mldsa65: bytes


def seal(manifest_fields: dict, payload: dict, *, sender_keys: SigningKeys, recipient_hpke_public: bytes) -> tuple[bytes, Manifest]:
    """Encrypt ``payload`` to the recipient and sign; returns (package bytes, manifest).
    ``manifest_fields``: every manifest key except ``recipient_key_id`` and ``payload_sha256``."""
    plain = canonical_packb({"v": VERSION, **payload})
    manifest = Manifest.from_wire({**manifest_fields, "recipient_key_id": hpke_key_id(recipient_hpke_public),
                                   "payload_sha256": hashlib.sha256(plain).digest()})
    mbytes = canonical_packb(manifest.to_wire())
    info = MAGIC + _U16.pack(VERSION) + _U32.pack(len(mbytes)) + mbytes
    compressed = zstandard.ZstdCompressor(level=3, write_content_size=True).compress(plain)
    ciphertext = SUITE.encrypt(compressed, hpke_public_key(recipient_hpke_public), info=info)
    signed = info + _U32.pack(len(ciphertext)) + ciphertext
    sig_ed, sig_ml = sender_keys.sign(signed)
    return signed + _U16.pack(len(sig_ed)) + sig_ed + _U16.pack(len(sig_ml)) + sig_ml, manifest


def _frame(data: Any) -> _Frame:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise NotAPackage()
    data = bytes(data)
    if data[:len(MAGIC)] != MAGIC:
        if len(data) < len(MAGIC) and MAGIC.startswith(data) and data:
            raise PackageMalformed(part="truncated")
        raise NotAPackage()
    pos = len(MAGIC)

    def take(n: int) -> int:
        nonlocal pos
        if len(data) < pos + n:
            raise PackageMalformed(part="truncated")
        start, pos = pos, pos + n
        return start

    take(2)
    (version,) = _U16.unpack_from(data, pos - 2)
    if version > VERSION:
        raise PackageVersionTooNew(found=version, supported=VERSION)
    if version < 1:
        raise PackageMalformed(part="version")
    take(4)
    (mlen,) = _U32.unpack_from(data, pos - 4)
    if not 0 < mlen <= MAX_MANIFEST:
        raise PackageMalformed(part="manifest_length")
    m0 = take(mlen)
    info_end = pos
    take(4)
    (clen,) = _U32.unpack_from(data, pos - 4)
    c0 = take(clen)
    signed_end = pos
    sigs = []
    for _ in range(2):
        take(2)
        (slen,) = _U16.unpack_from(data, pos - 2)
        s0 = take(slen)
        sigs.append(data[s0:pos])
    if pos != len(data):  # bytes after the last signature: damaged in transit, never a sender's
        raise PackageMalformed(part="trailing")
    view = memoryview(data)
    return _Frame(data[m0:info_end], data[:info_end], view[c0:signed_end], view[:signed_end], sigs[0], sigs[1])


def _manifest(frame: _Frame) -> Manifest:
    try:
        wire = canonical_unpackb(frame.manifest_bytes, MANIFEST_LIMITS)
    except ValueError:
        raise PackageMalformed(part="manifest") from None
    try:
        return Manifest.from_wire(wire)
    except FieldError as exc:  # decoded, but a value no sender writes: named by its field (never its value)
        raise PackageMalformed(part="manifest", field=exc.args[0]) from None


def read_manifest(data: bytes) -> Manifest:
    """The cleartext manifest, without any cryptography: for a person to read before
    importing. Nothing in it is trusted until :func:`open_package` verified the signatures."""
    return _manifest(_frame(data))


def verify(data: bytes, sender_public: SigningPublicKeys) -> Manifest:
    """Check both signatures under the sender's registered keys; returns the manifest."""
    frame = _frame(data)
    manifest = _manifest(frame)
    ed_ok, ml_ok = sender_public.verify_each(frame.sig_ed25519, frame.sig_mldsa65, frame.signed)
    if not (ed_ok and ml_ok):
        part = "signature" if not ed_ok and not ml_ok else ("ml-dsa-65" if ed_ok else "ed25519")
        raise PackageTampered(sender=manifest.sender, part=part)
    return manifest


def payload_limits(manifest: Manifest, size: int) -> DecodeLimits:
    """What decoding a ``size``-byte payload of this (verified) manifest may build."""
    if manifest.kind == "aggregate":  # counts no case: at most MAX_QUARTERS quarters of tables
        items, array = ITEMS_FIXED + MAX_QUARTERS * ITEMS_PER_QUARTER, FIELD_ITEMS
    else:
        per = ITEMS_PER_CASE if manifest.kind == "referral" else ITEMS_PER_WITHDRAWAL
        items, array = ITEMS_FIXED + manifest.cases * per, max(manifest.cases, FIELD_ITEMS)
    return DecodeLimits(items=min(items, MAX_ITEMS), array=min(array, MAX_ARRAY, size), map=FIELD_KEYS,
                        text=min(FIELD_TEXT, size))


def _decompress(compressed: bytes) -> bytes:
    """zstd, only up to the size the frame declares (a correct sender always writes it)."""
    return decompress_declared(compressed, MAX_PAYLOAD, malformed=lambda: PackageMalformed(part="compression"),
                               too_large=lambda: PackageMalformed(part="payload_size"))


def _decode(plain: bytes, manifest: Manifest) -> object:
    limits = payload_limits(manifest, len(plain))
    try:
        with gc_paused():
            return unpackb(plain, limits)
    except TooManyItems:  # more than the manifest's cases hold, or than any package may
        raise (PackageMalformed(part="payload_size") if limits.items == MAX_ITEMS
               else PackageMalformed(part="content", field="items")) from None
    except ValueError:  # damaged, or a list, map or text longer than any a sender writes
        raise PackageMalformed(part="payload") from None


def open_payload(data: bytes, manifest: Manifest, hpke_private) -> dict:
    """Decrypt, decompress and parse, each bounded; the payload must match the manifest's
    digest. ``hpke_private`` is None when this server does not hold the key the package names."""
    frame = _frame(data)
    not_held = dict(recipient=manifest.recipient, key_id=manifest.recipient_key_id, sender=manifest.sender)
    if hpke_private is None:
        raise PackageKeyNotHeld(**not_held)
    if manifest.cases > MAX_CASES.get(manifest.kind, manifest.cases):  # more than a sender puts in one
        raise PackageMalformed(part="payload_size")
    try:
        compressed = SUITE.decrypt(frame.ciphertext, hpke_private, info=frame.info)
    except (InvalidTag, ValueError):  # the key is this server's: the manifest (the HPKE info) or the
        # ciphertext changed after sealing, then signed again (a peer rewrote another's ``sender``)
        raise PackageTampered(sender=manifest.sender, part="ciphertext") from None
    plain = _decompress(compressed)
    del compressed
    if hashlib.sha256(plain).digest() != manifest.payload_sha256:
        raise PackageMalformed(part="payload_digest")
    body = _decode(plain, manifest)
    if type(body) is not dict or body.get("v") != VERSION:
        raise PackageMalformed(part="payload")
    return body


def package_sha256(data: bytes) -> str:
    return hashlib.sha256(bytes(data)).hexdigest()
