"""The lease is the server's (docs/sync.md "Lease and revocation"): a live signed status sets
it and teaches its length; a receipt extends it by that length (not a fixed 30 days), and
only when it is later than the status that set the lease; a laptop clock set back cannot
make it look longer than the server gave at the last contact. FICTIONAL data only."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from intake_app.bundle.status import make_status
from intake_app.sync import export_to, import_receipts, push, state
from intake_app.sync.status import apply_status
from tests.conftest import load_sample

from . import helpers
from .conftest import LoopbackServer

DAY = 86400.0


def _days_left(vault) -> float:
    return (state.lease_until(vault) - datetime.now(timezone.utc)).total_seconds() / DAY


def _save(vault, tag):
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": f"Ana{tag} FICTICIA"})


def test_online_the_servers_lease_days_win_over_the_receipts(tmp_path, vault):
    from intake_app.server.app import create_app

    srv = LoopbackServer(tmp_path / "srv5", start=False)
    try:
        srv.settings = dataclasses.replace(srv.settings, lease_days=5)
        srv.app = create_app(srv.settings, srv.keystore, srv.engine)
        srv.start()
        srv.enroll(vault)
        assert 4.9 < _days_left(vault) <= 5.0
        _save(vault, 1)
        assert push(vault, srv.url).delivered == [1]  # status, then the upload's receipt
        assert 4.9 < _days_left(vault) <= 5.01, _days_left(vault)
        assert state.lease_length(vault) == timedelta(days=5)
    finally:
        srv.close()


class _Shifted(datetime):
    """The stand-in server's clock (tests.sync.helpers), moved by ``shift``."""

    shift = timedelta(0)

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + cls.shift


def test_receipts_by_usb_extend_by_the_servers_length_never_past_a_later_status(vault, server_keys, stick,
                                                                             monkeypatch):
    monkeypatch.setattr(helpers, "datetime", _Shifted)
    helpers.enroll(vault, server_keys, lease_days=5)
    mini = helpers.MiniServer(server_keys)
    mini.enroll(vault)

    def deliver(tag, shift):
        _Shifted.shift = shift
        _save(vault, tag)
        export_to(vault, stick)
        mini.import_stick(stick)
        return import_receipts(vault, stick)

    deliver(1, timedelta(0))
    assert 4.9 < _days_left(vault) <= 5.01  # the enrollment's length, not 30 days
    # the server now gives 3 days: a live status says so (it may shorten)
    now = datetime.now(timezone.utc)
    apply_status(vault, make_status(server_keys=server_keys, device_id=vault.device_id, revoked=False,
                                    lease_until=helpers.utc(now + timedelta(days=3)), server_time=helpers.utc(now)))
    assert 2.9 < _days_left(vault) <= 3.0
    # a receipt made before that status (an old stick): the status's word stands
    deliver(2, timedelta(hours=-1))
    assert 2.9 < _days_left(vault) <= 3.0
    # a receipt made after it: a new contact, extended by the status's length (3 days)
    deliver(3, timedelta(days=1))
    assert 3.9 < _days_left(vault) <= 4.01, _days_left(vault)


def test_a_clock_set_back_cannot_stretch_the_lease(vault, server_keys, monkeypatch):
    helpers.enroll(vault, server_keys, lease_days=5)
    assert state.lease_state(vault) == "expiring"  # 5 days: within the last 7
    real = state.utc_now
    monkeypatch.setattr(state, "utc_now", lambda: real() - timedelta(days=60))
    # judged at the last contact at the earliest: still 5 days, not 65
    assert state.lease_state(vault) == "expiring"
    assert state.lease_now(vault) >= real() - timedelta(minutes=1)
