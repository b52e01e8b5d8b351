"""What an operator reads for a damaged receipt, status, manifest or bundle: no raw codes or
byte counts, "newer" only for a newer version, "incomplete" for a cut file, "damaged" for a
flipped length. FICTIONAL data."""

from __future__ import annotations

import hashlib
import struct

import pytest

from intake_app import i18n
from intake_app.bundle import BundleMalformed, BundlePayloadMalformed, BundleTampered, ReceiptMalformed, make_receipt
from intake_app.bundle import format as fmt
from intake_app.bundle.errors import ManifestFileMismatch, ManifestMalformed, ManifestSignatureInvalid
from intake_app.bundle.manifest import ManifestEntry, Manifest
from intake_app.bundle.receipt import read_receipt
from intake_app.bundle.status import StatusMalformed, make_status, read_status


def _version(data: bytes, magic_len: int, version: int) -> bytes:
    return data[:magic_len] + struct.pack(">H", version) + data[magic_len + 2:]


@pytest.fixture
def receipt(server_keys) -> bytes:
    return make_receipt(server_signing=server_keys.signing, bundle_hash=bytes(32), device_id="dev-0001", sequence=1,
                        revision_ids=["r1"], audit_seqs=[1], received_at="2026-11-02T10:00:00Z", status="stored")


@pytest.fixture
def status(server_keys) -> bytes:
    return make_status(server_keys=server_keys, device_id="dev-0001", revoked=False,
                       lease_until="2026-12-02T10:00:00Z", server_time="2026-11-02T10:00:00Z")


def _words(err) -> tuple[str, str]:
    return i18n.describe_error(err, "es"), i18n.describe_error(err, "en")


def test_version_zero_is_damaged_not_newer(receipt, status):
    for data, reader, cls in ((receipt, read_receipt, ReceiptMalformed), (status, read_status, StatusMalformed)):
        with pytest.raises(cls) as exc:
            reader(_version(data, 8, 0))
        es, en = _words(exc.value)
        assert "nueva" not in es and "Actualice" not in es and "newer" not in en and "Update" not in en
        with pytest.raises(cls) as exc:  # a newer one still says so
            reader(_version(data, 8, 9))
        assert exc.value.params["part"] == "version" and "newer" in _words(exc.value)[1]


def test_a_flipped_ciphertext_length_is_damage_not_a_pulled_stick(bundle, device_keys, server_keys):
    header_len = struct.unpack_from(">I", bundle, 10)[0]
    at = 14 + header_len  # the ciphertext length's high byte
    data = bundle[:at] + bytes([bundle[at] ^ 0x80]) + bundle[at + 1:]
    with pytest.raises(BundleMalformed) as exc:
        fmt.open_bundle(data, device_public=device_keys.public(), server_keys=server_keys)
    es, en = _words(exc.value)
    assert "dañado" in es and "retiró" not in es and "removed" not in en


def test_a_cut_file_listed_in_the_manifest_is_incomplete():
    whole = b"ficticio" * 100
    entry = ManifestEntry("00000001.bundle", 1, len(whole), hashlib.sha256(whole).digest())
    manifest = Manifest("dev-0001", "2026-11-02T10:00:00Z", (entry,))
    with pytest.raises(ManifestFileMismatch) as exc:
        manifest.check_file("00000001.bundle", whole[:300])
    assert exc.value.params["problem"] == "incomplete"
    es, en = _words(exc.value)
    assert "incompleto" in es and "cambió" not in es and "incomplete" in en and "changed" not in en
    with pytest.raises(ManifestFileMismatch) as exc:
        manifest.check_file("00000001.bundle", whole[:-1] + b"X")
    assert exc.value.params["problem"] == "differs"


@pytest.mark.parametrize("err", [
    BundleTampered(part="signature"), BundleTampered(part="trailing"),
    BundlePayloadMalformed(problem="duplicate_revision"), BundlePayloadMalformed(problem="audit_seq"),
    BundlePayloadMalformed(problem="items"), ManifestMalformed(part="truncated"), ManifestMalformed(part="body"),
])
def test_no_raw_codes_for_the_operator(err):
    for text in _words(err):
        assert "(part" not in text and "(parte" not in text and "(problem" not in text
        for value in err.params.values():
            assert value not in text


def test_a_bad_manifest_does_not_say_nothing_was_imported():
    es, en = _words(ManifestSignatureInvalid(device_id="dev-0001"))
    assert "No se importó nada" not in es and "Nothing from that laptop was imported" not in en
    assert "por su cuenta" in es and "on its own" in en


def test_bundle_limits_are_in_megabytes():
    es = i18n.describe_code("bundle_decompression_limit", {"limit": 256 * 1024 * 1024, "limit_mb": 256,
                                                           "reason": "import"}, "es")
    assert "256 MB" in es and "268435456" not in es
    en = i18n.describe_code("upload_too_large", {"limit": 512 * 1024 * 1024, "limit_mb": 512, "reason": "import"},
                            "en")
    assert "512 MB" in en and "536870912" not in en
