"""A consent-withdrawal notice that arrives before the referral it withdraws: the referral,
imported afterwards, is stored withdrawn (content erased, never readable). A referral sent
after the person consented again is not touched by the old notice. Migration 0008 keeps
(and backfills) what notices named. Every person is fictional."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text

from intake_app.server.db import make_engine
from intake_app.server.exchange import envelope, incoming, outgoing
from intake_app.server.exchange.errors import ReceivedCaseWithdrawn
from intake_app.server.migrate import downgrade, schema_diff, upgrade

from .conftest import person
from .test_refusals import referral


def test_a_notice_imported_before_its_referral_withdraws_the_referral(pair):
    cr, pa = pair
    laptop = cr.laptop()
    keep, withdraw = laptop.save([person(41), person(42)])
    first = referral(cr, [keep, withdraw])  # sent, but still on its way to PA
    laptop.save([person(42, recipients=["services"])], [withdraw])  # the person withdraws consent
    notice, = outgoing.prepare_withdrawals(cr.engine, cr.keystore, actor="operator")
    notice_bytes = outgoing.export(cr.engine, notice.package_id, actor="operator")

    # the notice travels faster than the referral
    assert incoming.import_package(pa.engine, pa.keystore, notice_bytes, actor="operator").withdrawn == 0
    result = incoming.import_package(pa.engine, pa.keystore, first, actor="operator")
    assert result.cases == 2 and result.withdrawn == 1
    assert {r["sender_case_id"] for r in incoming.list_received_cases(pa.engine)} == {keep}
    rows = {r["sender_case_id"]: r for r in incoming.list_received_cases(pa.engine, include_withdrawn=True)}
    assert rows[withdraw]["withdrawn"] and not rows[keep]["withdrawn"]
    with pytest.raises(ReceivedCaseWithdrawn):
        incoming.open_received_case(pa.engine, rows[withdraw]["id"], actor="user:sup.uno")
    with pa.engine.connect() as conn:  # erased, not just hidden
        content, by = conn.execute(text("SELECT content, withdrawn_by_notice FROM exchange_received_cases"
                                        " WHERE sender_case_id = :c"), {"c": withdraw}).one()
    assert (json.loads(content) if isinstance(content, str) else content) == {} and by == notice.package_id
    assert incoming.open_received_case(pa.engine, rows[keep]["id"], actor="user:sup.uno")["content"]

    # the person consents again and is referred again: the old notice does not touch the new referral
    laptop.save([person(42)], [withdraw])
    again = incoming.import_package(pa.engine, pa.keystore, referral(cr, [withdraw]), actor="operator")
    assert again.withdrawn == 0
    fresh = [r for r in incoming.list_received_cases(pa.engine) if r["sender_case_id"] == withdraw]
    assert len(fresh) == 1 and incoming.open_received_case(pa.engine, fresh[0]["id"], actor="user:sup.uno")["content"]


def test_a_notice_withdraws_only_the_referrals_it_names(pair):
    """Referred, withdrawn, consented again and referred again: the first notice, imported
    late (after both referrals), leaves the second referral readable."""
    cr, pa = pair
    laptop = cr.laptop()
    case, = laptop.save([person(43)])
    first = referral(cr, [case])
    laptop.save([person(43, recipients=["services"])], [case])
    notice, = outgoing.prepare_withdrawals(cr.engine, cr.keystore, actor="operator")
    notice_bytes = outgoing.export(cr.engine, notice.package_id, actor="operator")
    laptop.save([person(43)], [case])
    second = referral(cr, [case])
    for data in (first, second):
        incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    assert incoming.import_package(pa.engine, pa.keystore, notice_bytes, actor="operator").withdrawn == 1
    left = incoming.list_received_cases(pa.engine)
    assert len(left) == 1 and left[0]["package_id"] == envelope.read_manifest(second).package_id


def _migration_with_data(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine, "0007")
        now = datetime.now(timezone.utc)
        with engine.begin() as conn:  # a record withdrawn by a notice, another still current
            for i, (case, notice) in enumerate((("AAAA-BBBB-CCCC", "xp-notice"), ("DDDD-EEEE-FFFF", None))):
                conn.execute(text(
                    "INSERT INTO exchange_received_cases (package_id, sender_key, sender_case_id, revision_id,"
                    " codebook_version, purpose, basis, content, received_at, withdrawn, withdrawn_at,"
                    " withdrawn_by_notice) VALUES ('xp-ref', 'cr_eri', :c, :r, '1.0', 'services', 'consent',"
                    " '{}', :t, :w, :wt, :n)"),
                    {"c": case, "r": f"rev{i}", "t": now, "w": notice is not None, "wt": now if notice else None,
                     "n": notice})
        upgrade(engine)  # 0008: what the old notice named is kept
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT sender_key, sender_case_id, package_id, notice_id"
                                     " FROM exchange_received_withdrawals")).all()
        assert [tuple(r) for r in kept] == [("cr_eri", "AAAA-BBBB-CCCC", "xp-ref", "xp-notice")]
        assert schema_diff(engine) == []
        downgrade(engine, "0007")  # and back: the records survive
        assert "exchange_received_withdrawals" not in sa_inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM exchange_received_cases")).scalar_one() == 2
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0008_with_data_on_sqlite(tmp_path):
    _migration_with_data(f"sqlite:///{tmp_path / 'server.sqlite3'}")


def test_migration_0008_with_data_on_postgresql():
    from tests.pg import temp_databases

    with temp_databases("intake_xchg_migr") as (url,):
        _migration_with_data(url)
