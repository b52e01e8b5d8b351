"""The signed manifest beside the bundles on a USB stick."""

from __future__ import annotations

import pytest

from intake_app.bundle import (
    ManifestEntry,
    ManifestFileMismatch,
    ManifestMalformed,
    ManifestSignatureInvalid,
    build_manifest,
    manifest_filename,
    parse_and_verify_manifest,
    read_manifest,
)
from intake_app.bundle.format import seal_envelope
from intake_app.bundle.manifest import MAGIC_MANIFEST
from intake_app.errors import IntakeError

FILES = {"dev-0001-00000002.intake-bundle": (2, b"second bundle bytes"),
         "dev-0001-00000001.intake-bundle": (1, b"first bundle bytes")}


def manifest_bytes(keys) -> bytes:
    entries = [ManifestEntry.for_file(name, data, seq) for name, (seq, data) in FILES.items()]
    return build_manifest(device_id="dev-0001", created_at="2026-11-02T18:00:00Z", entries=entries,
                          device_keys=keys)


def raises_exactly(cls, fn, *args, **kwargs):
    with pytest.raises(IntakeError) as info:
        fn(*args, **kwargs)
    assert type(info.value) is cls, type(info.value)
    return info.value


def test_round_trip_and_file_checks(device_keys):
    manifest = parse_and_verify_manifest(manifest_bytes(device_keys), device_keys.public())
    assert manifest.device_id == "dev-0001" and manifest_filename("dev-0001") == "dev-0001.intake-manifest"
    assert [e.sequence for e in manifest.entries] == [1, 2]
    assert read_manifest(manifest_bytes(device_keys)) == manifest
    name = "dev-0001-00000001.intake-bundle"
    assert manifest.check_file(name, b"first bundle bytes").sequence == 1
    assert raises_exactly(ManifestFileMismatch, manifest.check_file, name, b"first bundle byteX").params == \
        {"file": name, "problem": "differs"}
    assert raises_exactly(ManifestFileMismatch, manifest.check_file, name, None).params["problem"] == "missing"
    assert raises_exactly(ManifestFileMismatch, manifest.check_file, "other.intake-bundle",
                          b"").params["problem"] == "not_listed"


def test_signed_by_another_device(device_keys, other_device_keys):
    err = raises_exactly(ManifestSignatureInvalid, parse_and_verify_manifest, manifest_bytes(other_device_keys),
                         device_keys.public())
    assert err.params == {"device_id": "dev-0001"}
    changed = manifest_bytes(device_keys).replace(b"00000002", b"00000003")
    raises_exactly(ManifestSignatureInvalid, parse_and_verify_manifest, changed, device_keys.public())


def entry(name="a.intake-bundle", sequence=1, size=1, sha256=b"\x00" * 32):
    return {"name": name, "sequence": sequence, "size": size, "sha256": sha256}


@pytest.mark.parametrize("body", [
    "just a string",
    {"device_id": "dev-0001", "created_at": "2026-11-02T18:00:00Z"},
    {"device_id": "dev-0001", "created_at": "2026-11-02T18:00:00Z", "entries": [entry(name="../../etc/passwd")]},
    {"device_id": "dev-0001", "created_at": "2026-11-02T18:00:00Z", "entries": [entry(name="sub/dir.bundle")]},
    {"device_id": "dev-0001", "created_at": "2026-11-02T18:00:00Z", "entries": [entry(name=".hidden")]},
    {"device_id": "dev-0001", "created_at": "2026-11-02T18:00:00Z", "entries": [entry(), entry(name="b")]},
    {"device_id": "dev-0001", "created_at": "2026-11-02T18:00:00Z", "entries": [entry(sha256=b"short")]},
    {"device_id": "dev-0001", "created_at": "yesterday", "entries": []},
    {"device_id": "dev 0001", "created_at": "2026-11-02T18:00:00Z", "entries": []},
])
def test_malformed_manifest(device_keys, body):
    data = seal_envelope(MAGIC_MANIFEST, 1, body, device_keys)
    raises_exactly(ManifestMalformed, parse_and_verify_manifest, data, device_keys.public())
    raises_exactly(ManifestMalformed, read_manifest, data)


@pytest.mark.parametrize("mutate", [lambda d: d[:40], lambda d: d[:3], lambda d: b"", lambda d: d + b"!",
                                    lambda d: b"\x89ITKB\r\n\x1a" + d[8:]])
def test_malformed_framing(device_keys, mutate):
    raises_exactly(ManifestMalformed, parse_and_verify_manifest, mutate(manifest_bytes(device_keys)),
                   device_keys.public())


def test_build_refuses_unsafe_names(device_keys):
    with pytest.raises(ValueError):
        build_manifest(device_id="dev-0001", created_at="2026-11-02T18:00:00Z",
                       entries=[ManifestEntry("../x", 1, 1, b"\x00" * 32)], device_keys=device_keys)
