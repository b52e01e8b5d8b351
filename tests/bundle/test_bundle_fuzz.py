"""Fuzz the parsers: random bytes, mutated valid files, and validly signed random bodies.
Only the project's typed errors (IntakeError subclasses) may escape, and nothing hangs."""

from __future__ import annotations

import time

import pytest
import zstandard
from bundle_samples import bundle_kwargs, make_revisions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake_app.bundle import (
    ServerPublicInfo,
    build_bundle,
    build_manifest,
    make_enrollment_request,
    make_enrollment_response,
    make_receipt,
    open_bundle,
    parse_and_verify_manifest,
    parse_and_verify_receipt,
    parse_and_verify_request,
    parse_and_verify_response,
    read_header,
    read_manifest,
    read_receipt,
)
from intake_app.bundle import format as fmt
from intake_app.bundle.enrollment import MAGIC_REQUEST, MAGIC_RESPONSE
from intake_app.bundle.manifest import MAGIC_MANIFEST, ManifestEntry
from intake_app.bundle.receipt import MAGIC_RECEIPT
from intake_app.errors import IntakeError

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
MAX_SECONDS = 2.0  # per parse: a parser that loops on hostile input fails here


def only_typed_errors(fn, *args, **kwargs):
    start = time.perf_counter()
    try:
        fn(*args, **kwargs)
    except IntakeError:
        pass
    assert time.perf_counter() - start < MAX_SECONDS


@pytest.fixture(scope="module")
def files(device_keys, server_keys):
    """One valid file of each kind, to mutate."""
    small = make_revisions(3)
    bundle = build_bundle(**bundle_kwargs(device_keys, server_keys, small))
    request = make_enrollment_request(device_id="dev-0001", device_keys=device_keys, post="cr_sixaola",
                                      officer_labels=["eri-1"], created_at="2026-11-01T09:00:00Z")
    return {
        "bundle": bundle,
        "receipt": make_receipt(server_signing=server_keys.signing, bundle_hash=bytes(32), device_id="dev-0001",
                                sequence=1, revision_ids=[r["revision_id"] for r in small], audit_seqs=[1, 2],
                                received_at="2026-11-02T10:00:00Z", status="stored"),
        "manifest": build_manifest(device_id="dev-0001", created_at="2026-11-02T10:00:00Z",
                                   entries=[ManifestEntry.for_file("a.intake-bundle", bundle, 1)],
                                   device_keys=device_keys),
        "request": request,
        "response": make_enrollment_response(parse_and_verify_request(request), server_keys=server_keys,
                                             approved_at="2026-11-01T10:00:00Z",
                                             lease_until="2027-11-01T10:00:00Z"),
        "server_info": server_keys.public_info().to_bytes(),
    }


@pytest.fixture(scope="module")
def parsers(device_keys, server_keys):
    dev, srv = device_keys.public(), server_keys.signing_public
    return [
        read_header,
        lambda d: open_bundle(d, device_public=dev, server_keys=server_keys),
        read_receipt,
        lambda d: parse_and_verify_receipt(d, srv),
        read_manifest,
        lambda d: parse_and_verify_manifest(d, dev),
        parse_and_verify_request,
        lambda d: parse_and_verify_response(d, device_id="dev-0001", device_public=dev),
        ServerPublicInfo.from_bytes,
    ]


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes(parsers, data):
    for parse in parsers:
        only_typed_errors(parse, data)


@FUZZ
@given(data=st.binary(max_size=64))
def test_random_bytes_after_each_magic(parsers, files, data):
    for blob in files.values():
        for parse in parsers:
            only_typed_errors(parse, blob[:8] + data)
            only_typed_errors(parse, blob[:14] + data)


@st.composite
def mutations(draw, size: int):
    """A list of (kind, position, value) edits: flip, set, insert, delete, truncate."""
    edits = draw(st.lists(st.tuples(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]),
                                    st.integers(0, size - 1), st.integers(0, 255)), min_size=1, max_size=4))
    return edits


def mutate(blob: bytes, edits) -> bytes:
    data = bytearray(blob)
    for kind, pos, value in edits:
        pos = pos % max(len(data), 1)
        if not data:
            break
        if kind == "flip":
            data[pos] ^= 1 << (value % 8)
        elif kind == "set":
            data[pos] = value
        elif kind == "insert":
            data[pos:pos] = bytes([value])
        elif kind == "delete":
            del data[pos]
        else:
            del data[pos:]
    return bytes(data)


@FUZZ
@given(st.data())
def test_mutated_valid_files(parsers, files, data):
    kind = data.draw(st.sampled_from(sorted(files)))
    blob = files[kind]
    # half the time aim at the first 300 bytes: framing and bodies, where parsing happens
    size = data.draw(st.sampled_from([min(300, len(blob)), len(blob)]))
    mutated = mutate(blob, data.draw(mutations(size)))
    for parse in parsers:
        only_typed_errors(parse, mutated)


json_like = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | st.floats() | st.text(max_size=20)
    | st.binary(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)


@st.composite
def payload_bodies(draw):
    """Maps that look like a payload, with random holes and random types."""
    revision = st.fixed_dictionaries({}, optional={"revision_id": st.text(max_size=8) | json_like,
                                                   "codebook_version": st.sampled_from(["1.0", "2.0"]) | json_like,
                                                   "content": json_like})
    audit = st.fixed_dictionaries({}, optional={"seq": st.integers(0, 9) | json_like})
    body = draw(st.fixed_dictionaries({}, optional={"v": st.sampled_from([1, 2]) | json_like,
                                                    "revisions": st.lists(revision, max_size=3) | json_like,
                                                    "audit": st.lists(audit, max_size=3) | json_like}))
    return body


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=payload_bodies() | json_like, count=st.integers(0, 3), raw=st.booleans())
def test_signed_and_encrypted_random_payloads(device_keys, server_keys, body, count, raw):
    """A device's keys sign whatever it likes: the payload parser must still only raise typed errors."""
    header = fmt.BundleHeader(1, "dev-0001", ("off-1",), 1, bytes(32), "2026-11-02T10:00:00Z", count, 0,
                              ("1.0",), server_keys.current.key_id)
    encoded = fmt.canonical_packb(body)
    compressed = encoded if raw else zstandard.ZstdCompressor().compress(encoded)
    data = fmt._seal(header, compressed, device_keys, server_keys.current.public)
    only_typed_errors(open_bundle, data, device_public=device_keys.public(), server_keys=server_keys)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_like, magic=st.sampled_from([MAGIC_RECEIPT, MAGIC_MANIFEST, MAGIC_REQUEST, MAGIC_RESPONSE]))
def test_signed_random_bodies(parsers, device_keys, server_keys, body, magic):
    keys = server_keys.signing if magic in (MAGIC_RECEIPT, MAGIC_RESPONSE) else device_keys
    data = fmt.seal_envelope(magic, 1, body, keys)
    for parse in parsers:
        only_typed_errors(parse, data)
