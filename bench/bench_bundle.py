"""Bundle of 1,000 case revisions: the pipeline beside plain zstd and the raw primitives.

Run: ``.venv/bin/python bench/bench_bundle.py``. Goals (BRIEF): built, compressed, signed and
encrypted in under 0.5 s; within 2x of the raw primitives run alone in this process; size no
more than 1.1x the zstd-compressed payload. Reference machine: perf-floors.md, section 3.
"""

from __future__ import annotations

import gc
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "bundle")]  # the synthetic data shared with the tests

import msgpack  # noqa: E402
import zstandard  # noqa: E402
from bundle_samples import bundle_kwargs, make_audit, make_revisions  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa  # noqa: E402

from intake_app.bundle import ServerKeys, SigningKeys, build_bundle, open_bundle  # noqa: E402
from intake_app.bundle import codec  # noqa: E402
from intake_app.bundle import format as fmt  # noqa: E402
from intake_app.bundle.keys import hpke_public_key  # noqa: E402

REVISIONS = 1000
RUNS = 20
GOAL_SECONDS = 0.5
GOAL_RAW_RATIO = 2.0
GOAL_SIZE_RATIO = 1.1


def median_ms(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, object]:
    fn()  # warm up
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def _unpack_gc_paused(data: bytes) -> object:
    """The raw baseline gets the same GC pause as open_bundle, so the ratio is fair."""
    gc.disable()
    try:
        return msgpack.unpackb(data)
    finally:
        gc.enable()


def main() -> None:
    revisions, audit = make_revisions(REVISIONS), make_audit(200)
    device, server = SigningKeys.generate(), ServerKeys.generate()
    kwargs = bundle_kwargs(device, server, revisions, audit)
    payload_obj = {"v": 1, "revisions": revisions, "audit": audit}

    # the pipeline, as the device runs it
    build_ms, bundle = median_ms(lambda: build_bundle(**kwargs))
    encoder = "ormsgpack (sorted keys)" if codec.ormsgpack is not None else "msgpack + Python key sort"
    fallback_ms = None
    if codec.ormsgpack is not None:  # the canonical encoder lives in codec.py
        saved, codec.ormsgpack = codec.ormsgpack, None
        try:
            fallback_ms, _ = median_ms(lambda: build_bundle(**kwargs), runs=10)
        finally:
            codec.ormsgpack = saved

    # the raw primitives alone, on the same data
    # (serialize: plain msgpack; zstd: of the very payload bytes the bundle carries)
    raw_payload = fmt.canonical_packb(payload_obj)
    cctx = zstandard.ZstdCompressor(level=3)
    ser_ms, _ = median_ms(lambda: msgpack.packb(payload_obj, use_bin_type=True))
    zstd_ms, zstd_bytes = median_ms(lambda: cctx.compress(raw_payload))
    pub = hpke_public_key(server.current.public)
    seal_ms, ct = median_ms(lambda: fmt.SUITE.encrypt(zstd_bytes, pub, info=b"h" * 300))
    ed_key = ed25519.Ed25519PrivateKey.from_private_bytes(device.ed25519_seed)
    ml_key = mldsa.MLDSA65PrivateKey.from_seed_bytes(device.mldsa65_seed)
    ed_ms, ed_sig = median_ms(lambda: ed_key.sign(ct))
    ml_ms, ml_sig = median_ms(lambda: ml_key.sign(ct))
    raw_ms = ser_ms + zstd_ms + seal_ms + ed_ms + ml_ms
    plain_zstd_ms = ser_ms + zstd_ms

    # the server side: verify both signatures, decrypt, decompress, parse
    public = device.public()
    open_ms, opened = median_ms(lambda: open_bundle(bundle, device_public=public, server_keys=server))
    assert opened.revisions == revisions
    private = server.current.private
    ed_pub, ml_pub = ed_key.public_key(), ml_key.public_key()
    ved_ms, _ = median_ms(lambda: ed_pub.verify(ed_sig, ct))
    vml_ms, _ = median_ms(lambda: ml_pub.verify(ml_sig, ct))
    dec_ms, _ = median_ms(lambda: fmt.SUITE.decrypt(ct, private, info=b"h" * 300))
    dctx = zstandard.ZstdDecompressor()
    unz_ms, _ = median_ms(lambda: dctx.decompress(zstd_bytes))
    parse_ms, _ = median_ms(lambda: _unpack_gc_paused(raw_payload))
    raw_open_ms = ved_ms + vml_ms + dec_ms + unz_ms + parse_ms

    size_ratio = len(bundle) / len(zstd_bytes)
    rows = [
        ("bundle build (pipeline)", f"{build_ms:8.1f}", f"{len(bundle):>10,}", f"encoder: {encoder}"),
        ("  raw: msgpack serialize", f"{ser_ms:8.1f}", f"{len(raw_payload):>10,}", "msgpack.packb, keys unsorted"),
        ("  raw: zstd-3", f"{zstd_ms:8.1f}", f"{len(zstd_bytes):>10,}", ""),
        ("  raw: HPKE seal", f"{seal_ms:8.2f}", f"{len(ct):>10,}", "ML-KEM-768+X25519/HKDF-SHA256/AES-256-GCM"),
        ("  raw: Ed25519 sign", f"{ed_ms:8.2f}", f"{len(ed_sig):>10,}", ""),
        ("  raw: ML-DSA-65 sign", f"{ml_ms:8.2f}", f"{len(ml_sig):>10,}", ""),
        ("  raw primitives, summed", f"{raw_ms:8.1f}", "", ""),
        ("plain zstd of the payload", f"{plain_zstd_ms:8.1f}", f"{len(zstd_bytes):>10,}", "serialize + zstd-3"),
        ("server: verify+decrypt+parse", f"{open_ms:8.1f}", "", "open_bundle"),
        ("  raw: verify x2 + open + unzstd + unpack", f"{raw_open_ms:8.1f}", "", "msgpack.unpackb, GC paused"),
    ]
    if fallback_ms is not None:
        rows.insert(1, ("bundle build, no ormsgpack", f"{fallback_ms:8.1f}", "", "pure-Python canonical sort"))

    print(f"Bundle of {REVISIONS:,} revisions + {len(audit)} audit entries, median of {RUNS} runs "
          f"(Python {platform.python_version()}, zstandard {zstandard.__version__}, msgpack "
          f"{'.'.join(map(str, msgpack.version))})")
    print(f"{'step':<42} {'ms':>8} {'bytes':>10}  note")
    print("-" * 100)
    for name, ms, size, note in rows:
        print(f"{name:<42} {ms:>8} {size:>10}  {note}")
    print("-" * 100)
    checks = [
        ("build time", f"{build_ms / 1000:.3f} s", f"< {GOAL_SECONDS} s", build_ms / 1000 < GOAL_SECONDS),
        ("pipeline / raw primitives", f"{build_ms / raw_ms:.2f}x", f"<= {GOAL_RAW_RATIO}x",
         build_ms / raw_ms <= GOAL_RAW_RATIO),
        ("bundle size / zstd payload", f"{size_ratio:.3f}x", f"<= {GOAL_SIZE_RATIO}x", size_ratio <= GOAL_SIZE_RATIO),
        ("server open / raw primitives", f"{open_ms / raw_open_ms:.2f}x", "(info)", True),
    ]
    print(f"{'goal':<42} {'measured':>10} {'target':>10}  result")
    for name, got, target, ok in checks:
        print(f"{name:<42} {got:>10} {target:>10}  {'ok' if ok else 'MISSED'}")
    print(f"fixed overhead: {len(bundle) - len(zstd_bytes):,} bytes "
          f"(reference machine, perf-floors 3: msgpack+zstd-3 total 18.2 ms, ratio 1.011)")


if __name__ == "__main__":
    main()
