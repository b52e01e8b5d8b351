"""``POST /api/v1/devices/{id}/approve`` approves only with the request's fingerprint in the
body, as ``intake-server device approve`` does: whoever sent a request under a laptop's id
first would otherwise be approved in its place. All data is fictional."""

from __future__ import annotations

from intake_app.server import devices

from .conftest import ADMIN_PASSWORD


def _admin(client) -> dict:
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    return {"Authorization": "Bearer " + r.json()["token"]}


def _pending(srv, device_factory):
    dev = device_factory("lap-huella-api")
    devices.register_request(srv.engine, dev.enrollment_request(), source="test")
    return dev


def _status(srv, dev) -> str:
    return devices.device_info(srv.engine, dev.device_id).status


def test_another_fingerprint_is_409_worded_and_approves_nothing(srv, device_factory):
    client = srv.client()
    dev, other = _pending(srv, device_factory), device_factory("lap-intrusa-api")
    r = client.post(f"/api/v1/devices/{dev.device_id}/approve", headers=_admin(client),
                    json={"fingerprint": other.keys.public().fingerprint()})
    assert r.status_code == 409 and r.json() == {"code": "device_fingerprint_mismatch", "params": {}}
    assert _status(srv, dev) == "pending"


def test_without_a_fingerprint_is_refused_and_approves_nothing(srv, device_factory):
    client = srv.client()
    dev = _pending(srv, device_factory)
    headers = _admin(client)
    for kwargs in ({}, {"json": {}}, {"json": {"fingerprint": ""}}):
        r = client.post(f"/api/v1/devices/{dev.device_id}/approve", headers=headers, **kwargs)
        # the app answers FastAPI's validation errors as 400 request_malformed, naming the place only
        assert r.status_code == 400 and r.json()["code"] == "request_malformed", (kwargs, r.text)
    assert _status(srv, dev) == "pending"


def test_the_requests_fingerprint_in_any_form_approves(srv, device_factory):
    client = srv.client()
    dev = _pending(srv, device_factory)
    typed = devices.device_info(srv.engine, dev.device_id).fingerprint.replace("-", " ").lower()  # as read aloud
    r = client.post(f"/api/v1/devices/{dev.device_id}/approve", headers=_admin(client), json={"fingerprint": typed})
    assert r.status_code == 200, r.text
    assert r.json() == {"device_id": dev.device_id, "status": "active"}
    assert _status(srv, dev) == "active"


def test_the_body_is_in_the_openapi_description(srv):
    spec = srv.client().get("/openapi.json").json()
    op = spec["paths"]["/api/v1/devices/{device_id}/approve"]["post"]
    assert op["requestBody"]["required"] is True
