"""Which refusal a bundle for a key this server does not hold gets: a known device's bundle
with one bit flipped in the header's key id is tampered (its signatures are checked first),
not "sealed for another server"; an unknown laptop's bundle sealed for another server is said
to be another server's, not "enrol the laptop". FICTIONAL data."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.bundle import BundleTampered, BundleWrongServer, ServerKeys
from intake_app.bundle.format import read_header

_ALNUM = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _flip_key_id(data: bytes) -> bytes:
    """One bit flipped in the header's key id, so that it still reads as an id."""
    key_id = read_header(data).server_key_id.encode()
    start = data.index(key_id)
    for i, ch in enumerate(key_id):
        if ch ^ 1 in _ALNUM:
            out = bytearray(data)
            out[start + i] ^= 1
            return bytes(out)
    raise AssertionError("no flippable character")


def test_a_flipped_key_id_of_a_known_device_is_tampering(srv, device_factory):
    dev = srv.enroll(device_factory())
    data = _flip_key_id(dev.new_bundle(1)[0])
    assert read_header(data).server_key_id not in srv.keystore.keys().key_ids
    with pytest.raises(BundleTampered) as exc:
        srv.ingestor().ingest(data)
    assert exc.value.params == {"part": "signature"}
    assert srv.count("bundles") == 0


def test_another_servers_laptop_is_not_told_to_enrol(srv, device_factory):
    stranger = device_factory("lap-ajeno")
    stranger.server = ServerKeys.generate().public_info()
    with pytest.raises(BundleWrongServer) as exc:
        srv.ingestor().ingest(stranger.new_bundle(1)[0])
    assert exc.value.params["reason"] == "other_server"
    words = i18n.describe_error(exc.value, "es")
    assert "otro servidor" in words and "Inscriba" not in words
