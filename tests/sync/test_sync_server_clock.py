"""A server whose clock ran far ahead for one contact, then was fixed: the laptop follows the
server's time again at the next sync, and new intakes are not refused for months (docs/sync.md
"A server clock that was wrong"). A status is not bound to the request that asked for it, so an
old one replayed never pulls the last contact back: only a receipt for a bundle built after the
last contact rose does. The real server on 127.0.0.1 (its clock moved in-process) and the
stand-in server. FICTIONAL data only."""

from __future__ import annotations

import time as _time
import types
from datetime import datetime, timedelta, timezone

from intake_app.bundle.status import make_status
from intake_app.sync import DirectVaultCall, SyncService, export_to, import_receipts, outbox, push, state
from intake_app.sync.status import apply_status
from tests.conftest import load_sample

from . import helpers
from .test_online import Recorder

DAY = timedelta(days=1)


def _save(vault, tag):
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": f"Ana{tag} FICTICIA"})


def _skew(m, days: float) -> None:
    """The real server's clock (status, receipts, challenges) moved by ``days``."""
    from intake_app.server import api_device, devices, ingest

    shift = timedelta(days=days)
    real = devices.utcnow
    m.setattr(devices, "utcnow", lambda: real() + shift)
    m.setattr(ingest, "utcnow", lambda: real() + shift)
    m.setattr(api_device, "time", types.SimpleNamespace(
        time_ns=lambda: _time.time_ns() + int(shift.total_seconds() * 1e9), time=lambda: _time.time() + shift.total_seconds(),
        monotonic=_time.monotonic))


def _now():
    return datetime.now(timezone.utc)


def _actions(vault):
    return [r[0] for r in vault.conn.execute("SELECT action FROM audit ORDER BY seq")]


def test_one_contact_with_a_clock_ahead_then_the_fixed_server_sets_the_time_again(real_server, vault, monkeypatch):
    real_server.enroll(vault)
    _save(vault, 1)
    with monkeypatch.context() as m:
        _skew(m, 400)
        assert push(vault, real_server.url).delivered == [1]
    assert state.lease_now(vault) > _now() + 399 * DAY  # what that server said
    report = push(vault, real_server.url)  # its clock fixed
    assert report.lease_state == "ok"
    state.check_lease_for_new_intake(vault)  # a new intake is not refused
    last = state.parse_time(vault.meta(state.K_LAST_CONTACT))
    assert abs(last - _now()) < timedelta(minutes=5)
    assert abs(state.lease_until(vault) - (_now() + 30 * DAY)) < timedelta(minutes=5)
    assert abs(state.parse_time(vault.meta(state.K_LEASE_SET_AT)) - _now()) < timedelta(minutes=5)
    actions = _actions(vault)
    assert actions.count("sync_server_time_behind") == 1 and actions.count("sync_last_contact_reset") == 1
    # the defence against the laptop's own clock set back holds from the new last contact
    real = state.utc_now
    monkeypatch.setattr(state, "utc_now", lambda: real() - 60 * DAY)
    assert state.lease_now(vault) >= last
    # nothing stored twice, nothing left out
    assert real_server.scalar("SELECT count(*) FROM revisions") == 1
    assert not outbox.outstanding(vault)


def test_the_background_service_recovers_too(real_server, vault, monkeypatch):
    real_server.enroll(vault)
    _save(vault, 1)
    with monkeypatch.context() as m:
        _skew(m, 400)
        push(vault, real_server.url)
    rec = Recorder()
    svc = SyncService(DirectVaultCall(vault), real_server.url, on_status=rec.on_status, interval=3600)
    svc.start()
    try:
        rec.wait_for(lambda s: s and s[-1][0] == "idle")
    finally:
        svc.stop()
    assert rec.states[-1][0] == "stopped"
    assert state.lease_state(vault) == "ok"
    state.check_lease_for_new_intake(vault)


def _status(server_keys, vault, at):
    return make_status(server_keys=server_keys, device_id=vault.device_id, revoked=False,
                       lease_until=helpers.utc(at + 30 * DAY), server_time=helpers.utc(at))


def test_a_replayed_old_status_never_pulls_the_last_contact_back(vault, server_keys, monkeypatch):
    helpers.enroll(vault, server_keys)
    now = _now()
    apply_status(vault, _status(server_keys, vault, now))
    last = vault.meta(state.K_LAST_CONTACT)
    old = _status(server_keys, vault, now - 40 * DAY)  # kept from an earlier sync, or from a stick
    for _ in range(3):
        apply_status(vault, old)  # "live", from someone between the laptop and the server
    assert vault.meta(state.K_LAST_CONTACT) == last
    assert _actions(vault).count("sync_server_time_behind") == 1  # asked once for this last contact
    real = state.utc_now
    monkeypatch.setattr(state, "utc_now", lambda: real() - 40 * DAY)  # the laptop's clock set back with it
    assert state.lease_state(vault) == "expired"  # the old lease ended 10 days ago, judged from the last contact


class _Shifted(datetime):
    """The stand-in server's clock (tests.sync.helpers), moved by ``shift``."""

    shift = timedelta(0)

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + cls.shift


def test_only_a_receipt_for_a_bundle_built_after_the_last_contact_rose_resets_it(vault, server_keys, stick,
                                                                                 monkeypatch):
    monkeypatch.setattr(helpers, "datetime", _Shifted)
    helpers.enroll(vault, server_keys)
    mini = helpers.MiniServer(server_keys)
    mini.enroll(vault)
    _save(vault, 1)
    export_to(vault, stick)  # bundle 1, built before the contact below
    ahead = _now() + 400 * DAY
    apply_status(vault, _status(server_keys, vault, ahead))  # a server clock far ahead: the last contact rises
    _Shifted.shift = -DAY  # the server's clock now behind the laptop's by a day
    mini.import_stick(stick)
    import_receipts(vault, stick)  # bundle 1's receipt: it may have been signed long ago
    assert state.parse_time(vault.meta(state.K_LAST_CONTACT)) >= ahead - timedelta(seconds=1)
    _save(vault, 2)
    export_to(vault, stick)  # bundle 2, built after: its receipt was signed after the contact above
    mini.import_stick(stick)
    import_receipts(vault, stick)
    last = state.parse_time(vault.meta(state.K_LAST_CONTACT))
    assert abs(last - (_now() - DAY)) < timedelta(minutes=5)
    assert state.lease_state(vault) == "ok"
    assert abs(state.lease_until(vault) - (_now() + 29 * DAY)) < timedelta(minutes=5)


def test_a_status_behind_makes_one_bundle_whose_receipt_can_correct_the_contact(vault, server_keys, stick):
    helpers.enroll(vault, server_keys)
    mini = helpers.MiniServer(server_keys)
    mini.enroll(vault)
    export_to(vault, stick)
    mini.import_stick(stick)
    import_receipts(vault, stick)  # nothing waiting for a receipt
    apply_status(vault, _status(server_keys, vault, _now() + 400 * DAY))
    assert outbox.prepare(vault) == []  # sync's own bookkeeping makes no bundle
    apply_status(vault, _status(server_keys, vault, _now()))  # behind the last contact
    apply_status(vault, _status(server_keys, vault, _now()))  # asked once only
    assert len(outbox.prepare(vault)) == 1
    (item,) = outbox.outstanding(vault)
    assert item.revision_count == 0 and item.audit_count >= 1
