"""Real servers on loopback: two real vaults enroll and push with the device's sync
client; revocation; many devices against two processes on one PostgreSQL; a server
killed with SIGKILL mid-ingest; the database lost mid-ingest."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text

from intake_app.codebook import load_codebook, validate_record
from intake_app.demo import fictional_intakes
from intake_app.server.ingest import HOLD_ENV

from .conftest import ADMIN_PASSWORD
from .devicesim import SimDevice
from .live import LiveServer, wait_for_file

OCTET = {"Content-Type": "application/octet-stream"}


@pytest.fixture
def live(srv):
    server = LiveServer(srv)
    yield server
    server.stop()


def admin_headers(url: str) -> dict:
    r = httpx.post(url + "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    return {"Authorization": "Bearer " + r.json()["token"]}


def test_two_vaults_enroll_push_and_one_is_revoked(srv, live, tmp_path):
    from intake_app.sync.client import enroll_online, push
    from intake_app.sync.errors import DeviceRevoked, EnrollmentPending
    from intake_app.vault import Vault

    cb = load_codebook("1.0")
    records = [validate_record(cb, r) for r in fictional_intakes(6, seed=11, cb=cb)]
    admin = admin_headers(live.url)
    vaults = [Vault.create(tmp_path / f"v{i}", f"oficial.demo{i}", "frase de prueba ficticia") for i in range(2)]
    try:
        for v in vaults:
            with pytest.raises(EnrollmentPending):
                enroll_online(v, live.url, "cr_paso_canoas")
            listed = {d["device_id"]: d for d in httpx.get(f"{live.url}/api/v1/devices", headers=admin).json()}
            assert httpx.post(f"{live.url}/api/v1/devices/{v.device_id}/approve", headers=admin,
                              json={"fingerprint": listed[v.device_id]["fingerprint"]}).status_code == 200
            enroll_online(v, live.url, "cr_paso_canoas",
                          expected_server_fingerprint=srv.keystore.keys().public_info().fingerprint())
        for i, rec in enumerate(records):
            vaults[i % 2].save_case(rec)
        reports = [push(v, live.url) for v in vaults]
        assert [r.revisions for r in reports] == [3, 3]
        assert srv.count("revisions") == 6 and srv.count("bundles") == 2
        # the administrator revokes laptop B; A keeps working, B is refused and learns it
        b = vaults[1]
        assert httpx.post(f"{live.url}/api/v1/devices/{b.device_id}/revoke", headers=admin).status_code == 200
        vaults[0].save_case(records[0])
        b.save_case(records[1])
        assert push(vaults[0], live.url).revisions == 1
        with pytest.raises(DeviceRevoked):
            push(b, live.url)
        assert srv.count("revisions") == 7  # what B sent before stays; nothing after
    finally:
        for v in vaults:
            v.close()


def test_revoked_device_gets_403_device_revoked(srv, live, device_factory):
    dev = srv.enroll(device_factory())
    data, _ = dev.new_bundle(2)
    assert httpx.post(live.url + "/api/v1/bundles", content=data, headers=OCTET).status_code == 200
    httpx.post(f"{live.url}/api/v1/devices/{dev.device_id}/revoke", headers=admin_headers(live.url))
    r = httpx.post(live.url + "/api/v1/bundles", content=dev.new_bundle(1)[0], headers=OCTET)
    assert r.status_code == 403 and r.json() == {"code": "device_revoked", "params": {"device_id": dev.device_id}}
    from intake_app.bundle.status import parse_and_verify_status
    from intake_app.sync.client import SyncClient

    with SyncClient(live.url).sign_as(dev.device_id, dev.keys) as client:  # a revoked laptop still signs its reads
        status = parse_and_verify_status(client.status(dev.device_id), dev.server.signing, device_id=dev.device_id)
    assert status.revoked is True
    assert srv.count("revisions") == 2


def test_many_devices_two_processes_one_postgresql(srv, device_factory):
    if srv.kind != "postgresql":
        pytest.skip("several processes share PostgreSQL")
    servers = [LiveServer(srv), LiveServer(srv)]
    try:
        devs = [srv.enroll(device_factory()) for _ in range(10)]
        sends = []
        expected_ids = set()
        for dev in devs:
            for _ in range(4):
                data, revs = dev.new_bundle(15)
                expected_ids.update(r["revision_id"] for r in revs)
                sends += [(data, 0), (data, 1)]  # every bundle twice, once to each process, at once
        import random

        random.Random(5).shuffle(sends)

        def send(item):
            data, which = item
            with httpx.Client(timeout=60) as client:
                for _ in range(20):  # a 503 server_busy (deadlock victim) is retried, as a device would
                    r = client.post(servers[which].url + "/api/v1/bundles", content=data, headers=OCTET)
                    if r.status_code != 503:
                        return data, r.status_code, r.content
            return data, r.status_code, r.content

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(send, sends))
        assert all(code == 200 for _, code, _ in results), [c for _, c, _ in results if c != 200][:3]
        by_bundle = {}
        for data, _, receipt in results:
            by_bundle.setdefault(data, set()).add(receipt)
        assert all(len(r) == 1 for r in by_bundle.values())  # the same receipt for both sends
        with srv.engine.connect() as conn:
            stored = set(conn.execute(text("SELECT revision_id FROM revisions")).scalars())
        assert stored == expected_ids  # zero lost
        assert srv.count("revisions") == len(expected_ids) == 10 * 4 * 15  # zero duplicated
        assert srv.count("bundles") == 40
        from intake_app.server.audit import verify

        assert verify(srv.engine) >= 40  # one audit chain across both processes
        from collections import Counter

        from sqlalchemy import select

        from intake_app.server.dashboard import rollup

        rollup.fold(srv.engine)  # both processes' dashboard deltas add up to a recount of the cases
        with srv.engine.connect() as conn:
            folded = Counter({tuple(r[:-1]): r[-1] for r in conn.execute(select(rollup.rollup_t)) if r[-1]})
            truth = rollup.counts_from_cases(conn.execute(select(rollup.case_t)).mappings())
        assert folded == Counter({k: v for k, v in truth.items() if v})
        assert sum(n for cell, n in folded.items() if cell[0] == "m" and cell[-1] == "persons") == 600
    finally:
        for s in servers:
            s.stop()


def test_server_killed_mid_ingest_then_retry_is_exactly_once(srv, device_factory, tmp_path):
    hold = tmp_path / "hold"
    hold.mkdir()
    dev = srv.enroll(device_factory())
    data, revs = dev.new_bundle(10)
    server = LiveServer(srv, extra_env={HOLD_ENV: str(hold)})
    outcome = {}

    def upload():
        try:
            outcome["r"] = httpx.post(server.url + "/api/v1/bundles", content=data, headers=OCTET, timeout=60)
        except httpx.HTTPError as exc:
            outcome["err"] = type(exc).__name__

    t = threading.Thread(target=upload)
    t.start()
    wait_for_file(hold, "holding-*")  # rows written, not committed
    server.kill()
    t.join(30)
    assert "err" in outcome  # the device saw a dropped connection
    assert srv.count("revisions") == 0 and srv.count("bundles") == 0
    server = LiveServer(srv)
    try:
        first = httpx.post(server.url + "/api/v1/bundles", content=data, headers=OCTET)
        again = httpx.post(server.url + "/api/v1/bundles", content=data, headers=OCTET)
        assert first.status_code == again.status_code == 200 and first.content == again.content
        assert srv.count("revisions") == 10
    finally:
        server.stop()


def test_database_lost_mid_ingest_nothing_half_stored(srv, device_factory, tmp_path):
    if srv.kind != "postgresql":
        pytest.skip("terminates PostgreSQL backends")
    hold = tmp_path / "hold"
    hold.mkdir()
    dev = srv.enroll(device_factory())
    data, _ = dev.new_bundle(5)
    server = LiveServer(srv, extra_env={HOLD_ENV: str(hold)})
    try:
        outcome = {}
        t = threading.Thread(target=lambda: outcome.setdefault(
            "r", httpx.post(server.url + "/api/v1/bundles", content=data, headers=OCTET, timeout=60)))
        t.start()
        marker = wait_for_file(hold, "holding-*")
        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"
                              " AND application_name = 'intake-server' AND pid <> pg_backend_pid()"),
                         {"d": srv.engine.url.database})
        admin.dispose()
        marker.unlink()
        t.join(30)
        r = outcome["r"]
        assert r.status_code == 503 and r.json() == {"code": "database_unavailable", "params": {}}
        assert srv.count("revisions") == 0 and srv.count("bundles") == 0
    finally:
        server.stop()
    server = LiveServer(srv)  # the device retries later
    try:
        assert httpx.post(server.url + "/api/v1/bundles", content=data, headers=OCTET).status_code == 200
        assert srv.count("revisions") == 5
    finally:
        server.stop()
