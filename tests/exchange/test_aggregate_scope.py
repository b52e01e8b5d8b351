"""Aggregate packages: only closed quarters (by the server's UTC clock), so two packages of
the same quarter cannot differ by the persons recorded in between; and an institution's
supervisor sends its own institution's figures (the dashboard's institution filter), one
without an institution (national scope) everyone's. Every person is fictional."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from intake_app.i18n import describe_error
from intake_app.server.exchange import incoming, outgoing
from intake_app.server.exchange.aggregate import check_closed, current_quarter
from intake_app.server.exchange.errors import AggregatePeriodNotClosed

from .conftest import person
from .test_cli_words import cli, files  # noqa: F401  (files: a fixture)


def last_closed_day() -> date:
    """The middle of the quarter before the running one."""
    today = date.today()
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return start - timedelta(days=45)


def quarter_of(d: date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def test_only_closed_quarters_by_the_calendar():
    check_closed("2026-Q4", "2026-Q4", today=date(2027, 1, 1))  # closed the day after it ends
    for period, last, today in (("2026-Q4", "2026-Q4", date(2026, 12, 31)), ("2027", "2027-Q4", date(2026, 12, 31)),
                                ("2026-Q1..2026-Q4", "2026-Q4", date(2026, 10, 1))):
        with pytest.raises(AggregatePeriodNotClosed) as info:
            check_closed(period, last, today=today)
        assert info.value.params["current"] == "2026-Q4" and info.value.params["last_closed"] == "2026-Q3"
    assert current_quarter(date(2026, 3, 31)) == "2026-Q1" and current_quarter(date(2026, 4, 1)) == "2026-Q2"


def test_the_running_and_future_quarters_are_refused(pair, files, capsys):  # noqa: F811
    cr, _ = pair
    now, closed = current_quarter(), quarter_of(last_closed_day())
    for period in (now, f"{closed}..{now}", str(date.today().year + 1)):
        with pytest.raises(AggregatePeriodNotClosed) as info:
            outgoing.prepare_aggregate(cr.engine, "pa_uia", period, actor="user:sup.uno")
        words = describe_error(info.value, "es")
        assert "trimestre en curso" in words and closed in words and "UTC" in words
    code, out = cli(capsys, files, cr, "exchange", "prepare", "--recipient", "pa_uia", "--period", now,
                    "--supervisor", "sup.uno")
    assert code != 0 and "trimestre en curso" in out and "exchange_prepared" not in cr.audit_actions(), out
    assert cr.count("exchange_packages") == 0
    assert outgoing.prepare_aggregate(cr.engine, "pa_uia", closed, actor="user:sup.uno").status == "prepared"


def _persons(cr, pa, institution):
    pkg = outgoing.prepare_aggregate(cr.engine, "pa_uia", quarter_of(last_closed_day()), actor="user:sup.uno",
                                     institution=institution)
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor",
                     institution=institution)
    data = outgoing.export(cr.engine, pkg.package_id, actor="user:sup.dos", institution=institution)
    result = incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    block, = incoming.received_tables(pa.engine, result.package_id)["quarters"]
    return block["persons"]


def test_an_institutions_aggregate_counts_its_own_cases(pair):
    cr, pa = pair
    day = last_closed_day().isoformat()
    cr.laptop().save([person(n, record_date=day) for n in range(12)] +
                     [person(100 + n, record_date=day, institution="pani") for n in range(12)])
    assert _persons(cr, pa, "eri") == 12
    assert _persons(cr, pa, "pani") == 12
    assert _persons(cr, pa, None) == 24  # national scope: every institution's
