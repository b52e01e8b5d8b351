"""Canonical msgpack, field checks and the signed-envelope framing shared by every wire
format of the project (bundles, receipts, manifests, enrollment, status, exchange packages).
Parsers raise only the typed errors of :mod:`intake_app.bundle.errors`."""

from __future__ import annotations

import contextlib
import gc
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgpack

from .errors import BundleError
from .keys import SigningKeys, SigningPublicKeys

try:  # a Rust encoder with sorted keys; same bytes as the pure-Python path below
    import ormsgpack
except ImportError:  # pragma: no cover - exercised when ormsgpack is absent
    ormsgpack = None

_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}", re.ASCII)
_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|\+00:00)",
                  re.ASCII)
_MAX_INT = 2**63 - 1


# --- canonical msgpack -----------------------------------------------------------
_CONTAINERS = (dict, list, tuple)
_ORM_OPTIONS = 0 if ormsgpack is None else (
    ormsgpack.OPT_SORT_KEYS | ormsgpack.OPT_PASSTHROUGH_DATACLASS | ormsgpack.OPT_PASSTHROUGH_DATETIME
    | ormsgpack.OPT_PASSTHROUGH_UUID | ormsgpack.OPT_PASSTHROUGH_ENUM | ormsgpack.OPT_PASSTHROUGH_SUBCLASS)


def _sorted_copy(obj: Any) -> Any:
    if type(obj) is dict:
        out = {}
        for key in sorted(obj):
            if type(key) is not str:
                raise TypeError("map keys must be str")
            value = obj[key]
            out[key] = _sorted_copy(value) if type(value) in _CONTAINERS else value
        return out
    return [_sorted_copy(v) if type(v) in _CONTAINERS else v for v in obj]


def canonical_packb(obj: Any) -> bytes:
    """msgpack with map keys sorted (str keys only), smallest int/str/bin forms, float64.

    Raises TypeError for anything that is not nil, bool, int, float, str, bytes, list,
    tuple or dict. Both encoders below give identical bytes (tested).
    """
    if ormsgpack is not None:
        return ormsgpack.packb(obj, option=_ORM_OPTIONS)
    with gc_paused():
        return msgpack.packb(_sorted_copy(obj) if type(obj) in _CONTAINERS else obj,
                             use_bin_type=True, strict_types=True)


@contextlib.contextmanager
def gc_paused():
    """Decoding a payload makes ~100k containers; the cyclic GC would rescan them all
    several times over (it doubles the parse time). Nothing decoded here has cycles.
    Also used by the server around one bundle's ingest, which keeps them all alive. Safe
    across threads: whoever found the collector on turns it back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _no_ext(code: int, data: bytes) -> Any:
    raise ValueError("ext types are not allowed")


@dataclass(frozen=True)
class DecodeLimits:
    """What one decode may build. Decoded objects take up to ~70 times the bytes they come
    from (an empty map is one byte), so a count of objects, not the input's size, bounds the
    memory: ``items`` counts every map and list plus its elements (a map's pair counts two),
    ``array``/``map``/``text`` bound each list, map, str or bin (a list is allocated whole
    from its declared length, before its elements arrive)."""

    items: int
    array: int
    map: int
    text: int


class TooManyItems(ValueError):
    """The decode went over :attr:`DecodeLimits.items` (raised from inside msgpack)."""


def _counting(limit: int) -> Callable[[Any], Any]:
    left = [limit]

    def count(obj: Any) -> Any:  # msgpack calls it for each finished map and list
        left[0] -= 1 + (2 * len(obj) if type(obj) is dict else len(obj))
        if left[0] < 0:
            raise TooManyItems("items")
        return obj

    return count


def unpackb(data: bytes, limits: DecodeLimits | None = None) -> Any:
    """Decode one msgpack object, no trailing bytes, no ext types. Raises ValueError
    (:class:`TooManyItems` when ``limits.items`` is exceeded)."""
    bounds: dict[str, Any] = {}
    if limits is not None:
        count = _counting(limits.items)
        bounds = {"object_hook": count, "list_hook": count, "max_array_len": limits.array,
                  "max_map_len": limits.map, "max_str_len": limits.text, "max_bin_len": limits.text}
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True, ext_hook=_no_ext,
                               use_list=True, timestamp=0, **bounds)
    except TooManyItems:
        raise
    except Exception as exc:  # msgpack raises a zoo of ValueError/TypeError/StackError
        raise ValueError("msgpack") from exc


def canonical_unpackb(data: bytes, limits: DecodeLimits | None = None) -> Any:
    """Decode and insist the bytes are exactly the canonical encoding (no malleability)."""
    obj = unpackb(data, limits)
    try:
        again = canonical_packb(obj)
    except Exception as exc:
        raise ValueError("not canonical") from exc
    if again != data:
        raise ValueError("not canonical")
    return obj


# --- field checks shared by every format ---------------------------------------------
class FieldError(ValueError):
    """A field that a correct writer never produces (args[0] is a short problem code)."""


def check_id(value: Any, name: str) -> str:
    """Identifiers (device, officer, key, codebook version): ASCII, no spaces, ≤ 64 chars,
    so nothing like a person's name can ride in a cleartext header."""
    if type(value) is not str or not _ID.fullmatch(value):
        raise FieldError(name)
    return value


def check_utc(value: Any, name: str) -> str:
    if type(value) is not str or not _UTC.fullmatch(value):
        raise FieldError(name)
    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise FieldError(name) from exc
    return value


def check_int(value: Any, name: str, lo: int = 0, hi: int = _MAX_INT) -> int:
    if type(value) is not int or not lo <= value <= hi:
        raise FieldError(name)
    return value


def check_bytes(value: Any, name: str, length: int | None = None) -> bytes:
    if type(value) is not bytes or (length is not None and len(value) != length):
        raise FieldError(name)
    return value


def check_map(value: Any, name: str, keys: set[str]) -> dict:
    if type(value) is not dict or set(value) != keys:
        raise FieldError(name)
    return value


def check_list(value: Any, name: str, max_len: int) -> list:
    if type(value) is not list or len(value) > max_len:
        raise FieldError(name)
    return value


def public_keys_to_wire(keys: SigningPublicKeys) -> dict:
    return {"ed25519": keys.ed25519, "mldsa65": keys.mldsa65}


def public_keys_from_wire(value: Any, name: str) -> SigningPublicKeys:
    d = check_map(value, name, {"ed25519", "mldsa65"})
    return SigningPublicKeys(check_bytes(d["ed25519"], name, 32), check_bytes(d["mldsa65"], name, 1952))


# --- signed envelope: receipts, manifests, enrollment, server info ---------------------
@dataclass(frozen=True)
class SignedEnvelope:
    version: int
    body: Any
    signed: bytes  # the bytes both signatures cover: magic .. end of body
    sig_ed25519: bytes
    sig_mldsa65: bytes

    def verify_each(self, public: SigningPublicKeys) -> tuple[bool, bool]:
        return public.verify_each(self.sig_ed25519, self.sig_mldsa65, self.signed)

    def verified_by(self, public: SigningPublicKeys) -> bool:
        return all(self.verify_each(public))


# receipts list up to 1,000,000 revision ids and as many audit seqs, manifests 100,000 entries
# of 4 fields; every map of an envelope is a record of a few fields
ENVELOPE_LIMITS = DecodeLimits(items=2_200_000, array=1_000_000, map=64, text=16 * 1024 * 1024)


def envelope_signed_part(magic: bytes, version: int, body: Any) -> bytes:
    encoded = canonical_packb(body)
    return magic + _U16.pack(version) + _U32.pack(len(encoded)) + encoded


def _signatures(sig_ed: bytes, sig_ml: bytes) -> bytes:
    return _U16.pack(len(sig_ed)) + sig_ed + _U16.pack(len(sig_ml)) + sig_ml


def seal_envelope(magic: bytes, version: int, body: Any, keys: SigningKeys) -> bytes:
    """``magic | u16 version | u32 length | canonical body | u16+Ed25519 | u16+ML-DSA-65``."""
    signed = envelope_signed_part(magic, version, body)
    return signed + _signatures(*keys.sign(signed))


def _read(data: bytes, pos: int, length: int, short: Callable[[int], BundleError]) -> int:
    """The end of a field of ``length`` bytes at ``pos``; ``short(needed)`` if the data ends first."""
    if len(data) < pos + length:
        raise short(pos + length)
    return pos + length


def _read_signatures(data: bytes, pos: int, short: Callable[[int], BundleError]) -> tuple[bytes, bytes, int]:
    sigs = []
    for _ in range(2):
        end = _read(data, pos, 2, short)
        (length,) = _U16.unpack_from(data, pos)
        sig_end = _read(data, end, length, short)
        sigs.append(data[end:sig_end])
        pos = sig_end
    return sigs[0], sigs[1], pos


def open_envelope(data: bytes, *, magic: bytes, max_version: int, error: type[BundleError],
                  max_body: int = 16 * 1024 * 1024) -> SignedEnvelope:
    """Framing and canonical body only (no signature check). Raises ``error(part=...)``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise error(part="type")
    data = bytes(data)
    def short(needed: int) -> BundleError:
        return error(part="truncated")

    if data[:len(magic)] != magic:
        raise error(part="truncated" if magic.startswith(data) else "magic")
    pos = _read(data, len(magic), 6, short)
    (version,) = _U16.unpack_from(data, len(magic))
    (length,) = _U32.unpack_from(data, len(magic) + 2)
    if version > max_version:  # made by a newer program
        raise error(part="version", found=version, supported=max_version)
    if version < 1:  # no writer ever made it: damaged
        raise error(part="header")
    if length > max_body:
        raise error(part="length")
    body_end = _read(data, pos, length, short)
    sig_ed, sig_ml, end = _read_signatures(data, body_end, short)
    if end != len(data):
        raise error(part="trailing")
    try:
        body = canonical_unpackb(data[pos:body_end], ENVELOPE_LIMITS)
    except ValueError:
        raise error(part="body") from None
    return SignedEnvelope(version, body, data[:body_end], sig_ed, sig_ml)


