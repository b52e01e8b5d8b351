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
"""

from __future__ import annotations

import math
import textwrap

from .suppress import COMPLEMENT_MARK, PRIMARY_MARK
from .tables import Table

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "cross"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKER_PX, MARKER_STEP = 8, 3  # the last series' marker, and how much larger each earlier one is
BAND_STEP = 0.1  # a line chart's rows of hidden points under zero, as a share of the axis top
LABEL_CHARS = 28
BAR_PX = 18  # height of one bar of a grouped chart: room for its 12 px label, labels never pile up


def _num(s: str) -> int | None:
    return int(s) if s.isdigit() else None


def _ticks(top: int) -> list[int]:
    """0 and round steps (1, 2 or 5 × 10^k) up to ``top``: the axis never labels the hidden band."""
    top = max(top, 1)
    raw = top / 4
    base = 10 ** math.floor(math.log10(raw))
    step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
    step = max(int(step), 1)
    return list(range(0, top + step, step))


def _line_traces(table: Table, rows, cols) -> tuple[list[dict], dict]:
    """One line per column; hidden points become hollow markers under the zero line."""
    x = [r.label for r in rows]
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
                     "y": [_num(v) for v in vals], "customdata": vals,
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
            "yaxis": {"range": [-step * (len(hidden_cols) + 0.8), ticks[-1] * 1.05], "tickvals": ticks,
                      "zeroline": True, "zerolinecolor": "#888", "automargin": True}}
    return data, axes, len(hidden_cols)


def _label(text: str) -> str:
    """A bar's category name on lines of at most LABEL_CHARS: a long name does not squeeze
    the bars off a narrow (phone) chart."""
    return "<br>".join(textwrap.wrap(text, LABEL_CHARS, break_long_words=False)) or text


def figure(table: Table, caption: str) -> dict:
    rows = table.value_rows()
    labels = [_label(r.label) for r in rows]
    label_lines = max((lb.count("<br>") + 1 for lb in labels), default=1)
    cols = table.chart_cols if table.chart_cols is not None else list(range(len(table.columns)))
    data, hidden_rows = [], 0
    if table.chart == "line":
        data, layout_axes, hidden_rows = _line_traces(table, rows, cols)
    else:
        for n, i in enumerate(cols if table.chart == "grouped" else cols[:1]):
            vals = [r.cells[i] for r in rows]
            data.append({"type": "bar", "orientation": "h", "name": table.columns[i] or table.title,
                         "y": labels, "x": [_num(v) or 0 for v in vals], "text": vals,
                         "textposition": "outside", "cliponaxis": False, "constraintext": "none",
                         "textfont": {"size": 12},
                         "hovertemplate": "%{y}: %{text}<extra>" + (table.columns[i] or "") + "</extra>",
                         "marker": {"color": OKABE_ITO[n % 8], "line": {"color": "#333", "width": 0.5}}})
        ticks = _ticks(max([x for d in data for x in d["x"]] + [10]))  # persons: whole numbers only
        layout_axes = {"yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
                       "xaxis": {"range": [0, ticks[-1] * 1.05], "tickvals": ticks, "automargin": True}}
    per_row = max(28 if table.chart != "grouped" else 20 + BAR_PX * len(data), 8 + 17 * label_lines)
    height = 420 + 12 * hidden_rows if table.chart == "line" else max(300, 150 + per_row * len(rows))
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
        "margin": {"l": 10, "r": 50, "t": 40 if table.chart in ("grouped", "line") else 20, "b": 40},
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
    return {"data": data, "layout": layout, "export": export}


MARKS = (PRIMARY_MARK, COMPLEMENT_MARK)
