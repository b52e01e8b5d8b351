"""At 320 px (a small phone) no chart label is cut: every category name, legend entry, count
beside a bar and axis tick lies inside the chart's drawing (its SVG, which cuts what runs past
it), inside the chart's box and inside the window, in every view, in Spanish and English
("Non-conforming / non-binary" ran past the left edge of the gender chart). Every category has
its label. At 1280 px the charts are drawn as before (none takes its narrow form). A real
headless Chromium against a real server on loopback; every person is fictional (DEMO)."""

from __future__ import annotations

import shutil

import pytest

from intake_app.server.dashboard.views import VIEWS

from .conftest import PASSWORD
from .live import CHROMEDRIVER, CHROMIUM, sign_in
from .settled import load, watch_resizes
from .test_browser import sqlite_only, wait_for  # noqa: F401  (a fixture, and the same wait)
from .test_browser_web import demo_server, open_view  # noqa: F401  (a fixture)

pytestmark = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are needed")

PHONE = dict(width=320, height=900, deviceScaleFactor=1, mobile=True)
DESK = dict(width=1280, height=900, deviceScaleFactor=1, mobile=False)

# every text plotly draws in a chart: tick labels (category names, counts, quarters), legend
# entries, the counts beside bars, the marks of hidden points
LABELS = ".xtick text, .ytick text, .legendtext, .bartext, .textpoint text"
CLIPPED = """
const out = [], vw = document.documentElement.clientWidth;
for (const chart of document.querySelectorAll('.chart')) {
  const svg = chart.querySelector('.main-svg');
  if (!svg) { out.push([chart.id, 'not drawn']); continue; }
  const s = svg.getBoundingClientRect(), c = chart.getBoundingClientRect();
  const left = Math.max(s.left, c.left, 0), right = Math.min(s.right, c.right, vw);
  const top = Math.max(s.top, c.top), bottom = Math.min(s.bottom, c.bottom);
  for (const el of chart.querySelectorAll(arguments[0])) {
    const r = el.getBoundingClientRect();
    if (!r.width || !el.textContent.trim()) continue;
    if (r.left < left - 1 || r.right > right + 1 || r.top < top - 1 || r.bottom > bottom + 1)
      out.push([chart.id, el.textContent.trim().slice(0, 40), Math.round(r.left), Math.round(r.right),
                Math.round(left), Math.round(right)]);
  }
  // a bar chart names every category (plotly drops none for want of room)
  const fig = JSON.parse(document.getElementById(chart.getAttribute('data-figure')).textContent);
  if (fig.data[0].type === 'bar') {
    const names = chart.querySelectorAll('.ytick text').length;
    if (names !== fig.data[0].y.length) out.push([chart.id, 'categories named', names, fig.data[0].y.length]);
  }
}
return out;
"""


# per page load, in one call: the charts drawn, the labels cut, the charts in their narrow form
MEASURE = "const clipped = function () {" + CLIPPED + """};
return [document.querySelectorAll('.chart .main-svg').length, clipped(arguments[0]),
        [...document.querySelectorAll('.chart[data-narrow]')].map(c => c.id)];"""


def test_no_chart_label_is_cut_at_320_px_and_1280_px_is_unchanged(demo_server):  # noqa: F811
    base, driver = demo_server
    watch_resizes(driver)
    sign_in(driver, base, "ana-demo", PASSWORD)
    wait_for(lambda: driver.current_url.rstrip("/").endswith("/dashboard"))
    cut, narrowed, wide, checked = {}, set(), [], 0
    for lang in ("", "?lang=en"):
        for view in VIEWS:
            # each view loaded afresh at each width (as a reader at that width gets it), measured once settled
            url = f"{base}/dashboard/{'' if view == 'overview' else view}{lang}"
            drawn, bad, narrow = load(driver, url, PHONE, MEASURE, LABELS)
            checked += drawn
            if bad:
                cut[(view, lang)] = bad
            narrowed |= set(narrow)
            _, bad, narrow = load(driver, url, DESK, MEASURE, LABELS)
            wide += narrow
            if bad:
                cut[(view, lang, 1280)] = bad
    assert checked >= 2 * len(VIEWS)  # every view drew its charts
    assert cut == {}
    assert "chart-gender" in narrowed  # the reviewer's chart took its narrow form on the phone
    assert wide == []  # at 1280 px every chart is drawn as the server wrote it


def test_a_chart_decides_again_when_the_window_changes_width(demo_server):  # noqa: F811
    base, driver = demo_server
    sign_in(driver, base, "ana-demo", PASSWORD)
    wait_for(lambda: driver.current_url.rstrip("/").endswith("/dashboard"))
    open_view(driver, f"{base}/dashboard/sex?lang=en", PHONE)
    narrow = "return document.getElementById('chart-gender').hasAttribute('data-narrow')"
    ticks = "return [...document.querySelectorAll('#chart-gender .ytick text')].map(t => t.textContent)"
    assert driver.execute_script(narrow)
    assert "Non-conforming /non-binary" in driver.execute_script(ticks)  # two lines, joined by textContent
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", DESK)
    wait_for(lambda: not driver.execute_script(narrow))
    wait_for(lambda: "Non-conforming / non-binary" in driver.execute_script(ticks))  # one line again
    assert driver.execute_script(CLIPPED, LABELS) == []
