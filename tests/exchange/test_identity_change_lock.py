"""On PostgreSQL, an identity change and an approval do not interleave: the identity row is
locked (FOR UPDATE by the change, FOR SHARE where a package is sealed), so an approval that
commits while the change is checking either is seen by the check (the change is refused) or
waits and is sealed under the new name. Never sealed under a name that no longer is the
server's (a withdrawal would be stranded). FICTIONAL data."""

from __future__ import annotations

import threading

import pytest

from intake_app.server.exchange import envelope, outgoing, registry
from intake_app.server.exchange.errors import IdentityChangeStrandsWithdrawals

from .conftest import person


@pytest.fixture
def on_pg(make_on_pg, make):
    """(CR on PostgreSQL, PA on SQLite), each trusting the other's keys."""
    cr, pa = make_on_pg("cr", "cr_eri"), make("pa", "pa_uia")
    cr.trust(pa)
    pa.trust(cr)
    return cr, pa


def _prepared(cr):
    case_id, = cr.laptop().save([person(21)])
    return outgoing.prepare_referral(cr.engine, "pa_uia", "services", [case_id], actor="user:sup.uno")


def _approve_in_thread(cr, pkg, errors):
    def run():
        try:
            outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos",
                             approver_role="supervisor")
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)
    t = threading.Thread(target=run)
    t.start()
    return t


def test_an_approval_during_the_identity_check_is_sealed_under_the_new_name(on_pg, monkeypatch):
    cr, _ = on_pg
    pkg = _prepared(cr)
    real, errors, threads = registry.withdrawable, [], []

    def racing(conn):  # the change has read the identity and counted: an approval comes now
        got = real(conn)
        threads.append(_approve_in_thread(cr, pkg, errors))
        threads[0].join(3)  # without the lock it commits here, sealed under the old name
        return got

    monkeypatch.setattr(registry, "withdrawable", racing)
    registry.set_self_key(cr.engine, "cr_dgme", actor="operator", confirmed=True)
    monkeypatch.setattr(registry, "withdrawable", real)
    threads[0].join(30)
    assert not threads[0].is_alive() and not errors
    data = bytes(outgoing.export(cr.engine, pkg.package_id, actor="user:sup.dos"))
    assert registry.self_entry(cr.engine).key == "cr_dgme"
    assert envelope.read_manifest(data).sender == "cr_dgme"


def test_an_identity_change_during_an_approval_sees_it_and_is_refused(on_pg, monkeypatch):
    cr, _ = on_pg
    pkg = _prepared(cr)
    real_seal, started, results = outgoing._seal, threading.Event(), []

    def slow_seal(conn, *a, **kw):  # the approval holds the identity (read to seal under it)
        out = real_seal(conn, *a, **kw)
        started.set()
        threading.Event().wait(1.5)
        return out

    monkeypatch.setattr(outgoing, "_seal", slow_seal)
    t = _approve_in_thread(cr, pkg, results)
    assert started.wait(30)

    def change():
        try:
            registry.set_self_key(cr.engine, "cr_dgme", actor="operator", confirmed=True)
            results.append("changed")
        except IdentityChangeStrandsWithdrawals:
            results.append("refused")
    c = threading.Thread(target=change)
    c.start()
    t.join(30)
    c.join(30)
    assert results == ["refused"]
    assert registry.self_entry(cr.engine).key == "cr_eri"
    assert outgoing.get_package(cr.engine, pkg.package_id).status == "approved"
