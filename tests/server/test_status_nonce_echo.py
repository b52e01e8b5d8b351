"""The device status signs back the nonce an online read sent (header ``X-Intake-Nonce``), in a
version-2 status, and only then: a status for a laptop that sends none (an older one), or
written to a stick, stays version 1 with the five keys every reader knows (readers refuse a
newer version and keys they do not know). A nonce of another form is 400 and moves nothing.
Every device here is fictional."""

from __future__ import annotations

import secrets

import msgpack
import pytest

from intake_app.bundle import status as bundle_status
from intake_app.bundle.codec import FieldError, check_map, open_envelope, seal_envelope
from intake_app.bundle.status import MAGIC_STATUS, StatusMalformed, make_status, parse_and_verify_status, read_status

from .test_device_reads import challenge, last_contact, signed

V1_KEYS = {"device_id", "revoked", "lease_until", "server_time", "server"}
NONCE_HEADER = "X-Intake-Nonce"  # the contract (docs/sync-protocol.md), spelt out


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


def _body(data: bytes) -> dict:
    """The status body (after magic, version and length), decoded without any check."""
    length = int.from_bytes(data[10:14], "big")
    return msgpack.unpackb(data[14:14 + length], raw=False)


def _read(client, dev, extra: dict | None = None):
    headers = {**signed(challenge(client, dev.device_id), dev.keys, "status"), **(extra or {})}
    return client.get(f"/api/v1/devices/{dev.device_id}/status", headers=headers)


def test_the_status_signs_back_the_nonce_it_was_sent_and_only_then(srv, device_factory):
    dev = srv.enroll(device_factory())
    client = srv.client()
    nonce = new_nonce()
    r = _read(client, dev, {NONCE_HEADER: nonce})
    assert r.status_code == 200, r.text
    status = parse_and_verify_status(r.content, dev.server.signing, device_id=dev.device_id)
    assert status.nonce == nonce and _body(r.content)["nonce"] == nonce
    assert set(_body(r.content)) == V1_KEYS | {"nonce"}
    # what a reader from before makes of it: why it is only sent when asked
    with pytest.raises(StatusMalformed) as caught:
        open_envelope(r.content, magic=MAGIC_STATUS, max_version=1, error=StatusMalformed)
    assert caught.value.params == {"part": "version", "found": 2, "supported": 1}
    with pytest.raises(FieldError):
        check_map(_body(r.content), "status", V1_KEYS)

    old = _read(client, dev)  # a laptop that sends no nonce
    assert old.status_code == 200
    assert set(_body(old.content)) == V1_KEYS
    check_map(_body(old.content), "status", V1_KEYS)  # an older laptop's reader takes it
    assert parse_and_verify_status(old.content, dev.server.signing, device_id=dev.device_id).nonce is None
    assert (old.content[8:10], r.content[8:10]) == (b"\x00\x01", b"\x00\x02")  # u16 version

    other = bundle_status.new_nonce()  # each read its own, as the laptop makes them
    assert read_status(_read(client, dev, {bundle_status.NONCE_HEADER: other}).content).nonce == other


@pytest.mark.parametrize("bad", ["a" * 21, "a" * 87, "A" * 30 + "+/", "A" * 30 + "==", "A" * 20 + " " + "A" * 5,
                                 "ñ" * 24])
def test_a_nonce_of_another_form_is_400_and_moves_nothing(srv, device_factory, bad):
    dev = srv.enroll(device_factory())
    client = srv.client()
    before = last_contact(srv, dev.device_id)
    r = _read(client, dev, {NONCE_HEADER: bad.encode("utf-8")})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "request_malformed" and bad not in r.text
    assert last_contact(srv, dev.device_id) == before


def test_the_openapi_description_has_the_optional_nonce_header(srv):
    spec = srv.client().get("/openapi.json").json()
    op = spec["paths"]["/api/v1/devices/{device_id}/status"]["get"]
    (param,) = [p for p in op["parameters"] if p["name"] == NONCE_HEADER]
    assert param["in"] == "header" and not param.get("required", False)
    schema = param["schema"]
    schema = next((s for s in schema.get("anyOf", []) if s.get("type") == "string"), schema)
    assert schema["minLength"] == 22 and schema["maxLength"] == 86 and schema["pattern"]
    assert "400" in op["responses"]


def test_a_status_is_never_signed_with_a_nonce_no_reader_takes(srv):
    keys = srv.keystore.keys()
    for bad in ("short", "x" * 100, "A" * 30 + "="):
        with pytest.raises(FieldError):
            make_status(server_keys=keys, device_id="lap-demo-001", revoked=False, lease_until="2030-01-01T00:00:00Z",
                        server_time="2029-12-01T00:00:00Z", nonce=bad)


def test_each_status_version_has_its_fixed_key_set(srv):
    """Version 1 with a nonce, or version 2 without one (or with one of another form), is refused
    even when signed."""
    keys = srv.keystore.keys()
    body = {"device_id": "lap-demo-001", "revoked": False, "lease_until": "2030-01-01T00:00:00Z",
            "server_time": "2029-12-01T00:00:00Z", "server": keys.public_info().to_wire()}
    for version, extra in ((1, {"nonce": new_nonce()}), (2, {}), (2, {"nonce": "short"}), (2, {"nonce": None})):
        data = seal_envelope(MAGIC_STATUS, version, {**body, **extra}, keys.signing)
        with pytest.raises(StatusMalformed):
            read_status(data)
    assert read_status(seal_envelope(MAGIC_STATUS, 2, {**body, "nonce": "A" * 22}, keys.signing)).nonce == "A" * 22
