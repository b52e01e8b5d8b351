"""The bundle: round trip, size, chain, and each kind of bad input with its own typed error."""

from __future__ import annotations

import hashlib
import struct

import pytest
import zstandard
from bundle_samples import bundle_kwargs, make_revisions

from intake_app.bundle import (
    FORMAT_VERSION,
    BundleHeader,
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
    build_bundle,
    bundle_hash,
    open_bundle,
    read_header,
    suggested_filename,
)
from intake_app.bundle import format as fmt
from intake_app.bundle.receipt import make_receipt
from intake_app.errors import IntakeError


def regions(data: bytes) -> dict[str, tuple[int, int]]:
    """Byte ranges of the parts of a bundle (see docs/bundle-format.md)."""
    (header_len,) = struct.unpack_from(">I", data, 10)
    header_end = 14 + header_len
    (ct_len,) = struct.unpack_from(">I", data, header_end)
    ct_end = header_end + 4 + ct_len
    (ed_len,) = struct.unpack_from(">H", data, ct_end)
    ml_start = ct_end + 2 + ed_len + 2
    return {"header": (14, header_end), "ciphertext": (header_end + 4, ct_end),
            "ed25519": (ct_end + 2, ct_end + 2 + ed_len), "mldsa65": (ml_start, len(data))}


def flip(data: bytes, pos: int) -> bytes:
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1:]


def opened(data, device_keys, server_keys, **kw):
    return open_bundle(data, device_public=device_keys.public(), server_keys=server_keys, **kw)


def raises_exactly(cls, fn, *args, **kwargs) -> IntakeError:
    with pytest.raises(IntakeError) as info:
        fn(*args, **kwargs)
    assert type(info.value) is cls, f"expected {cls.__name__}, got {type(info.value).__name__}"
    return info.value


def header_for(server_keys, **overrides) -> BundleHeader:
    fields = dict(format_version=1, device_id="dev-0001", officer_ids=("off-0000",), sequence=1,
                  prev_hash=bytes(32), created_at="2026-11-02T10:00:00Z", revision_count=1, audit_count=0,
                  codebook_versions=("1.0",), server_key_id=server_keys.current.key_id)
    fields.update(overrides)
    return BundleHeader(**fields)


# --- good path ---------------------------------------------------------------------
def test_round_trip(bundle, device_keys, server_keys, revisions, audit):
    result = opened(bundle, device_keys, server_keys)
    assert result.revisions == revisions
    assert result.audit == audit
    assert result.bundle_hash == hashlib.sha256(bundle).digest() == bundle_hash(bundle)
    assert result.revision_ids == [r["revision_id"] for r in revisions]
    assert result.audit_seqs == [a["seq"] for a in audit]
    header = result.header
    assert header == read_header(bundle)
    assert (header.format_version, header.device_id, header.sequence) == (FORMAT_VERSION, "dev-0001", 1)
    assert header.officer_ids == ("off-0000", "off-0001", "off-0002")
    assert (header.revision_count, header.audit_count) == (len(revisions), len(audit))
    assert header.prev_hash == bytes(32) and header.codebook_versions == ("1.0",)
    assert header.server_key_id == server_keys.current.key_id
    assert suggested_filename(header) == "dev-0001-00000001.intake-bundle"


def test_chain_and_same_content_digest(device_keys, server_keys, revisions, bundle):
    """The next bundle names the previous one's hash; rebuilding the same content yields
    another bundle (fresh HPKE key) with the same payload digest: a re-export, not a fork."""
    first = opened(bundle, device_keys, server_keys)
    second = build_bundle(**bundle_kwargs(device_keys, server_keys, revisions[:3], sequence=2,
                                          prev_hash=first.bundle_hash))
    header = read_header(second)
    assert header.sequence == 2 and header.prev_hash == bundle_hash(bundle)
    again = build_bundle(**bundle_kwargs(device_keys, server_keys, revisions[:3], sequence=2,
                                         prev_hash=first.bundle_hash))
    assert again != second
    a, b = opened(second, device_keys, server_keys), opened(again, device_keys, server_keys)
    assert a.payload_sha256 == b.payload_sha256 and a.bundle_hash != b.bundle_hash


def test_empty_bundle_round_trips(device_keys, server_keys):
    data = build_bundle(**bundle_kwargs(device_keys, server_keys, [], []))
    result = opened(data, device_keys, server_keys)
    assert result.revisions == [] and result.audit == []


def test_size_within_1_1x_of_zstd_payload(device_keys, server_keys):
    revisions = make_revisions(1000)
    data = build_bundle(**bundle_kwargs(device_keys, server_keys, revisions))
    payload = fmt.canonical_packb({"v": 1, "revisions": revisions, "audit": []})
    zstd_only = len(zstandard.ZstdCompressor(level=3).compress(payload))
    assert len(data) <= 1.1 * zstd_only, (len(data), zstd_only)
    assert opened(data, device_keys, server_keys).revisions == revisions


@pytest.mark.parametrize("bad", [
    {"device_id": "María Pérez"},  # a name does not pass as an identifier
    {"officer_ids": ["Ana Gómez"]},
    {"sequence": 0},
    {"prev_hash": b"short"},
    {"created_at": "2026-11-02 10:00"},
    {"created_at": "2026-11-02T10:00:00-06:00"},
    {"codebook_versions": ["9.9"]},  # revisions name 1.0, which is not listed
    {"server_key_id": "hk-0000000000000000"},  # not the id of the given key
])
def test_build_refuses_bad_arguments(device_keys, server_keys, revisions, bad):
    with pytest.raises((ValueError, TypeError)):
        build_bundle(**bundle_kwargs(device_keys, server_keys, revisions[:2], **bad))


def test_build_refuses_duplicate_or_unnamed_revisions(device_keys, server_keys, revisions):
    with pytest.raises(ValueError):
        build_bundle(**bundle_kwargs(device_keys, server_keys, [revisions[0], revisions[0]]))
    with pytest.raises(ValueError):
        build_bundle(**bundle_kwargs(device_keys, server_keys, [{"codebook_version": "1.0"}]))


# --- bad input ---------------------------------------------------------------------
@pytest.mark.parametrize("where", [
    ("header", 0), ("header", 0.5), ("header", -1),
    ("ciphertext", 0), ("ciphertext", 600), ("ciphertext", 0.5), ("ciphertext", -1),
])
def test_tampered_byte_is_refused(bundle, device_keys, server_keys, where):
    part, at = where
    start, end = regions(bundle)[part]
    pos = start + int((end - start) * at) if isinstance(at, float) else (start + at if at >= 0 else end + at)
    err = raises_exactly(BundleTampered, opened, flip(bundle, pos), device_keys, server_keys)
    assert err.params == {"part": "signature"}


def test_every_header_byte_is_covered(bundle, device_keys, server_keys):
    start, end = regions(bundle)["header"]
    for pos in range(start - 14, end + 4):  # framing, header and the ciphertext length
        with pytest.raises(IntakeError) as info:
            opened(flip(bundle, pos), device_keys, server_keys)
        assert isinstance(info.value, (BundleTampered, BundleTruncated, BundleMalformed, NotABundle,
                                       BundleVersionTooNew)), (pos, info.value)


def test_appended_bytes_are_refused(bundle, device_keys, server_keys):
    raises_exactly(BundleTampered, read_header, bundle + b"\x00")
    err = raises_exactly(BundleTampered, opened, bundle + b"extra", device_keys, server_keys)
    assert err.params == {"part": "trailing"}


@pytest.mark.parametrize("cut", [0, 1, 7, 8, 9, 12, 14, "header", "ct_len", "ct", "ed", "ml", -1])
def test_truncated_is_refused(bundle, device_keys, server_keys, cut):
    r = regions(bundle)
    length = {"header": (r["header"][0] + r["header"][1]) // 2, "ct_len": r["header"][1] + 2,
              "ct": (r["ciphertext"][0] + r["ciphertext"][1]) // 2, "ed": r["ed25519"][0] + 10,
              "ml": r["mldsa65"][0] + 100}.get(cut, cut)
    data = bundle[:length]
    raises_exactly(BundleTruncated, read_header, data)
    err = raises_exactly(BundleTruncated, opened, data, device_keys, server_keys)
    assert err.params["size"] == len(data) and err.params["needed"] > len(data)


def test_signed_by_only_one_key(bundle, device_keys, other_device_keys, server_keys):
    r = regions(bundle)
    ed_start, ml_start = r["ed25519"][0], r["mldsa65"][0]
    without_mldsa = bundle[:ml_start - 2] + b"\x00\x00"
    err = raises_exactly(BundleSignatureIncomplete, opened, without_mldsa, device_keys, server_keys)
    assert err.params == {"valid": "ed25519", "missing": "ml-dsa-65"}
    zero_ed = bundle[:ed_start] + bytes(64) + bundle[ed_start + 64:]
    err = raises_exactly(BundleSignatureIncomplete, opened, zero_ed, device_keys, server_keys)
    assert err.params == {"valid": "ml-dsa-65", "missing": "ed25519"}
    # an ML-DSA signature made by another key over the very same bytes
    signed = bundle[:r["ciphertext"][1]]
    _, foreign_ml = other_device_keys.sign(signed)
    mixed = bundle[:ml_start] + foreign_ml
    raises_exactly(BundleSignatureIncomplete, opened, mixed, device_keys, server_keys)
    assert isinstance(err, BundleTampered)  # callers catching "tampered" catch this too


def test_signed_by_another_device(device_keys, other_device_keys, server_keys, revisions):
    forged = build_bundle(**bundle_kwargs(other_device_keys, server_keys, revisions[:2]))
    raises_exactly(BundleTampered, opened, forged, device_keys, server_keys)


def test_encrypted_to_another_server(device_keys, server_keys, other_server_keys, revisions):
    data = build_bundle(**bundle_kwargs(device_keys, other_server_keys, revisions[:2]))
    err = raises_exactly(BundleWrongServer, opened, data, device_keys, server_keys)
    assert err.params == {"key_id": other_server_keys.current.key_id}
    # a header naming this server's key id over a ciphertext sealed to another server's key
    header = header_for(server_keys)
    payload = fmt.canonical_packb({"v": 1, "revisions": revisions[:1], "audit": []})
    forged = fmt._seal(header, zstandard.ZstdCompressor().compress(payload), device_keys,
                       other_server_keys.current.public)
    raises_exactly(BundleWrongServer, opened, forged, device_keys, server_keys)


def test_newer_format_version(bundle, device_keys, server_keys, revisions):
    bumped = bundle[:8] + struct.pack(">H", FORMAT_VERSION + 1) + bundle[10:]
    err = raises_exactly(BundleVersionTooNew, read_header, bumped)
    assert err.params == {"found": FORMAT_VERSION + 1, "supported": FORMAT_VERSION}
    raises_exactly(BundleVersionTooNew, opened, bumped, device_keys, server_keys)
    payload = fmt.canonical_packb({"v": 2, "revisions": revisions[:1], "audit": []})
    signed_v2 = fmt._seal(header_for(server_keys), zstandard.ZstdCompressor().compress(payload), device_keys,
                          server_keys.current.public, version=2)
    raises_exactly(BundleVersionTooNew, opened, signed_v2, device_keys, server_keys)


@pytest.mark.parametrize("data", [
    b"", b"%PDF-1.7\n%\xe2\xe3", b'{"revisions": []}', bytes(4096), b"\x89PNG\r\n\x1a\n" + bytes(40),
    "María FICTICIA".encode("utf-16"),
])
def test_not_a_bundle(data, device_keys, server_keys):
    expected = BundleTruncated if data == b"" else NotABundle
    raises_exactly(expected, read_header, data)
    raises_exactly(expected, opened, data, device_keys, server_keys)


def test_other_protocol_files_are_not_bundles(server_keys):
    receipt = make_receipt(server_signing=server_keys.signing, bundle_hash=bytes(32), device_id="dev-0001",
                           sequence=1, revision_ids=["r"], audit_seqs=[], received_at="2026-11-02T10:00:00Z",
                           status="stored")
    raises_exactly(NotABundle, read_header, receipt)
    raises_exactly(NotABundle, read_header, None)


def _sealed(payload_bytes: bytes, device_keys, server_keys, *, compress=True, header=None, **hdr) -> bytes:
    compressed = zstandard.ZstdCompressor().compress(payload_bytes) if compress else payload_bytes
    return fmt._seal(header or header_for(server_keys, **hdr), compressed, device_keys, server_keys.current.public)


@pytest.mark.parametrize("payload, problem", [
    (b"\xc1", "encoding"),  # never-used msgpack byte
    (fmt.canonical_packb([1, 2]), "payload"),
    (fmt.canonical_packb({"v": 1, "revisions": [], "audit": [], "x": 1}), "payload"),
    (fmt.canonical_packb({"v": 9, "revisions": [], "audit": []}), "payload_version"),
    (fmt.canonical_packb({"v": 1, "revisions": [], "audit": []}), "counts"),
    (fmt.canonical_packb({"v": 1, "revisions": [{"codebook_version": "1.0"}], "audit": []}), "revision_id"),
    (fmt.canonical_packb({"v": 1, "revisions": [{"revision_id": "r", "codebook_version": "2.0"}], "audit": []}),
     "codebook_version"),
    (fmt.canonical_packb({"v": 1, "revisions": [{"revision_id": "r", "codebook_version": "1.0"}],
                          "audit": [{"seq": "1"}]}), "audit_seq"),
])
def test_malformed_payload(device_keys, server_keys, payload, problem):
    data = _sealed(payload, device_keys, server_keys)
    err = raises_exactly(BundlePayloadMalformed, opened, data, device_keys, server_keys)
    assert err.params == {"problem": problem}


def test_malformed_compression(device_keys, server_keys):
    ok = fmt.canonical_packb({"v": 1, "revisions": [{"revision_id": "r", "codebook_version": "1.0"}], "audit": []})
    cases = [
        fmt._seal(header_for(server_keys), b"not zstd at all", device_keys, server_keys.current.public),
        # a frame without its content size: the limit could not be enforced up front
        fmt._seal(header_for(server_keys), zstandard.ZstdCompressor(write_content_size=False).compress(ok),
                  device_keys, server_keys.current.public),
        fmt._seal(header_for(server_keys), zstandard.ZstdCompressor().compress(ok) + b"junk", device_keys,
                  server_keys.current.public),
    ]
    for data in cases:
        err = raises_exactly(BundlePayloadMalformed, opened, data, device_keys, server_keys)
        assert err.params == {"problem": "compression"}


def test_signed_but_non_canonical_header_is_malformed(device_keys, server_keys):
    import msgpack

    wire = header_for(server_keys).to_wire()
    unsorted = msgpack.packb(dict(reversed(list(wire.items()))), use_bin_type=True)
    info = fmt.MAGIC + struct.pack(">HI", 1, len(unsorted)) + unsorted
    ct = fmt.SUITE.encrypt(b"x", fmt.hpke_public_key(server_keys.current.public), info=info)
    signed = info + struct.pack(">I", len(ct)) + ct
    ed, ml = device_keys.sign(signed)
    data = signed + struct.pack(">H", len(ed)) + ed + struct.pack(">H", len(ml)) + ml
    raises_exactly(BundleMalformed, read_header, data)
    err = raises_exactly(BundleMalformed, opened, data, device_keys, server_keys)
    assert err.params == {"part": "header"}


def test_decompression_limit(device_keys, server_keys):
    bomb = [{"revision_id": "r1", "codebook_version": "1.0", "content": {"narrative": "a" * 3_000_000}}]
    data = build_bundle(**bundle_kwargs(device_keys, server_keys, bomb))
    assert len(data) < 10_000  # 3 MB of payload in a few KB
    err = raises_exactly(BundleTooLarge, opened, data, device_keys, server_keys, max_payload_size=1_000_000)
    assert err.params == {"limit": 1_000_000}
    assert opened(data, device_keys, server_keys).revisions == bomb  # the default limit is far larger


def test_unknown_device_through_lookup(bundle, device_keys, server_keys, revisions):
    enrolled = {"dev-0001": device_keys.public()}
    assert fmt.open_bundle_for(bundle, devices=enrolled.get, server_keys=server_keys).revisions == revisions
    err = raises_exactly(UnknownDevice, fmt.open_bundle_for, bundle, devices={}.get, server_keys=server_keys)
    assert err.params == {"device_id": "dev-0001"}


def test_errors_never_carry_personal_data(device_keys, server_keys):
    revisions = make_revisions(3)
    revisions[0]["content"]["given_names"] = "Xiomara FICTICIA"
    data = build_bundle(**bundle_kwargs(device_keys, server_keys, revisions))
    for pos in (30, len(data) // 2, len(data) - 5):
        with pytest.raises(IntakeError) as info:
            opened(flip(data, pos), device_keys, server_keys)
        assert "Xiomara" not in str(info.value) and "Xiomara" not in repr(info.value.params)
