"""The bundle wire format.

A bundle carries a device's new case revisions and audit entries to the server. The
payload is canonical msgpack, compressed with zstd, encrypted to the server with HPKE
(ML-KEM-768+X25519, HKDF-SHA256, AES-256-GCM) with the cleartext header bound as HPKE
``info``, and signed by the device with Ed25519 **and** ML-DSA-65 over header and
ciphertext. Byte-by-byte layout: ``docs/bundle-format.md``.

The canonical encoding and the signed-envelope framing (codec.py) serve receipts,
manifests, enrollment files and the server's public key info too; they are re-exported here.
Parsers raise only the typed errors of :mod:`intake_app.bundle.errors`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import zstandard
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke

from .errors import (
    BundleError,
    BundleMalformed,
    BundlePayloadMalformed,
    BundleSignatureIncomplete,
    BundleTampered,
    BundleTooLarge,
    BundleTruncated,
    BundleVersionTooNew,
    BundleWrongServer,
    NotABundle,
    UnknownDevice,
)
from .keys import SigningKeys, SigningPublicKeys, hpke_key_id, hpke_public_key

if TYPE_CHECKING:
    from .serverkeys import ServerKeys

MAGIC = b"\x89ITKB\r\n\x1a"
FORMAT_VERSION = 1
ZSTD_LEVEL = 3
MAX_HEADER_LEN = 64 * 1024
MAX_CIPHERTEXT_LEN = 512 * 1024 * 1024  # no bundle is larger (the import reads at most 512 MiB)
DEFAULT_MAX_PAYLOAD = 256 * 1024 * 1024
SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
HPKE_OVERHEAD = hpke.KEM.MLKEM768_X25519.enc_length() + 16  # enc || ... || GCM tag
ZERO_HASH = bytes(32)
MAX_SEQ = 2**63 - 1  # audit seqs: a signed 64-bit column on the server, like every int of the format
# What decoding a payload may build (DecodeLimits), from the counts its signed header declares: a
# revision of codebook 1.0 is at most ~800 values (about 90 in practice), an audit entry about 20.
# A laptop puts at most 2,000 revisions and 20,000 audit entries in one bundle (sync/outbox.py),
# so whatever a header declares, decoding builds at most MAX_ITEMS values (~0.5 GB).
ITEMS_PER_REVISION = 2048
ITEMS_PER_AUDIT = 128
ITEMS_FIXED = 64
MAX_ITEMS = ITEMS_FIXED + 2000 * ITEMS_PER_REVISION + 20_000 * ITEMS_PER_AUDIT
MAX_ARRAY = 20_000  # the longest list a laptop writes: a bundle's audit entries
FIELD_ITEMS = 4096  # a list inside a revision or an audit entry
FIELD_KEYS = 1024  # a map: a revision's content has ~60 fields
FIELD_TEXT = 4 * 1024 * 1024  # a str or bin: the longest text field is 20,000 characters

from .codec import (  # noqa: F401  (re-exported: receipts, manifests, enrollment, status use them)
    _U16,
    _U32,
    FieldError,
    SignedEnvelope,
    gc_paused,
    _read,
    _read_signatures,
    _signatures,
    DecodeLimits,
    TooManyItems,
    canonical_packb,
    canonical_unpackb,
    check_bytes,
    check_id,
    check_int,
    check_list,
    check_map,
    check_utc,
    envelope_signed_part,
    open_envelope,
    public_keys_from_wire,
    public_keys_to_wire,
    seal_envelope,
    unpackb,
)


# --- the bundle ------------------------------------------------------------------------
@dataclass(frozen=True)
class BundleHeader:
    """The cleartext header: identifiers, counts and chain links only, no personal data."""

    format_version: int
    device_id: str
    officer_ids: tuple[str, ...]
    sequence: int
    prev_hash: bytes
    created_at: str
    revision_count: int
    audit_count: int
    codebook_versions: tuple[str, ...]
    server_key_id: str

    def to_wire(self) -> dict:
        return {
            "device_id": self.device_id,
            "officer_ids": list(self.officer_ids),
            "sequence": self.sequence,
            "prev_hash": self.prev_hash,
            "created_at": self.created_at,
            "counts": {"revisions": self.revision_count, "audit": self.audit_count},
            "codebook_versions": list(self.codebook_versions),
            "server_key_id": self.server_key_id,
        }

    @classmethod
    def from_wire(cls, version: int, d: Any) -> "BundleHeader":
        """Raises FieldError (a ValueError) naming the first bad field."""
        d = check_map(d, "header", {"device_id", "officer_ids", "sequence", "prev_hash", "created_at",
                                    "counts", "codebook_versions", "server_key_id"})
        counts = check_map(d["counts"], "counts", {"revisions", "audit"})
        officers = tuple(check_id(o, "officer_ids") for o in check_list(d["officer_ids"], "officer_ids", 1000))
        books = tuple(check_id(v, "codebook_versions")
                      for v in check_list(d["codebook_versions"], "codebook_versions", 100))
        if len(set(officers)) != len(officers) or len(set(books)) != len(books):
            raise FieldError("duplicates")
        return cls(
            format_version=version,
            device_id=check_id(d["device_id"], "device_id"),
            officer_ids=officers,
            sequence=check_int(d["sequence"], "sequence", lo=1),
            prev_hash=check_bytes(d["prev_hash"], "prev_hash", 32),
            created_at=check_utc(d["created_at"], "created_at"),
            revision_count=check_int(counts["revisions"], "counts"),
            audit_count=check_int(counts["audit"], "counts"),
            codebook_versions=books,
            server_key_id=check_id(d["server_key_id"], "server_key_id"),
        )


@dataclass(frozen=True)
class OpenedBundle:
    header: BundleHeader
    revisions: list[dict]
    audit: list[dict]
    bundle_hash: bytes  # sha256 of the whole bundle file: what the next bundle chains to
    payload_sha256: bytes  # sha256 of the canonical payload: same content => same digest

    @property
    def revision_ids(self) -> list[str]:
        return [r["revision_id"] for r in self.revisions]

    @property
    def audit_seqs(self) -> list[int]:
        return [a["seq"] for a in self.audit]


@dataclass(frozen=True)
class _Frame:
    version: int
    header_bytes: bytes
    info: bytes  # magic .. end of header: the HPKE info
    ciphertext: bytes
    signed: bytes  # magic .. end of ciphertext: what both signatures cover
    sig_ed25519: bytes
    sig_mldsa65: bytes


def bundle_hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def suggested_filename(header: BundleHeader) -> str:
    """``<device_id>-<sequence, 8 digits>.intake-bundle``: sorts by sequence, no personal data."""
    return f"{header.device_id}-{header.sequence:08d}.intake-bundle"


def _frame(data: Any) -> _Frame:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise NotABundle()
    data = bytes(data)
    n = len(data)
    if data[:8] != MAGIC:
        if MAGIC.startswith(data):
            raise BundleTruncated(size=n, needed=8)
        raise NotABundle()

    def short(needed: int) -> BundleError:
        return BundleTruncated(size=n, needed=needed)

    def need(end: int) -> int:
        return _read(data, 0, end, short)

    need(10)
    (version,) = _U16.unpack_from(data, 8)
    if version > FORMAT_VERSION:
        raise BundleVersionTooNew(found=version, supported=FORMAT_VERSION)
    if version < 1:
        raise BundleMalformed(part="version")
    need(14)
    (header_len,) = _U32.unpack_from(data, 10)
    if not 0 < header_len <= MAX_HEADER_LEN:
        raise BundleMalformed(part="header_length")
    header_end = 14 + header_len
    need(header_end + 4)
    (ct_len,) = _U32.unpack_from(data, header_end)
    if not HPKE_OVERHEAD <= ct_len <= MAX_CIPHERTEXT_LEN:  # larger: a damaged length, not a cut file
        raise BundleMalformed(part="ciphertext_length")
    ct_end = need(header_end + 4 + ct_len)
    sig_ed, sig_ml, end = _read_signatures(data, ct_end, short)
    if end != n:
        raise BundleTampered(part="trailing")
    return _Frame(version, data[14:header_end], data[:header_end], data[header_end + 4:ct_end],
                  data[:ct_end], sig_ed, sig_ml)


def _parse_header(frame: _Frame) -> BundleHeader:
    try:
        return BundleHeader.from_wire(frame.version, canonical_unpackb(frame.header_bytes))
    except ValueError:
        raise BundleMalformed(part="header") from None


def read_header(data: bytes) -> BundleHeader:
    """Parse the framing and the cleartext header. No cryptography: nothing here is
    trusted until :func:`open_bundle` has verified both signatures."""
    return _parse_header(_frame(data))


def _check_records(revisions: Any, audit: Any, codebook_versions: tuple[str, ...]) -> None:
    """Raises FieldError. Each revision: a map with str ``revision_id`` (unique in the
    bundle) and ``codebook_version`` (one of the header's); each audit entry: an int ``seq``
    in 0 … 2**63 − 1 (the server keeps it in a BIGINT column and lists it in the receipt)."""
    books = set(codebook_versions)
    if type(revisions) is not list or type(audit) is not list:
        raise FieldError("payload")
    ids = set()
    for rev in revisions:
        if type(rev) is not dict or type(rev.get("revision_id")) is not str:
            raise FieldError("revision_id")
        version = rev.get("codebook_version")
        if type(version) is not str or version not in books:
            raise FieldError("codebook_version")
        ids.add(rev["revision_id"])
    if len(ids) != len(revisions):
        raise FieldError("duplicate_revision")
    for entry in audit:
        if type(entry) is not dict or type(seq := entry.get("seq")) is not int or not 0 <= seq <= MAX_SEQ:
            raise FieldError("audit_seq")


def build_bundle(*, device_id: str, officer_ids: list[str], sequence: int, prev_hash: bytes,
                 created_at: str, codebook_versions: list[str], revisions: list[dict],
                 audit: list[dict], device_keys: SigningKeys, server_hpke_public: bytes,
                 server_key_id: str) -> bytes:
    """Serialize, compress, encrypt to the server and sign. Raises ValueError or TypeError
    for arguments a correct caller never passes (nothing here parses foreign input)."""
    if server_key_id != hpke_key_id(server_hpke_public):
        raise ValueError("server_key_id does not name server_hpke_public")
    header = BundleHeader(FORMAT_VERSION, device_id, tuple(officer_ids), sequence, prev_hash, created_at,
                          len(revisions), len(audit), tuple(codebook_versions), server_key_id)
    BundleHeader.from_wire(FORMAT_VERSION, header.to_wire())  # same checks as the reader
    _check_records(revisions, audit, header.codebook_versions)
    payload = canonical_packb({"v": FORMAT_VERSION, "revisions": revisions, "audit": audit})
    compressed = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_content_size=True).compress(payload)
    return _seal(header, compressed, device_keys, server_hpke_public)


def _seal(header: BundleHeader, compressed: bytes, device_keys: SigningKeys, server_hpke_public: bytes,
          version: int = FORMAT_VERSION) -> bytes:
    header_bytes = canonical_packb(header.to_wire())
    info = MAGIC + _U16.pack(version) + _U32.pack(len(header_bytes)) + header_bytes
    ciphertext = SUITE.encrypt(compressed, hpke_public_key(server_hpke_public), info=info)
    signed = info + _U32.pack(len(ciphertext)) + ciphertext
    return signed + _signatures(*device_keys.sign(signed))


def _verify(frame: _Frame, device_public: SigningPublicKeys) -> None:
    ed_ok, ml_ok = device_public.verify_each(frame.sig_ed25519, frame.sig_mldsa65, frame.signed)
    if not ed_ok and not ml_ok:
        raise BundleTampered(part="signature")
    if not (ed_ok and ml_ok):
        raise BundleSignatureIncomplete(valid="ed25519" if ed_ok else "ml-dsa-65",
                                        missing="ml-dsa-65" if ed_ok else "ed25519")


def verify_signatures(data: bytes, device_public: SigningPublicKeys) -> None:
    """Framing and both signatures only: BundleTampered (or SignatureIncomplete) when the
    bytes are not what the device signed, e.g. a flipped bit in the header's key id."""
    _verify(_frame(data), device_public)


def decompress_declared(compressed: bytes, limit: int, *, malformed, too_large) -> bytes:
    """zstd, only up to the size the frame declares (a correct writer always records it), so
    the limit holds before any work. ``malformed()`` / ``too_large()`` make the caller's own
    errors (bundles and exchange packages word them differently)."""
    try:
        size = zstandard.frame_content_size(compressed)
    except zstandard.ZstdError:
        raise malformed() from None
    if size < 0:
        raise malformed()
    if size > limit:
        raise too_large()
    try:
        out = zstandard.ZstdDecompressor().decompress(compressed, max_output_size=size, allow_extra_data=False)
    except zstandard.ZstdError:
        raise malformed() from None
    if len(out) != size:
        raise malformed()
    return out


def _decompress(compressed: bytes, limit: int) -> bytes:
    return decompress_declared(compressed, limit, malformed=lambda: BundlePayloadMalformed(problem="compression"),
                               too_large=lambda: BundleTooLarge(limit=limit))


def payload_limits(header: BundleHeader, size: int) -> DecodeLimits:
    """What decoding this payload may build: bounded by the header's (signed) counts."""
    items = ITEMS_FIXED + header.revision_count * ITEMS_PER_REVISION + header.audit_count * ITEMS_PER_AUDIT
    array = min(max(header.revision_count, header.audit_count, FIELD_ITEMS), MAX_ARRAY)  # msgpack allocates it
    return DecodeLimits(items=min(items, MAX_ITEMS), array=min(array, size), map=FIELD_KEYS,
                        text=min(FIELD_TEXT, size))


def open_bundle(data: bytes, *, device_public: SigningPublicKeys, server_keys: "ServerKeys",
                max_payload_size: int = DEFAULT_MAX_PAYLOAD) -> OpenedBundle:
    """Verify both signatures, then decrypt, decompress (bounded) and parse.

    The caller picks ``device_public`` by ``read_header(data).device_id`` among enrolled,
    non-revoked devices; a header naming another device then fails the signature check.
    """
    frame = _frame(data)
    _verify(frame, device_public)
    header = _parse_header(frame)
    private = server_keys.hpke_private(header.server_key_id)
    if private is None:
        raise BundleWrongServer(key_id=header.server_key_id)
    try:
        compressed = SUITE.decrypt(frame.ciphertext, private, info=frame.info)
    except (InvalidTag, ValueError):
        raise BundleWrongServer(key_id=header.server_key_id) from None
    payload = _decompress(compressed, max_payload_size)
    try:
        with gc_paused():
            body = unpackb(payload, payload_limits(header, len(payload)))
        check_map(body, "payload", {"v", "revisions", "audit"})
        if type(body["v"]) is not int or body["v"] != header.format_version:  # not True, nor 1.0
            raise FieldError("payload_version")
        _check_records(body["revisions"], body["audit"], header.codebook_versions)
        if len(body["revisions"]) != header.revision_count or len(body["audit"]) != header.audit_count:
            raise FieldError("counts")
    except ValueError as exc:
        problem = exc.args[0] if isinstance(exc, (FieldError, TooManyItems)) else "encoding"
        raise BundlePayloadMalformed(problem=problem) from None
    return OpenedBundle(header, body["revisions"], body["audit"], bundle_hash(bytes(data)),
                        hashlib.sha256(payload).digest())


def open_bundle_for(data: bytes, *, devices: Callable[[str], SigningPublicKeys | None],
                    server_keys: "ServerKeys", max_payload_size: int = DEFAULT_MAX_PAYLOAD) -> OpenedBundle:
    """:func:`open_bundle` with the device keys looked up by the header's device id;
    ``devices`` returns None for a device that is not enrolled (or no longer trusted)."""
    header = read_header(data)
    public = devices(header.device_id)
    if public is None:
        raise UnknownDevice(device_id=header.device_id)
    return open_bundle(data, device_public=public, server_keys=server_keys, max_payload_size=max_payload_size)
