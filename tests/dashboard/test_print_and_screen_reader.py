"""The dashboard printed, heard and without JavaScript (web review M1, M4, L5, L7, L8), in a real
headless Chromium: a printed view has the figures and tables without menus, filters or buttons,
its charts at the paper's width; applying a filter is announced in a live region that was
there before; a chart is one named image (plotly's SVG hidden inside it) in a figure named by
its title; the download buttons appear only when the script can draw the chart; an error page
says in its title that something could not be shown. Every person is fictional (DEMO)."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import pytest

from intake_app.i18n import t

from .conftest import PASSWORD
from .live import CHROMEDRIVER, CHROMIUM, sign_in
from .test_browser import wait_for
from .test_browser_web import demo_server, draws, open_view, sqlite_only  # noqa: F401  (fixtures)

browser = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                             reason="Debian chromium and chromium-driver are needed")
PDFTOTEXT = shutil.which("pdftotext")


def _signed_in(demo):
    base, driver = demo
    sign_in(driver, base, "ana-demo", PASSWORD)
    wait_for(lambda: driver.current_url.rstrip("/").endswith("/dashboard"))
    return base, driver


def _svg_widths(driver) -> list[int]:
    return driver.execute_script(
        "return [...document.querySelectorAll('.chart .main-svg:first-of-type')].map(s => +s.getAttribute('width'))")


@browser
@pytest.mark.skipif(not PDFTOTEXT, reason="poppler-utils (pdftotext) is needed")
def test_a_printed_view_has_figures_and_tables_not_the_controls(demo_server, tmp_path):
    base, driver = _signed_in(demo_server)
    for path, lang, title in (("sex", "es", "Mujeres, hombres, niñas, niños"),
                              ("referrals", "en", "Referrals by institution and outcome")):
        controls = [t(k, lang) for k in ("dashboard.filter.apply", "dashboard.filter.reset", "dashboard.download.png",
                                         "dashboard.download.csv", "dashboard.logout", "dashboard.view.age",
                                         "dashboard.skip", "dashboard.lang.switch")]
        open_view(driver, f"{base}/dashboard/{path}" + ("?lang=en" if lang == "en" else ""))
        pdf = driver.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69})
        out = tmp_path / f"{path}.pdf"
        out.write_bytes(base64.b64decode(pdf["data"]))
        text = subprocess.run([PDFTOTEXT, "-layout", str(out), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert title in text and "Total" in text, path  # the figures and their tables are there
        for word in controls:
            assert word not in text, (path, word)
        # on paper a chart is above its table, and the page's header is black on white
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        tracks, header = driver.execute_script(
            "return [getComputedStyle(document.querySelector('.pair')).gridTemplateColumns.split(' ').length,"
            " getComputedStyle(document.querySelector('.top')).backgroundColor]")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        assert tracks == 1 and header in ("rgba(0, 0, 0, 0)", "transparent"), (tracks, header)
    # the charts are drawn at the paper's width for printing, and at the screen's again after
    open_view(driver, f"{base}/dashboard/referrals")
    screen = _svg_widths(driver)
    assert screen and all(w > 900 for w in screen), screen  # wider than a portrait page
    driver.execute_script("dispatchEvent(new Event('beforeprint'))")
    assert all(w <= 700 for w in _svg_widths(driver)), _svg_widths(driver)
    driver.execute_script("dispatchEvent(new Event('afterprint'))")
    wait_for(lambda: _svg_widths(driver) == screen)


@browser
def test_applying_a_filter_is_announced_and_only_the_content_is_busy(demo_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, driver = _signed_in(demo_server)
    for lang, words, country in (("es", "Resultados actualizados:", "Costa Rica"),
                                 ("en", "Results updated:", "Costa Rica")):
        open_view(driver, f"{base}/dashboard/sex" + ("?lang=en" if lang == "en" else ""))
        region = driver.find_element(By.ID, "filters-done")
        assert region.get_attribute("role") == "status" and region.text == ""
        driver.execute_script(
            "window.__busy = [];"
            "new MutationObserver(ms => ms.forEach(m => __busy.push(m.target.id || m.target.tagName)))"
            ".observe(document.body, {attributes: true, attributeFilter: ['aria-busy'], subtree: true});")
        seen = draws(driver)
        Select(driver.find_element(By.ID, "f-country")).select_by_value("CR")
        wait_for(lambda: draws(driver) == seen + 1 and "country=CR" in driver.current_url)
        said = wait_for(lambda: driver.find_element(By.ID, "filters-done").get_attribute("textContent"))
        assert said.startswith(words) and country in said, said
        busy = driver.execute_script("return window.__busy")
        assert busy and set(busy) == {"content"}, busy  # the filters and the rest of the page stay usable
        assert driver.execute_script("return document.body.hasAttribute('aria-busy')") is False


@browser
def test_a_chart_is_one_named_image_and_its_buttons_need_the_script(demo_server):
    from selenium.webdriver.common.by import By

    base, driver = _signed_in(demo_server)
    open_view(driver, f"{base}/dashboard/sex")
    hidden = driver.execute_script(
        "return [...document.querySelectorAll('[role=img].chart .svg-container, #js-plotly-tester')]"
        ".map(e => e.getAttribute('aria-hidden'))")
    assert len(hidden) >= 3 and set(hidden) == {"true"}, hidden
    assert not driver.find_elements(By.CSS_SELECTOR, "figcaption button")
    titles = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "section.block h2")]
    tree = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    figures = [n.get("name", {}).get("value") for n in tree
               if not n.get("ignored") and n.get("role", {}).get("value") == "figure"]
    assert figures == titles, (figures, titles)
    buttons = driver.find_elements(By.CSS_SELECTOR, ".downloads button")
    assert buttons and all(b.is_displayed() for b in buttons)

    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        driver.get(f"{base}/dashboard/sex")
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".downloads button"))
        assert not any(b.is_displayed() for b in driver.find_elements(By.CSS_SELECTOR, ".downloads button"))
        assert driver.find_element(By.CSS_SELECTOR, "a.csv").is_displayed()  # the table's CSV still works
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_an_error_page_says_so_in_its_title(dash):
    client = dash.client("analyst")
    for lang, words in (("es", "No se puede mostrar"), ("en", "Cannot be shown")):
        r = client.get("/dashboard/nothing-here" + ("?lang=en" if lang == "en" else ""))
        assert r.status_code == 404
        title = re.search(r"<title>(.*?)</title>", r.text, re.S).group(1)
        assert title.startswith(words), title
