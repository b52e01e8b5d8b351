"""The warning before the idle timeout in a real headless Chromium (WCAG 2.2.1), with a short
idle length so that the test waits little: the page takes the length from the server's settings
(<body data-idle-seconds>) and warns half of it before the end, as for any length under 4
minutes; in production the length is at least 1 minute (config.LIMITS), so the warning comes at
least 30 s before the end. It opens as a modal alert dialog with the focus on «Seguir
trabajando»; Enter (or Escape) keeps the session a full idle length, closes the warning and
gives the focus back; left alone, the warning comes again and the page goes to the sign-in page,
which says the session ended: the server really ended it (no clock is mocked). Spanish and
English, at 1280 px and 320 px (screenshots in the test's tmp_path). Real server on loopback;
every person is fictional (DEMO)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from intake_app.server.app import create_app
from intake_app.server.auth import sessions_t, users_t

from .conftest import PASSWORD
from .live import CHROMEDRIVER, CHROMIUM, chromium, serve, sign_in
from .test_browser import sqlite_only  # noqa: F401  (a fixture)

pytestmark = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are needed")

# The settings object is built here, not read from server.json, so a length under config.LIMITS'
# 1 minute needs no hook. 12 s: the warning 6 s before the end, several times what the few steps
# the test takes while a warning is open need on a loaded machine (each browser is handled in
# its own window of time; the screenshots come at the second warnings, with nothing else waiting).
IDLE_SECONDS = 12
IDLE_MINUTES = IDLE_SECONDS / 60
WAIT = IDLE_SECONDS + 10  # the longest a step waits: one idle length and room for a slow machine
OPEN = "return document.getElementById('idle-warning').open"
FOCUSED = "return document.activeElement && document.activeElement.getAttribute('data-idle')"
DESK = dict(width=1280, height=800, deviceScaleFactor=1, mobile=False)
PHONE = dict(width=320, height=640, deviceScaleFactor=1, mobile=True)


def wait(driver, condition, seconds: float):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, poll_frequency=0.2).until(condition)


def idle_until(dash, username: str) -> datetime:
    with dash.engine.connect() as conn:
        return conn.execute(select(sessions_t.c.idle_until).join(users_t, users_t.c.id == sessions_t.c.user_id)
                            .where(users_t.c.username == username, ~sessions_t.c.ended)).scalar_one()


def look(driver, tmp_path, name: str) -> None:
    """Screenshots at 1280 px and 320 px; at 320 px the warning and its button fit the screen."""
    for metrics, size in ((DESK, "1280"), (PHONE, "320")):
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        wait(driver, lambda d: d.execute_script("return window.innerWidth") == metrics["width"], 5)
        driver.save_screenshot(str(tmp_path / f"idle-{name}-{size}.png"))
        right = driver.execute_script("return Math.max(...[...document.querySelectorAll("
                                      "'#idle-warning, #idle-warning button:not([hidden])')]"
                                      ".map(e => e.getBoundingClientRect().right))")
        assert right <= metrics["width"], (name, size, right)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture
def short_idle(sqlite_only, dash):  # noqa: F811  (skipped on PostgreSQL before its server is made)
    pytest.importorskip("selenium")
    dash.add_user("ana-demo", "analyst")
    dash.add_user("ana-demo-en", "analyst")
    with serve(create_app(replace(dash.settings, session_idle_minutes=IDLE_MINUTES), dash.keystore,
                          dash.engine)) as base:
        yield base


def test_the_warning_comes_keeps_the_session_and_then_signs_out(sqlite_only, dash, short_idle, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base = short_idle
    en = chromium(tmp_path / "profile-en", width=1280, height=800)
    es = chromium(tmp_path / "profile-es", width=1280, height=800)
    try:
        # each browser checked as soon as its page is in: the other's sign-in may take a while
        for driver, user, lang in ((en, "ana-demo-en", "en"), (es, "ana-demo", "es")):
            sign_in(driver, base, user, PASSWORD, lang=lang)
            wait(driver, lambda d: urlparse(d.current_url).path == "/dashboard/"
                 and d.execute_script("return document.readyState") == "complete", 20)
            assert not driver.execute_script(OPEN)  # not at once: only near the end
            assert driver.execute_script("return document.body.dataset.idleSeconds") == str(IDLE_SECONDS)

        # English (signed in first, so warned first): the warning, in English; Escape keeps it
        wait(en, lambda d: d.execute_script(OPEN), WAIT)
        assert en.execute_script(FOCUSED) == "keep"
        text = en.find_element(By.ID, "idle-warning").text
        assert "Your session will end soon" in text and "Keep working" in text and "Seguir" not in text
        before = idle_until(dash, "ana-demo-en")
        en.switch_to.active_element.send_keys(Keys.ESCAPE)
        wait(en, lambda d: not d.execute_script(OPEN), 10)
        # the warning closes at once; the request that extends the session lands just after
        wait(en, lambda d: idle_until(dash, "ana-demo-en") > before, 10)

        # Spanish: the warning, a modal alert dialog with the focus on its button
        wait(es, lambda d: d.execute_script(OPEN), WAIT)
        dialog = es.find_element(By.ID, "idle-warning")
        assert dialog.get_attribute("role") == "alertdialog" and dialog.is_displayed()
        assert es.execute_script(FOCUSED) == "keep"
        text = dialog.text
        assert "Su sesión se cerrará pronto" in text and "Seguir trabajando" in text
        assert "Tiempo que queda:" in text and "0:" in text
        # Enter on the focused button keeps the session a full idle length from now (the
        # deadline was at most half of one away) and closes the warning
        kept = datetime.now(timezone.utc) + timedelta(seconds=IDLE_SECONDS - 1)
        es.switch_to.active_element.send_keys(Keys.ENTER)
        wait(es, lambda d: not d.execute_script(OPEN), 10)
        wait(es, lambda d: idle_until(dash, "ana-demo") > kept, 10)
        assert es.execute_script(FOCUSED) != "keep"  # the focus is back on the page
        assert urlparse(es.current_url).path == "/dashboard/"

        # a kept session is warned again; at 1280 px and at 320 px the warning fits
        for driver, name in ((en, "en"), (es, "es")):
            wait(driver, lambda d: d.execute_script(OPEN), WAIT)
            assert driver.execute_script(FOCUSED) == "keep"
            look(driver, tmp_path, name)
        en.quit()

        # left alone: the sign-in page, which says the session ended
        wait(es, lambda d: urlparse(d.current_url).path == "/dashboard/login", WAIT)
        wait(es, lambda d: d.find_elements(By.ID, "session-expired"), 10)
        assert "Su sesión expiró" in es.find_element(By.ID, "session-expired").text
        assert es.find_elements(By.NAME, "password")
    finally:
        es.quit()
        try:
            en.quit()
        except Exception:
            pass
