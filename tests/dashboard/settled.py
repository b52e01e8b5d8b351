"""A dashboard page loaded at a given screen size and measured once it has settled, in one
WebDriver call after the load instead of a fixed pause and several calls (the layout tests load
every view at several widths, so each call and each pause counts).

Settled: every chart is drawn as it stays (``data-draws``, set by dashboard.js once each chart is
drawn, narrowed or not), the fonts are in, and no window resize is still being answered. A
resize heard after the page's scripts started listening (DOMContentLoaded) makes plotly lay the
chart out again (100 ms later) and dashboard.js decide again (250 ms later); the check then waits
until 600 ms have passed without one and every chart is drawn for the width it has. A resize
before that (a phone's viewport set up while the page loads) was heard by nothing. The resize
times are recorded by a script the browser runs in every new page (``watch_resizes``)."""

from __future__ import annotations

RECORD = """window.__resizes = [];
window.addEventListener('resize', function () { window.__resizes.push(performance.now()); });"""

# CHECK: the check's source, a function body (the page's Content-Security-Policy forbids eval, so
# it is put in the script's own text); arguments: the check's arguments
SETTLE = """
const done = arguments[arguments.length - 1], args = [...arguments].slice(0, -1), start = performance.now();
const check = function () {
CHECK
};
if (!Array.isArray(window.__resizes)) { done({error: 'resizes not recorded: call watch_resizes first'}); return; }
const listening = performance.getEntriesByType('navigation')[0].domContentLoadedEventStart;
function drawnForWidth() {
  return [...document.querySelectorAll('.chart[data-figure]')]
    .every(c => c.getAttribute('data-width') === String(c.clientWidth));
}
(function poll() {
  if (performance.now() - start > 20000) {
    done({error: 'the page did not settle', draws: document.body.dataset.draws});
    return;
  }
  const drawn = Number(document.body.getAttribute('data-draws') || '0') >= 1;
  const heard = window.__resizes.filter(t => t >= listening);
  const quiet = !heard.length || (performance.now() - Math.max(...heard) > 600 && drawnForWidth());
  if (!drawn || !quiet) { setTimeout(poll, 25); return; }
  document.fonts.ready.then(() => requestAnimationFrame(() => {
    try { done({result: check.apply(null, args)}); } catch (e) { done({error: String(e)}); }
  }));
})();
"""


def watch_resizes(driver) -> None:
    """Once per browser, before its first ``load``: record window resizes in every page."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD})


def load(driver, url: str, metrics: dict, check: str, *args):
    """Open ``url`` at ``metrics`` (Emulation.setDeviceMetricsOverride) and return what the
    function body ``check`` returns (called with ``args``) once the page has settled."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.get(url)
    out = driver.execute_async_script(SETTLE.replace("CHECK", check, 1), *args)
    assert "error" not in out, (url, metrics["width"], out)
    return out["result"]
