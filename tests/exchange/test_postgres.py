"""The same exchange on PostgreSQL (the deployment database): the Costa Rican server on its
own freshly created database, the Panamanian one on another; dropped afterwards."""

from __future__ import annotations


import pytest

from intake_app.server.exchange import incoming, outgoing
from intake_app.server.exchange.errors import PackageAlreadyReceived, ReceivedCaseWithdrawn

from . import conftest
from .conftest import person
from .test_refusals import referral
from tests.pg import temp_databases  # noqa: E402



@pytest.fixture
def pg_urls():
    with temp_databases("intake_xchg_test", 2) as urls:
        yield urls


def test_referral_replay_and_withdrawal_on_postgresql(tmp_path, pg_urls, monkeypatch):
    made = []
    real_init = conftest.init_server

    def init_on_pg(home, db_url=None, **kw):
        return real_init(home, db_url=pg_urls[len(made)], **kw)

    monkeypatch.setattr(conftest, "init_server", init_on_pg)
    for name, identity in (("cr", "cr_eri"), ("pa", "pa_uia")):
        made.append(conftest.make_server(tmp_path, name, identity))
    cr, pa = made
    try:
        assert cr.engine.dialect.name == "postgresql"
        cr.trust(pa)
        pa.trust(cr)
        laptop = cr.laptop()
        keep, withdraw = laptop.save([person(31), person(32)])
        data = referral(cr, [keep, withdraw])
        assert incoming.import_package(pa.engine, pa.keystore, data, actor="operator").cases == 2
        with pytest.raises(PackageAlreadyReceived):
            incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
        laptop.save([person(32, recipients=["services"])], [withdraw])
        notice, = outgoing.prepare_withdrawals(cr.engine, cr.keystore, actor="operator")
        incoming.import_package(pa.engine, pa.keystore, outgoing.export(cr.engine, notice.package_id, actor="x"),
                                actor="operator")
        rows = {r["sender_case_id"]: r for r in incoming.list_received_cases(pa.engine, include_withdrawn=True)}
        assert rows[withdraw]["withdrawn"] and not rows[keep]["withdrawn"]
        with pytest.raises(ReceivedCaseWithdrawn):
            incoming.open_received_case(pa.engine, rows[withdraw]["id"], actor="operator")
    finally:
        for s in made:
            s.engine.dispose()


def test_the_same_package_imported_by_two_processes_at_once_is_stored_once(tmp_path, pg_urls, monkeypatch):
    """Several server processes over one PostgreSQL: two imports race, one wins, the other is
    told it is a replay; one row, never an internal error."""
    from concurrent.futures import ThreadPoolExecutor

    from intake_app.server.db import make_engine

    made = []
    real_init = conftest.init_server
    monkeypatch.setattr(conftest, "init_server",
                        lambda home, db_url=None, **kw: real_init(home, db_url=pg_urls[len(made)], **kw))
    for name, identity in (("cr", "cr_eri"), ("pa", "pa_uia")):
        made.append(conftest.make_server(tmp_path, name, identity))
    cr, pa = made
    engines = [make_engine(pa.settings.db_url) for _ in range(4)]
    try:
        cr.trust(pa)
        pa.trust(cr)
        data = referral(cr, cr.laptop().save([person(41), person(42)]))

        def one(engine):
            try:
                return incoming.import_package(engine, pa.keystore, data, actor="operator").cases
            except PackageAlreadyReceived:
                return "replay"

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(one, engines))
        assert sorted(results, key=str) == [2, "replay", "replay", "replay"]
        assert pa.count("exchange_received") == 1 and pa.count("exchange_received_cases") == 2
    finally:
        for e in engines:
            e.dispose()
        for s in made:
            s.engine.dispose()
