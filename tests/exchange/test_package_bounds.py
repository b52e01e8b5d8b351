"""A hostile exchange package, even one signed by a registered peer, is refused in words with
bounded memory: decompression only up to the size the zstd frame declares (≤ 64 MiB), decoding
within what the signed manifest declares (``envelope.payload_limits``), the manifest within
fixed limits before any signature, the package's bytes never copied before the signature
holds, and every value of an aggregate's tables of the type a page expects.

Memory is measured with tracemalloc (the peak of what the import allocates); every ceiling
is generous for the fixed code and far below what the same packages took without the bounds
(a 5 kB package of one-byte msgpack objects made ~1.2 GB per 16 MiB decompressed). Two real
servers; every record is fictional."""

from __future__ import annotations

import gc
import hashlib
import secrets
import struct
import tracemalloc
from contextlib import contextmanager

import msgpack
import pytest
import zstandard

from intake_app.bundle.format import SUITE, canonical_packb
from intake_app.bundle.keys import hpke_key_id, hpke_public_key
from intake_app.i18n import describe_error
from intake_app.server.exchange import envelope, incoming, outgoing
from intake_app.server.exchange.errors import PackageMalformed, PackageTampered

from .conftest import person, utc
from .test_page_words import client_of
from .test_refusals import nothing_stored

MiB = 1024 * 1024
U16, U32 = struct.Struct(">H"), struct.Struct(">I")


@contextmanager
def peak():
    """{"MiB": the peak of what the block allocated}."""
    gc.collect()
    out = {}
    tracemalloc.start()
    try:
        yield out
    finally:
        out["MiB"] = tracemalloc.get_traced_memory()[1] / MiB
        tracemalloc.stop()


def manifest_bytes(pa, plain: bytes, **fields) -> bytes:
    public = pa.keystore.keys().current.public
    wire = {"package_id": "xp-" + secrets.token_hex(16), "kind": "referral", "sender": "cr_eri",
            "recipient": "pa_uia", "purpose": "services", "created_at": utc(), "codebook_version": "1.0",
            "cases": 1, "fields": ["gender", "given_names"], "recipient_key_id": hpke_key_id(public),
            "payload_sha256": hashlib.sha256(plain).digest(), **fields}
    return canonical_packb(envelope.Manifest.from_wire(wire).to_wire())


def framed(manifest: bytes, ciphertext: bytes, sigs=(b"\0" * 64, b"\0" * 3309)) -> bytes:
    signed = envelope.MAGIC + U16.pack(1) + U32.pack(len(manifest)) + manifest + U32.pack(len(ciphertext)) + ciphertext
    return signed + b"".join(U16.pack(len(s)) + s for s in sigs)


def sealed(cr, pa, plain: bytes, *, compressed: bytes | None = None, **fields) -> bytes:
    """Any plaintext, sealed to the UIA and signed with the ERI's real keys (a registered peer)."""
    mbytes = manifest_bytes(pa, plain, **fields)
    info = envelope.MAGIC + U16.pack(1) + U32.pack(len(mbytes)) + mbytes
    if compressed is None:
        compressed = zstandard.ZstdCompressor(write_content_size=True).compress(plain)
    ct = SUITE.encrypt(compressed, hpke_public_key(pa.keystore.keys().current.public), info=info)
    signed = info + U32.pack(len(ct)) + ct
    return framed(mbytes, ct, cr.keystore.keys().signing.sign(signed))


def referral(cases: bytes) -> bytes:
    """{"cases": <raw msgpack>, "v": 1}"""
    return b"\x82\xa5cases" + cases + b"\xa1v\x01"


def one_case(content: bytes) -> bytes:
    head = msgpack.packb({"basis": "consent", "case_id": "caso-demo-1", "codebook_version": "1.0"})[1:]
    return b"\x91\x85" + head + b"\xa7content" + content + msgpack.packb({"revision_id": "rev-demo-1"})[1:]


def refused(pa, data: bytes, part: str, words: str, ceiling_mib: float, field: str | None = None) -> None:
    """Under the ceiling (checked first: without the bounds, the memory is what fails),
    refused as PackageMalformed(part), worded in Spanish; nothing stored."""
    with peak() as used, pytest.raises(Exception) as info:
        incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    assert used["MiB"] < ceiling_mib, used
    assert isinstance(info.value, PackageMalformed), info.value
    assert info.value.params.get("part") == part, info.value.params
    if field is not None:
        assert info.value.params.get("field") == field, info.value.params
    assert words in describe_error(info.value, "es")
    nothing_stored(pa)
    assert pa.audit_actions()[-1] == "exchange_import_refused"


def test_a_decompression_bomb_of_one_byte_objects(pair):
    """~5 kB that decompress to 2 MiB of empty lists (2 million objects, ~130 MB decoded)."""
    cr, pa = pair
    n = 2 * MiB
    data = sealed(cr, pa, referral(b"\xdd" + U32.pack(n) + b"\x90" * n))
    assert len(data) < 10_000
    refused(pa, data, "payload", "no tiene la forma", 24)


def test_many_tiny_lists_beyond_what_the_manifest_counts(pair):
    """2,000 lists of 1,000 empty maps where one case goes: each list is short, the total is not."""
    cr, pa = pair
    inner = b"\xdc" + U16.pack(1000) + b"\x80" * 1000
    data = sealed(cr, pa, referral(b"\xdc" + U16.pack(2000) + inner * 2000))
    refused(pa, data, "content", "no coincide con lo que dice su cabecera", 24, field="items")


def test_a_huge_map(pair):
    """One record whose content has 500,000 keys."""
    cr, pa = pair
    n = 500_000
    keys = b"".join(b"\xa7" + f"k{i:06d}".encode() + b"\xc0" for i in range(n))
    refused(pa, sealed(cr, pa, referral(one_case(b"\xdf" + U32.pack(n) + keys))), "payload", "no tiene la forma", 24)


def test_more_records_than_the_manifest_says(pair):
    cr, pa = pair
    data = sealed(cr, pa, referral(b"\xdc" + U16.pack(3000) + b"\x80" * 3000))
    refused(pa, data, "content", "no coincide", 24, field="items")


def test_a_manifest_that_declares_more_cases_than_a_sender_sends(pair):
    """Refused before decrypting: a referral holds at most what outgoing.MAX_CASES lets a sender put in."""
    cr, pa = pair
    data = sealed(cr, pa, referral(b"\x90"), cases=5001)
    refused(pa, data, "payload_size", "mayor de lo que este servidor acepta", 8)
    assert envelope.MAX_CASES["referral"] == outgoing.MAX_CASES == 5000


def test_zstd_frames_that_do_not_bound_their_size(pair):
    cr, pa = pair
    plain = b"\0" * (4 * MiB)
    stream = zstandard.ZstdCompressor(write_content_size=False).compressobj()
    unknown = sealed(cr, pa, plain, compressed=stream.compress(plain) + stream.flush())
    refused(pa, unknown, "compression", "no se puede descomprimir", 8)
    # a frame header (single segment, 8-byte size) that declares 2 GiB: refused before any work
    two_gib = b"\x28\xb5\x2f\xfd\xe0" + (2048 * MiB).to_bytes(8, "little") + b"\x01\x00\x00"
    refused(pa, sealed(cr, pa, b"x", compressed=two_gib), "payload_size", "mayor de lo que", 8)


@pytest.mark.parametrize("raw", [b"\xdd\xff\xff\xff\xff", b"\xdf\xff\xff\xff\xff", b"\xdb\xff\xff\xff\xff",
                                 b"\xc6\xff\xff\xff\xff"], ids=["array", "map", "str", "bin"])
def test_declared_lengths_beyond_the_data(pair, raw):
    cr, pa = pair
    refused(pa, sealed(cr, pa, referral(raw + b"\x90" * 16)), "payload", "no tiene la forma", 8)


def aggregate(note: bytes) -> bytes:
    table = {"id": "t", "title": "Tabla DEMO", "row_header": "R", "columns": ["a"], "note": "NOTE",
             "rows": [{"code": "c", "label": "L", "cells": ["12"], "total": False}]}
    body = {"v": 1, "tables": {"period": "2025-Q1", "from": "2025-Q1", "to": "2025-Q1", "k": 11, "quarters": [
        {"quarter": "2025-Q1", "too_few": False, "persons": 30, "views": {"sex": [table]}}]}}
    return canonical_packb(body).replace(b"\xa4NOTE", note)


AGGREGATE = dict(kind="aggregate", purpose="reporting", cases=0, fields=[])


@pytest.mark.parametrize("depth, part", [(1000, "content"), (5000, "payload")])
def test_deep_nesting_where_a_page_expects_a_string(pair, depth, part):
    """1,000 nested lists once made the JSON column's encoder overflow (a 500); deeper than
    msgpack's own limit is refused by the decoder."""
    cr, pa = pair
    refused(pa, sealed(cr, pa, aggregate(b"\x91" * depth + b"\x90"), **AGGREGATE), part, "no tiene la forma", 8)


def test_the_import_page_words_a_hostile_package(pair):
    cr, pa = pair
    data = sealed(cr, pa, aggregate(b"\x91" * 1000 + b"\x90"), **AGGREGATE)
    r = client_of(pa).post("/exchange/received/import", content=data,
                           headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200 and not r.json()["ok"]
    assert "no tiene la forma que escribe este programa" in r.json()["message"]
    nothing_stored(pa)
    honest = sealed(cr, pa, aggregate(b"\xa0"), **AGGREGATE)  # the same tables, note as a string
    assert incoming.import_package(pa.engine, pa.keystore, honest, actor="operator").kind == "aggregate"


def test_before_any_signature_the_manifest_is_read_within_bounds(pair):
    """256 KiB of empty maps as the manifest (~17 MB once decoded without the bounds)."""
    _, pa = pair
    n = envelope.MAX_MANIFEST - 8
    flood = framed(b"\xdd" + U32.pack(n) + b"\x80" * n, b"\0" * 64)
    with peak() as used, pytest.raises(PackageMalformed) as info:
        incoming.inspect(flood)
    assert used["MiB"] < 4, used
    assert info.value.params == {"part": "manifest"}
    assert "La cabecera del paquete" in describe_error(info.value, "es")
    assert "The package's header" in describe_error(info.value, "en")


def test_before_any_signature_the_package_is_not_copied(pair):
    """A 48 MiB package whose signatures are wrong: reading its manifest copies nothing of
    the rest, nor does checking its signatures."""
    _, pa = pair
    big = framed(manifest_bytes(pa, b"x"), b"\0" * (48 * MiB))
    with peak() as used:
        assert incoming.inspect(big).recipient == "pa_uia"
    assert used["MiB"] < 4, used
    with peak() as used, pytest.raises(PackageTampered):
        incoming.import_package(pa.engine, pa.keystore, big, actor="operator")
    assert used["MiB"] < 16, used
    nothing_stored(pa)


def test_the_largest_referral_a_sender_makes_is_read(pair):
    """5,000 records (outgoing.MAX_CASES) of a real minimized record fit the bounds."""
    cr, pa = pair
    case_id, = cr.laptop().save([person(1)])
    pkg = outgoing.prepare_referral(cr.engine, "pa_uia", "services", [case_id], actor="user:sup.uno")
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    one = outgoing.export(cr.engine, pkg.package_id, actor="user:sup.dos")
    m = envelope.read_manifest(one)
    case = envelope.open_payload(one, m, pa.keystore.keys().hpke_private(m.recipient_key_id))["cases"][0]
    n = outgoing.MAX_CASES
    cases = [{**case, "case_id": f"caso-demo-{i}", "revision_id": f"rev-demo-{i}"} for i in range(n)]
    fields = {k: v for k, v in m.to_wire().items() if k not in ("recipient_key_id", "payload_sha256")}
    data, _ = envelope.seal({**fields, "package_id": "xp-" + secrets.token_hex(16), "cases": n}, {"cases": cases},
                            sender_keys=cr.keystore.keys().signing,
                            recipient_hpke_public=pa.keystore.keys().current.public)
    assert incoming.import_package(pa.engine, pa.keystore, data, actor="operator").cases == n
