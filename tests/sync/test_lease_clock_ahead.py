"""A laptop whose clock was far AHEAD at its last live sync: the clock offset learnt then is
negative. Put right afterwards, that offset would take 400 days off this clock, and the lease
(until when the laptop may keep working offline) would never run out offline. The lease is
judged no earlier than this laptop's own clock: it runs out no later than with a correct clock,
and a clock that was merely put right is not locked out (docs/sync.md "A clock that was ahead
at the last sync"). The real server on 127.0.0.1, the laptop's clock moved in-process.
FICTIONAL data only."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from intake_app import i18n
from intake_app.sync import push, state
from intake_app.sync.errors import LeaseExpired
from tests.conftest import load_sample

DAY = timedelta(days=1)


def _save(vault, tag):
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": f"Ana{tag} FICTICIA"})


def _now():
    return datetime.now(timezone.utc)


def _clock(monkeypatch, shift: timedelta) -> None:
    """This laptop's clock, ``shift`` away from the real time."""
    real = _now
    monkeypatch.setattr(state, "utc_now", lambda: real() + shift)


def _synced_with_the_clock_ahead(real_server, vault, monkeypatch, ahead: timedelta):
    real_server.enroll(vault)
    _save(vault, 1)
    with monkeypatch.context() as m:
        _clock(m, ahead)
        assert push(vault, real_server.url).delivered == [1]
    assert int(vault.meta(state.K_CLOCK_OFFSET)) < -(ahead - timedelta(minutes=5)).total_seconds()


def test_a_clock_put_right_after_a_sync_400_days_ahead_lets_the_lease_run_out(real_server, vault, monkeypatch):
    _synced_with_the_clock_ahead(real_server, vault, monkeypatch, 400 * DAY)
    # the clock put right: not locked out
    assert state.lease_state(vault) == "ok"
    state.check_lease_for_new_intake(vault)
    # 29 days on, offline: expiring, as with a correct clock
    _clock(monkeypatch, 29 * DAY)
    assert state.lease_state(vault) == "expiring"
    # 31 days on: the server's 30-day lease ran out, new intakes wait for a sync
    _clock(monkeypatch, 31 * DAY)
    assert state.lease_state(vault) == "expired"
    with pytest.raises(LeaseExpired) as refused:
        state.check_lease_for_new_intake(vault)
    # this laptop cannot tell a clock put right from one still ahead: the words cover both
    assert refused.value.params.get("reason") == "clock_ahead"
    assert "si son correctas, el plazo sí venció" in i18n.describe_error(refused.value, "es")
    # a year on it still has
    _clock(monkeypatch, 365 * DAY)
    assert state.lease_state(vault) == "expired"


def test_a_small_lead_does_not_stretch_the_lease_either(real_server, vault, monkeypatch):
    _synced_with_the_clock_ahead(real_server, vault, monkeypatch, timedelta(hours=6))
    until = state.lease_until(vault)
    assert abs(until - (_now() + 30 * DAY)) < timedelta(minutes=5)
    _clock(monkeypatch, (until - _now()) + timedelta(minutes=1))  # a correct clock just past the lease
    assert state.lease_state(vault) == "expired"


def test_a_clock_still_ahead_is_refused_and_told_to_set_the_time(real_server, vault, monkeypatch):
    _synced_with_the_clock_ahead(real_server, vault, monkeypatch, 400 * DAY)
    _clock(monkeypatch, 400 * DAY)  # never put right
    assert state.lease_state(vault) == "expired"
    with pytest.raises(LeaseExpired) as refused:
        state.check_lease_for_new_intake(vault)
    assert refused.value.params.get("reason") == "clock_ahead"
    words = i18n.describe_error(refused.value, "es")
    assert "adelantado" in words and "hora" in words
    assert "ahead" in i18n.describe_error(refused.value, "en")
    # the clock set right: the lease the server gave holds again
    _clock(monkeypatch, timedelta(0))
    assert state.lease_state(vault) == "ok"
    # and the next live sync learns an offset of about zero
    assert push(vault, real_server.url).lease_state == "ok"
    assert abs(int(vault.meta(state.K_CLOCK_OFFSET))) < 600


def test_the_command_line_says_the_clock_was_ahead(real_server, vault, monkeypatch):
    """``intake sync status`` words a lease expired only by this clock, ahead at the last sync,
    as the refusal of a new intake does (diff review)."""
    from intake_app.cli.sync_cmds import _lease

    _synced_with_the_clock_ahead(real_server, vault, monkeypatch, 400 * DAY)
    _clock(monkeypatch, 31 * DAY)
    words = _lease(state.lease_state(vault), vault)
    assert words.startswith("vencido según el reloj de este equipo") and "adelantado" in words
    assert _lease("expired") == i18n.t("sync_cli.lease_expired")  # without the vault: the general words
