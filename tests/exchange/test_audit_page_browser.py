"""The audit page in a real headless Chromium: an auditor signs in and lands on it; it fits
1280 px, 320 px and 200 % zoom without sideways scrolling (a long detail wraps in its cell,
the table stays in its box); «Comprobar la cadena ahora» and the filters work from the keyboard
alone. Screenshots go to the test's temporary folder (``shots/``). Real server on loopback;
every user is fictional."""

from __future__ import annotations

import base64
import shutil
from urllib.parse import parse_qs, urlparse

import pytest

from intake_app.server import audit
from intake_app.server.auth import add_user
from intake_app.server.db import transaction
from tests.dashboard.live import CHROMEDRIVER, CHROMIUM, chromium

from .conftest import PASSWORD
from .test_browser_review_layout import SCREENS, _until
from .test_pages import serving

browser = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                             reason="Debian chromium and chromium-driver are needed")
LONG = "xp-" + "0123456789abcdef" * 12  # an id of some 200 characters with no place to break

OVER = """return [...document.querySelectorAll('table.audit')].map(t => {
  const box = t.closest('.block');
  return [Math.round(t.getBoundingClientRect().width), box.clientWidth, box.scrollWidth - box.clientWidth];
}).filter(([w, inner, over]) => w > inner || over > 1)"""


@browser
def test_the_audit_page_fits_every_screen_and_works_from_the_keyboard(pair, tmp_path):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    cr, _ = pair
    add_user(cr.engine, cr.settings, "auditora.demo", PASSWORD, "auditor", actor="test")
    with transaction(cr.engine) as conn:
        for n in range(120):
            audit.append(conn, "user:sup.uno" if n % 2 else "device:lap-demo-0001", "case_view",
                         "7KQ3-MX2D-9FAP", package_id=LONG, cases_sha256="ab" * 32, count=n)
    shots = tmp_path / "shots"
    shots.mkdir()
    with serving(cr) as url:
        driver = chromium(tmp_path / "profile", width=1280, height=900)
        try:
            driver.get(f"{url}/exchange/login")
            driver.find_element(By.NAME, "username").send_keys("auditora.demo")
            driver.find_element(By.NAME, "password").send_keys(PASSWORD)
            driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
            assert _until(lambda: urlparse(driver.current_url).path == "/exchange/audit")  # the landing
            assert "La cadena no se ha comprobado" in driver.page_source  # a view walks nothing
            shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
            (shots / "audit_unchecked_es.png").write_bytes(base64.b64decode(shot["data"]))
            # «Comprobar la cadena ahora», from the keyboard: the fresh result, then the same page
            driver.find_element(By.ID, "check-now").send_keys(Keys.ENTER)
            assert _until(lambda: "checked=" in driver.current_url)
            assert "Comprobación hecha ahora" in driver.page_source and "Cadena íntegra en ese momento" \
                in driver.page_source
            shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
            (shots / "audit_checked_es.png").write_bytes(base64.b64decode(shot["data"]))
            for screen, metrics in SCREENS:
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
                for lang in ("es", "en"):
                    driver.get(f"{url}/exchange/audit" + ("?lang=en" if lang == "en" else ""))
                    assert _until(lambda: driver.execute_script("return document.readyState") == "complete")
                    shot = driver.execute_cdp_cmd("Page.captureScreenshot",
                                                  {"format": "png", "captureBeyondViewport": True})
                    (shots / f"audit_{screen}_{lang}.png").write_bytes(base64.b64decode(shot["data"]))
                    page, seen = driver.execute_script("const d = document.documentElement;"
                                                       "return [d.scrollWidth, d.clientWidth]")
                    assert page <= seen <= metrics["width"], (screen, lang, page, seen)  # no sideways scrolling
                    assert driver.execute_script(OVER) == [], (screen, lang)  # the table stays in its box
                    fields = driver.execute_script(
                        "return [...document.querySelectorAll("
                        "'main input:not([type=hidden]), main select, main button')]"
                        ".map(e => Math.round(e.getBoundingClientRect().right))")
                    assert all(r <= seen for r in fields), (screen, lang, fields)
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", SCREENS[0][1])
            # the keyboard alone: Tab to the actor box, type, Enter
            driver.get(f"{url}/exchange/audit")
            body = driver.find_element(By.TAG_NAME, "body")
            body.send_keys(Keys.TAB)
            assert driver.switch_to.active_element.get_attribute("class") == "skip"  # first: skip to content
            order = []
            for _ in range(20):
                driver.switch_to.active_element.send_keys(Keys.TAB)
                order.append(driver.switch_to.active_element.get_attribute("id") or "")
                if order[-1] == "f-actor":
                    break
            assert order[-2:] == ["f-action", "f-actor"], order
            driver.switch_to.active_element.send_keys("sup.uno", Keys.ENTER)
            assert _until(lambda: "actor=sup.uno" in driver.current_url)
            assert parse_qs(urlparse(driver.current_url).query) == {"actor": ["sup.uno"]}
            assert "device:lap-demo-0001" not in driver.page_source and "user:sup.uno" in driver.page_source
            shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
            (shots / "audit_filtered_es.png").write_bytes(base64.b64decode(shot["data"]))
            # the pager, from the keyboard too
            older = driver.find_element(By.ID, "older")
            older.send_keys(Keys.ENTER)
            assert _until(lambda: "page=1" in driver.current_url)
            assert driver.find_element(By.ID, "newer")
        finally:
            driver.quit()
