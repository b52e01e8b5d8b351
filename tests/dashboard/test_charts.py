"""The figures drawn from a protected table: a line chart never drops a hidden point
silently, the title lives in the downloads (not over the tool bar on screen). Counts are
fictional."""

from __future__ import annotations

from intake_app.server.dashboard.charts import _ticks, figure
from intake_app.server.dashboard.tables import columns_add_up

QUARTERS = [(q, q) for q in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")]
SERIES = [("persons", "Personas entrevistadas"), ("accredited", "Víctima acreditada")]


def line_table():
    cell = {}
    for n, (q, _) in enumerate(QUARTERS):
        cell[(q, "persons")] = 600 + 30 * n
        cell[(q, "accredited")] = 5 if n != 2 else 40
    return columns_add_up(QUARTERS, SERIES, cell, "Total").protect("quarters", "Tendencia por trimestre",
                                                                     "Trimestre", chart="line")


def test_line_chart_shows_every_hidden_point_as_a_hollow_marker_under_zero():
    tb = line_table()
    fig = figure(tb, "Filtros: Periodo 2026-Q1 a 2026-Q4")
    rows = tb.value_rows()
    for i, (_, name) in enumerate(SERIES):
        main = next(d for d in fig["data"] if d["name"] == name and d.get("showlegend", True))
        cells = [r.cells[i] for r in rows]
        hidden_x = [r.label for r, c in zip(rows, cells) if not c.isdigit()]
        assert [y is None for y in main["y"]] == [not c.isdigit() for c in cells]
        assert main["customdata"] == cells
        extra = [d for d in fig["data"] if d["name"] == name and d.get("showlegend") is False]
        if not hidden_x:
            assert extra == []
            continue
        (band,) = extra
        assert band["x"] == hidden_x and band["text"] == [c for c in cells if not c.isdigit()]
        assert band["legendgroup"] == main["legendgroup"]
        assert band["marker"]["symbol"] == main["marker"]["symbol"] + "-open"
        assert all(y < 0 for y in band["y"])
        low, high = fig["layout"]["yaxis"]["range"]
        assert low < min(band["y"]) and high >= max(y for y in main["y"] if y is not None)
    assert any("<11" in d.get("text", []) for d in fig["data"])  # the fixture does hide something
    assert any(y is not None for y in fig["data"][0]["y"])  # ... and shows something
    assert min(fig["layout"]["yaxis"]["tickvals"]) == 0  # the band under zero has no number on the axis


def test_title_is_kept_for_downloads_not_drawn_over_the_tool_bar():
    tb = line_table()
    tb.title = "Días de la entrevista a la acreditación o identificación, por puesto fronterizo y trimestre"
    fig = figure(tb, "Filtros: ninguno")
    assert "title" not in fig["layout"]
    title = fig["export"]["title"]["text"]
    assert title.replace("<br>", " ") == tb.title and "<br>" in title  # wrapped, nothing lost
    assert fig["export"]["extra_top"] > 40


def test_ticks_are_round_and_cover_the_top():
    assert _ticks(0) == [0, 1]
    assert _ticks(705) == [0, 200, 400, 600, 800]
    assert _ticks(12) == [0, 5, 10, 15]
    for top in (1, 7, 11, 99, 1234, 98765):
        ticks = _ticks(top)
        assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) <= 7
