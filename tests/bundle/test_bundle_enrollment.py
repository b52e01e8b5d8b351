"""Offline enrollment: request, approval, response, pinning; then a bundle flows."""

from __future__ import annotations

import pytest
from bundle_samples import bundle_kwargs

from intake_app.bundle import (
    EnrollmentMalformed,
    EnrollmentMismatch,
    EnrollmentSignatureInvalid,
    ServerKeyUntrusted,
    build_bundle,
    make_enrollment_request,
    make_enrollment_response,
    open_bundle,
    parse_and_verify_request,
    parse_and_verify_response,
)
from intake_app.bundle.enrollment import MAGIC_REQUEST, MAGIC_RESPONSE
from intake_app.bundle.format import seal_envelope
from intake_app.errors import IntakeError


def request_bytes(keys, device_id="dev-0001") -> bytes:
    return make_enrollment_request(device_id=device_id, device_keys=keys, post="cr_penas_blancas",
                                   officer_labels=["eri-turno-1", "eri-turno-2"], created_at="2026-11-01T09:00:00Z")


def response_bytes(request_data, server_keys) -> bytes:
    return make_enrollment_response(parse_and_verify_request(request_data), server_keys=server_keys,
                                    approved_at="2026-11-01T10:00:00Z", lease_until="2027-11-01T10:00:00Z")


def raises_exactly(cls, fn, *args, **kwargs):
    with pytest.raises(IntakeError) as info:
        fn(*args, **kwargs)
    assert type(info.value) is cls, type(info.value)
    return info.value


def test_full_offline_enrollment_then_a_bundle(device_keys, server_keys, revisions):
    req_data = request_bytes(device_keys)
    request = parse_and_verify_request(req_data)
    assert request.device_public == device_keys.public()
    assert request.fingerprint == device_keys.public().fingerprint()  # what the officer reads aloud
    assert request.post == "cr_penas_blancas" and request.officer_labels == ("eri-turno-1", "eri-turno-2")
    resp = parse_and_verify_response(response_bytes(req_data, server_keys), device_id="dev-0001",
                                     device_public=device_keys.public(),
                                     expected_server_fingerprint=server_keys.signing_public.fingerprint().lower())
    assert resp.request_hash == request.request_hash and resp.lease_until == "2027-11-01T10:00:00Z"
    pinned = resp.server  # the device stores this
    assert pinned.signing == server_keys.signing_public and pinned.key_id == server_keys.current.key_id
    data = build_bundle(**bundle_kwargs(device_keys, server_keys, revisions[:2],
                                        server_hpke_public=pinned.hpke_public, server_key_id=pinned.key_id))
    assert open_bundle(data, device_public=request.device_public, server_keys=server_keys).revisions == revisions[:2]


def test_request_signed_by_other_keys(device_keys, other_device_keys):
    body = parse_and_verify_request(request_bytes(device_keys)).to_wire()
    forged = seal_envelope(MAGIC_REQUEST, 1, body, other_device_keys)
    err = raises_exactly(EnrollmentSignatureInvalid, parse_and_verify_request, forged)
    assert err.params == {"kind": "request"}


def test_request_with_wrong_fingerprint_or_labels(device_keys):
    body = parse_and_verify_request(request_bytes(device_keys)).to_wire()
    raises_exactly(EnrollmentMalformed, parse_and_verify_request,
                   seal_envelope(MAGIC_REQUEST, 1, {**body, "fingerprint": "AAAA-BBBB-CCCC-DDDD-EEEE"}, device_keys))
    raises_exactly(EnrollmentMalformed, parse_and_verify_request,
                   seal_envelope(MAGIC_REQUEST, 1, {**body, "officer_labels": ["Ana Gómez"]}, device_keys))
    with pytest.raises(ValueError):  # a name is refused when the request is made, too
        make_enrollment_request(device_id="dev-0001", device_keys=device_keys, post="cr_penas_blancas",
                                officer_labels=["María Pérez"], created_at="2026-11-01T09:00:00Z")


def test_response_for_another_device(device_keys, other_device_keys, server_keys):
    other = response_bytes(request_bytes(other_device_keys, "dev-0002"), server_keys)
    err = raises_exactly(EnrollmentMismatch, parse_and_verify_response, other, device_id="dev-0001",
                         device_public=device_keys.public())
    assert err.params == {"device_id": "dev-0002"}
    same_id_other_keys = response_bytes(request_bytes(other_device_keys, "dev-0001"), server_keys)
    raises_exactly(EnrollmentMismatch, parse_and_verify_response, same_id_other_keys, device_id="dev-0001",
                   device_public=device_keys.public())


def test_response_not_signed_by_the_server_it_names(device_keys, server_keys, other_server_keys):
    genuine = parse_and_verify_response(response_bytes(request_bytes(device_keys), server_keys),
                                        device_id="dev-0001", device_public=device_keys.public())
    forged = seal_envelope(MAGIC_RESPONSE, 1, genuine.to_wire(), other_server_keys.signing)
    err = raises_exactly(EnrollmentSignatureInvalid, parse_and_verify_response, forged, device_id="dev-0001",
                         device_public=device_keys.public())
    assert err.params == {"kind": "response"}
    # a response whose HPKE key was swapped for another server's, signature re-made by an attacker
    wire = genuine.to_wire()
    theirs = other_server_keys.public_info().to_wire()
    swapped = {**wire, "server": {**wire["server"], "hpke_public": theirs["hpke_public"], "key_id": theirs["key_id"]}}
    raises_exactly(EnrollmentSignatureInvalid, parse_and_verify_response,
                   seal_envelope(MAGIC_RESPONSE, 1, swapped, server_keys.signing), device_id="dev-0001",
                   device_public=device_keys.public())


def test_response_from_an_unexpected_server(device_keys, server_keys, other_server_keys):
    data = response_bytes(request_bytes(device_keys), other_server_keys)
    raises_exactly(ServerKeyUntrusted, parse_and_verify_response, data, device_id="dev-0001",
                   device_public=device_keys.public(),
                   expected_server_fingerprint=server_keys.signing_public.fingerprint())


def test_malformed_enrollment_files(device_keys, server_keys):
    req = request_bytes(device_keys)
    for bad in (req[:50], b"", b"random bytes here", req + b"\x00", response_bytes(req, server_keys)):
        raises_exactly(EnrollmentMalformed, parse_and_verify_request, bad)
    for bad in (req, response_bytes(req, server_keys)[:-1]):
        raises_exactly(EnrollmentMalformed, parse_and_verify_response, bad, device_id="dev-0001",
                       device_public=device_keys.public())
    with pytest.raises(ValueError):  # a lease that ends before the approval
        make_enrollment_response(parse_and_verify_request(req), server_keys=server_keys,
                                 approved_at="2026-11-01T10:00:00Z", lease_until="2026-10-01T10:00:00Z")
