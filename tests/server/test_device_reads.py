"""A laptop's reads (status, receipts, enrollment answer) are signed against a server
challenge (intake_app/bundle/device_auth.py): whoever only knows a device id can no
longer move its "last contact" or list its receipts, and online enrollment requests
cannot pile up without limit. Every device here is fictional."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from intake_app.bundle import device_auth
from intake_app.bundle.keys import SigningKeys
from intake_app.server import devices
from intake_app.server.models import Device

OCTET = {"Content-Type": "application/octet-stream"}


def challenge(client, device_id: str) -> bytes:
    r = client.get(f"/api/v1/devices/{device_id}/challenge")
    assert r.status_code == 200, r.text
    return device_auth.unb64(r.json()["challenge"])


def signed(token: bytes, keys: SigningKeys, purpose: str) -> dict:
    return {device_auth.CHALLENGE_HEADER: device_auth.b64(token),
            device_auth.SIGNATURE_HEADER: device_auth.b64(device_auth.sign_request(keys, purpose, token))}


def last_contact(srv, device_id: str):
    with srv.engine.connect() as conn:
        return conn.execute(select(Device.__table__.c.last_contact_at)
                            .where(Device.__table__.c.device_id == device_id)).scalar_one()


def refusal(r, reason: str) -> None:
    assert r.status_code == 401, r.text
    assert r.json()["code"] == "device_signature_required" and r.json()["params"]["reason"] == reason


def test_unsigned_or_forged_reads_are_refused_and_move_nothing(srv, device_factory):
    dev = srv.enroll(device_factory())
    other = srv.enroll(device_factory())
    before = last_contact(srv, dev.device_id)
    client = srv.client()
    status_path = f"/api/v1/devices/{dev.device_id}/status"
    receipts_path = f"/api/v1/devices/{dev.device_id}/receipts"

    refusal(client.get(status_path), "missing")
    refusal(client.get(receipts_path), "missing")
    refusal(client.get(f"/api/v1/enroll/{dev.device_id}"), "missing")
    token = challenge(client, dev.device_id)
    refusal(client.get(status_path, headers=signed(token, SigningKeys.generate(), "status")), "invalid")  # a thief's key
    refusal(client.get(status_path, headers=signed(token, other.keys, "status")), "invalid")  # another laptop's key
    refusal(client.get(receipts_path, headers=signed(token, dev.keys, "status")), "invalid")  # made for another read
    other_token = challenge(client, other.device_id)
    refusal(client.get(status_path, headers=signed(other_token, dev.keys, "status")), "invalid")  # another device's
    bent = bytearray(token)
    bent[3] ^= 1  # the server's time, changed
    refusal(client.get(status_path, headers=signed(bytes(bent), dev.keys, "status")), "invalid")
    refusal(client.get(status_path, headers={device_auth.CHALLENGE_HEADER: "%%%", device_auth.SIGNATURE_HEADER: "x"}),
            "invalid")
    assert last_contact(srv, dev.device_id) == before

    r = client.get(status_path, headers=signed(token, dev.keys, "status"))
    assert r.status_code == 200
    assert last_contact(srv, dev.device_id) > before
    r = client.get(receipts_path, headers=signed(challenge(client, dev.device_id), dev.keys, "receipts"))
    assert r.status_code == 200


def test_a_challenge_expires_by_the_servers_clock_and_another_servers_is_refused(srv, device_factory, tmp_path):
    dev = srv.enroll(device_factory())
    client = srv.client()
    path = f"/api/v1/devices/{dev.device_id}/status"
    key = device_auth.ChallengeKey(srv.keystore.keys().signing)
    old = key.issue(dev.device_id, time.time_ns() // 1000 - (device_auth.CHALLENGE_SECONDS + 5) * 1_000_000)
    refusal(client.get(path, headers=signed(old, dev.keys, "status")), "expired")
    foreign = device_auth.ChallengeKey(SigningKeys.generate()).issue(dev.device_id, time.time_ns() // 1000)
    refusal(client.get(path, headers=signed(foreign, dev.keys, "status")), "invalid")
    # tokens outlive a key rotation (the signing key stays), so a laptop mid-sync is not turned away
    fresh = challenge(client, dev.device_id)
    srv.keystore.rotate()
    assert client.get(path, headers=signed(fresh, dev.keys, "status")).status_code == 200


def test_a_challenge_says_nothing_about_the_device(srv, device_factory):
    """An unknown id gets a challenge like any other, so the challenge is no way to learn which ids exist."""
    client = srv.client()
    dev = srv.enroll(device_factory())
    known = client.get(f"/api/v1/devices/{dev.device_id}/challenge")
    unknown = client.get("/api/v1/devices/lap-demo-nunca/challenge")
    assert known.status_code == unknown.status_code == 200
    assert set(known.json()) == set(unknown.json()) == {"challenge", "seconds"}
    assert client.get("/api/v1/devices/" + "x" * 300 + "/challenge").status_code == 400


def test_the_client_asks_again_when_its_challenge_expired_on_the_way(srv, device_factory):
    """A slow link: the first challenge is stale when the read arrives; the client gets a
    new one once, and the read goes through."""
    from intake_app.sync.client import SyncClient

    dev = srv.enroll(device_factory())
    key = device_auth.ChallengeKey(srv.keystore.keys().signing)
    test_client = srv.client()
    calls = []

    class SlowLink(SyncClient):
        def _request(self, method, path, **kw):
            resp = test_client.request(method, "/api/v1" + path, **kw)
            calls.append(path)
            if path.endswith("/challenge") and len(calls) == 1:
                stale = key.issue(dev.device_id, time.time_ns() // 1000 - 10 * 60 * 1_000_000)
                resp._content = ('{"challenge": "%s"}' % device_auth.b64(stale)).encode()
            return resp

    client = SlowLink("http://testserver").sign_as(dev.device_id, dev.keys)
    assert client.status(dev.device_id)[:1] == b"\x89"
    assert calls == [f"/devices/{dev.device_id}/challenge", f"/devices/{dev.device_id}/status"] * 2


def test_online_enrollment_requests_stop_at_the_limit_but_a_stick_does_not(srv, device_factory):
    srv.settings = replace(srv.settings, max_pending_enrollments=3)
    client = srv.client()
    waiting = [device_factory("lap-espera") for _ in range(3)]
    for dev in waiting:
        assert client.post("/api/v1/enroll", content=dev.enrollment_request(), headers=OCTET).status_code == 202
    assert client.post("/api/v1/enroll", content=waiting[0].enrollment_request(), headers=OCTET).status_code == 202
    extra = device_factory("lap-extra")
    r = client.post("/api/v1/enroll", content=extra.enrollment_request(), headers=OCTET)
    assert r.status_code == 403 and r.json() == {"code": "enrollment_queue_full", "params": {"limit": 3}}
    with srv.engine.connect() as conn:
        assert devices.get_device(conn, extra.device_id) is None
    devices.register_request(srv.engine, extra.enrollment_request(), source="usb")  # the office's own stick
    # an administrator deciding frees a place
    devices.refuse(srv.engine, waiting[0].device_id, actor="test")
    late = device_factory("lap-tarde")
    assert client.post("/api/v1/enroll", content=late.enrollment_request(), headers=OCTET).status_code == 403
    devices.refuse(srv.engine, extra.device_id, actor="test")
    assert client.post("/api/v1/enroll", content=late.enrollment_request(), headers=OCTET).status_code == 202


def test_a_pending_laptop_reads_its_enrollment_answer_only_with_its_own_key(srv, device_factory):
    client = srv.client()
    dev = device_factory()
    assert client.post("/api/v1/enroll", content=dev.enrollment_request(), headers=OCTET).status_code == 202
    path = f"/api/v1/enroll/{dev.device_id}"
    refusal(client.get(path, headers=signed(challenge(client, dev.device_id), SigningKeys.generate(), "enroll")),
            "invalid")
    assert client.get(path, headers=signed(challenge(client, dev.device_id), dev.keys, "enroll")).status_code == 202
    devices.approve(srv.engine, srv.keystore, dev.device_id, actor="test", lease_days=30)
    r = client.get(path, headers=signed(challenge(client, dev.device_id), dev.keys, "enroll"))
    assert r.status_code == 200
    dev.accept_response(r.content)


@pytest.mark.parametrize("purpose", ["status", "receipts", "enroll"])
def test_the_signed_message_names_its_purpose(purpose):
    keys = SigningKeys.generate()
    token = device_auth.ChallengeKey(SigningKeys.generate()).issue("lap-demo-1", 1)
    sig = device_auth.sign_request(keys, purpose, token)
    assert device_auth.verify_request(keys.public().ed25519, purpose, token, sig)
    for other in set(device_auth.PURPOSES) - {purpose}:
        assert not device_auth.verify_request(keys.public().ed25519, other, token, sig)
    with pytest.raises(ValueError):
        device_auth.request_message("anything", token)


def test_only_the_laptops_own_doing_moves_its_last_contact(srv, device_factory, tmp_path):
    """A copy of an old bundle posted again, or a stick folder named after a lost laptop with
    junk in it, leaves its last contact and its lease where the laptop's real contact left them."""
    from datetime import timedelta

    from sqlalchemy import update

    from intake_app.bundle.status import parse_and_verify_status
    from intake_app.server.usb import import_dir

    dev = srv.enroll(device_factory())
    client = srv.client()
    data, _ = dev.new_bundle(2)
    assert client.post("/api/v1/bundles", content=data, headers=OCTET).status_code == 200
    long_ago = last_contact(srv, dev.device_id) - timedelta(days=20)
    with srv.engine.begin() as conn:
        conn.execute(update(Device.__table__).where(Device.__table__.c.device_id == dev.device_id)
                     .values(last_contact_at=long_ago))
    assert client.post("/api/v1/bundles", content=data, headers=OCTET).status_code == 200  # already had
    assert last_contact(srv, dev.device_id) == long_ago

    stick = tmp_path / "stick"
    (stick / "intake-bundles" / dev.device_id).mkdir(parents=True)
    (stick / "intake-bundles" / dev.device_id / "00000009.bundle").write_bytes(b"junk, fictional")
    summary = import_dir(srv.engine, srv.ingestor(), srv.keystore, stick)
    assert [i.outcome for i in summary.items] == ["refused"]
    assert last_contact(srv, dev.device_id) == long_ago
    status = parse_and_verify_status((stick / "intake-receipts" / dev.device_id / "status.msgpack").read_bytes(),
                                     dev.server.signing, device_id=dev.device_id)
    assert status.lease_until.startswith((long_ago + timedelta(days=srv.settings.lease_days)).date().isoformat())

    (stick / "intake-bundles" / dev.device_id / "00000001.bundle").write_bytes(data)  # its own, but sent before
    import_dir(srv.engine, srv.ingestor(), srv.keystore, stick)
    assert last_contact(srv, dev.device_id) == long_ago  # a copy of an old stick is no sign of life
    (stick / "intake-bundles" / dev.device_id / "00000002.bundle").write_bytes(dev.new_bundle(1)[0])  # new
    import_dir(srv.engine, srv.ingestor(), srv.keystore, stick)
    assert last_contact(srv, dev.device_id) > long_ago


def test_the_enrollment_limit_holds_for_concurrent_requests(srv, device_factory):
    """Two server processes each counting before inserting let 21 requests past a limit of 3
    on PostgreSQL; the count and the insert are one step now."""
    from concurrent.futures import ThreadPoolExecutor

    from intake_app.server.errors import EnrollmentQueueFull

    requests = [device_factory("lap-carrera").enrollment_request() for _ in range(24)]

    def send(data):
        try:
            devices.register_request(srv.engine, data, source="http", max_pending=3)
            return "pending"
        except EnrollmentQueueFull:
            return "full"

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, requests))
    assert answers.count("pending") == 3 and answers.count("full") == 21
    with srv.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Device.__table__)).scalar_one() == 3
    # the same request sent 8 times at once (a retry racing the first): one row, never a 500
    same = device_factory("lap-repite").enrollment_request()
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(lambda data: devices.register_request(srv.engine, data, source="http")[1],
                            [same] * 8)) == {"pending"}


def test_a_laptop_is_told_in_its_language_that_the_queue_is_full(srv, device_factory):
    from intake_app import i18n
    from intake_app.sync.client import SyncClient
    from intake_app.sync.errors import EnrollmentQueueFull

    srv.settings = replace(srv.settings, max_pending_enrollments=0)
    test_client = srv.client()

    class Local(SyncClient):
        def _request(self, method, path, **kw):
            return test_client.request(method, "/api/v1" + path, **kw)

    with pytest.raises(EnrollmentQueueFull) as caught:
        Local("http://testserver").enroll(device_factory().enrollment_request())
    assert caught.value.params == {"limit": 0}
    assert "memoria USB" in i18n.describe_error(caught.value, "es")
    assert "USB stick" in i18n.describe_error(caught.value, "en")


def test_a_new_laptop_still_reads_from_a_server_from_before_signed_reads(srv, device_factory, monkeypatch):
    """Such a server has no challenge route (404 not_found) and takes unsigned reads."""
    from intake_app.sync.client import SyncClient

    from fastapi.testclient import TestClient
    from starlette.responses import JSONResponse

    dev = srv.enroll(device_factory())
    monkeypatch.setattr(devices, "authenticate_read", lambda *a, **k: None)
    app = srv.app()

    async def old_server(scope, receive, send):  # the route is not there: FastAPI's own 404
        if scope["type"] == "http" and scope["path"].endswith("/challenge"):
            return await JSONResponse({"code": "not_found", "params": {}}, status_code=404)(scope, receive, send)
        return await app(scope, receive, send)

    test_client = TestClient(old_server, raise_server_exceptions=False)
    assert test_client.get(f"/api/v1/devices/{dev.device_id}/challenge").json()["code"] == "not_found"

    class Local(SyncClient):
        def _request(self, method, path, **kw):
            return test_client.request(method, "/api/v1" + path, **kw)

    assert Local("http://testserver").sign_as(dev.device_id, dev.keys).status(dev.device_id)[:1] == b"\x89"
