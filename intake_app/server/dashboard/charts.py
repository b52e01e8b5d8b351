"""Plotly figures (as plain JSON) drawn from a suppressed :class:`~.tables.Table`.

Hidden cells are drawn as empty bars labelled ``<11`` or ``x``, or, on a line chart, as
hollow markers in a band under the zero line, one row per series so that two series hidden
in the same quarter never sit on each other: a chart never shows more than its table, and
never drops a hidden point without saying so. Colours: the Okabe–Ito palette, safe for
colour-blind readers, each series with its own marker shape and line dash too. Series that
share a value (often 0 in a quarter) share a spot: each later series has a smaller marker and a
dashed line, so the ones beneath show round it and through its gaps, and a line chart's tooltip
lists every series at the quarter pointed at, each with its value.

The page shows each chart under its own heading, with the filters above and the suppression
note under the charts, so the figure drawn on screen has neither a title nor a note (in a
narrow chart a note drawn by plotly is cut, it does not wrap). ``export`` holds the title and
the note (filters and suppression) that the page's PNG and SVG downloads put back, so a
saved image says what it shows.

Counts are written as the page's language groups them (``numbers``: "12 345", "12,345"): bar
labels, tooltips and the axis's ticks, which are given as text for that reason.

``narrow`` is the same figure for a chart too narrow for its words (a phone, 320 px): category
names on shorter lines, half as many counts under the bars, legend entries wrapped and placed
from the chart's own top left corner, and the height their lines need. ``dashboard.js`` draws
the figure as it is and, only when one of its labels then runs past the chart's edge (or the
counts under the bars were turned on end to fit), draws it again with ``narrow``: a wide
screen sees the figure unchanged.
"""

from __future__ import annotations

import math
import textwrap

from . import numbers
from .suppress import COMPLEMENT_MARK, PRIMARY_MARK
from .tables import Table

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "cross"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKER_PX, MARKER_STEP = 8, 3  # the last series' marker, and how much larger each earlier one is
BAND_STEP = 0.1  # a line chart's rows of hidden points under zero, as a share of the axis top
LABEL_CHARS = 28
NARROW_CHARS, NARROW_LEGEND_CHARS = 16, 24  # the same on a chart too narrow for them (dashboard.js)
LEGEND_LINE_PX = 20  # a legend entry's line, one entry a row on a narrow chart
BAR_PX = 18  # height of one bar of a grouped chart: room for its 12 px label, labels never pile up


def _num(s: str) -> int | None:
    return int(s) if s.isdigit() else None


def _ticks(top: int, parts: int = 4) -> list[int]:
    """0 and round steps (1, 2 or 5 × 10^k) up to ``top``: the axis never labels the hidden band."""
    top = max(top, 1)
    raw = top / parts
    base = 10 ** math.floor(math.log10(raw))
    step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
    step = max(int(step), 1)
    return list(range(0, top + step, step))


def _tick_axis(ticks: list[int], lang: str) -> dict:
    """An axis of counts labelled at ``ticks``, grouped as the page groups them (not by plotly)."""
    return {"tickvals": ticks, "ticktext": numbers.column([str(v) for v in ticks], lang)}


def _written(table: Table, rows) -> list[list[str]]:
    """The cells of ``rows`` as the table beside the chart writes them (grouped by whole column,
    totals included), so a bar's label reads like its cell."""
    shown = {id(r): cells for r, cells in table.shown_rows()}
    return [shown[id(r)] for r in rows]


def _line_traces(table: Table, rows, cols) -> tuple[list[dict], dict]:
    """One line per column; hidden points become hollow markers under the zero line."""
    x = [r.label for r in rows]
    written = _written(table, rows)
    shown = [_num(r.cells[i]) or 0 for r in rows for i in cols]
    ticks = _ticks(max(shown, default=0))
    step = ticks[-1] * BAND_STEP
    hidden_cols = [i for i in cols if any(_num(r.cells[i]) is None for r in rows)]
    data = []
    for n, i in enumerate(cols):
        col, colour, symbol = table.columns[i], OKABE_ITO[n % 8], SYMBOLS[n % 6]
        vals = [r.cells[i] for r in rows]
        tip = _label(col) + ": %{customdata}<extra></extra>"  # wrapped: the tooltip fits a phone's chart
        # series with the same value (often 0) share a spot: each later one is drawn on top, so its
        # marker is smaller (the earlier ones show round it, each in its own shape) and its line
        # dashed (the earlier lines show through the gaps); not colour alone
        size = MARKER_PX + MARKER_STEP * (len(cols) - 1 - n)
        data.append({"type": "scatter", "mode": "lines+markers", "name": col, "legendgroup": col, "x": x,
                     "y": [_num(v) for v in vals], "customdata": [w[i] for w in written],
                     "hovertemplate": tip,
                     "line": {"color": colour, "width": 3, "dash": DASHES[n % 6]},
                     "marker": {"color": colour, "size": size, "symbol": symbol,
                                "line": {"color": "#ffffff", "width": 1}}})
        hidden = [(xi, v) for xi, v in zip(x, vals) if _num(v) is None]
        if hidden:  # this series' own row under zero
            band = -step * (hidden_cols.index(i) + 1)
            data.append({"type": "scatter", "mode": "markers+text", "name": col, "legendgroup": col,
                         "showlegend": False, "x": [h[0] for h in hidden], "y": [band] * len(hidden),
                         "text": [h[1] for h in hidden], "textposition": "middle right", "cliponaxis": False,
                         "textfont": {"color": colour, "size": 12}, "customdata": [h[1] for h in hidden],
                         "hovertemplate": tip,
                         "marker": {"color": colour, "size": 9, "symbol": symbol + "-open", "line": {"width": 2}}})
    axes = {"xaxis": {"type": "category", "automargin": True},
            "yaxis": {"range": [-step * (len(hidden_cols) + 0.8), ticks[-1] * 1.05], **_tick_axis(ticks, table.lang),
                      "zeroline": True, "zerolinecolor": "#888", "automargin": True}}
    return data, axes, len(hidden_cols)


def _label(text: str, chars: int = LABEL_CHARS) -> str:
    """A bar's category name on lines of at most ``chars``: a long name does not squeeze
    the bars off a narrow (phone) chart."""
    return "<br>".join(textwrap.wrap(text, chars, break_long_words=False)) or text


def _lines(label: str) -> int:
    return label.count("<br>") + 1


def _height(table: Table, n_rows: int, n_traces: int, label_lines: int, hidden_rows: int) -> int:
    per_row = max(28 if table.chart != "grouped" else 20 + BAR_PX * n_traces, 8 + 17 * label_lines)
    return 420 + 12 * hidden_rows if table.chart == "line" else max(300, 150 + per_row * n_rows)


def _narrow(table: Table, data: list[dict], layout: dict, labels: list[str], rows, hidden_rows: int) -> dict:
    """What changes when the chart is too narrow for its words (module docstring): the category
    axis shows each name on shorter lines (the categories, and so the tooltips, stay), the count
    axis has half as many ticks, legend entries wrap and start at the chart's left edge, not
    after the category names."""
    over = {}
    short = [_label(r.label, NARROW_CHARS) for r in rows]
    label_lines = max((_lines(lb) for lb in labels), default=1)
    if table.chart != "line":
        if short != labels:
            over["yaxis"] = {**layout["yaxis"], "tickmode": "array", "tickvals": labels, "ticktext": short}
            label_lines = max((_lines(lb) for lb in short), default=1)
        # half as many counts under the bars: four in the little room left would be turned on end
        ticks = _ticks(max([x for d in data for x in d["x"]] + [10]), 2)
        over["xaxis"] = {**layout["xaxis"], "range": [0, ticks[-1] * 1.05], **_tick_axis(ticks, table.lang)}
    names = [_label(d["name"], NARROW_LEGEND_CHARS) for d in data]
    legend_lines = 0
    if layout["showlegend"]:  # one entry a row, from the chart's top left corner; the plot goes under it
        legend_lines = sum(_lines(n) for n, d in zip(names, data) if d.get("showlegend", True))
        over["legend"] = {**layout["legend"], "xref": "container", "yref": "container", "x": 0, "y": 1,
                          "xanchor": "left", "yanchor": "top"}
    over["height"] = (_height(table, len(rows), len(data), label_lines, hidden_rows)
                      + max(0, LEGEND_LINE_PX * legend_lines - layout["margin"]["t"]))
    return {"layout": over, "names": names}


def figure(table: Table, caption: str) -> dict:
    rows = table.value_rows()
    labels = [_label(r.label) for r in rows]
    label_lines = max((_lines(lb) for lb in labels), default=1)
    cols = table.chart_cols if table.chart_cols is not None else list(range(len(table.columns)))
    data, hidden_rows = [], 0
    if table.chart == "line":
        data, layout_axes, hidden_rows = _line_traces(table, rows, cols)
    else:
        written = _written(table, rows)
        for n, i in enumerate(cols if table.chart == "grouped" else cols[:1]):
            vals = [r.cells[i] for r in rows]
            data.append({"type": "bar", "orientation": "h", "name": table.columns[i] or table.title,
                         "y": labels, "x": [_num(v) or 0 for v in vals], "text": [w[i] for w in written],
                         "textposition": "outside", "cliponaxis": False, "constraintext": "none",
                         "textfont": {"size": 12},
                         "hovertemplate": "%{y}: %{text}<extra>" + (table.columns[i] or "") + "</extra>",
                         "marker": {"color": OKABE_ITO[n % 8], "line": {"color": "#333", "width": 0.5}}})
        ticks = _ticks(max([x for d in data for x in d["x"]] + [10]))  # persons: whole numbers only
        layout_axes = {"yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
                       "xaxis": {"range": [0, ticks[-1] * 1.05], **_tick_axis(ticks, table.lang), "automargin": True}}
    height = _height(table, len(rows), len(data), label_lines, hidden_rows)
    # a bar's count is written past its end: room on the right for the longest ("1 234 567")
    longest = max((len(t) for d in data if d["type"] == "bar" for t in d["text"]), default=0)
    lines = []
    for part in caption.split("<br>"):
        lines.extend(textwrap.wrap(part, 75) or [""])
    title = "<br>".join(textwrap.wrap(table.title, 70))
    layout = {
        "font": {"family": FONT, "size": 13, "color": "#1a1a1a"},
        "barmode": "group", "bargap": 0.25, "bargroupgap": 0.05,
        "showlegend": table.chart in ("grouped", "line"),
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "traceorder": "normal",
                   "itemsizing": "constant"},
        # a line chart's tooltip lists every series at the quarter pointed at, each with its value
        "hovermode": "x unified" if table.chart == "line" else "closest",
        "margin": {"l": 10, "r": max(50, 10 + 8 * longest), "t": 40 if table.chart in ("grouped", "line") else 20,
                   "b": 40},
        "height": height, "dragmode": False,  # no zoom: the chart has no tool bar to undo it with
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        **layout_axes,
    }
    export = {"title": {"text": title, "font": {"size": 16}, "x": 0, "xref": "container", "xanchor": "left",
                        "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 14, "l": 12}},
              "extra_top": 26 + 20 * (title.count("<br>") + 1),
              "note": {"text": "<br>".join(lines), "xref": "paper", "yref": "paper", "x": 0, "y": 0,
                       "yshift": -(30 + 15 * len(lines)), "xanchor": "left", "yanchor": "bottom",
                       "showarrow": False, "align": "left", "font": {"size": 11, "color": "#444"}},
              "extra_bottom": 15 * len(lines)}
    return {"data": data, "layout": layout, "export": export,
            "narrow": _narrow(table, data, layout, labels, rows, hidden_rows)}


MARKS = (PRIMARY_MARK, COMPLEMENT_MARK)
