"""The supervision pages in a real headless Chromium, and their HTML (web review H1, M2, L3, L4,
L8): Back after signing out does not bring a case record back from the browser's cache; the
pages fit a 320 px screen without sideways scrolling; every «Abrir» link says which case it
opens; no table has an empty header; the import page says it needs JavaScript when it is off.
Real server on loopback. All persons are fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import re
import shutil
import time
from urllib.parse import quote, urlparse

import pytest

from intake_app.server.exchange import incoming
from tests.dashboard.live import CHROMEDRIVER, CHROMIUM, chromium

from .conftest import PASSWORD, person
from .test_case_pages import conflicted
from .test_pages import serving, signed_in
from .test_refusals import referral

browser = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                             reason="Debian chromium and chromium-driver are needed")


def _until(check, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return check()


def _sign_in(driver, url: str, nxt: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/exchange/login?next={quote(nxt)}")
    driver.find_element(By.NAME, "username").send_keys("sup.uno")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    assert _until(lambda: urlparse(driver.current_url).path == nxt.split("?")[0]
                  and driver.execute_script("return document.readyState") == "complete")


@browser
def test_back_after_signing_out_does_not_show_the_case_record_again(pair, tmp_path):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By

    cr, _ = pair
    case_id, = cr.laptop().save([person(71)])
    with serving(cr) as url:
        driver = chromium(tmp_path / "profile", width=1280, height=900)
        try:
            _sign_in(driver, url, f"/exchange/cases/{case_id}")  # the record is the sign-in's redirect target
            assert "FICTICIA" in driver.page_source and "DEMO-100071" in driver.page_source
            driver.find_element(By.XPATH, "//form[@action='/exchange/logout']//button").click()
            assert _until(lambda: urlparse(driver.current_url).path == "/exchange/login")
            driver.back()
            _until(lambda: urlparse(driver.current_url).path == "/exchange/login"
                   and driver.execute_script("return document.readyState") == "complete")
            page = driver.page_source
            assert "FICTICIA" not in page and "DEMO-100071" not in page
            assert urlparse(driver.current_url).path == "/exchange/login"  # the server's answer, not the cache
            assert driver.find_elements(By.NAME, "password")
        finally:
            driver.quit()


@browser
def test_the_pages_fit_a_320_px_screen(pair, tmp_path):
    pytest.importorskip("selenium")
    cr, _ = pair
    case_id, = cr.laptop().save([person(72)])
    with serving(cr) as url:
        driver = chromium(tmp_path / "profile", width=1280, height=900)
        try:
            _sign_in(driver, url, "/exchange/")
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": True})
            for path in ("/exchange/", f"/exchange/cases/{case_id}", "/exchange/verify-print",
                         "/exchange/?lang=en", "/exchange/verify-print?lang=en"):
                driver.get(url + path)
                assert _until(lambda: driver.execute_script("return document.readyState") == "complete")
                width = driver.execute_script("return document.documentElement.scrollWidth")
                assert width <= 320, (path, width)
                fields = driver.execute_script(  # and no field runs past the screen inside its box
                    "return [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]"
                    ".map(e => Math.round(e.getBoundingClientRect().right))")
                assert all(r <= 320 for r in fields), (path, fields)
        finally:
            driver.quit()


def test_open_links_name_their_case_and_no_header_is_empty(pair):
    cr, pa = pair
    case_id, = cr.laptop().save([person(73)])
    conflict_case, _ = conflicted(cr)
    incoming.import_package(pa.engine, pa.keystore, referral(cr, [case_id]), actor="user:sup.uno")
    with serving(pa) as url:
        uno = signed_in(url, "sup.uno")
        for lang, words in (("es", "Abrir el caso recibido"), ("en", "Open received case")):
            page = uno.get(f"/exchange/received?lang={lang}").text
            links = re.findall(r'<a href="/exchange/received/\d+[^"]*"([^>]*)>', page)
            assert links and all(f'aria-label="{words} {case_id}"' in attrs for attrs in links), links
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        for lang, words in (("es", "Abrir el caso"), ("en", "Open case")):
            page = uno.get(f"/exchange/cases?state=all&lang={lang}").text
            links = re.findall(r'<a href="/exchange/cases/([A-Z0-9-]+)[^"]*"([^>]*)>', page)
            assert len(links) >= 2 and all(f'aria-label="{words} {cid}"' in attrs for cid, attrs in links), links
        conflict_id = cr.count("conflicts")
        for path in ("/exchange/", "/exchange/cases?state=all", "/exchange/received",
                     f"/exchange/conflicts/{conflict_id}"):
            for lang in ("es", "en"):
                page = uno.get(path + ("&" if "?" in path else "?") + f"lang={lang}").text
                assert not re.search(r"<th[^>]*>\s*</th>", page), (path, lang)
        assert conflict_case


def test_the_received_page_says_import_needs_javascript(pair):
    cr, _ = pair
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        es = uno.get("/exchange/received").text
        en = uno.get("/exchange/received?lang=en").text
        assert re.search(r"<noscript>[^<]*<p[^>]*>[^<]*JavaScript", es) and "necesita JavaScript" in es
        assert "needs JavaScript" in en
