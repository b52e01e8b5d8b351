"""A real headless Chromium against a real uvicorn on loopback, with every other host
unreachable: the dashboard loads (plotly.js from this server), a filter redraws the chart
and lands in the address, and a CSV downloads with its filters and suppression note."""

from __future__ import annotations

import shutil
import time

import pytest

from .conftest import PASSWORD
from .data import known
from .live import CHROMEDRIVER, CHROMIUM, chromium, requested_urls, serve, sign_in

pytestmark = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are needed")


def wait_for(fn, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture
def sqlite_only(request):
    if "postgresql" in request.node.name:
        pytest.skip("the browser test runs once, on SQLite")


def test_browser_filter_redraw_and_csv(dash, sqlite_only, tmp_path):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    dash.load(known())
    dash.add_user("ana-demo", "analyst")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with serve(dash.app()) as base:
        driver = chromium(tmp_path / "profile", downloads)
        try:
            sign_in(driver, base, "ana-demo", PASSWORD)
            wait_for(lambda: driver.current_url.rstrip("/").endswith("/dashboard"))
            driver.get(f"{base}/dashboard/sex")
            wait_for(lambda: driver.execute_script("return document.body.getAttribute('data-draws')") == "1")
            assert driver.execute_script("return typeof Plotly") == "object"
            # keyboard: the skip link is the first stop
            driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
            assert driver.switch_to.active_element.get_attribute("class") == "skip"
            chart = "return document.getElementById('chart-sex_age_group').data[0].text"
            before = driver.execute_script(chart)
            assert before[:4] == ["x", "20", "<11", "12"]  # women hidden: women + girls = female
            assert driver.find_elements(By.CSS_SELECTOR, "#chart-sex_age_group .main-svg")  # drawn by plotly
            # on screen the card's heading names the chart; the saved image carries the title and the filters
            assert not driver.find_elements(By.CSS_SELECTOR, "#chart-sex_age_group .gtitle")
            title = driver.execute_script(
                "return JSON.parse(document.getElementById('fig-sex_age_group').textContent).export.title.text")
            driver.find_element(By.CSS_SELECTOR, "[data-download=svg][data-chart=chart-sex_age_group]").click()
            svg_file = wait_for(lambda: [p for p in downloads.glob("*.svg")])[0]
            svg = wait_for(lambda: svg_file.read_text(encoding="utf-8"))
            svg = svg.replace("&#160;", "\u00a0").replace("&nbsp;", "\u00a0")  # however the SVG writes it
            assert 'class="gtitle"' in svg and title.split("<br>")[0] in svg and "k\u00a0=\u00a011" in svg
            Select(driver.find_element(By.ID, "f-country")).select_by_value("PA")
            wait_for(lambda: "country=PA" in driver.current_url)
            wait_for(lambda: driver.execute_script("return document.body.getAttribute('data-draws')") == "2")
            after = driver.execute_script(chart)
            assert after[:4] == ["0", "0", "<11", "x"] and after != before
            cells = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#table-sex_age_group td")]
            assert cells == ["0", "0", "<11", "x", "0", "17"]
            link = driver.find_element(By.CSS_SELECTOR, "section.block a.csv")
            assert "country=PA" in link.get_attribute("href")
            link.click()
            csv_file = wait_for(lambda: [p for p in downloads.glob("*.csv")])[0]
            text = wait_for(lambda: csv_file.read_bytes().decode("utf-8-sig"))
            assert "Panamá" in text and "k = 11" in text and "Niñas,<11" in text and "Niños,x" in text
            # a filter that leaves fewer than 11 persons: only that fact
            Select(driver.find_element(By.ID, "f-sex")).select_by_value("girl")
            wait_for(lambda: driver.find_elements(By.ID, "too-few"))
            assert not driver.find_elements(By.CSS_SELECTOR, "#content table")
            # every network request went to the loopback server (chrome:// pages are the browser's own)
            urls = [u for u in requested_urls(driver) if not u.startswith(("chrome:", "chrome-", "about:"))]
            outside = [u for u in urls if not u.startswith((base + "/", "data:", "blob:"))]
            assert urls and outside == []
            assert any(u.endswith("/dashboard/static/plotly.min.js") for u in urls)
            severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert severe == []
        finally:
            driver.quit()
