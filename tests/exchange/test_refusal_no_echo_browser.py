"""Text typed into a refused form is not kept in the browser's profile (privacy review): in a
real headless Chromium, a name typed into the cases box of «Nueva remisión» and into the code
box of «Verificar impreso», both refused, is found nowhere in the profile's ``Sessions/``
folder (nor elsewhere in the profile) once the browser has quit. Before, each refusal answered the POST itself (422, the
form re-rendered), and Chromium keeps such a page's POST body and its form state for session
restore. Real server on loopback. The canary is fictional."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.dashboard.live import CHROMEDRIVER, CHROMIUM, chromium

from .conftest import person
from .test_browser_pages import _sign_in, _until
from .test_pages import serving

browser = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                             reason="Debian chromium and chromium-driver are needed")

CANARY = "Canario Ficticio ZX9988776"
MARKS = ("ZX9988776", "Canario")  # each word, as Chromium may store it: UTF-8, UTF-16, form-encoded


def _found(folder: Path) -> list[str]:
    """The files under ``folder`` that hold a word of the canary, in any of its spellings."""
    needles = [m.encode(enc) for m in MARKS for enc in ("utf-8", "utf-16-le")]
    hits = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if any(n in data for n in needles):
            hits.append(str(path.relative_to(folder)))
    return hits


@browser
def test_a_refused_form_leaves_nothing_typed_in_the_browser_session(pair, tmp_path):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By

    cr, _ = pair
    case_id, = cr.laptop().save([person(95)])
    profile = tmp_path / "profile"
    with serving(cr) as url:
        driver = chromium(profile, width=1280, height=900)
        try:
            _sign_in(driver, url, "/exchange/")
            box = driver.find_element(By.NAME, "cases")
            assert box.get_attribute("autocomplete") == "off"
            box.send_keys(f"{case_id} {CANARY}")
            box.find_element(By.XPATH, "ancestor::form//button[@type='submit']").click()
            assert _until(lambda: driver.find_elements(By.ID, "error-cases"))
            assert "ZX9988776" not in driver.current_url and "Canario" not in driver.current_url
            assert "ZX9988776" not in driver.page_source  # worded from the code: nothing typed on the page
            assert case_id in driver.find_element(By.NAME, "cases").get_property("value")  # the id is kept

            driver.get(f"{url}/exchange/verify-print")
            code = driver.find_element(By.NAME, "code")
            assert code.get_attribute("autocomplete") == "off"
            code.send_keys(CANARY)
            code.find_element(By.XPATH, "ancestor::form//button[@type='submit']").click()
            assert _until(lambda: driver.find_elements(By.ID, "print-result"))
            assert urlparse(driver.current_url).path == "/exchange/verify-print"
            assert "ZX9988776" not in driver.current_url and "ZX9988776" not in driver.page_source

            driver.get(f"{url}/exchange/cases")  # the refused pages are now in the history, as after a day's work
            assert _until(lambda: driver.execute_script("return document.readyState") == "complete")
        finally:
            driver.quit()
    sessions = profile / "Default" / "Sessions"
    assert sessions.is_dir() and any(sessions.iterdir())  # Chromium wrote its session: the check looked somewhere
    assert _found(sessions) == []
    assert _found(profile) == []  # nor anywhere else in the profile (form history, cache, current tabs)
