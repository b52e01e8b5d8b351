"""The accreditation view's median is shown only beside a band table that hides nothing: a
median of 7.5 between two hidden bands of 12 persons pinned both (six and six)."""

from __future__ import annotations

from intake_app.server.dashboard import views
from intake_app.server.dashboard.filters import Filters

from .conftest import TODAY, people

ACCREDITED = dict(tr_acts=["recruitment"], tr_means=["deception"], tr_purposes=["sexual_exploitation"],
                  trafficking_status="actual", status_decided_by="government_non_police")


def accredited(n: int, days: int, day: str = "2026-02-02") -> list[dict]:
    return people(n, "woman", day=day, accreditation_date=f"2026-02-{2 + days:02d}", **ACCREDITED)


def build(dash, **f):
    with dash.engine.connect() as conn:
        return views.build(conn, "accreditation", Filters(**f), today=TODAY)


def test_median_hidden_beside_hidden_bands(dash):
    dash.load(accredited(6, 7) + accredited(6, 8) + people(20, "man", day="2026-02-02"))
    r = build(dash)
    bands = {row.code: row.cells[0] for row in r.tables[0].rows}
    assert bands["0-7"] == "<11" and bands["8-14"] == "<11" and bands["__total__"] == "12"
    kpi = r.kpis[0]
    assert kpi["value"] is None  # 7.5 would give both bands away
    assert kpi["hidden"].startswith("No se muestra: la tabla oculta alguna franja")
    en = build(dash, lang="en").kpis[0]
    assert en["value"] is None and en["hidden"].startswith("Not shown: the table hides a band")


def test_median_shown_when_no_band_is_hidden(dash):
    dash.load(accredited(12, 7) + accredited(11, 8))
    r = build(dash)
    assert not r.tables[0].hidden
    assert r.kpis[0]["value"] == "7\u00a0días"


def test_median_hidden_for_fewer_than_11_says_so(dash):
    dash.load(accredited(5, 7) + people(20, "man", day="2026-02-02"))
    kpi = build(dash).kpis[0]
    assert kpi["value"] is None and kpi["hidden"].startswith("No se muestra: menos de 11")
