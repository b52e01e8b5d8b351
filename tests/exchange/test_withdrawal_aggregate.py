"""Consent withdrawn at the sender travels as a signed notice and is honoured at the
recipient; aggregate packages carry the dashboard's suppressed tables and no record."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest

from intake_app.i18n import describe_error
from intake_app.server.exchange import envelope, incoming, outgoing
from intake_app.server.exchange.aggregate import aggregate_tables, parse_period, quarters_between
from intake_app.server.exchange.errors import AggregatePeriodInvalid, ReceivedCaseWithdrawn, \
    RefusedRecipientNotCovered

from .conftest import person
from .test_refusals import referral


def test_consent_withdrawal_reaches_the_recipient(pair):
    cr, pa = pair
    laptop = cr.laptop()
    keep, withdraw = laptop.save([person(11), person(12)])
    data = referral(cr, [keep, withdraw])
    incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    assert outgoing.due_withdrawals(cr.engine) == {}

    # the person withdraws consent for the other country: a new revision at the sender
    laptop.save([person(12, recipients=["services"])], [withdraw])
    due = outgoing.due_withdrawals(cr.engine)
    assert [c for c, _ in due["pa_uia"]] == [withdraw]
    with pytest.raises(RefusedRecipientNotCovered) as info:  # the old package cannot be sent again
        outgoing.export(cr.engine, envelope.read_manifest(data).package_id, actor="operator")
    assert describe_error(info.value, "en").endswith("The package does not go out: nothing was sent.")
    notices = outgoing.prepare_withdrawals(cr.engine, cr.keystore, actor="operator")
    assert len(notices) == 1 and notices[0].kind == "withdrawal" and notices[0].case_count == 1
    assert outgoing.prepare_withdrawals(cr.engine, cr.keystore, actor="operator") == []  # once
    notice = outgoing.export(cr.engine, notices[0].package_id, actor="operator")
    assert envelope.read_manifest(notice).fields == ()

    result = incoming.import_package(pa.engine, pa.keystore, notice, actor="operator")
    assert result.kind == "withdrawal" and result.withdrawn == 1
    shown = {r["sender_case_id"] for r in incoming.list_received_cases(pa.engine)}
    assert shown == {keep}  # no longer listed
    rows = {r["sender_case_id"]: r for r in incoming.list_received_cases(pa.engine, include_withdrawn=True)}
    with pytest.raises(ReceivedCaseWithdrawn):
        incoming.open_received_case(pa.engine, rows[withdraw]["id"], actor="user:sup.uno")
    with pa.engine.connect() as conn:  # erased, not just hidden
        content = conn.exec_driver_sql("SELECT content FROM exchange_received_cases WHERE sender_case_id = ?",
                                       (withdraw,)).scalar_one()
    assert json.loads(content) == {}
    assert incoming.open_received_case(pa.engine, rows[keep]["id"], actor="user:sup.uno")["content"]
    assert "exchange_withdrawal_prepared" in cr.audit_actions()
    assert {"exchange_open_refused", "exchange_received"} <= set(pa.audit_actions())


    # the person consents again, is sent again, and withdraws again: a second notice is due
    laptop.save([person(12)], [withdraw])
    assert outgoing.due_withdrawals(cr.engine) == {}
    incoming.import_package(pa.engine, pa.keystore, referral(cr, [withdraw]), actor="operator")
    assert withdraw in {r["sender_case_id"] for r in incoming.list_received_cases(pa.engine)}
    laptop.save([person(12, recipients=["services"])], [withdraw])
    assert [c for c, _ in outgoing.due_withdrawals(cr.engine)["pa_uia"]] == [withdraw]
    (again,) = outgoing.prepare_withdrawals(cr.engine, cr.keystore, actor="operator")
    notice = outgoing.export(cr.engine, again.package_id, actor="operator")
    assert incoming.import_package(pa.engine, pa.keystore, notice, actor="operator").withdrawn == 1
    assert withdraw not in {r["sender_case_id"] for r in incoming.list_received_cases(pa.engine)}
    assert outgoing.due_withdrawals(cr.engine) == {}


def test_aggregate_package_carries_suppressed_tables_and_no_record(pair):
    cr, pa = pair
    closed = date.today() - timedelta(days=100)  # in closed quarters only: the running one is refused
    contents = [person(n, gender="male" if n % 3 else "female", record_date=(closed - timedelta(days=n)).isoformat())
                for n in range(30)]
    case_ids = cr.laptop().save(contents)
    def quarter(d: str) -> str:
        return f"{d[:4]}-Q{(int(d[5:7]) - 1) // 3 + 1}"

    dates = sorted(c["record_date"] for c in contents)
    period = f"{quarter(dates[0])}..{quarter(dates[-1])}"
    pkg = outgoing.prepare_aggregate(cr.engine, "pa_uia", period, actor="user:analista")
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.uno", approver_role="supervisor")
    data = outgoing.export(cr.engine, pkg.package_id, actor="user:sup.uno")
    result = incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    assert result.kind == "aggregate" and result.cases == 0
    tables = incoming.received_tables(pa.engine, result.package_id)
    text = json.dumps(tables, ensure_ascii=False)
    for cid, c in zip(case_ids, contents):  # no case id, no name, no document anywhere
        assert cid not in text and c["given_names"] not in text and c["document_number"] not in text
    assert pa.count("exchange_received_cases") == 0
    blocks = tables["quarters"]
    assert [b["quarter"] for b in blocks] == quarters_between(quarter(dates[0]), quarter(dates[-1]))
    by_quarter = Counter(quarter(c["record_date"]) for c in contents)
    for block in blocks:  # each quarter on its own: too few persons, nothing at all
        n = by_quarter[block["quarter"]]
        assert block["too_few"] == (n < 11) and block["persons"] == (n if n >= 11 else None)
        assert bool(block["views"]) == (n >= 11)
        for view in block["views"].values():
            for table in view:
                for row in table["rows"]:
                    for cell in row["cells"]:
                        if cell.isdigit():
                            assert int(cell) == 0 or int(cell) >= 11, (table["id"], row["code"], cell)


def test_overlapping_aggregate_packages_cannot_be_subtracted(pair):
    """A quarter withheld as too small stays withheld in a package for a longer period: there
    is no multi-quarter total to subtract another package from."""
    cr, _ = pair
    today = date.today() - timedelta(days=92)  # a day of the last closed quarter (the running one is refused)
    this_q = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)  # first day of that quarter
    before = start - timedelta(days=45)  # the middle of the quarter before it
    prev_q = f"{before.year}-Q{(before.month - 1) // 3 + 1}"
    many = [person(n, record_date=(before + timedelta(days=n % 20)).isoformat()) for n in range(20)]
    few = [person(100 + n, record_date=start.isoformat(), citizenship="NP") for n in range(3)]
    cr.laptop().save(many + few)

    def sealed(period):
        pkg = outgoing.prepare_aggregate(cr.engine, "pa_uia", period, actor="user:sup.uno")
        with cr.engine.connect() as conn:
            return aggregate_tables(conn, outgoing.get_package(cr.engine, pkg.package_id).spec)

    one, both = sealed(prev_q), sealed(f"{prev_q}..{this_q}")
    assert one["quarters"][0] == both["quarters"][0]  # the same block in both packages
    assert both["quarters"][1] == {"quarter": this_q, "too_few": True, "persons": None, "views": {}}
    assert "persons" not in both and "views" not in both  # no total over the period


def test_aggregate_periods():
    assert parse_period("2026") == ("2026-Q1", "2026-Q4")
    assert parse_period("2026-Q3") == ("2026-Q3", "2026-Q3")
    assert parse_period("2025-Q4..2026-Q2") == ("2025-Q4", "2026-Q2")
    assert quarters_between("2025-Q3", "2026-Q2") == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    for bad in ("2026-Q5", "ayer", "2026-Q3..2026-Q1", "", "2000-Q1..2026-Q4"):
        with pytest.raises(AggregatePeriodInvalid):
            parse_period(bad)
