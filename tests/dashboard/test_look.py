"""What the dashboard's style sheet and figures promise without a browser (web review
findings 1, 7, 11): a focus ring that stands out (3:1, WCAG 1.4.11) wherever focus can land,
charts with no tool bar to post them to another host, a line chart whose hidden points never
sit on each other, a note that is not cut in a narrow chart. Counts are fictional."""

from __future__ import annotations

import re
from pathlib import Path

from intake_app.server.dashboard.charts import figure
from intake_app.server.dashboard.tables import columns_add_up
from tests.contrast import contrast

ROOT = Path(__file__).resolve().parents[2]
CSS = (ROOT / "intake_app/server/static/dashboard.css").read_text(encoding="utf-8")
JS = (ROOT / "intake_app/server/static/dashboard.js").read_text(encoding="utf-8")


def variables() -> dict[str, str]:
    root = re.search(r":root\s*{([^}]*)}", CSS).group(1)
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9A-Fa-f]{3,6})", root))


def resolve(value: str, var: dict[str, str]) -> str:
    m = re.search(r"var\(--([a-z-]+)\)|(#[0-9A-Fa-f]{3,6})", value)
    return var[m.group(1)] if m.group(1) else m.group(2)


def test_contrast_helper_matches_known_ratios():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#E69F00", "#ffffff"), 2) == 2.25  # the old ring: too faint on white


def test_focus_ring_stands_out_everywhere_focus_can_land():
    var = variables()
    rule = re.search(r":focus-visible\s*{([^}]*)}", CSS).group(1)
    ring = resolve(re.search(r"outline:\s*([^;]+);", rule).group(1), var)
    halo = resolve(re.search(r"box-shadow:\s*([^;]+);", rule).group(1), var)
    width = int(re.search(r"outline:\s*(\d+)px", rule).group(1))
    offset = int(re.search(r"outline-offset:\s*(\d+)px", rule).group(1))
    spread = int(re.search(r"box-shadow:\s*0 0 0 (\d+)px", rule).group(1))
    assert width >= 2 and spread > width + offset  # a band of halo on both sides of the ring
    assert contrast(ring, halo) >= 3  # the two tones tell apart from each other
    backgrounds = {"white": "#ffffff", "page": var["bg"], "blue button": var["accent"], "dark header": var["header"]}
    for where, bg in backgrounds.items():
        best = max(contrast(ring, bg), contrast(halo, bg))
        assert best >= 3, (where, ring, halo, bg, round(best, 2))
    # the header really is that colour, and the blue buttons are the accent
    assert "background: var(--header)" in CSS and "background: var(--accent)" in CSS


def test_plotly_tool_bar_is_off_and_cannot_share():
    config = re.search(r"var config = {(.*?)};", JS, re.S).group(1)
    for setting in ("displayModeBar: false", "showSendToCloud: false", "displaylogo: false"):
        assert setting in config


def line_table():
    quarters = [(q, q) for q in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")]
    series = [("persons", "Personas entrevistadas"), ("possible", "Indicios de posible trata"),
              ("accredited", "Víctima acreditada"), ("smuggled", "Indicios de tráfico ilícito")]
    cell = {}
    for n, (q, _) in enumerate(quarters):
        cell[(q, "persons")] = 300 + n
        cell[(q, "possible")] = 4 + n % 2  # hidden in every quarter
        cell[(q, "accredited")] = 3  # ... and so is this one
        cell[(q, "smuggled")] = 6 if n < 2 else 40
    return columns_add_up(quarters, series, cell, "Total").protect("quarters", "Tendencia por trimestre",
                                                                     "Trimestre", chart="line")


def test_hidden_points_of_different_series_never_share_a_spot():
    fig = figure(line_table(), "Filtros: Periodo T1 2026 a T4 2026<br>«<11»: entre 1 y 10 personas (k = 11)")
    bands = [d for d in fig["data"] if d.get("showlegend") is False]
    assert len(bands) >= 2
    spots = [(x, y) for d in bands for x, y in zip(d["x"], d["y"])]
    assert len(spots) == len(set(spots))  # no two markers (and their labels) on the same spot
    low, high = fig["layout"]["yaxis"]["range"]
    rows = sorted({d["y"][0] for d in bands})
    gap = min(b - a for a, b in zip(rows, rows[1:]))
    plot_px = fig["layout"]["height"] - fig["layout"]["margin"]["t"] - fig["layout"]["margin"]["b"] - 60
    assert gap / (high - low) * plot_px >= 14  # rows at least a 12 px label apart
    assert all(low < y < 0 for y in rows)


def test_the_note_is_in_the_downloads_not_cut_on_screen():
    fig = figure(line_table(), "Filtros: Periodo T1 2026 a T4 2026<br>«<11»: entre 1 y 10 personas (k = 11)")
    assert "annotations" not in fig["layout"]  # plotly does not wrap a note: in a narrow chart it was cut
    assert "k = 11" in fig["export"]["note"]["text"] and fig["export"]["extra_bottom"] >= 30
    assert fig["layout"]["dragmode"] is False  # no zoom to get lost in: there is no tool bar to undo it


def test_grouped_bars_leave_room_for_each_label():
    institutions = [(f"i{n}", f"Institución ficticia número {n} de referencia") for n in range(6)]
    outcomes = [(f"o{n}", f"Resultado {n}") for n in range(5)]
    cell = {(i, o): 3 for i, _ in institutions for o, _ in outcomes}
    tb = columns_add_up(institutions, outcomes, cell, "Total").protect("referrals", "Referencias", "Institución",
                                                                        chart="grouped")
    fig = figure(tb, "Filtros: ninguno")
    bars = len(fig["data"])
    rows = len(tb.value_rows())
    plot_px = fig["layout"]["height"] - 150
    slot = plot_px / rows * (1 - fig["layout"]["bargap"]) / bars
    assert slot >= 14, slot  # a 12 px label per bar: they no longer pile up
    assert all("<br>" in y or len(y) <= 28 for y in fig["data"][0]["y"])  # long names wrap
