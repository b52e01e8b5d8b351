"""A signed payload built to blow up when decoded (msgpack: one byte per empty map, ~70 bytes
per decoded map) is refused before it takes memory: decoding is bounded by the counts the
signed header declares, and envelopes (receipts, manifests...) by what they can hold."""

from __future__ import annotations

import struct
import time
import tracemalloc

import pytest
import zstandard
from bundle_samples import CREATED_AT

from intake_app.bundle import BundlePayloadMalformed, ReceiptMalformed
from intake_app.bundle import format as fmt
from intake_app.bundle.receipt import MAGIC_RECEIPT, read_receipt

MIB = 1024 * 1024


def _key(s: str) -> bytes:
    return fmt.canonical_packb(s)


def crafted(device_keys, server_keys, revisions_raw: bytes, *, revisions: int = 0) -> bytes:
    """A bundle signed by an enrolled device whose payload's ``revisions`` is ``revisions_raw``."""
    raw = b"\x83" + _key("audit") + b"\x90" + _key("revisions") + revisions_raw + _key("v") + b"\x01"
    header = fmt.BundleHeader(fmt.FORMAT_VERSION, "dev-0001", ("off-0000",), 1, bytes(32), CREATED_AT, revisions,
                              0, ("1.0",), server_keys.current.key_id)
    compressed = zstandard.ZstdCompressor(level=3, write_content_size=True).compress(raw)
    return fmt._seal(header, compressed, device_keys, server_keys.current.public)


def peak_while(fn) -> tuple[Exception, int, float]:
    tracemalloc.start()
    start = time.monotonic()
    try:
        with pytest.raises(Exception) as info:
            fn()
        return info.value, tracemalloc.get_traced_memory()[1], time.monotonic() - start
    finally:
        tracemalloc.stop()


def test_one_huge_list_of_empty_maps(device_keys, server_keys):
    n = 2 * MIB  # 2 Mi empty maps: ~2 MB of payload, ~170 MB once decoded
    data = crafted(device_keys, server_keys, b"\xdd" + struct.pack(">I", n) + b"\x80" * n)
    assert len(data) < 20_000
    err, peak, seconds = peak_while(lambda: fmt.open_bundle(data, device_public=device_keys.public(),
                                                            server_keys=server_keys))
    assert isinstance(err, BundlePayloadMalformed)
    assert peak < 16 * MIB, peak  # the payload itself (2 MB) and little more
    assert seconds < 5, seconds  # refused at the list's declared length, not after building it


def test_nested_lists_under_every_length_bound(device_keys, server_keys):
    """Each list short (1,000 items), but 1,000 of them: a million maps for one declared revision."""
    inner = b"\xdc" + struct.pack(">H", 1000) + b"\x80" * 1000
    outer = b"\xdc" + struct.pack(">H", 1000) + inner * 1000
    data = crafted(device_keys, server_keys, b"\x91" + outer, revisions=1)
    err, peak, _ = peak_while(lambda: fmt.open_bundle(data, device_public=device_keys.public(),
                                                      server_keys=server_keys))
    assert peak < 8 * MIB, peak
    assert isinstance(err, BundlePayloadMalformed) and err.params == {"problem": "items"}


def test_envelope_body_of_empty_maps(server_keys):
    """A receipt (unsigned parsing: read before any signature check) of 3 Mi empty maps."""
    n = 3 * MIB
    body = b"\xdd" + struct.pack(">I", n) + b"\x80" * n
    data = MAGIC_RECEIPT + struct.pack(">HI", 1, len(body)) + body \
        + struct.pack(">H", 0) + struct.pack(">H", 0)
    err, peak, _ = peak_while(lambda: read_receipt(data))
    assert peak < 2 * len(data) + 4 * MIB, peak
    assert isinstance(err, ReceiptMalformed) and err.params["part"] == "body"


def test_limits_follow_the_signed_counts():
    header = fmt.BundleHeader(1, "dev-0001", (), 1, bytes(32), CREATED_AT, 1000, 1000, ("1.0",), "k1")
    limits = fmt.payload_limits(header, 10 * MIB)
    assert limits.items == fmt.ITEMS_FIXED + 1000 * (fmt.ITEMS_PER_REVISION + fmt.ITEMS_PER_AUDIT)
    huge = fmt.BundleHeader(1, "dev-0001", (), 1, bytes(32), CREATED_AT, 10**9, 10**9, ("1.0",), "k1")
    assert fmt.payload_limits(huge, 10 * MIB).items == fmt.MAX_ITEMS  # whatever a header declares
    assert fmt.payload_limits(huge, 10 * MIB).array == fmt.MAX_ARRAY == 20_000  # a laptop's longest list
    assert fmt.payload_limits(header, 100).array == 100  # never more items than bytes
