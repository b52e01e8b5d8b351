"""What a person sees and does in a real headless Chromium (web review findings 1, 3, 10,
11, 12): no plotly tool bar (its "share" button posted the chart to another host), a phone
layout that fits 390 px, filters that follow Back and do not redraw at every arrow key, chart
labels that do not pile up, a quarters table that fits at 1366 px. Every person is
fictional (DEMO)."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text

from .conftest import PASSWORD
from .data import known
from .live import CHROMEDRIVER, CHROMIUM, chromium, serve, sign_in
from .test_browser import sqlite_only, wait_for  # noqa: F401  (a fixture, and the same wait)

pytestmark = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are needed")

DESK = dict(width=1366, height=768, deviceScaleFactor=1, mobile=False)
PHONE = dict(width=390, height=844, deviceScaleFactor=1, mobile=True)

OVERLAPS = """
const boxes = [...document.querySelectorAll(arguments[0])].filter(t => t.textContent.trim())
  .map(t => t.getBoundingClientRect()).filter(r => r.width > 0);
const hits = [], gap = 2;  // labels closer than 2 px run into one another: they read as one pile
for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
  const a = boxes[i], b = boxes[j];
  if (a.left < b.right + gap && b.left < a.right + gap && a.top < b.bottom + gap && b.top < a.bottom + gap) hits.push([i, j]);
}
return [boxes.length, hits.length];
"""


def draws(driver) -> int:
    return int(driver.execute_script("return document.body.getAttribute('data-draws') || '0'"))


def audited(dash) -> int:
    with dash.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'dashboard_view'")).scalar_one()


def open_view(driver, url, metrics=DESK):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.get(url)
    wait_for(lambda: draws(driver) >= 1)
    driver.execute_script("return new Promise(r => setTimeout(r, 300))")  # plotly's responsive relayout


@pytest.fixture
def demo_server(sqlite_only, dash, tmp_path):  # noqa: F811  (skipped on PostgreSQL before its server is made)
    pytest.importorskip("selenium")
    import uuid

    from intake_app.demo import fictional_intakes
    from intake_app.server.db import transaction
    from intake_app.server.ingest import write_facts

    heads = [{"case_id": f"demo-{i:06d}", "revision_id": uuid.uuid4().hex, "codebook_version": "1.0", "content": c}
             for i, c in enumerate(fictional_intakes(1500, seed=2026, today=date(2026, 11, 20)))]
    with transaction(dash.engine) as conn:
        write_facts(conn, heads, datetime.now(timezone.utc))
    dash.add_user("ana-demo", "analyst")
    dash.add_user("sup-ficticia-con-un-nombre-largo", "supervisor")
    with serve(dash.app()) as base:
        driver = chromium(tmp_path / "profile")
        try:
            yield base, driver
        finally:
            driver.quit()


def test_charts_have_no_tool_bar_and_no_way_to_another_host(demo_server):
    base, driver = demo_server
    sign_in(driver, base, "ana-demo", PASSWORD)
    wait_for(lambda: driver.current_url.rstrip("/").endswith("/dashboard"))
    open_view(driver, f"{base}/dashboard/nationality")
    assert driver.execute_script("return document.querySelectorAll('.chart .main-svg').length") > 0
    assert driver.execute_script("return document.querySelectorAll('.modebar, .modebar-btn').length") == 0
    ctx = driver.execute_script("return [...document.querySelectorAll('.chart')].map(d => d._context)"
                                ".map(c => [c.displayModeBar, c.showSendToCloud])")
    assert ctx and all(c == [False, False] for c in ctx)
    # nothing of plotly's own (English) is focusable inside a chart
    assert driver.execute_script("return document.querySelectorAll('.chart a, .chart [tabindex]').length") == 0
    assert driver.execute_script("return document.querySelectorAll('.chart .annotation').length") == 0


def test_phone_layout_fits_and_the_exchange_header_wraps(demo_server):
    base, driver = demo_server
    sign_in(driver, base, "ana-demo", PASSWORD)
    wait_for(lambda: driver.current_url.rstrip("/").endswith("/dashboard"))
    for lang in ("", "?lang=en"):
        for view in ("", "quarters", "referrals", "posts"):
            open_view(driver, f"{base}/dashboard/{view}{lang}", PHONE)
            width, inner = driver.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
            assert width <= inner, (view, lang, width)  # the page itself never scrolls sideways
            nav, main = driver.execute_script(
                "return [document.querySelector('nav.views').getBoundingClientRect().bottom,"
                " document.querySelector('.main').getBoundingClientRect().top]")
            assert nav <= main + 1, view  # the views' menu is above the content
            right = driver.execute_script(
                "return Math.max(...[...document.querySelectorAll('#filters select, #filters button')]"
                ".map(e => e.getBoundingClientRect().right))")
            assert right <= inner, view  # filters and "Aplicar" wrap instead of being cut
            boxes = driver.execute_script(
                "return [...document.querySelectorAll('.table-box')].map(b => [b.getBoundingClientRect().right,"
                " getComputedStyle(b).overflowX])")
            assert all(r <= inner and o == "auto" for r, o in boxes), boxes  # wide tables scroll in their box
    driver.get(f"{base}/exchange/login")
    from selenium.webdriver.common.by import By

    driver.find_element(By.NAME, "username").send_keys("sup-ficticia-con-un-nombre-largo")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form[action$='/login'] button[type=submit]").click()
    wait_for(lambda: "/login" not in driver.current_url)
    for lang in ("", "?lang=en"):
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        driver.get(f"{base}/exchange/cases{lang}")
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "header.top .tools"))
        out = driver.execute_script(
            "const h = document.querySelector('header.top').getBoundingClientRect();"
            "return [...document.querySelectorAll('header.top .tools > *')].map(e => e.getBoundingClientRect())"
            ".filter(r => r.right > h.right + 0.5 || r.bottom > h.bottom + 0.5 || r.left < h.left - 0.5).length")
        assert out == 0, lang  # language, user name and "Cerrar sesión" stay inside the dark header
        overlaps = driver.execute_script(  # the "go to case" box and the New/Reviewed/All tabs
            "const g = document.querySelector('.goto').getBoundingClientRect();"
            "return [...document.querySelectorAll('.tabs a')].map(a => a.getBoundingClientRect())"
            ".filter(r => r.left < g.right && g.left < r.right && r.top < g.bottom && g.top < r.bottom).length")
        assert overlaps == 0, lang


def test_chart_labels_do_not_pile_up_and_the_quarters_table_fits(demo_server):
    base, driver = demo_server
    sign_in(driver, base, "ana-demo", PASSWORD)
    wait_for(lambda: driver.current_url.rstrip("/").endswith("/dashboard"))
    for lang in ("", "&lang=en"):
        # Panama, girls: several series hidden in the same quarter
        open_view(driver, f"{base}/dashboard/quarters?country=PA&sex=girl{lang}")
        shown, hits = driver.execute_script(OVERLAPS, "#chart-quarters .textpoint text")
        assert shown >= 3 and hits == 0, (shown, hits)
        open_view(driver, f"{base}/dashboard/referrals{lang.replace('&', '?')}")
        shown, hits = driver.execute_script(OVERLAPS, "#chart-referrals text.bartext")
        assert shown >= 10 and hits == 0, (shown, hits)
        open_view(driver, f"{base}/dashboard/quarters{lang.replace('&', '?')}")
        over = driver.execute_script("return [...document.querySelectorAll('section.block, .table-box')]"
                                     ".map(b => b.scrollWidth - b.clientWidth)")
        assert max(over) <= 0, over  # the last column is on screen at 1366 px, no sideways scrolling


def test_back_restores_the_form_and_arrow_keys_wait_for_enter(dash, sqlite_only, tmp_path):  # noqa: F811
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    dash.load(known())
    dash.add_user("ana-demo", "analyst")
    with serve(dash.app()) as base:
        driver = chromium(tmp_path / "profile")
        try:
            sign_in(driver, base, "ana-demo", PASSWORD)
            wait_for(lambda: driver.current_url.rstrip("/").endswith("/dashboard"))
            open_view(driver, f"{base}/dashboard/sex?from=2026-Q1&to=2026-Q1")
            Select(driver.find_element(By.ID, "f-country")).select_by_value("CR")
            wait_for(lambda: draws(driver) == 2 and "country=CR" in driver.current_url)
            Select(driver.find_element(By.ID, "f-country")).select_by_value("PA")
            wait_for(lambda: draws(driver) == 3 and "country=PA" in driver.current_url)
            driver.back()
            wait_for(lambda: draws(driver) == 4)
            assert "country=CR" in driver.current_url
            assert "Costa Rica" in driver.find_element(By.CSS_SELECTOR, "#content .period").text
            assert Select(driver.find_element(By.ID, "f-country")).first_selected_option.get_attribute("value") == "CR"
            driver.back()
            wait_for(lambda: draws(driver) == 5)
            assert Select(driver.find_element(By.ID, "f-country")).first_selected_option.get_attribute("value") == ""
            # a post of the other country is no longer offered once a country is chosen
            Select(driver.find_element(By.ID, "f-post")).select_by_value("cr_paso_canoas")
            wait_for(lambda: draws(driver) == 6 and "post=cr_paso_canoas" in driver.current_url)
            Select(driver.find_element(By.ID, "f-country")).select_by_value("PA")
            wait_for(lambda: draws(driver) == 7 and "country=PA" in driver.current_url)
            assert "post=" not in driver.current_url and "No se puede mostrar" not in driver.page_source
            # the keyboard: each arrow key moves through the list without drawing or auditing
            before, seen = audited(dash), draws(driver)
            age = driver.find_element(By.ID, "f-age")
            age.send_keys(Keys.ARROW_DOWN)
            age.send_keys(Keys.ARROW_DOWN)
            driver.execute_script("return new Promise(r => setTimeout(r, 800))")
            assert draws(driver) == seen and audited(dash) == before and "age=" not in driver.current_url
            chosen = Select(age).first_selected_option.get_attribute("value")
            assert chosen  # the value did move
            assert driver.find_element(By.ID, "filters-pending").text.startswith("Filtros cambiados con el teclado")
            age.send_keys(Keys.ENTER)
            wait_for(lambda: draws(driver) == seen + 1 and f"age={chosen}" in driver.current_url)
            assert audited(dash) == before + 1
            assert driver.find_element(By.ID, "filters-pending").text == ""
            # leaving the filters with a change pending applies it too (the page never disagrees with the form)
            age = driver.find_element(By.ID, "f-age")
            age.send_keys(Keys.ARROW_UP)
            driver.find_element(By.CSS_SELECTOR, "nav.views a[data-view=age]").send_keys(Keys.SHIFT)  # focus moves out
            wait_for(lambda: draws(driver) == seen + 2)
            assert audited(dash) == before + 2
        finally:
            driver.quit()
