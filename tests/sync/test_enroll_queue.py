"""Someone filled the server's enrollment queue on purpose: the administrator clears the
waiting requests (``intake-server device clear-pending``), and a real laptop among them
asks again by itself and is enrolled. A real vault and a real server on loopback; the
requests that fill the queue are fictional."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from intake_app.server import devices
from intake_app.sync.client import enroll_online
from intake_app.sync.errors import EnrollmentPending, EnrollmentQueueFull

from tests.server.devicesim import SimDevice

OCTET = {"Content-Type": "application/octet-stream"}


def fill(real_server, n: int, prefix: str) -> None:
    for i in range(n):
        data = SimDevice(f"{prefix}-{i:03d}").enrollment_request()
        assert httpx.post(real_server.url + "/api/v1/enroll", content=data, headers=OCTET).status_code == 202


def test_a_real_laptop_gets_in_after_the_queue_is_cleared(vault, second_vault, real_server):
    from dataclasses import replace

    real_server.app.state.settings = replace(real_server.app.state.settings, max_pending_enrollments=4)
    with pytest.raises(EnrollmentPending):
        enroll_online(vault, real_server.url, "cr_paso_canoas")  # the laptop's request waits
    fill(real_server, 3, "lap-basura")
    with pytest.raises(EnrollmentQueueFull):
        enroll_online(second_vault, real_server.url, "cr_paso_canoas")

    assert devices.clear_pending(real_server.engine, actor="test") == 4  # the laptop's own request too
    with pytest.raises(EnrollmentPending):
        enroll_online(vault, real_server.url, "cr_paso_canoas")  # gone: it asks again by itself
    pending = [d.device_id for d in devices.list_devices(real_server.engine) if d.status == "pending"]
    assert pending == [vault.device_id]
    devices.approve(real_server.engine, real_server.keystore, vault.device_id, actor="test", lease_days=30)
    response = enroll_online(vault, real_server.url, "cr_paso_canoas",
                             expected_server_fingerprint=real_server.server_keys.public_info().fingerprint())
    assert response.server.fingerprint() == real_server.server_keys.signing_public.fingerprint()
    actions = [a for (a,) in real_server.rows("SELECT action FROM audit_log")]
    assert "device_pending_cleared" in actions


def test_clearing_by_age_keeps_recent_requests_and_enrolled_laptops(real_server):
    enrolled = SimDevice("lap-inscrito-001")
    devices.register_request(real_server.engine, enrolled.enrollment_request(), source="test")
    devices.approve(real_server.engine, real_server.keystore, enrolled.device_id, actor="test", lease_days=30)
    fill(real_server, 2, "lap-reciente")
    assert devices.clear_pending(real_server.engine, actor="test", older_than=timedelta(hours=1)) == 0
    assert devices.clear_pending(real_server.engine, actor="test", older_than=timedelta(0)) == 2
    assert [(d.device_id, d.status) for d in devices.list_devices(real_server.engine)] == [
        ("lap-inscrito-001", "active")]

