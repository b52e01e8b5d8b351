"""Plotly figures (as plain JSON) drawn from a suppressed :class:`~.tables.Table`.

Hidden cells are drawn as empty bars (or gaps) labelled ``<11`` or ``x``: a chart never
shows more than its table. Colours: the Okabe–Ito palette, safe for colour-blind readers.
The filters and the suppression note are written into the figure, so a PNG or SVG saved
from it carries them.
"""

from __future__ import annotations

import textwrap

from .suppress import COMPLEMENT_MARK, PRIMARY_MARK
from .tables import Table

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


def _num(s: str) -> int | None:
    return int(s) if s.isdigit() else None


def figure(table: Table, caption: str) -> dict:
    rows = table.value_rows()
    labels = [r.label for r in rows]
    cols = table.chart_cols if table.chart_cols is not None else list(range(len(table.columns)))
    data = []
    if table.chart == "line":
        x = labels
        for n, i in enumerate(cols):
            col = table.columns[i]
            vals = [r.cells[i] for r in rows]
            data.append({"type": "scatter", "mode": "lines+markers+text", "name": col, "x": x,
                         "y": [_num(v) for v in vals],
                         "text": [v if _num(v) is None else "" for v in vals], "textposition": "top center",
                         "customdata": vals, "hovertemplate": "%{x}: %{customdata}<extra>" + col + "</extra>",
                         "line": {"color": OKABE_ITO[n % 8], "width": 3},
                         "marker": {"color": OKABE_ITO[n % 8], "size": 8,
                                    "symbol": ["circle", "square", "diamond", "triangle-up", "x", "cross"][n % 6]}})
        layout_axes = {"xaxis": {"type": "category", "automargin": True}, "yaxis": {"rangemode": "tozero",
                                                                                  "automargin": True}}
    else:
        for n, i in enumerate(cols if table.chart == "grouped" else cols[:1]):
            vals = [r.cells[i] for r in rows]
            data.append({"type": "bar", "orientation": "h", "name": table.columns[i] or table.title,
                         "y": labels, "x": [_num(v) or 0 for v in vals], "text": vals,
                         "textposition": "outside", "cliponaxis": False, "constraintext": "none",
                         "textfont": {"size": 12},
                         "hovertemplate": "%{y}: %{text}<extra>" + (table.columns[i] or "") + "</extra>",
                         "marker": {"color": OKABE_ITO[n % 8], "line": {"color": "#333", "width": 0.5}}})
        layout_axes = {"yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
                       "xaxis": {"rangemode": "tozero", "automargin": True}}
    per_row = 28 if table.chart != "grouped" else 14 + 12 * len(data)
    height = 420 if table.chart == "line" else max(300, 150 + per_row * len(rows))
    lines = []
    for part in caption.split("<br>"):
        lines.extend(textwrap.wrap(part, 75) or [""])
    layout = {
        "title": {"text": table.title, "font": {"size": 16}},
        "font": {"family": FONT, "size": 13, "color": "#1a1a1a"},
        "barmode": "group",
        "showlegend": table.chart in ("grouped", "line"),
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "traceorder": "normal"},
        "margin": {"l": 10, "r": 50, "t": 90 if table.chart in ("grouped", "line") else 50, "b": 40 + 15 * len(lines)},
        "height": height,
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "annotations": [{"text": "<br>".join(lines), "xref": "paper", "yref": "paper", "x": 0, "y": 0,
                         "yshift": -(30 + 15 * len(lines)), "xanchor": "left", "yanchor": "bottom",
                         "showarrow": False, "align": "left",
                         "font": {"size": 11, "color": "#444"}}],
        **layout_axes,
    }
    return {"data": data, "layout": layout}


MARKS = (PRIMARY_MARK, COMPLEMENT_MARK)
