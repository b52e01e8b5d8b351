"""The case record and the conflict's two versions in a real headless Chromium (supervisor
review #2, #6): a long unbroken answer (text pasted with no spaces) wraps inside its cell,
so neither table grows past its box nor the page past the screen, at 1280 px, at 320 px and
at 200 % zoom; the case list's title and its note are on two lines. Screenshots of each go
to the test's temporary folder (``shots/``). Real server on loopback; every person is
fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import base64
import shutil
import time
from urllib.parse import quote, urlparse

import pytest

from tests.dashboard.live import CHROMEDRIVER, CHROMIUM, chromium

from .conftest import PASSWORD, person
from .test_pages import serving

browser = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                             reason="Debian chromium and chromium-driver are needed")
LONG = "FICTICIA" + "X" * 900  # one "word" some 7,000 px wide
SCREENS = (("1280", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}),
           ("320", {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": True}),
           ("zoom200", {"width": 640, "height": 450, "deviceScaleFactor": 2, "mobile": False}))  # 1280 px at 200 %

WIDER = """return [...document.querySelectorAll('table.record, table.versions')].map(t => {
  const box = t.closest('.block');
  return [t.className, Math.round(t.getBoundingClientRect().width), box.clientWidth, box.scrollWidth - box.clientWidth];
}).filter(([, w, inner, over]) => w > inner || over > 1)"""


def _until(check, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return check()


@browser
def test_long_answers_wrap_in_the_record_and_the_conflict(pair, tmp_path):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By

    cr, _ = pair
    first, second = cr.laptop(), cr.laptop()
    case_id, = first.save([person(99, narrative=LONG, other_names="DEMO" + "Y" * 150)])
    second.heads[case_id] = first.heads[case_id]
    first.save([person(99, narrative=LONG + "A", other_names="DEMO" + "Y" * 150)], [case_id])
    second.save([person(99, narrative=LONG + "B", other_names="DEMO" + "Z" * 150)], [case_id])
    conflict_id = cr.count("conflicts")
    shots = tmp_path / "shots"
    shots.mkdir()
    with serving(cr) as url:
        driver = chromium(tmp_path / "profile", width=1280, height=900)
        try:
            driver.get(f"{url}/exchange/login?next={quote('/exchange/cases')}")
            driver.find_element(By.NAME, "username").send_keys("sup.uno")
            driver.find_element(By.NAME, "password").send_keys(PASSWORD)
            driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
            assert _until(lambda: urlparse(driver.current_url).path == "/exchange/cases")
            for screen, metrics in SCREENS:
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
                for name, path in (("case", f"/exchange/cases/{case_id}"), ("cases", "/exchange/cases?state=all"),
                                   ("conflict", f"/exchange/conflicts/{conflict_id}")):
                    driver.get(url + path)
                    assert _until(lambda: driver.execute_script("return document.readyState") == "complete")
                    shot = driver.execute_cdp_cmd("Page.captureScreenshot",
                                                  {"format": "png", "captureBeyondViewport": True})
                    (shots / f"{name}_{screen}.png").write_bytes(base64.b64decode(shot["data"]))
                    page, seen = driver.execute_script("const d = document.documentElement;"
                                                       "return [d.scrollWidth, d.clientWidth]")
                    assert page <= seen <= metrics["width"], (screen, name, page, seen)  # no sideways scrolling
                    assert driver.execute_script(WIDER) == [], (screen, name)  # nor of a record's box
                    if name == "cases":  # «Casos …» above «Sin nombres …», both on screen, not run together
                        title, note = driver.execute_script(
                            "return ['.table-title', '.table-caption .note'].map(s => {"
                            " const r = document.querySelector(s).getBoundingClientRect(); return [r.top, r.right]; })")
                        assert note[0] - title[0] >= 10, (screen, title, note)
                        assert max(title[1], note[1]) <= seen, (screen, title, note)
        finally:
            driver.quit()
