"""A laptop that synced while its own clock was 400 days behind, whose clock is then put right:
the offset learnt at that sync makes the lease look expired. A receipt (a USB round trip, or
online) proves that offset too high (it was signed after a bundle this clock built) and lowers
it; the last contact, the lease's floor, stays (docs/sync.md "A clock that was wrong at the last
sync"). Until then the refusal says what happened. The real server on 127.0.0.1, the laptop's
clock moved in-process. FICTIONAL data only."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from intake_app import i18n
from intake_app.sync import export_to, import_receipts, outbox, push, state
from intake_app.sync.errors import LeaseExpired
from tests.conftest import load_sample

from .test_sync_server_clock import _Shifted

DAY = timedelta(days=1)


def _save(vault, tag):
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": f"Ana{tag} FICTICIA"})


def _import_stick(srv, stick):
    from intake_app.server.ingest import Ingestor
    from intake_app.server.usb import import_dir

    return import_dir(srv.engine, Ingestor(srv.engine, srv.keystore), srv.keystore, stick)


def _now():
    return datetime.now(timezone.utc)


def _synced_with_the_clock_behind(real_server, vault, monkeypatch):
    real_server.enroll(vault)
    _save(vault, 1)
    real = state.utc_now
    with monkeypatch.context() as m:
        m.setattr(state, "utc_now", lambda: real() - 400 * DAY)  # this laptop's clock, 400 days behind
        assert push(vault, real_server.url).delivered == [1]
        assert state.lease_state(vault) == "ok"
    assert int(vault.meta(state.K_CLOCK_OFFSET)) > 399 * 86400
    last = vault.meta(state.K_LAST_CONTACT)
    # the clock put right: the offset of that sync makes it look 400 days later
    assert state.lease_state(vault) == "expired"
    with pytest.raises(LeaseExpired) as refused:
        state.check_lease_for_new_intake(vault)
    return last, refused.value


def test_a_usb_round_trip_after_the_clock_was_put_right_lifts_the_refusal(real_server, vault, stick, monkeypatch):
    last, refused = _synced_with_the_clock_behind(real_server, vault, monkeypatch)
    words = i18n.describe_error(refused, "es")
    assert "atrasado" in words and "USB" in words
    assert "behind" in i18n.describe_error(refused, "en")
    _save(vault, 2)  # (the desktop and `intake case add` refuse; the audit log alone makes a bundle too)
    export_to(vault, stick)
    _import_stick(real_server, stick)
    report = import_receipts(vault, stick)
    assert [a.sequence for a in report.delivered] == [2]
    assert report.lease_state == "ok"  # said after the receipts, not from the stick's status alone
    state.check_lease_for_new_intake(vault)  # a new intake is not refused
    assert 0 <= int(vault.meta(state.K_CLOCK_OFFSET)) < 600
    assert state.parse_time(vault.meta(state.K_LAST_CONTACT)) >= state.parse_time(last)  # the floor stays
    assert abs(state.lease_until(vault) - (_now() + 30 * DAY)) < timedelta(minutes=5)


def test_an_audit_only_bundle_does_it_too(real_server, vault, stick, monkeypatch):
    _synced_with_the_clock_behind(real_server, vault, monkeypatch)
    vault.audit.append(vault.officer.id, "case_view")  # an unlock, a view: what the refused laptop still makes
    export_to(vault, stick)
    (item,) = outbox.outstanding(vault)
    assert item.revision_count == 0
    _import_stick(real_server, stick)
    import_receipts(vault, stick)
    assert state.lease_state(vault) == "ok"


def test_a_receipt_for_a_bundle_built_before_the_sync_does_not_lower_it(vault, server_keys, stick, monkeypatch):
    """Older evidence than the live contact says nothing of the clock now: a bundle built with the
    clock right, then the clock set back and a sync that learnt that (a receipt read in the same
    sync must not undo it: the lease would never run out offline)."""
    from intake_app.bundle.status import make_status
    from intake_app.sync.status import apply_status

    from . import helpers

    monkeypatch.setattr(helpers, "datetime", _Shifted)
    helpers.enroll(vault, server_keys)
    mini = helpers.MiniServer(server_keys)
    mini.enroll(vault)
    _save(vault, 1)
    export_to(vault, stick)  # bundle 1, built with the clock right
    mini.import_stick(stick)
    real = state.utc_now
    monkeypatch.setattr(state, "utc_now", lambda: real() - 400 * DAY)  # then set back 400 days
    now = _now()
    apply_status(vault, make_status(server_keys=server_keys, device_id=vault.device_id, revoked=False,
                                    lease_until=helpers.utc(now + 30 * DAY), server_time=helpers.utc(now)))
    offset = int(vault.meta(state.K_CLOCK_OFFSET))
    assert offset > 399 * 86400
    import_receipts(vault, stick)  # bundle 1's receipt
    assert int(vault.meta(state.K_CLOCK_OFFSET)) == offset
    monkeypatch.setattr(state, "utc_now", lambda: real() - 400 * DAY + 40 * DAY)  # 40 days on, still set back
    assert state.lease_state(vault) == "expired"


def test_a_bundle_built_with_the_clock_ahead_never_lowers_it_below_zero(vault, server_keys, stick, monkeypatch):
    """A clock set ahead to build, then set back: a receipt never makes the lease be judged
    earlier than this laptop's own clock."""
    from . import helpers

    helpers.enroll(vault, server_keys)
    mini = helpers.MiniServer(server_keys)
    mini.enroll(vault)
    real = state.utc_now
    with monkeypatch.context() as m:
        m.setattr(state, "utc_now", lambda: real() + 400 * DAY)
        _save(vault, 1)
        export_to(vault, stick)
    mini.import_stick(stick)
    import_receipts(vault, stick)
    assert int(vault.meta(state.K_CLOCK_OFFSET) or 0) == 0
    monkeypatch.setattr(state, "utc_now", lambda: real() + 31 * DAY)
    assert state.lease_state(vault) == "expired"


def test_the_command_line_says_why_and_the_stick_round_trip_puts_it_right(real_server, vault, home,
                                                                          passphrase_file, stick, capsys,
                                                                          monkeypatch):
    from .test_cli import run

    _synced_with_the_clock_behind(real_server, vault, monkeypatch)
    vault.close()
    base = ["--home", home, "--passphrase-file", passphrase_file]
    code, out, err = run(capsys, *base, "sync", "status")
    assert code == 0 and "iba atrasado" in out, out
    code, out, err = run(capsys, *base, "sync", "export", "--to", stick)  # this run's unlock: a bundle
    assert code == 0, err
    _import_stick(real_server, stick)
    code, out, err = run(capsys, *base, "sync", "receipts", "--from", stick)
    assert code == 0 and "Plazo sin conexión: vigente." in out, out
    code, out, err = run(capsys, *base, "sync", "status")
    assert "vigente" in out and "vencido" not in out, out
