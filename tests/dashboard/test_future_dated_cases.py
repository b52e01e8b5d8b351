"""A case dated after the server's current quarter (a laptop whose clock runs ahead: ingest
accepts it by design) moves no default: the default period, the quarters offered and an
open-ended «Desde» stop at the current quarter, and the page says how many cases are dated
later. On SQLite and PostgreSQL, through the real server's pages. Every person is fictional."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from intake_app.server.dashboard import views
from intake_app.server.dashboard.filters import Filters
from intake_app.server.exchange.aggregate import aggregate_tables

from .conftest import TODAY, person
from .data import known

FAR = "2999-12-30"  # the reviewer's laptop whose clock said 2999-12-31


def build(dash, view="overview", **filters):
    with dash.engine.connect() as conn:
        return views.build(conn, view, Filters(**filters), today=TODAY)


def overview(result) -> dict:
    return {r.label: r.cells for r in result.tables[0].rows}


def test_a_future_case_moves_no_default_period(dash):
    dash.load(known())  # 67 persons in 2026-Q1; today (TODAY) is in 2026-Q4
    before = build(dash)
    dash.load([person("woman", day="2027-08-30"), person("man", day=FAR)], prefix="ahead")
    r = build(dash)
    assert r.period.quarters == before.period.quarters == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    assert not r.too_few and overview(r) == overview(before)  # no false drop, no "fewer than 11"
    assert r.quarters == ["2026-Q1"]  # the quarters offered: none after the current one
    assert (r.now_quarter, r.later) == ("2026-Q4", 2)
    # an open «Desde» ends at the latest quarter up to now, so it is not "too long"
    r = build(dash, period_from="2024-Q1")
    assert (r.period.first, r.period.last) == ("2024-Q1", "2026-Q1")
    for view in views.VIEWS:
        assert not build(dash, view).too_few, view
    # asked for by name, a later quarter is still shown (here: too few to show)
    r = build(dash, period_from="2999-Q4", period_to="2999-Q4")
    assert r.period.quarters == ["2999-Q4"] and r.too_few


def test_the_default_period_still_ends_at_the_latest_past_data(dash):
    dash.load(known())
    dash.load([person("woman", day="2026-11-02") for _ in range(12)], prefix="now")  # this quarter
    dash.load([person("woman", day="2027-01-05")], prefix="ahead")
    r = build(dash)
    assert r.period.quarters == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"] and r.persons == 67 + 12 and r.later == 1
    assert build(dash, period_from="2026-Q3").period.quarters == ["2026-Q3", "2026-Q4"]


def test_the_page_says_how_many_cases_are_dated_later(dash):
    today = datetime.now(timezone.utc).date()  # the pages use the server's clock
    ahead = (today + timedelta(days=400)).isoformat()
    dash.load(known())
    client = dash.client("analyst")
    page = client.get("/dashboard/")
    assert page.status_code == 200 and 'id="later-note"' not in page.text  # only when there are such cases
    dash.load([person("woman", day=ahead), person("man", day=FAR)], prefix="ahead")
    page = client.get("/dashboard/")
    assert page.status_code == 200, page.text
    assert "Menos de 11" not in page.text and "Periodo T2\u00a02025 a T1\u00a02026" in page.text
    assert 'value="2999-Q4"' not in page.text and f'value="{ahead[:4]}-Q' not in page.text
    assert 'id="later-note"' in page.text
    assert "Fuera de estas cifras: 2 casos con una fecha posterior al trimestre en curso" in page.text
    page = client.get("/dashboard/sex?lang=en")
    assert "Not in these figures: 2 cases dated after the current quarter" in page.text
    page = client.get("/dashboard/?from=2024-Q1")
    assert page.status_code == 200 and "Periodo T1\u00a02024 a T1\u00a02026" in page.text
    page = client.get("/dashboard/?from=2999-Q4&to=2999-Q4")  # a period that holds them: no note
    assert page.status_code == 200 and 'id="later-note"' not in page.text


def test_one_later_case_is_said_in_the_singular(dash):
    dash.load(known())
    dash.load([person("woman", day=FAR)], prefix="ahead")
    page = dash.client("analyst").get("/dashboard/quarters")
    assert "Fuera de estas cifras: 1 caso con una fecha posterior" in page.text and "No se ha perdido" in page.text


def test_an_aggregate_package_is_not_moved_by_a_future_case(dash):
    """The exchange's package covers the closed quarters it is asked for by name (no default
    from the data): a later case changes none of its blocks."""
    dash.load(known())
    spec = {"period": "2026-Q1", "from": "2026-Q1", "to": "2026-Q1"}
    with dash.engine.connect() as conn:
        before = aggregate_tables(conn, spec)
    dash.load([person("woman", day=FAR)], prefix="ahead")
    with dash.engine.connect() as conn:
        assert aggregate_tables(conn, spec) == before
    assert not before["quarters"][0]["too_few"]
