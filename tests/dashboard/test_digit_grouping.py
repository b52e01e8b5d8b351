"""Counts on the dashboard's pages are grouped by thousands the way each language writes them
(Spanish: a narrow no-break space from five digits on, "12 345"; English: a comma, "1,000"),
in tables, key figures, bar labels, tooltips and axis ticks; the CSV files and the Table's own
cells keep plain digits; suppression marks stay as they are. Every person is fictional (DEMO)."""

from __future__ import annotations

import csv
import io

import pytest

from intake_app.server.dashboard.charts import figure
from intake_app.server.dashboard.numbers import THIN, cell, column, group
from intake_app.server.dashboard.tables import columns_add_up, crosstab, partition

from .conftest import people
from .test_browser import sqlite_only  # noqa: F401  (a fixture)
from .test_views import build

NBSP = "\u00a0"


@pytest.mark.parametrize("n, es, en", [
    (0, "0", "0"),
    (999, "999", "999"),
    (1000, "1000", "1,000"),  # Spanish: four digits are not grouped (RAE)
    (12345, f"12{THIN}345", "12,345"),
    (1234567, f"1{THIN}234{THIN}567", "1,234,567"),
    (-12345, f"-12{THIN}345", "-12,345"),
])
def test_group_in_spanish_and_english(n, es, en):
    assert group(n, "es") == es and cell(str(n), "es") == es
    assert group(n, "en") == en and cell(str(n), "en") == en


def test_suppressed_and_other_cells_pass_unchanged():
    for lang in ("es", "en"):
        for text in ("<11", "x", "", "—", "Total"):
            assert cell(text, lang) == text
        assert column(["<11", "x", "12345", "0"], lang)[:2] == ["<11", "x"]
    # a change in percent keeps its sign and its no-break space before "%"
    assert cell(f"+1234{NBSP}%", "en") == f"+1,234{NBSP}%"
    assert cell(f"+1234{NBSP}%", "es") == f"+1234{NBSP}%"
    assert cell(f"-23{NBSP}%", "es") == f"-23{NBSP}%"


def test_a_spanish_column_groups_four_digits_beside_five():
    # alone, 1000 stays whole; beside 12 345 it is written 1 000, thousands under thousands
    assert column(["1000", "999"], "es") == ["1000", "999"]
    assert column(["1000", "12345", "<11"], "es") == [f"1{THIN}000", f"12{THIN}345", "<11"]
    assert column(["1000", "999"], "en") == ["1,000", "999"]
    assert group(1000, "es", in_column=True) == f"1{THIN}000"
    assert group(999, "es", in_column=True) == "999"


def _table(lang: str):
    tb = crosstab([("woman", "Mujeres"), ("man", "Hombres")], [("a", "Con"), ("b", "Sin")],
                  {("woman", "a"): 12000, ("woman", "b"): 40, ("man", "a"): 1500, ("man", "b"): 25},
                  "Total", "Total").protect("smuggling", "Tráfico", "Grupo", chart="grouped")
    tb.lang = lang
    return tb


def test_table_cells_stay_plain_the_page_rows_are_grouped():
    tb = _table("es")
    plain = {r.label: list(r.cells) for r in tb.rows}
    assert all(c.isdigit() for cells in plain.values() for c in cells)
    shown = {r.label: cells for r, cells in tb.shown_rows()}
    assert {r.label: r.cells for r in tb.rows} == plain  # shown_rows leaves the cells as they were
    for label, cells in plain.items():
        assert [c.replace(THIN, "") for c in shown[label]] == cells
    # Spanish: 1500 is grouped in a column beside 12 040 and 13 500; 65 and 25 are short anyway
    assert shown["Total"] == [f"13{THIN}500", "65", f"13{THIN}565"]
    assert shown["Hombres"] == [f"1{THIN}500", "25", f"1{THIN}525"]
    en = dict((r.label, c) for r, c in _table("en").shown_rows())
    assert en["Hombres"] == ["1,500", "25", "1,525"]


def test_suppressed_cells_keep_their_marks_in_table_and_chart():
    tb = partition([("a", "A", 12345), ("b", "B", 3), ("c", "C", 20)], "Total").protect("t", "T", "R")
    tb.lang = "es"
    cells = [c[0] for _, c in tb.shown_rows()]
    assert "<11" in cells and "x" in cells  # a small count and the one hidden beside it
    assert [r.cells[0] for r in tb.rows] == [c.replace(THIN, "") for c in cells]
    text = figure(tb, "Filtros: ninguno")["data"][0]["text"]
    assert text == cells[:-1] and f"12{THIN}345" in text


def test_bar_chart_labels_tooltips_and_ticks_are_grouped_marks_unchanged():
    for lang, sep in (("es", THIN), ("en", ",")):
        tb = _table(lang)
        fig = figure(tb, "Filtros: ninguno")
        written = {r.label: c for r, c in tb.shown_rows()}
        for n, trace in enumerate(fig["data"]):
            assert trace["text"] == [written[r.label][n] for r in tb.value_rows()]  # as the table beside
            assert "%{text}" in trace["hovertemplate"]  # the tooltip shows that text
            assert all(v in ("<11", "x") or v.replace(sep, "").isdigit() for v in trace["text"])
            assert all(isinstance(x, int) for x in trace["x"])  # the bars themselves are numbers
        assert any(sep in t for t in fig["data"][0]["text"])
        axis = fig["layout"]["xaxis"]
        assert axis["ticktext"] == column([str(v) for v in axis["tickvals"]], lang)
        assert axis["ticktext"][-1] == group(axis["tickvals"][-1], lang)
        narrow = fig["narrow"]["layout"]["xaxis"]
        assert narrow["ticktext"] == column([str(v) for v in narrow["tickvals"]], lang)
        # room on the right of the longest bar for its label ("12 345", "1 234 567")
        assert fig["layout"]["margin"]["r"] >= 50


def test_line_chart_tooltips_and_ticks_are_grouped():
    quarters = [(q, q) for q in ("2026-Q1", "2026-Q2")]
    tb = columns_add_up(quarters, [("persons", "Personas"), ("smuggling", "Tráfico")],
                        {("2026-Q1", "persons"): 123456, ("2026-Q2", "persons"): 20000,
                         ("2026-Q1", "smuggling"): 40, ("2026-Q2", "smuggling"): 5},
                        "Total").protect("quarters", "Tendencia", "Trimestre", chart="line")
    for lang, want in (("es", f"123{THIN}456"), ("en", "123,456")):
        tb.lang = lang
        fig = figure(tb, "Filtros: ninguno")
        persons = fig["data"][0]
        assert persons["customdata"][0] == want and "%{customdata}" in persons["hovertemplate"]
        hidden = [d for d in fig["data"] if d.get("showlegend") is False]
        assert hidden and all(t in ("<11", "x") for d in hidden for t in d["text"] + d["customdata"])
        ticks = fig["layout"]["yaxis"]
        assert ticks["ticktext"] == column([str(v) for v in ticks["tickvals"]], lang)


def test_narrow_variant_keeps_the_categories_and_wraps_their_names():
    tb = partition([("non_conforming", "Non-conforming / non-binary", 30), ("female", "Female", 40)],
                   "Total").protect("gender", "Gender", "Gender")
    fig = figure(tb, "Filters: none")
    y = fig["narrow"]["layout"]["yaxis"]
    assert y["tickvals"] == fig["data"][0]["y"]  # the categories (and so the tooltips) stay
    assert y["ticktext"][0] == "Non-conforming /<br>non-binary"
    assert fig["narrow"]["layout"]["height"] >= fig["layout"]["height"]
    # what the page draws at first is what it drew before: the narrow form only when labels are cut
    assert "tickmode" not in fig["layout"]["yaxis"] and fig["layout"]["yaxis"]["autorange"] == "reversed"


def test_pages_group_counts_csv_and_cells_keep_plain_digits(dash, sqlite_only):  # noqa: F811
    dash.load(people(1005, "woman", day="2026-02-10") + people(20, "man", day="2026-02-10")
              + people(3, "girl", day="2026-02-10"), prefix="big")
    client = dash.client("analyst")
    en = client.get("/dashboard/?lang=en").text
    es = client.get("/dashboard/").text
    assert en.count(">1,028<") == 2 and ">1028<" not in en  # key figure and table, English
    assert es.count(">1028<") == 2 and "1,028" not in es and "1.028" not in es  # four digits: whole (RAE)
    sex_en = client.get("/dashboard/sex?lang=en").text
    assert ">1,008<" in sex_en and ">1,028<" in sex_en  # female (women hidden, see below), total
    # the girls' small count and the women's count hidden beside it keep their marks
    assert "&lt;11</abbr>" in sex_en and ">x</abbr>" in sex_en
    values = []
    for tb in ("sex_age_group", "gender"):
        body = client.get(f"/dashboard/sex/{tb}.csv?lang=en").content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(body.split("\r\n\r\n", 1)[1])))
        values += [c for row in rows[1:] for c in row[1:]]
    assert {"1008", "1028", "<11", "x"} <= set(values)
    assert not any("," in v or THIN in v or " " in v for v in values)  # machine-readable digits
    result = build(dash, "sex", lang="en")
    assert all("," not in c for tb in result.tables for r in tb.rows for c in r.cells)  # API and exports
    overview = build(dash, "overview", lang="en")
    assert overview.kpis[0]["value"] == "1,028"
    assert overview.tables[0].rows[0].cells[0] == "1028"
