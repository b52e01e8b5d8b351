"""An online status read sends a fresh nonce the server signs back: a real signed status for
this laptop captured earlier, served again by something between the laptop and the server,
is refused and changes nothing (not even a "revoked" one); a status made for this request
is the server's time now, and sets back a last contact a clock far ahead left. A status with
no nonce is always unbound (taken as before nonces, never lowers the floor): a laptop that
sends no nonce, and a server that signs none back (from before, or rolled back to such a build
after a newer one signed nonces back), still work. The real server on 127.0.0.1, behind a small
forging proxy. FICTIONAL data only."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from intake_app import i18n
from intake_app.bundle import status as bundle_status
from intake_app.bundle.status import MAGIC_STATUS, read_status
from intake_app.server import devices
from intake_app.sync import DirectVaultCall, SyncService, errors, push, state
from intake_app.sync import status as sync_status
from intake_app.sync.client import SyncClient, signed_client
from intake_app.sync.errors import ServerProtocolError
from intake_app.sync.status import apply_status
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample

from .test_online import Recorder
from .test_sync_forged_403 import ForgingProxy
from .test_sync_server_clock import _skew

OCTET = "application/octet-stream"
DAY = timedelta(days=1)


def _now():
    return datetime.now(timezone.utc)


def _sync_meta(vault) -> dict:
    return dict(vault.conn.execute("SELECT key, value FROM meta WHERE key LIKE 'sync.%'").fetchall())


def _audit_count(vault) -> int:
    return vault.conn.execute("SELECT count(*) FROM audit").fetchone()[0]


def _capture(srv, vault) -> bytes:
    """A status the real server signed for this laptop, read (not applied) as the laptop reads it."""
    with signed_client(vault, srv.url) as client:
        return client.status(vault.device_id)


def _replaying(srv, data: bytes) -> ForgingProxy:
    return ForgingProxy(srv.port, lambda method, path: (200, OCTET, bytes(data)) if path.endswith("/status") else None)


def test_a_status_captured_earlier_and_served_again_is_refused_and_changes_nothing(real_server, vault):
    real_server.enroll(vault)
    push(vault, real_server.url)  # this server signs the nonce back: learnt
    captured = _capture(real_server, vault)  # answered another request
    assert read_status(captured).nonce
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": "Ana FICTICIA"})
    before, audit = _sync_meta(vault), _audit_count(vault)
    proxy = _replaying(real_server, captured)
    try:
        with pytest.raises(errors.StatusNotForThisRequest) as caught:
            push(vault, proxy.url, sleep=lambda s: None)
    finally:
        proxy.close()
    assert caught.value.params == {"reason": "other"}
    assert isinstance(caught.value, ServerProtocolError)  # retried like a middlebox's answer
    assert _sync_meta(vault) == before and _audit_count(vault) == audit
    assert real_server.scalar("SELECT count(*) FROM revisions") == 0  # nothing went either
    err = errors.StatusNotForThisRequest(reason="other")
    assert "no corresponde a esta consulta" in i18n.describe_error(err, "es")
    assert "does not belong to this request" in i18n.describe_error(err, "en")
    assert push(vault, real_server.url).revisions == 1  # the server itself: all goes


def test_a_captured_revoked_status_served_after_the_reinstatement_does_not_lock(real_server, vault, home):
    real_server.enroll(vault)
    push(vault, real_server.url)
    real_server.revoke(vault.device_id)
    revoked = _capture(real_server, vault)
    assert read_status(revoked).revoked
    devices.reinstate(real_server.engine, vault.device_id, actor="test")
    proxy = _replaying(real_server, revoked)
    rec = Recorder()
    svc = SyncService(DirectVaultCall(vault), proxy.url, on_status=rec.on_status, on_error=rec.on_error,
                      interval=3600, backoff_base=30)
    try:
        with pytest.raises(ServerProtocolError) as caught:  # before the fix: DeviceRevoked, the vault locked
            push(vault, proxy.url, sleep=lambda s: None)
        assert caught.value.code == "sync_status_not_for_this_request"
        svc.start()
        rec.wait_for(lambda s: any(st == "error" for st, _ in s))
    finally:
        svc.stop()
        proxy.close()
    assert [info.get("code") for st, info in rec.states if st == "error"][0] == "sync_status_not_for_this_request"
    assert "revoked" not in [st for st, _ in rec.states]
    assert vault.meta(state.K_REVOKED) is None
    assert not vault.conn.execute("SELECT 1 FROM audit WHERE action = 'device_revoked'").fetchall()
    vault.close()
    Vault.open(home, "oficial.prueba", PASSPHRASE).close()  # still opens


def test_a_status_made_for_this_request_sets_back_a_last_contact_left_ahead(real_server, vault, monkeypatch):
    real_server.enroll(vault)
    with monkeypatch.context() as m:
        _skew(m, 400)  # one contact with a server whose clock ran 400 days ahead
        push(vault, real_server.url)
        ahead = _capture(real_server, vault)
    assert state.parse_time(vault.meta(state.K_LAST_CONTACT)) > _now() + 399 * DAY
    # its clock fixed: one status read, no bundle and no receipt
    assert apply_status(vault, _capture(real_server, vault)) == "ok"
    last = state.parse_time(vault.meta(state.K_LAST_CONTACT))
    assert abs(last - _now()) < timedelta(minutes=5)
    assert abs(state.parse_time(vault.meta(state.K_LEASE_SET_AT)) - _now()) < timedelta(minutes=5)
    assert abs(state.lease_until(vault) - (_now() + 30 * DAY)) < timedelta(minutes=5)
    assert abs(int(vault.meta(state.K_CLOCK_OFFSET))) < 300
    assert abs(state.lease_now(vault) - _now()) < timedelta(minutes=5)
    state.check_lease_for_new_intake(vault)
    assert vault.conn.execute("SELECT count(*) FROM audit WHERE action = 'sync_last_contact_reset'").fetchone()[0] == 1
    # the status from the clock ahead, served again for a later request, puts nothing back
    before = _sync_meta(vault)
    with pytest.raises(errors.StatusNotForThisRequest):
        apply_status(vault, sync_status.LiveStatus(bytes(ahead), bundle_status.new_nonce()))
    assert _sync_meta(vault) == before


def test_a_status_without_nonce_after_a_bound_one_is_unbound_and_never_lowers_the_floor(real_server, vault,
                                                                                         monkeypatch):
    real_server.enroll(vault)
    with monkeypatch.context() as m:
        _skew(m, 400)  # one contact with a server whose clock ran 400 days ahead
        push(vault, real_server.url)  # bound: this server signs the nonce back
    floor = vault.meta(state.K_LAST_CONTACT)
    assert state.parse_time(floor) > _now() + 399 * DAY
    # a status with no nonce (a stick's, an older laptop's read, a server rolled back), served
    # for a later request: before the fix refused as "missing"; now taken as unbound
    old = devices.status_bytes(real_server.engine, real_server.keystore, vault.device_id,
                               lease_days=real_server.settings.lease_days, contact=False)
    assert read_status(old).nonce is None
    apply_status(vault, sync_status.LiveStatus(bytes(old), bundle_status.new_nonce()))
    assert vault.meta(state.K_LAST_CONTACT) == floor  # the floor stays: no reset by an unbound status
    assert not vault.conn.execute("SELECT 1 FROM audit WHERE action = 'sync_last_contact_reset'").fetchall()
    assert vault.conn.execute("SELECT count(*) FROM audit WHERE action = 'sync_server_time_behind'").fetchone()[0] == 1
    assert state.lease_until(vault) == state.parse_time(read_status(old).lease_until)  # the server's word
    assert abs(int(vault.meta(state.K_CLOCK_OFFSET))) < 300  # the clock offset is set, as before nonces
    assert vault.meta("sync.status_nonce") is None  # nothing remembers the nonce (an unreleased build did)


def test_a_laptop_that_sends_no_nonce_still_reads_the_new_server(real_server, vault, monkeypatch):
    real_server.enroll(vault)
    assert read_status(_capture(real_server, vault)).nonce  # this laptop's own read is bound

    def old_status(self, device_id):  # a laptop from before: no nonce sent, plain bytes
        return self._bytes(self._signed_get(device_id, "status", f"/devices/{device_id}/status"), MAGIC_STATUS,
                           "status")

    monkeypatch.setattr(SyncClient, "status", old_status)
    with signed_client(vault, real_server.url) as client:
        data = client.status(vault.device_id)
    assert read_status(data).nonce is None  # the five keys a reader from before knows
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": "Ana FICTICIA"})
    report = push(vault, real_server.url)
    assert report.revisions == 1 and report.lease_state == "ok"


def test_a_server_rolled_back_to_one_that_signs_no_nonce_still_takes_the_push(real_server, vault, monkeypatch):
    """Before the fix: once a bound status was seen, every status without a nonce was refused
    ("missing") and no online push delivered anything again (a rollback, mixed servers)."""
    real_server.enroll(vault)
    real = devices.status_bytes

    def older_server(m):  # the server code from before nonces ignores the header
        m.setattr(devices, "status_bytes", lambda *a, nonce=None, **k: real(*a, **k))

    with monkeypatch.context() as m:
        older_server(m)
        assert push(vault, real_server.url).lease_state == "ok"  # taken as before (unbound)
    push(vault, real_server.url)  # the server upgraded: its status signs the nonce back (bound)
    with monkeypatch.context() as m:
        older_server(m)  # rolled back (same keys), or an older one of several behind a proxy
        for given in ("Ana FICTICIA", "Beatriz FICTICIA"):
            vault.save_case({**load_sample("intake-adult-woman"), "given_names": given})
            report = push(vault, real_server.url, sleep=lambda s: None)
            assert report.revisions == 1 and report.lease_state == "ok"
    assert real_server.scalar("SELECT count(*) FROM revisions") == 2
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": "Carla FICTICIA"})
    assert push(vault, real_server.url).revisions == 1  # upgraded again: bound as before
