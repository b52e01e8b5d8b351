"""Plotly figures (as plain JSON) drawn from a suppressed :class:`~.tables.Table`.

Hidden cells are drawn as empty bars (or gaps) labelled ``<11`` or ``x``: a chart never
shows more than its table. Colours: the Okabe–Ito palette, safe for colour-blind readers.
The filters and the suppression note are written into the figure, so a PNG or SVG saved
from it carries them.
"""

from __future__ import annotations

from .suppress import COMPLEMENT_MARK, PRIMARY_MARK
from .tables import Table

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


def _num(s: str) -> int | None:
    return int(s) if s.isdigit() else None


def figure(table: Table, caption: str) -> dict:
    rows = table.value_rows()
    labels = [r.label for r in rows]
    data = []
    if table.chart == "line":
        x = labels
        for i, col in enumerate(table.columns):
            vals = [r.cells[i] for r in rows]
            data.append({"type": "scatter", "mode": "lines+markers+text", "name": col, "x": x,
                         "y": [_num(v) for v in vals],
                         "text": [v if _num(v) is None else "" for v in vals], "textposition": "top center",
                         "customdata": vals, "hovertemplate": "%{x}: %{customdata}<extra>" + col + "</extra>",
                         "line": {"color": OKABE_ITO[i % 8], "width": 3},
                         "marker": {"color": OKABE_ITO[i % 8], "size": 8,
                                    "symbol": ["circle", "square", "diamond", "triangle-up", "x", "cross"][i % 6]}})
        layout_axes = {"xaxis": {"type": "category", "automargin": True}, "yaxis": {"rangemode": "tozero",
                                                                                  "automargin": True}}
    else:
        ncols = len(table.columns) if table.chart == "grouped" else 1
        for i in range(ncols):
            vals = [r.cells[i] for r in rows]
            data.append({"type": "bar", "orientation": "h", "name": table.columns[i] or table.title,
                         "y": labels, "x": [_num(v) or 0 for v in vals], "text": vals,
                         "textposition": "outside", "cliponaxis": False,
                         "hovertemplate": "%{y}: %{text}<extra></extra>",
                         "marker": {"color": OKABE_ITO[i % 8], "line": {"color": "#333", "width": 0.5}}})
        layout_axes = {"yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
                       "xaxis": {"rangemode": "tozero", "automargin": True}}
    height = max(300, 80 + 28 * len(rows) * (1 if table.chart != "grouped" else max(1, len(table.columns) // 2)))
    if table.chart == "line":
        height = 380
    layout = {
        "title": {"text": table.title, "font": {"size": 16}},
        "font": {"family": FONT, "size": 13, "color": "#1a1a1a"},
        "barmode": "group",
        "showlegend": table.chart in ("grouped", "line"),
        "legend": {"orientation": "h", "y": -0.22},
        "margin": {"l": 10, "r": 40, "t": 50, "b": 110},
        "height": height,
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "annotations": [{"text": caption, "xref": "paper", "yref": "paper", "x": 0, "y": 0, "yshift": -100,
                         "xanchor": "left", "yanchor": "bottom", "showarrow": False, "align": "left",
                         "font": {"size": 11, "color": "#444"}}],
        **layout_axes,
    }
    return {"data": data, "layout": layout}


MARKS = (PRIMARY_MARK, COMPLEMENT_MARK)
